"""Every key of the TUI, driven headlessly with the Pilot, asserted in virtual time."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import numpy as np
import pytest

from engine import Engine
from engine.commands import Command
from observatory import metrics
from observatory.tui import ObservatoryApp
from observatory.tui.help import HelpScreen
from tests.observatory.tiny_scenario import SCENARIO, defaults, traced

SIZE = (120, 40)


def paused_app(at: float = 2.0, **params) -> ObservatoryApp:
    """An app paused at virtual time ``at``: keys act on a frozen, known state.

    A low frame rate keeps the process idle enough for the Pilot's waits.
    """
    return ObservatoryApp(
        traced(), defaults(**params), seed=3, speed=1.0, start_at=at, clock_figures=False, frame_rate=10
    )


def unpaced(seed: int, until: float, **params) -> tuple[list, np.ndarray]:
    """The reference: the same run with no UI, as fast as possible."""
    engine = Engine(seed)
    world = traced().build(engine, defaults(**params))
    engine.run(until=until)
    return world.trace, world.state.copy()


def test_space_full_stop_plus_and_minus_pace_virtual_time() -> None:
    async def run() -> None:
        app = paused_app()
        async with app.run_test(size=SIZE) as pilot:
            assert app.pacer.paused and app.engine.now == 2.0
            steps = app.engine.kernel.steps
            await pilot.press("full_stop", "full_stop", "full_stop")
            assert app.engine.kernel.steps == steps + 3  # exactly one event per press
            await pilot.press("plus", "plus")
            assert app.pacer.speed == 4.0
            await pilot.press("minus", "minus", "minus")
            assert app.pacer.speed == 0.5 and app.status_info().speed == 0.5
            await pilot.press("space")
            assert not app.pacer.paused
            await pilot.pause(0.1)
            await pilot.press("space")
            assert app.pacer.paused
            stopped = app.engine.now
            assert stopped > 2.0
            await pilot.pause(0.1)
            assert app.engine.now == stopped  # the screen stays live, virtual time does not move
            await pilot.press("space", "full_stop")
            assert app.pacer.paused  # a step while running pauses first

    asyncio.run(run())


def test_brackets_change_the_live_engine_limit_at_once() -> None:
    async def run() -> None:
        app = paused_app(slots=5)
        async with app.run_test(size=SIZE) as pilot:

            def live() -> int:
                return app.engine.constraint("task:work", "concurrency").limit

            await pilot.press("right_square_bracket")
            assert live() == 6 and app.world.limit.current(app.engine) == 6
            await pilot.press("right_curly_bracket")
            assert live() == 16
            await pilot.press("left_square_bracket")
            assert live() == 15
            await pilot.press("left_curly_bracket", "left_curly_bracket")
            assert live() == 1  # never below one slot
            assert app.status_info().limit == "slots: 1"
            assert "slots: 1" in str(app.status.render())
            # The change is an outside command, logged with its virtual time.
            last = app.engine.commands[-1]
            assert last.time == 2.0
            assert last.command == Command("concurrency", {"scope": "task:work", "limit": 1})
            # Lowering lets running tasks finish; raising past them starts waiters at once.
            blocked = app.world.counts()["blocked"]
            assert app.world.counts()["running"] == 16 and blocked > 10
            await pilot.press("right_curly_bracket", "right_curly_bracket")
            assert live() == 21
            assert app.world.counts()["running"] == 21
            assert app.world.counts()["blocked"] == blocked - 5
            # Each press is a command in the metrics record, with its instant.
            record = metrics.collect(app.scenario, app.params, app.seed, app.engine, app.world, 0.0)
            assert [(c["time"], c["command"], c["args"]["limit"]) for c in record["commands"]] == [
                (2.0, "concurrency", n) for n in (6, 16, 15, 5, 1, 11, 21)
            ]
            assert record["limits_final"] == [
                {"scope": "task:work", "kind": "concurrency", "setting": "limit 21"}
            ]

    asyncio.run(run())


def test_r_restarts_the_identical_run_and_n_takes_the_next_seed() -> None:
    async def run() -> None:
        app = paused_app()
        async with app.run_test(size=SIZE) as pilot:
            first = app.engine
            await pilot.press("right_curly_bracket", "r")
            assert app.engine is not first and app.seed == 3 and app.engine.now == 0.0
            assert app.pacer.paused
            assert app.world.limit.value == 40  # the parameters' limit, not the changed one
            app.engine.run(until=4.0)
            trace, state = unpaced(3, 4.0)
            assert app.world.trace == trace
            assert np.array_equal(app.world.state, state)
            await pilot.press("n")
            assert app.seed == 4 and app.engine.seed == 4

    asyncio.run(run())


def test_question_mark_opens_help_escape_closes_it_and_q_quits() -> None:
    async def run() -> None:
        app = paused_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape")
            assert not isinstance(app.screen, HelpScreen)
            await pilot.press("q")
            await pilot.pause()
            assert app._exit  # the app was asked to exit
        assert not app.is_running

    asyncio.run(run())


def test_command_palette_offers_the_same_actions() -> None:
    async def run() -> None:
        app = paused_app(slots=5)
        async with app.run_test(size=SIZE) as pilot:
            titles = {c.title for c in app.get_system_commands(app.screen)}
            assert {
                "Pause / resume",
                "Step",
                "Faster",
                "Slower",
                "Raise limit",
                "Restart",
                "New seed",
            } <= titles
            await pilot.press("ctrl+p", *"raise")
            await pilot.pause(0.2)
            await pilot.press("enter")
            await pilot.pause()
            assert app.engine.constraint("task:work", "concurrency").limit == 6

    asyncio.run(run())


def test_a_world_that_is_done_pauses_the_run() -> None:
    async def run() -> None:
        app = ObservatoryApp(traced(), defaults(stop_at=0.5), seed=3, speed=8.0, frame_rate=20)
        async with app.run_test(size=SIZE) as pilot:
            for _ in range(50):
                await pilot.pause(0.05)
                if app.pacer.paused:
                    break
            assert app.pacer.paused and app.world.done
            assert app.status_info().done
            stopped = app.engine.now
            await pilot.pause(0.1)
            assert app.engine.now == stopped

    asyncio.run(run())


def test_closing_the_tui_writes_the_metrics_of_the_run_on_screen(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from observatory.tui import app as tui_app
    from observatory.tui.session import run_tui

    def quit_after_a_restart(app: tui_app.ObservatoryApp) -> None:
        app._build(5, 1.0, paused=True, run_to=3.0)  # as if 'n' had been pressed and time had run

    monkeypatch.setattr(tui_app.ObservatoryApp, "run", quit_after_a_restart)
    out = tmp_path / "m.json"
    assert run_tui(SCENARIO, defaults(), 1, 1.0, metrics_out=out) == 0
    record = json.loads(out.read_text())
    assert (record["scenario"], record["seed"], record["sim_time"]) == ("tiny", 5, 3.0)
    assert record["completed"] > 0
