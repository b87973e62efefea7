"""The inspector: selecting by click or cursor, and the selected agent's recent events."""

from __future__ import annotations

import asyncio

from engine import TaskStarted
from observatory.tui import ObservatoryApp
from observatory.tui.grid import GridView
from tests.observatory.tiny_scenario import defaults, traced

SIZE = (120, 40)


def paused_app() -> ObservatoryApp:
    return ObservatoryApp(traced(), defaults(), seed=7, start_at=3.0, clock_figures=False, frame_rate=10)


def test_click_or_arrows_and_enter_select_an_agent() -> None:
    async def run() -> None:
        app = paused_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            z = app.grid.zoom
            assert z >= 2  # 12 x 25 cells are drawn as z x z blocks that fill the view

            def middle_of(row: int, col: int) -> tuple[int, int]:
                # The grid's content starts inside its one-cell border.
                return 1 + col * z + z // 2, 1 + (row * z + z // 2) // 2

            await pilot.click(GridView, offset=middle_of(4, 4))
            assert app.selected == app.world.agent_at(4, 4)
            view = app.inspector.view
            assert view is not None and view.id == app.selected and view.cell == (4, 4)
            assert view.name == f"tiny-{view.id}"
            assert view.details["state"] in {"thinking", "blocked", "running"}
            await pilot.click(GridView, offset=middle_of(5, 4))
            assert app.selected == app.world.agent_at(5, 4)
            await pilot.press("up", "up", "up", "left", "enter")
            assert app.grid.cursor == (2, 3)
            assert app.selected == app.world.agent_at(2, 3)
            await pilot.pause(0.15)  # one panel update
            assert "cursor 2,3" in str(app.grid.border_subtitle)

    asyncio.run(run())


def test_recent_events_are_exactly_the_selected_agents_latest() -> None:
    async def run() -> None:
        app = paused_app()
        async with app.run_test(size=SIZE) as pilot:
            agent = 17
            app.select(agent)
            start = len(app.world.trace)
            await pilot.press("full_stop")
            app.engine.run(until=12.0)
            app._update_panels()
            view = app.inspector.view
            mine = [e for e in app.world.trace[start:] if e[2] == agent]
            assert len(mine) > 12  # more than the ring buffer holds
            shown = [(type(e).__name__, e.time, e.agent, e.task) for e in view.events]
            assert shown == mine[-12:]
            assert view.task == "none" or view.task.startswith("work (")

    asyncio.run(run())


def test_a_new_selection_stops_watching_the_old_agent() -> None:
    async def run() -> None:
        app = paused_app()
        async with app.run_test(size=SIZE):
            listeners = app.engine.bus.subscribers(TaskStarted)
            before = len(listeners)
            app.select(1)
            assert len(listeners) == before + 1
            app.select(2)
            assert len(listeners) == before + 1
            app.select(None)
            assert len(listeners) == before and app.inspector.view is None

    asyncio.run(run())


def test_dragging_pans_a_grid_larger_than_the_view() -> None:
    async def run() -> None:
        app = ObservatoryApp(traced(), defaults(agents=6000), seed=7, start_at=0.5, clock_figures=False)
        async with app.run_test(size=SIZE) as pilot:
            assert app.world.shape[1] > app.grid.scrollable_content_region.width
            await pilot.mouse_down(GridView, offset=(40, 5))
            await pilot.hover(GridView, offset=(15, 4))
            await pilot.mouse_up(GridView, offset=(15, 4))
            assert (app.grid.scroll_x, app.grid.scroll_y) == (25, 0)
            assert app.selected is None  # a drag is not a click

    asyncio.run(run())
