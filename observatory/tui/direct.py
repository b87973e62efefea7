"""The grid's frames straight to the terminal, past Textual's compositor.

This path needs Textual's private parts (all reached through
``textual_private``); without them the grid stays on its Line API path.

Going through Textual, a frame's changed cells become Strips, the
compositor cuts and encodes them again, segment by segment. When nothing
covers the grid, none of that is needed: the view's pair codes are
compared with what the terminal shows and the differences are encoded in
one go (``paint.Painter``) and written through the app's ``TerminalFeed``.

Textual stays in charge of everything else and of the grid whenever
something covers it (another screen, an overlay such as a notification, a
tint): then the grid goes back to its Line API path, and Textual repaints
it whole once. Lines Textual draws itself after a refresh of the grid (a
scroll, a border change) replace what was painted there, so those rows are painted
again whole next frame; a change of view (scroll, zoom, layout) repaints
the whole view.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from textual.geometry import Region

from observatory.tui import textual_private as private
from observatory.tui.feed import MAX_BACKLOG, TerminalFeed
from observatory.tui.paint import SYSTEMS, Painter

if TYPE_CHECKING:
    from observatory.tui.grid import GridView

# Where the view is: screen x, y of its first cell, its width and height, the scroll x and y.
View = tuple[int, int, int, int, int, int]


class DirectPainting:
    """The grid's direct path. ``feed`` (set by the app when ``textual_private.missing``
    finds nothing missing) turns it on; ``active`` tells whether the last frame went (or
    was meant to go) straight to the terminal."""

    def __init__(self, grid: GridView) -> None:
        self.grid = grid
        self.feed: TerminalFeed | None = None
        self.active = False
        # Pair codes the terminal shows in the view (-1: not known), and the view they are for.
        self._shown: np.ndarray | None = None
        self._view: View | None = None
        self._painter: Painter | None = None
        self._cover: tuple[dict, Region, bool] | None = None
        # A refresh of the grid asked Textual to draw it; and Textual has rendered since.
        self._refreshed = True
        self._drawn_since_refresh = False

    def forget(self) -> None:
        """What the terminal shows of the grid is unknown (a new shape or zoom)."""
        self._shown = None

    def textual_draws(self) -> None:
        """The grid was refreshed: the lines Textual renders next reach the terminal."""
        self._refreshed = True

    def rendered(self, first: int, stop: int) -> None:
        """Textual rendered view rows first..stop: if they reach the terminal, paint them whole
        next time.

        Textual renders the grid also for a partial update of a widget beside it
        (a panel's text), cutting its lines away: those reach no terminal. Only
        a refresh of the grid (or a new view, repainted whole anyway) puts them there.
        """
        if self._refreshed:
            self._drawn_since_refresh = True
            if self._shown is not None and first < stop:
                self._shown[max(0, first) : stop] = -1

    def paint(self, changed_rows: np.ndarray) -> bool:
        """Paint this frame directly if the grid can be; False: it must go through Textual.

        ``changed_rows`` are the terminal rows whose pair codes changed this frame.
        """
        grid = self.grid
        view = self._where()
        if view is None:
            if self.active:
                # Textual takes over: it repaints the whole grid, building rows as it goes.
                self.active = False
                self._shown = None
                grid.refresh()
            return False
        self.active = True
        if self._drawn_since_refresh:  # what Textual drew for the refresh is on the terminal now
            self._refreshed = self._drawn_since_refresh = False
        # The Line API builds these rows if Textual asks for them; frames do not.
        grid._unbuilt.update(changed_rows.tolist())
        feed = self.feed
        assert feed is not None
        if feed.backlog >= MAX_BACKLOG:
            return True  # left out: the next frame sends what changed since the last one sent
        x, y, width, height, scroll_x, scroll_y = view
        block = grid._keys[scroll_y : scroll_y + height, scroll_x : scroll_x + width]
        shown = self._shown
        # A new view is painted whole; otherwise only what differs from the terminal.
        changed = np.ones(block.shape, dtype=bool) if shown is None or view != self._view else block != shown
        text = self._painter.encode(block, changed, x, y)
        if not text:
            feed.drawn()
        elif feed.send(text):
            self._shown, self._view = block.copy(), view
        return True

    def _where(self) -> View | None:
        """The view's place on the screen if the grid may be painted directly now, else None."""
        grid, feed = self.grid, self.feed
        if feed is None or not grid.is_attached or not feed.ready:
            return None
        screen = grid.screen
        styles = grid.styles
        if not screen.is_active or styles.tint.a or styles.opacity != 1 or styles.text_opacity != 1:
            return None
        system = SYSTEMS.get(grid.app.console.color_system or "")
        if system is None:
            return None
        if self._painter is None or self._painter.system != system:
            self._painter = Painter(system)
        visible = private.visible_widgets(screen)
        placed = visible.get(grid)
        if placed is None:
            return None
        content = grid.scrollable_content_region
        if not placed[1].contains_region(content) or self._covered(visible, content):
            return None
        scroll_x, scroll_y = int(grid.scroll_x), int(grid.scroll_y)
        rows, cols = grid._keys.shape
        width, height = min(content.width, cols - scroll_x), min(content.height, rows - scroll_y)
        if width <= 0 or height <= 0:
            return None
        return (content.x, content.y, width, height, scroll_x, scroll_y)

    def _covered(self, visible: dict, content: Region) -> bool:
        """Whether a widget other than the grid and its containers shows over its content."""
        cover = self._cover
        if cover is not None and cover[0] is visible and cover[1] == content:
            return cover[2]
        below = {self.grid, *self.grid.ancestors}
        covered = any(
            widget not in below and region.intersection(clip).overlaps(content)
            for widget, (region, clip) in visible.items()
        )
        self._cover = (visible, content, covered)
        return covered
