"""The footer and the status panel say only what is true of the scenario on screen."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from engine import Engine
from observatory.tui import ObservatoryApp
from observatory.tui.help import HelpScreen
from scenarios import World
from scenarios import conway as conway_scenario
from scenarios.params import parse_params
from tests.observatory.tiny_scenario import SCENARIO, defaults

LIMIT_KEYS = {"]", "[", "}", "{"}


def without_limit(engine: Engine, params: Any) -> World:
    world = SCENARIO.build(engine, params)
    world.limit = None  # a scenario with no governance knob
    return world


def test_the_limit_keys_show_only_for_a_scenario_with_a_limit() -> None:
    async def keys(scenario: Any) -> tuple[set[str], list[str], bool]:
        app = ObservatoryApp(scenario, defaults(agents=20), start_at=1.0, clock_figures=False, frame_rate=10)
        async with app.run_test(size=(160, 40)) as pilot:
            await pilot.pause()
            # What the footer shows: the screen's active bindings that are shown.
            shown = {
                active.binding.key_display or key
                for key, active in app.screen.active_bindings.items()
                if active.binding.show
            }
            commands = [command.title for command in app.get_system_commands(app.screen)]
            await pilot.press("question_mark")
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen)
            help_text = str(app.screen.query_one("Static").render())
            await pilot.press("escape")
            limit = app.world.limit
            await pilot.press("right_square_bracket")  # no limit: the key does nothing at all
            assert app.world.limit is limit
            return shown, commands, "limit" in help_text

    with_limit = asyncio.run(keys(SCENARIO))
    bare = asyncio.run(keys(replace(SCENARIO, build=without_limit)))
    assert with_limit[0] >= LIMIT_KEYS and "Raise limit" in with_limit[1] and with_limit[2]
    assert not LIMIT_KEYS & bare[0] and "Raise limit" not in bare[1] and not bare[2]
    assert {"space", "r", "q"} <= bare[0]


def test_the_status_panel_counts_events_and_every_kernel_step_apart() -> None:
    params = parse_params(conway_scenario.ConwayParams, {"width": 8, "height": 8, "generations": 4})

    async def run() -> None:
        app = ObservatoryApp(
            conway_scenario.SCENARIO, params, start_at=1.0, clock_figures=False, frame_rate=10
        )
        async with app.run_test(size=(160, 40)) as pilot:
            await pilot.pause()
            info = app.status_info()
            assert info.events == app.engine.events_emitted and info.steps == app.engine.kernel.steps
            # Events: each cell starts, starts and finishes 4 compute tasks, and ends.
            assert info.events == 64 * (1 + 2 * 4 + 1)
            # Steps: each cell starts and is woken after each gather and each compute; and
            # one exchange delivery per generation, which is no event.
            assert info.steps == 64 * (1 + 2 * 4) + 4
            rows = [" ".join(row.split()) for row in str(app.status.render()).splitlines()]
            assert f"events {info.events:,}" in rows and f"steps {info.steps:,}" in rows

    asyncio.run(run())
