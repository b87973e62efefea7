"""What the screen looks like: SVG snapshots at a fixed seed and virtual time.

Update on purpose with ``pytest tests/observatory/test_tui_snapshots.py
--snapshot-update`` and look at the new SVGs before committing them.
"""

from __future__ import annotations

from observatory.tui import ObservatoryApp
from scenarios import registry
from scenarios.params import parse_params
from tests.observatory.tiny_scenario import SCENARIO, defaults

SIZE = (140, 42)


def still(**params) -> ObservatoryApp:
    """Paused at virtual time 5 with wall-clock figures hidden: the same picture every time."""
    return ObservatoryApp(SCENARIO, defaults(**params), seed=1, start_at=5.0, clock_figures=False)


def test_tiny_scenario_at_five_seconds(snap_compare) -> None:
    assert snap_compare(still(), terminal_size=SIZE)


def test_inspecting_an_agent_with_its_recent_events(snap_compare) -> None:
    async def select_then_run(pilot) -> None:
        await pilot.press("right", "right", "down", "enter")
        pilot.app.engine.run(until=9.0)

    keys = ["full_stop"]  # one step, which also redraws the panels
    assert snap_compare(still(), run_before=select_then_run, press=keys, terminal_size=SIZE)


def test_limit_raised_by_eleven(snap_compare) -> None:
    keys = ["right_curly_bracket", "right_square_bracket", "full_stop"]
    assert snap_compare(still(slots=4), press=keys, terminal_size=SIZE)


def test_grid_larger_than_the_view_scrolled_to_the_cursor(snap_compare) -> None:
    async def to_corner(pilot) -> None:
        pilot.app.grid.move_cursor(50, 110)
        await pilot.pause()

    assert snap_compare(still(agents=6000), run_before=to_corner, terminal_size=SIZE)


def test_help(snap_compare) -> None:
    assert snap_compare(still(), press=["question_mark"], terminal_size=SIZE)


def scenario_still(name: str, at: float, **values) -> ObservatoryApp:
    """A bundled scenario paused at virtual time ``at``, wall-clock figures hidden."""
    scenario = registry.load(name)
    params = parse_params(scenario.params, values)
    return ObservatoryApp(scenario, params, seed=3, start_at=at, clock_figures=False)


def test_bottleneck_queue_behind_twenty_slots(snap_compare) -> None:
    assert snap_compare(scenario_still("bottleneck", 6.0, slots=20), terminal_size=SIZE)


def test_fireflies_falling_into_step(snap_compare) -> None:
    app = scenario_still("fireflies", 20.0, width=40, height=30)
    assert snap_compare(app, terminal_size=SIZE)


def test_conway_with_lost_messages_shows_its_errors(snap_compare) -> None:
    app = scenario_still("conway", 2.0, width=48, height=32, loss=0.01, patience=0.25)
    assert snap_compare(app, terminal_size=SIZE)
