"""Frames painted straight to the terminal: the screen ends as a full redraw would draw it."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from rich.color import Color, ColorSystem
from textual.screen import Screen
from textual.widgets import Static

from observatory.tui import ObservatoryApp, textual_private
from observatory.tui.codes import pack, unpack
from observatory.tui.feed import MAX_BACKLOG, Frame, TerminalFeed
from observatory.tui.grid import GridView
from tests.observatory.test_tui_grid import OverlayGridApp, frames, full_update, partial_update
from tests.observatory.tiny_scenario import SCENARIO, defaults
from tests.observatory.vt import Terminal


class Cover(Screen):
    """Another screen over the main one (as help or the command palette)."""

    def compose(self):
        yield Static("another screen")


def looks(term: Terminal, system: ColorSystem) -> dict:
    """What each cell shows: a space, a full block and a half block of the same colours alike."""

    def canon(colour):
        if system == ColorSystem.EIGHT_BIT and colour is not None and colour[0] != "index":
            return ("index", Color.from_rgb(*colour).downgrade(system).number)
        return colour

    out = {}
    for xy, (char, fg, bg, attrs) in term.cells.items():
        if char == " " and not attrs:
            char, fg = "▀", bg
        elif char == "█" and not attrs:
            char, bg = "▀", fg
        out[xy] = (char, canon(fg), canon(bg), attrs)
    return out


@pytest.mark.parametrize("system", [ColorSystem.TRUECOLOR, ColorSystem.EIGHT_BIT])
def test_direct_frames_and_textual_updates_leave_the_terminal_as_a_full_redraw_would(
    system: ColorSystem,
) -> None:
    """Frames, panning, cursor moves, an overlay, another screen and a slow terminal."""
    shape, size = (25, 60), (40, 12)

    async def run() -> None:
        app = OverlayGridApp(shape)
        async with app.run_test(size=size) as pilot:
            app.console._color_system = system
            grid = app.query_one(GridView)
            grid.direct.feed = feed = TerminalFeed(app)
            written: list[str] = []
            app._driver.write = written.append
            rng = np.random.default_rng(11)
            term = Terminal(*size)
            term.feed(full_update(app))
            modes = []
            for i, colors in enumerate(frames(rng, shape, 60)):
                if i == 20:  # an overlay on the grid: Textual draws the grid while it is there
                    await app.mount(Static("over the grid", id="over"))
                    await pilot.pause()
                if i == 26:
                    await app.query_one("#over").remove()
                    await pilot.pause()
                if i == 32:
                    await app.push_screen(Cover())
                    await pilot.pause()
                if i == 36:
                    app.pop_screen()
                    await pilot.pause()
                    term.feed(full_update(app))  # a screen coming back is drawn whole
                if i in (16, 40):  # the terminal takes nothing for a while: frames are left out
                    feed.sent += MAX_BACKLOG
                if i in (19, 43):
                    feed.sent -= MAX_BACKLOG
                if i % 7 == 3:
                    grid.scroll_to(rng.integers(0, 30), rng.integers(0, 6), animate=False, immediate=True)
                if i % 5 == 4:
                    grid.move_cursor(int(rng.integers(0, shape[0])), int(rng.integers(0, shape[1])))
                sent = feed.sent
                grid.show(colors)
                direct = grid.direct.active
                modes.append("direct" if feed.sent > sent else "-" if direct else "textual")
                # In the order they reach the terminal: the frame, then Textual's next update.
                for text in written:
                    if type(text) is Frame:  # not Textual's other codes (the pointer's shape)
                        term.feed(text)
                written.clear()
                if app.screen is grid.screen:
                    term.feed(partial_update(app))
                else:
                    term.feed(app.screen._compositor.render_update(full=True).render_segments(app.console))
                if i in (16, 17, 18, 40, 41, 42) or app.screen is not grid.screen:
                    continue  # left out, or not on screen
                fresh = Terminal(*size)
                fresh.feed(full_update(app))
                assert looks(term, system) == looks(fresh, system), f"frame {i}"
            # "-": nothing sent (nothing changed, or left out).
            assert "textual" not in modes[:20] + modes[26:32] + modes[36:]
            assert modes[16:19] == ["-"] * 3 and modes[40:43] == ["-"] * 3
            assert set(modes[20:26]) == set(modes[32:36]) == {"textual"}
            assert modes.count("direct") >= 35

    asyncio.run(run())


def test_frames_count_when_the_terminal_takes_them() -> None:
    async def run() -> None:
        app = OverlayGridApp((10, 10))
        async with app.run_test(size=(40, 12)):
            feed = TerminalFeed(app)
            assert feed.send("a") and feed.backlog == 0  # headless: taken at once
            feed.sent += MAX_BACKLOG  # three frames the terminal has not taken
            assert not feed.send("b")
            feed._took()
            assert feed.send("c")
            assert feed.fps() == 3.0  # "a", the one taken, "c"
            assert feed.fps(now=feed.times[-1] + 2.0) == 0.0

    asyncio.run(run())


def test_the_start_up_check_names_what_the_direct_path_lacks() -> None:
    async def run() -> None:
        app = OverlayGridApp((4, 4))
        async with app.run_test(size=(40, 12)):
            assert textual_private.missing(app) == ""  # this Textual has all of it
            del app._sync_available  # as a Textual release without it would be
            assert textual_private.missing(app) == "App._sync_available"

    asyncio.run(run())


def test_without_the_private_parts_the_app_draws_the_grid_through_textual(monkeypatch) -> None:
    """The fallback forced: no direct frames, and every frame the screen a full redraw would show,
    its grid cells the world's colours."""
    monkeypatch.setattr(textual_private, "FORCE_PUBLIC", True)
    size = (100, 30)

    async def run() -> None:
        app = ObservatoryApp(SCENARIO, defaults(agents=200), seed=1, start_at=1.0, clock_figures=False)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            assert app.grid.direct.feed is None
            app.console._color_system = ColorSystem.TRUECOLOR  # headless, Rich picks 16 colours
            term = Terminal(*size)
            term.feed(full_update(app))
            for step in range(8):
                app.engine.run(until=1.0 + 0.25 * (step + 1))
                app._stale = True
                app._frame()
                assert not app.grid.direct.active
                term.feed(partial_update(app))
                fresh = Terminal(*size)
                fresh.feed(full_update(app))
                assert term.screen() == fresh.screen(), f"frame {step}"
            colors = app.world.colors()
            left, top = app.grid.content_region.offset
            zoom = app.grid.zoom
            for row, col in [(0, 0), (3, 7), (9, 19)]:
                char, fg, bg, _ = term.cells[(left + col * zoom, top + row * zoom // 2)]
                shown = bg if char == " " or (row * zoom) % 2 else fg  # a space: both halves alike
                assert shown == unpack(int(pack(colors[row, col]))), (row, col)

    asyncio.run(run())


def test_panels_updating_beside_direct_frames_leave_the_terminal_as_a_full_redraw_would() -> None:
    """Textual renders the grid for a panel's partial update too; those lines reach no terminal,
    so direct frames go on from what the terminal shows."""
    size = (100, 30)

    async def run() -> None:
        app = ObservatoryApp(SCENARIO, defaults(agents=200), seed=1, start_at=1.0, clock_figures=False)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            app.console._color_system = ColorSystem.TRUECOLOR
            written: list[str] = []
            app._driver.write = written.append
            term = Terminal(*size)
            term.feed(full_update(app))
            sent = app.feed.sent
            for step in range(10):
                app.engine.run(until=1.0 + 0.25 * (step + 1))
                app._stale = True
                app._frame()
                app._update_panels()
                assert app.grid.direct.active
                for text in written:
                    if type(text) is Frame:
                        term.feed(text)
                written.clear()
                term.feed(partial_update(app))
                fresh = Terminal(*size)
                fresh.feed(full_update(app))
                assert looks(term, ColorSystem.TRUECOLOR) == looks(fresh, ColorSystem.TRUECOLOR), step
            assert app.feed.sent > sent

    asyncio.run(run())
