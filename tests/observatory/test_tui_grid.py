"""The grid widget: half-block encoding, run merging, changed-row detection."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from rich.color import Color, ColorSystem
from textual.app import App, ComposeResult
from textual.widgets import Static

from observatory.tui.codes import pack, unpack
from observatory.tui.grid import GridView
from tests.observatory.vt import Terminal

RED, BLUE, GREEN, BLACK = (255, 0, 0), (0, 0, 255), (0, 255, 0), (0, 0, 0)


class GridApp(App[None]):
    """A bare grid; one column per cell unless ``fit`` lets it zoom to fill the view."""

    def __init__(self, shape: tuple[int, int], fit: bool = False) -> None:
        super().__init__()
        self.shape = shape
        self.fit = fit

    def compose(self) -> ComposeResult:
        yield GridView(self.shape, fit=self.fit)


def with_grid(shape: tuple[int, int], check, fit: bool = False) -> None:
    async def run() -> None:
        app = GridApp(shape, fit)
        async with app.run_test(size=(40, 12)) as pilot:
            await pilot.pause()
            check(app.query_one(GridView))

    asyncio.run(run())


def rgb(color: Color) -> tuple[int, int, int]:
    return tuple(color.get_truecolor())


def test_quantising_keeps_every_channel_within_one_level() -> None:
    levels = np.arange(256, dtype=np.uint8)
    colors = np.stack([levels, levels[::-1], levels], axis=1)
    back = np.array([unpack(int(c)) for c in pack(colors)])
    assert np.abs(back.astype(int) - colors.astype(int)).max() <= 7
    assert unpack(int(pack(np.array((255, 0, 255), dtype=np.uint8)))) == (255, 0, 255)


def test_two_cell_rows_share_a_terminal_row_and_equal_runs_share_a_segment() -> None:
    colors = np.array([[RED] * 4, [BLUE] * 4, [GREEN, GREEN, BLUE, BLUE]], dtype=np.uint8)

    def check(grid: GridView) -> None:
        assert grid.show(colors) == 2
        top = list(grid.render_line(0))
        assert [s.text for s in top] == ["▀▀▀▀"]
        assert rgb(top[0].style.color) == RED and rgb(top[0].style.bgcolor) == BLUE
        # The odd last row has the void below it.
        bottom = list(grid.render_line(1))
        assert [s.text for s in bottom] == ["▀▀", "▀▀"]
        assert rgb(bottom[1].style.color) == BLUE and rgb(bottom[1].style.bgcolor) == BLACK
        assert grid.get_line_filters() == ()

    with_grid((3, 4), check)


def test_a_pair_of_one_colour_is_a_space_with_only_a_background() -> None:
    colors = np.array([[RED, BLUE], [RED, GREEN]], dtype=np.uint8)

    def check(grid: GridView) -> None:
        grid.show(colors)
        first, second = list(grid.render_line(0))
        assert first.text == " " and first.style.color is None and rgb(first.style.bgcolor) == RED
        assert second.text == "▀" and rgb(second.style.color) == BLUE

    with_grid((2, 2), check)


def test_only_rows_whose_colours_changed_are_rebuilt() -> None:
    rng = np.random.default_rng(1)
    colors = rng.integers(0, 256, size=(10, 6, 3), dtype=np.uint8)

    def check(grid: GridView) -> None:
        assert grid.show(colors) == 5
        assert grid.show(colors.copy()) == 0
        strips = list(grid._strips)
        changed = colors.copy()
        changed[7, 2] = 255 - changed[7, 2]
        assert grid.show(changed) == 1
        assert [a is b for a, b in zip(strips, grid._strips, strict=True)] == [True] * 3 + [False] + [True]
        # Colours within one quantisation level are the same colour: nothing to redraw.
        assert grid.show(changed ^ 1) == 0

    with_grid((10, 6), check)


def test_rows_out_of_view_are_built_only_when_they_scroll_in() -> None:
    colors = np.zeros((60, 6, 3), dtype=np.uint8)
    colors[50:52] = RED  # terminal row 25, below the 12-line screen

    def check(grid: GridView) -> None:
        grid.show(colors)
        assert 25 in grid._unbuilt
        grid._view = (0, 20, 6)  # what render_lines records when scrolled down by 20 rows
        (segment,) = list(grid.render_line(5))
        assert segment.text == " " * 6 and rgb(segment.style.bgcolor) == RED
        assert 25 not in grid._unbuilt

    with_grid((60, 6), check)


# -- what reaches the terminal -------------------------------------------------------------

PALETTE = np.array([RED, BLUE, GREEN, BLACK, (240, 240, 240)], dtype=np.uint8)


class OverlayGridApp(GridApp):
    """A bare grid with a layer above it for a panel over the grid."""

    CSS = """
    Screen { layers: base above; }
    #over { layer: above; offset: 6 4; width: 16; height: 3; background: darkred; }
    """


def partial_update(app: App) -> str:
    """The bytes of the next partial update, as the screen's refresh would write them."""
    screen = app.screen
    for widget in screen.walk_children(with_self=False):
        if widget._repaint_required:
            widget._repaint_required = False
            screen._dirty_widgets.add(widget)
    screen._compositor.update_widgets(screen._dirty_widgets)
    screen._dirty_widgets.clear()
    update = screen._compositor.render_update(screen_stack=app._background_screens)
    return "" if update is None else update.render_segments(app.console)


def full_update(app: App) -> str:
    return app.screen._compositor.render_update(full=True).render_segments(app.console)


def frames(rng: np.random.Generator, shape: tuple[int, int], count: int):
    """Colour frames changing all, a few scattered, or a band of cells, in turn."""
    state = rng.integers(0, len(PALETTE), size=shape)
    for i in range(count):
        kind = i % 3
        if kind == 0:
            state = rng.integers(0, len(PALETTE), size=shape)
        elif kind == 1:
            idx = rng.integers(0, state.size, size=max(1, state.size // 20))
            state.flat[idx] = rng.integers(0, len(PALETTE), size=idx.size)
        else:
            row = rng.integers(0, shape[0])
            state[row : row + 2, rng.integers(0, shape[1]) :] = rng.integers(0, len(PALETTE))
        yield PALETTE[state]


@pytest.mark.parametrize("system", [ColorSystem.TRUECOLOR, ColorSystem.EIGHT_BIT])
def test_partial_updates_leave_the_terminal_as_a_full_redraw_would(system: ColorSystem) -> None:
    """Frames, panning and cursor moves; after each, the terminal equals a fresh full redraw."""
    shape, size = (25, 60), (40, 12)

    def canon(colour):
        # Rendered styles keep their codes for the process: compare what a 256-colour terminal shows.
        if system == ColorSystem.EIGHT_BIT and colour is not None and colour[0] != "index":
            return ("index", Color.from_rgb(*colour).downgrade(system).number)
        return colour

    async def run() -> None:
        app = OverlayGridApp(shape)
        async with app.run_test(size=size) as pilot:
            app.console._color_system = system
            grid = app.query_one(GridView)
            rng = np.random.default_rng(7)
            term = Terminal(*size)
            term.feed(full_update(app))
            for i, colors in enumerate(frames(rng, shape, 30)):
                if i == 15:  # a panel over the grid: spans under it must not show through
                    await app.mount(Static("over the grid", id="over"))
                    await pilot.pause()
                    term = Terminal(*size)
                    term.feed(full_update(app))
                    assert "over the grid" in "".join(cell[0] for cell in term.cells.values())
                if i % 7 == 3:
                    grid.scroll_to(rng.integers(0, 30), rng.integers(0, 6), animate=False, immediate=True)
                if i % 5 == 4:
                    grid.move_cursor(int(rng.integers(0, shape[0])), int(rng.integers(0, shape[1])))
                grid.show(colors)
                term.feed(partial_update(app))
                fresh = Terminal(*size)
                fresh.feed(full_update(app))
                assert term.screen(canon) == fresh.screen(canon), f"frame {i}"

    asyncio.run(run())


def test_one_changed_cell_is_written_up_to_it_not_beyond() -> None:
    """Through Textual (the public path) a line is written from the widget's left edge to the
    last changed cell; the rest of the row stays as it is."""
    shape = (4, 36)
    colors = np.zeros((*shape, 3), dtype=np.uint8)
    colors[:] = BLUE

    async def run() -> None:
        app = OverlayGridApp(shape)
        async with app.run_test(size=(40, 12)):
            app.console._color_system = ColorSystem.TRUECOLOR
            grid = app.query_one(GridView)
            grid.show(colors)
            partial_update(app)
            changed = colors.copy()
            changed[2, 30] = RED
            grid.show(changed)
            written = partial_update(app)
            # From the border (row 1 + border) to column 31 + border, the red cell last.
            assert written.startswith("\x1b[3;1H") and written.endswith("▀\x1b[0m")
            assert written.count("▀") == 1 and written.count(" ") == 30

    asyncio.run(run())


def test_a_small_grid_zooms_to_square_blocks_that_fill_the_view_and_clicks_map_back() -> None:
    colors = np.array([[RED, BLUE], [GREEN, BLACK]], dtype=np.uint8)

    def check(grid: GridView) -> None:
        # 40 x 12 terminal less the border: 38 columns, 10 rows = 20 half rows -> zoom 10 caps at 8.
        assert grid.zoom == 8
        grid.show(colors)
        assert grid.virtual_size.width == 16 and grid.virtual_size.height == 8
        top = list(grid.render_line(0))
        assert sum(seg.cell_length for seg in top if rgb(seg.style.bgcolor) == RED) == 8
        assert grid.cell_at(9, 5) == (1, 1)
        assert grid.cell_at(7, 3) == (0, 0)
        assert grid.view_window() == (0, 2, 0, 2)

    with_grid((2, 2), check, fit=True)


def test_a_grid_larger_than_the_view_keeps_one_column_per_cell() -> None:
    def check(grid: GridView) -> None:
        assert grid.zoom == 1
        assert grid.view_window() == (0, 18, 0, 36)  # scroll bars take 2 columns and 1 row

    with_grid((50, 60), check, fit=True)


def test_without_zoom_a_second_click_on_a_terminal_cell_picks_its_lower_half() -> None:
    async def run() -> None:
        app = GridApp((6, 6))
        async with app.run_test(size=(40, 12)) as pilot:
            await pilot.click(GridView, offset=(1 + 3, 1 + 1))
            assert app.query_one(GridView).cursor == (2, 3)
            await pilot.click(GridView, offset=(1 + 3, 1 + 1))
            assert app.query_one(GridView).cursor == (3, 3)

    asyncio.run(run())
