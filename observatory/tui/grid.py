"""The grid: one cell per agent, two cell rows per terminal row.

Each terminal cell shows two grid cells with the upper half block ``▀``:
foreground = top cell, background = bottom cell. Colours are quantised to
32 levels per channel and packed into one int per terminal cell, so a frame
is compared with the last one in numpy and only terminal rows whose colours
changed are rebuilt. Runs of equal cells share one Segment; one Segment per
(colour pair, run length) and one Strip per terminal row are cached. Every
style is already RGB, so Textual's ANSI-to-truecolour line filter is left out.

A changed row is refreshed from its first to its last changed cell. Content
lines are joined here from the row and the border pieces, not styled line
by line by Textual. All of this is Textual's public Line API.

Given a ``TerminalFeed`` (``grid.direct.feed``), frames skip Textual while
nothing covers the grid: see ``direct``. Strips are then built only when
Textual asks for lines.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from observatory.tui.codes import pack, unpack
from observatory.tui.direct import DirectPainting

# Colour of the half cell below an odd last row, and of the cursor.
_VOID = (0, 0, 0)
_CURSOR = (255, 0, 255)
_CURSOR_ALT = (0, 255, 0)
MAX_ZOOM = 8
_SEGMENT_CACHE_MAX = 65536


class GridView(ScrollView, can_focus=True):
    """Shows a (rows, cols, 3) colour array; a cursor picks a cell to inspect."""

    DEFAULT_CSS = """
    GridView {
        background: black;
        border: round $primary 40%;
        border-title-color: $text-muted;
        border-subtitle-color: $text-muted;
    }
    GridView:focus {
        border: round $primary;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1, 0)", "cursor", show=False),
        Binding("down", "cursor(1, 0)", "cursor", show=False),
        Binding("left", "cursor(0, -1)", "cursor", show=False),
        Binding("right", "cursor(0, 1)", "cursor", show=False),
        Binding("enter", "inspect", "inspect"),
    ]

    class CellSelected(Message):
        """The user picked a cell (click, or Enter on the cursor)."""

        def __init__(self, row: int, col: int) -> None:
            super().__init__()
            self.row = row
            self.col = col

    def __init__(self, shape: tuple[int, int], *, fit: bool = True, id: str | None = None) -> None:
        super().__init__(id=id)
        self.fit = fit
        self.cursor: tuple[int, int] | None = None
        self._segment_cache: dict[int, Segment] = {}
        self._styles: dict[int, Style] = {}
        self._drag: tuple[int, int, float, float] | None = None
        self._view = (0, 0, 0)
        self._dragged = False
        self._frame_line: Strip | None = None
        self._frame_pieces: tuple[list[Segment], list[Segment]] = ([], [])
        self.zoom = 1
        self.direct = DirectPainting(self)
        self.reset(shape)

    # -- what the app calls ---------------------------------------------------------

    def reset(self, shape: tuple[int, int]) -> None:
        """Start over with a new grid shape (a restart or a new world)."""
        self.grid_shape = shape
        self._colors: np.ndarray | None = None
        rows, cols = shape[0] * self.zoom, shape[1] * self.zoom
        self._term_rows = (rows + 1) // 2
        self._keys = np.full((self._term_rows, cols), -1, dtype=np.int64)
        self._strips = [Strip.blank(cols)] * self._term_rows
        self._unbuilt: set[int] = set()
        self.direct.forget()
        self.virtual_size = Size(cols, self._term_rows)
        if self.cursor is not None:
            self.cursor = (min(self.cursor[0], shape[0] - 1), min(self.cursor[1], shape[1] - 1))
        self.refresh()

    def on_mount(self) -> None:
        self.call_after_refresh(self.fit_zoom)
        # Back from a suspend, Textual draws the whole screen again: paint the view whole.
        self.app.app_resume_signal.subscribe(self, lambda _: self.direct.forget())

    def on_resize(self) -> None:
        self.fit_zoom()

    def fit_zoom(self) -> None:
        """Draw each cell as a square of ``zoom`` columns by ``zoom`` half rows, as large as fits.

        A grid larger than the view stays at one column per cell and pans.
        """
        rows, cols = self.grid_shape
        view = self.scrollable_content_region
        if not self.fit or view.width <= 0 or view.height <= 0:
            return
        zoom = max(1, min(MAX_ZOOM, view.width // cols, 2 * view.height // rows))
        if zoom != self.zoom:
            self.zoom = zoom
            colors = self._colors
            self.reset(self.grid_shape)
            if colors is not None:
                self.show(colors)
            self._scroll_to_cursor()

    def view_window(self) -> tuple[int, int, int, int]:
        """The grid cells in view: first row, end row, first column, end column."""
        rows, cols = self.grid_shape
        z = self.zoom
        view = self.scrollable_content_region
        x, y = int(self.scroll_x), int(self.scroll_y)
        return (
            min(rows, 2 * y // z),
            min(rows, -(-2 * (y + view.height) // z)),
            min(cols, x // z),
            min(cols, -(-(x + view.width) // z)),
        )

    def show(self, colors: np.ndarray) -> int:
        """Take this frame's colours; rebuild changed rows and repaint where they changed.

        Returns the number of terminal rows that changed.
        """
        self._colors = colors
        keys = self._pair_keys(colors)
        changed = keys != self._keys
        rows = np.flatnonzero(changed.any(axis=1))
        if rows.size:
            self._keys = keys
        if self.direct.paint(rows):
            return int(rows.size)
        if rows.size == 0:
            return 0
        # Rows out of view are built when they scroll in (render_line), not every frame.
        top = int(self.scroll_y)
        in_view = rows[(rows >= top) & (rows < top + self.scrollable_content_region.height)]
        self._unbuilt.update(rows.tolist())
        self._unbuilt.difference_update(in_view.tolist())
        self._build_rows(keys, in_view)
        self._repaint(in_view, changed[in_view])
        return int(rows.size)

    # -- building strips ----------------------------------------------------------

    def _pair_keys(self, colors: np.ndarray) -> np.ndarray:
        """One int per terminal cell: top colour << 15 | bottom colour."""
        packed = pack(colors)
        if self.cursor is not None:
            r, c = self.cursor
            packed[r, c] = self._cursor_code(int(packed[r, c]))
        if self.zoom > 1:
            packed = np.repeat(np.repeat(packed, self.zoom, axis=0), self.zoom, axis=1)
        if packed.shape[0] % 2:
            void = np.full((1, packed.shape[1]), pack(np.array(_VOID, dtype=np.uint8)), dtype=np.int32)
            packed = np.vstack([packed, void])
        return (packed[0::2].astype(np.int64) << 15) | packed[1::2]

    @staticmethod
    def _cursor_code(under: int) -> int:
        cursor = int(pack(np.array(_CURSOR, dtype=np.uint8)))
        return int(pack(np.array(_CURSOR_ALT, dtype=np.uint8))) if under == cursor else cursor

    def _build_rows(self, keys: np.ndarray, rows: np.ndarray) -> None:
        """Rebuild the Strips of the given terminal rows, merging runs of equal cells."""
        block = keys[rows]
        cols = block.shape[1]
        starts = np.ones(block.shape, dtype=bool)
        starts[:, 1:] = block[:, 1:] != block[:, :-1]
        # Runs found for all rows at once; every row starts a run, so none crosses rows.
        flat = starts.ravel()
        idx = np.flatnonzero(flat)
        runs = np.diff(idx, append=flat.size)
        # Key = pair code * (cols + 1) + run length: one cached Segment per pair and run.
        codes = (block.ravel()[idx] * (cols + 1) + runs).tolist()
        segments = self._segment_cache
        if len(segments) > _SEGMENT_CACHE_MAX:
            segments.clear()
        try:
            found = list(map(segments.__getitem__, codes))
        except KeyError:
            for code in set(codes).difference(segments):
                segments[code] = self._segment_for(code // (cols + 1), code % (cols + 1))
            found = list(map(segments.__getitem__, codes))
        strips = self._strips
        pos = 0
        for y, n in zip(rows.tolist(), starts.sum(axis=1).tolist(), strict=True):
            strips[y] = Strip(found[pos : pos + n], cols)
            pos += n

    def _segment_for(self, pair: int, run: int) -> Segment:
        style = self._styles.get(pair)
        top, bottom = pair >> 15, pair & 0x7FFF
        if style is None:
            back = Color.from_rgb(*unpack(bottom))
            # A cell pair of one colour needs only a background: a shorter escape code.
            style = (
                Style(bgcolor=back)
                if top == bottom
                else Style(color=Color.from_rgb(*unpack(top)), bgcolor=back)
            )
            self._styles[pair] = style
        return Segment((" " if top == bottom else "▀") * run, style)

    def _repaint(self, rows: np.ndarray, changed: np.ndarray) -> None:
        """Refresh the given terminal rows (``changed``: their cells) where they changed.

        One region per row, from its first to its last changed cell in view:
        Textual renders and writes just that part of the line.
        """
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        view = changed[:, scroll_x : scroll_x + width]
        touched = view.any(axis=1)
        if not touched.any():
            return
        view = view[touched]
        first = np.argmax(view, axis=1)
        last = view.shape[1] - np.argmax(view[:, ::-1], axis=1)
        ys = (rows[touched] - scroll_y).tolist()
        self.refresh(
            *(Region(x1, y, x2 - x1, 1) for y, x1, x2 in zip(ys, first.tolist(), last.tolist(), strict=True))
        )

    # -- Line API ---------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        """The widget's lines: border lines by Textual, content lines joined here.

        Textual's styled-line path costs far more per line than building the
        row; every content line has the same border pieces, so they are cut
        from one line Textual rendered and put around each row.
        """
        # Scroll offset and view width are read once per render, not once per line.
        self._view = (int(self.scroll_x), int(self.scroll_y), self.scrollable_content_region.width)
        top, height = self.content_offset.y, self.scrollable_content_region.height
        first, stop = max(crop.y, top), min(crop.bottom, top + height)
        # What Textual draws of the content replaces what was painted directly there.
        self.direct.rendered(first - top, stop - top)
        styles = self.styles
        if first >= stop or styles.tint.a or styles.opacity != 1 or styles.text_opacity != 1:
            return super().render_lines(crop)
        width = self.outer_size.width
        left, right = self._frame(top, width)
        self._build_unbuilt(first - top + self._view[1], stop - top + self._view[1])
        strips = super().render_lines(Region(0, crop.y, width, first - crop.y)) if crop.y < first else []
        render_line = self.render_line
        strips.extend(
            Strip([*left, *render_line(y - top), *right], width) for y in range(first, stop)
        )
        if stop < crop.bottom:
            strips.extend(super().render_lines(Region(0, stop, width, crop.bottom - stop)))
        if crop.column_span != (0, width):
            strips = [strip.crop(crop.x, crop.right) for strip in strips]
        return strips

    def _build_unbuilt(self, start: int, stop: int) -> None:
        """Build the unbuilt terminal rows start..stop in one go (the direct path leaves every
        changed row unbuilt, and Textual renders the grid for a panel's update too)."""
        if not self._unbuilt:
            return
        rows = [row for row in range(start, min(stop, self._term_rows)) if row in self._unbuilt]
        if rows:
            self._unbuilt.difference_update(rows)
            self._build_rows(self._keys, np.array(rows))

    def _frame(self, top: int, width: int) -> tuple[list[Segment], list[Segment]]:
        """The segments left and right of a content line, from the first one Textual renders."""
        (line,) = super().render_lines(Region(0, top, width, 1))
        if line is not self._frame_line:
            left = self.content_offset.x
            self._frame_line = line
            self._frame_pieces = (
                list(line.crop(0, left)),
                list(line.crop(left + self._line_length())),
            )
        return self._frame_pieces

    def _line_length(self) -> int:
        """Cells of each content line render_line returns: the grid's columns in view."""
        scroll_x, _, width = self._view
        return max(0, min(self.grid_shape[1] * self.zoom - scroll_x, width))

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y, width = self._view
        row = y + scroll_y
        if row >= self._term_rows:
            # As long as the rows above it, so the line's border pieces fit every line.
            return Strip.blank(self._line_length(), self.rich_style)
        if row in self._unbuilt:
            self._unbuilt.discard(row)
            self._build_rows(self._keys, np.array([row]))
        return self._strips[row].crop(scroll_x, scroll_x + width)

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False):
        """Textual will draw (part of) the grid: what it renders then reaches the terminal."""
        self.direct.textual_draws()
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def get_line_filters(self) -> tuple[()]:
        """No filters: every style is RGB already, so ANSIToTruecolor has nothing to do."""
        return ()

    # -- cursor and selection -------------------------------------------------------

    def action_cursor(self, drow: int, dcol: int) -> None:
        rows, cols = self.grid_shape
        r, c = self.cursor if self.cursor is not None else (0, 0)
        self.move_cursor(max(0, min(rows - 1, r + drow)), max(0, min(cols - 1, c + dcol)))

    def move_cursor(self, row: int, col: int) -> None:
        """Put the cursor on a cell and scroll so it is in view."""
        if self.cursor is not None:
            self._forget_rows_of(self.cursor[0])  # the old cursor cell loses its mark next frame
        self.cursor = (row, col)
        self._forget_rows_of(row)
        self._scroll_to_cursor()
        # Before the first layout the view has no size to scroll in: try again after it.
        self.call_after_refresh(self._scroll_to_cursor)
        if self._colors is not None:
            self.show(self._colors)

    def _forget_rows_of(self, row: int) -> None:
        """Make the terminal rows showing grid row ``row`` rebuild on the next frame."""
        z = self.zoom
        self._keys[row * z // 2 : (row * z + z - 1) // 2 + 1] = -1

    def _scroll_to_cursor(self) -> None:
        if self.cursor is not None:
            row, col = self.cursor
            z = self.zoom
            region = Region(col * z, row * z // 2, z, max(1, (z + 1) // 2))
            self.scroll_to_region(region, animate=False, immediate=True)

    def action_inspect(self) -> None:
        if self.cursor is None:
            self.cursor = (0, 0)
        self.post_message(self.CellSelected(*self.cursor))

    def cell_at(self, x: int, y: int) -> tuple[int, int] | None:
        """The grid cell (top half) under a point of the content region."""
        z = self.zoom
        col, row = (x + int(self.scroll_x)) // z, 2 * (y + int(self.scroll_y)) // z
        rows, cols = self.grid_shape
        return (row, col) if row < rows and col < cols else None

    def on_mouse_down(self, event: events.MouseDown) -> None:
        self._drag = (event.screen_x, event.screen_y, self.scroll_x, self.scroll_y)
        self._dragged = False
        self.capture_mouse()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._drag is None:
            return
        x0, y0, sx, sy = self._drag
        dx, dy = event.screen_x - x0, event.screen_y - y0
        if dx or dy:
            self._dragged = True
            self.scroll_to(sx - dx, sy - dy, animate=False)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        self.release_mouse()
        drag, self._drag = self._drag, None
        if drag is None or self._dragged:
            return
        offset = event.get_content_offset(self)
        cell = None if offset is None else self.cell_at(offset.x, offset.y)
        if cell is not None:
            row, col = cell
            # A second click on the same terminal cell picks its lower half.
            if self.zoom == 1 and self.cursor == (row, col) and row + 1 < self.grid_shape[0]:
                row += 1
            self.move_cursor(row, col)
            self.post_message(self.CellSelected(row, col))
