"""The control room in the TUI: the controls panel, the ``:`` command line, the palette, pauses shown.

Driven with the Pilot on a paused bottleneck run: every change is a command,
applied at the paused instant and logged, so each test asserts the engine's
state and its command log exactly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from engine.commands import AppliedCommand
from observatory.scheduled import parse_scheduled
from observatory.tui import ObservatoryApp
from observatory.tui.command_line import CommandInput
from observatory.tui.controls import ControlsPanel
from scenarios.params import parse_params
from scenarios.registry import load

SIZE = (150, 50)
BOTTLENECK = load("bottleneck")


def paused_bottleneck(at: float = 2.0, commands: tuple[str, ...] = (), **values: str) -> ObservatoryApp:
    params = parse_params(BOTTLENECK.params, {"agents": "100", "slots": "5", **values})
    scheduled = parse_scheduled(commands, BOTTLENECK, params)
    return ObservatoryApp(
        BOTTLENECK, params, seed=1, start_at=at, clock_figures=False, frame_rate=10, commands=scheduled
    )


def drive(test: Callable[[ObservatoryApp, object], Awaitable[None]], **kwargs) -> None:
    async def run() -> None:
        app = paused_bottleneck(**kwargs)
        async with app.run_test(size=SIZE) as pilot:
            await test(app, pilot)

    asyncio.run(run())


def log(app: ObservatoryApp) -> list[tuple[float, str]]:
    return [(a.time, a.command.text()) for a in app.engine.commands]


def limit(app: ObservatoryApp) -> int | None:
    live = app.engine.constraint("task:work", "concurrency")
    return None if live is None else live.limit


# -- the controls panel ------------------------------------------------------------------------


def test_tab_focuses_the_panel_and_arrows_choose_and_step_live_values() -> None:
    async def test(app: ObservatoryApp, pilot) -> None:
        await pilot.press("tab")
        assert isinstance(app.focused, ControlsPanel)
        assert [r.label for r in app.controls.rows] == ["slots", "think", "service", "task:work"]
        await pilot.press("right", "right", "left")
        assert limit(app) == 6
        assert log(app) == [(2.0, "set slots 6"), (2.0, "set slots 7"), (2.0, "set slots 6")]
        await pilot.press("down", "right")
        assert app.engine.live_parameters["think"].current().mean == 1.25
        assert log(app)[-1] == (2.0, "set think uniform:0.625,1.875")
        await pilot.press("down", "down", "left")  # the constraint row: its limit by one
        assert limit(app) == 5 and log(app)[-1] == (2.0, "concurrency task:work 5")
        await pilot.press("down")  # wraps to the first row
        assert app.controls.row.label == "slots" and app.controls.row.value == "5"

    drive(test)


def test_enter_edits_a_value_in_place_and_a_bad_value_changes_nothing() -> None:
    async def test(app: ObservatoryApp, pilot) -> None:
        await pilot.press("tab", "down", "down", "enter")
        assert app.controls.editing and app.focused is app.controls._input
        assert app.controls._input.value == "uniform:0.1,0.3"
        app.controls._input.value = ""
        await pilot.press(*"exp:0", "enter")
        assert app.controls.editing  # refused: still editing, the reason on one line
        assert app.controls.error.startswith("--service: 'exp:0' is not a valid distribution")
        assert app.engine.commands == []
        app.controls._input.value = ""
        await pilot.press(*"const:0.25", "enter")
        assert not app.controls.editing and app.controls.error == ""
        assert log(app) == [(2.0, "set service const:0.25")]
        await pilot.press("enter", "escape")  # an edit given up
        assert not app.controls.editing and isinstance(app.focused, ControlsPanel)
        assert len(app.engine.commands) == 1

    drive(test)


def test_delete_clears_the_chosen_constraint_and_its_row_goes() -> None:
    async def test(app: ObservatoryApp, pilot) -> None:
        app.submit_text("pause task:work 4")
        await pilot.press("tab", "up")  # from slots up to the last row: the pause
        assert app.controls.row.label == "task:work" and "paused" in app.controls.row.value
        assert "ttl 4 s" in app.controls.row.detail
        await pilot.press("delete")
        assert app.engine.constraint("task:work", "pause") is None
        assert log(app)[-1] == (2.0, "resume task:work")
        await pilot.pause()
        assert [r.label for r in app.controls.rows] == ["slots", "think", "service", "task:work"]

    drive(test)


def test_a_click_chooses_a_row() -> None:
    async def test(app: ObservatoryApp, pilot) -> None:
        await pilot.click("#controls", offset=(4, 2))  # border, then slots, think: the second row
        assert app.focused is app.controls and app.controls.row.label == "think"
        await pilot.click("#controls", offset=(4, 4))  # the constraint row (two lines)
        assert app.controls.row.label == "task:work"

    drive(test)


# -- the command line ----------------------------------------------------------------------------


def keys(text: str) -> list[str]:
    return ["space" if ch == " " else ch for ch in text]


def test_every_command_from_the_command_line() -> None:
    async def test(app: ObservatoryApp, pilot) -> None:
        texts = [
            "set think exp:2",
            "concurrency task:work 9",
            "rate-limit task:work 4/s 2",
            "pause task:work 3",
            "resume task:work",
            "pause global",
            "clear global",
            "clear task:work rate-limit",
        ]
        for text in texts:
            await pilot.press("colon", *keys(text), "enter")
            assert not app.command_line.is_open
        assert log(app) == [(2.0, t) for t in texts]
        assert limit(app) == 9
        assert [(c.scope, c.kind) for c in app.engine.constraints()] == [("task:work", "concurrency")]

    drive(test)


def test_a_bad_command_stays_on_the_line_with_one_line_and_changes_nothing() -> None:
    async def test(app: ObservatoryApp, pilot) -> None:
        for text, reason in [
            ("concurrency task:work 0", "limit '0' is not valid: use a whole number >= 1"),
            ("set slots none", "--slots: 'none' is not valid: use a whole number >= 1"),
            ("set agents 5", "set: 'agents' is not a live parameter: use one of service, slots, think"),
            ("pause work", "scope 'work' is not valid"),
            ("rate-limit task:work fast", "rate 'fast' is not valid"),
            ("launch", "unknown command 'launch'"),
        ]:
            await pilot.press("colon", *keys(text), "enter")
            line = app.command_line
            assert line.is_open and line.input.value == text
            shown = str(line.error.render())
            assert reason in shown and "\n" not in shown and "Traceback" not in shown
            await pilot.press("escape")
            assert not line.is_open
        assert app.engine.commands == [] and limit(app) == 5

    drive(test)


def test_history_walks_back_and_forth_through_applied_commands() -> None:
    async def test(app: ObservatoryApp, pilot) -> None:
        for text in ("concurrency task:work 7", "set slots 8", "set slots 8"):
            await pilot.press("colon", *keys(text), "enter")
        await pilot.press("colon", *keys("paus"))
        field = app.command_line.input
        assert isinstance(field, CommandInput) and field.history == ["concurrency task:work 7", "set slots 8"]
        await pilot.press("up")
        assert field.value == "set slots 8"
        await pilot.press("up", "up")
        assert field.value == "concurrency task:work 7"
        await pilot.press("down", "down")
        assert field.value == "paus"  # back to what was being typed
        await pilot.press("up", "enter")
        assert log(app)[-1] == (2.0, "set slots 8")

    drive(test)


def test_tab_completes_command_names_parameters_scopes_and_kinds() -> None:
    async def test(app: ObservatoryApp, pilot) -> None:
        field = app.command_line.input
        await pilot.press("colon", "r", "a", "tab")
        assert field.value == "rate-limit "
        await pilot.press("t", "tab")
        assert field.value == "rate-limit task:"  # task:work and task:* agree this far
        field.value = "set th"
        await pilot.press("tab")
        assert field.value == "set think "
        field.value = "clear task:work r"
        await pilot.press("tab")
        assert field.value == "clear task:work rate-limit "
        field.value = "c"
        await pilot.press("tab")
        assert field.value == "c"  # concurrency and clear: nothing to add
        assert app.focused is field  # Tab stayed in the line

    drive(test)


# -- palette, status, grid, inspector -----------------------------------------------------------


def test_the_palette_offers_the_command_line_each_live_parameter_and_each_command() -> None:
    async def test(app: ObservatoryApp, pilot) -> None:
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in ("Command line", "Set slots", "Set think", "Set service", "Limit a scope",
                      "Rate-limit a scope", "Pause a scope", "Resume a scope", "Clear a scope"):
            assert title in titles
        entry = next(c for c in app.get_system_commands(app.screen) if c.title == "Pause a scope")
        entry.callback()
        await pilot.pause()
        assert app.command_line.is_open and app.command_line.input.value == "pause "

    drive(test)


def test_status_lists_every_constraint_and_a_paused_scope_shows_on_the_grid_and_in_the_inspector() -> None:
    async def test(app: ObservatoryApp, pilot) -> None:
        app.submit_text("rate-limit global 50/s")
        app.submit_text("pause task:work 6")
        app.engine.run(until=3.0)
        app._update_panels()
        assert app.status_info().constraints == (
            "task:work limit 5",
            "global rate 50/s burst 50",
            "task:work paused  ttl 5 s",
        )
        assert app.grid.border_subtitle == "paused task:work (5 s left)"
        blocked = next(i for i in range(100) if app.world.describe_agent(i)["state"] == "blocked")
        app.select(blocked)
        assert app.inspector.view.task == "work paused: pause task:work paused (5 s left)"

    drive(test)


def test_scheduled_commands_apply_at_their_time_in_the_tui_and_again_after_a_restart() -> None:
    async def test(app: ObservatoryApp, pilot) -> None:
        assert log(app) == [(1.5, "set slots 3")]  # the app was run to t = 2 before its first frame
        assert limit(app) == 3
        app.engine.run(until=4.0)
        assert log(app)[-1] == (3.0, "pause task:work 0.5")
        await pilot.press("r")
        assert app.engine.now == 0.0 and app.engine.commands == []
        app.engine.run(until=4.0)
        assert log(app) == [(1.5, "set slots 3"), (3.0, "pause task:work 0.5")]

    drive(test, commands=("3:pause task:work 0.5", "1.5:set slots 3"))


def test_commands_from_the_keys_equal_the_same_commands_scheduled() -> None:
    # A run steered in the TUI and a fresh run given its log end with the same engine state.
    async def test(app: ObservatoryApp, pilot) -> None:
        await pilot.press("tab", "right", "right")
        await pilot.press("colon", *keys("pause task:work 1"), "enter")
        app.engine.run(until=6.0)
        entries = [a.as_dict() for a in app.engine.commands]
        fresh = paused_bottleneck(at=None)
        for entry in entries:
            applied = AppliedCommand.from_dict(entry)
            fresh.engine.schedule(applied.time, applied.command)
        fresh.engine.run(until=6.0)
        assert fresh.engine.events_emitted == app.engine.events_emitted
        assert fresh.world.metrics() == app.world.metrics()
        assert fresh.engine.constraint_log == app.engine.constraint_log

    drive(test)
