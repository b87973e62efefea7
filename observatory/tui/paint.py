"""Grid cells straight to ANSI text, a whole block of rows at once (numpy, no Textual).

A terminal cell shows two grid cells with the upper half block ``▀``:
foreground = top cell, background = bottom cell. Cells come as pair codes,
``top << 15 | bottom`` with 15-bit colours (see ``codes``). ``Painter.encode``
writes the changed cells of a block, left to right and top to bottom, as
one string: a cursor move before each run of changed cells (a step right
within a row), then per cell only the colour codes that differ from the
terminal's colours after the cell before, then the character.

A cell whose two halves have one colour needs one colour only: a space on
that background, or a full block ``█`` in that foreground. Between two
half-block cells such cells use the two in turn (starting with the one that
has their colour already), so the terminal keeps the last two colours drawn
and a colour coming back costs no code: with 4 colours a third fewer codes.
Which colours the terminal holds after each cell then follows from the
cells before it without a loop: numpy finds them for all cells at once.

Colour codes come from Rich (the same codes Textual writes for these
colours), made once per colour as they first appear.
"""

from __future__ import annotations

import numpy as np
from rich.color import Color, ColorSystem

from observatory.tui.codes import unpack

UPPER, FULL = "▀", "█"
RESET = "\x1b[0m"
_COLORS = 1 << 15
_MASK = _COLORS - 1
# Systems with a code per colour that tells the colour apart well enough for the grid.
# Keyed by Rich's public name of the console's colour system.
SYSTEMS = {"truecolor": ColorSystem.TRUECOLOR, "256": ColorSystem.EIGHT_BIT}


class Painter:
    """Encodes changed grid cells as ANSI text for one colour system."""

    def __init__(self, system: ColorSystem) -> None:
        if system not in SYSTEMS.values():
            raise ValueError(f"no direct painting in {system!r}")
        self.system = system
        # Per colour: "\x1b[38;...", ";48;...m" (after a foreground) and "\x1b[48;...m".
        self._fg_open = np.full(_COLORS, "", dtype=object)
        self._bg_after = np.full(_COLORS, "", dtype=object)
        self._bg_alone = np.full(_COLORS, "", dtype=object)
        self._fg_alone = np.full(_COLORS, "", dtype=object)
        self._runs = np.empty((3, 0), dtype=object)
        self._known = np.zeros(_COLORS, dtype=bool)
        self._right = np.array(["", "\x1b[C", *(f"\x1b[{n}C" for n in range(2, 1024))], dtype=object)

    def _learn(self, codes: np.ndarray) -> None:
        """Make the colour codes of colours not seen before."""
        new = codes[~self._known[codes]]
        if not new.size:
            return
        for code in np.unique(new).tolist():
            color = Color.from_rgb(*unpack(code)).downgrade(self.system)
            fg = ";".join(color.get_ansi_codes(True))
            bg = ";".join(color.get_ansi_codes(False))
            self._fg_open[code] = f"\x1b[{fg}"
            self._bg_after[code] = f";{bg}m"
            self._bg_alone[code] = f"\x1b[{bg}m"
            self._fg_alone[code] = f"\x1b[{fg}m"
        self._known[new] = True

    def encode(self, keys: np.ndarray, changed: np.ndarray, x: int = 0, y: int = 0) -> str:
        """The changed cells of ``keys`` (pair codes, one row per terminal row) as ANSI.

        ``(x, y)`` is the screen cell (0-based) of ``keys[0, 0]``. Nothing is
        assumed of the terminal's colours before; they are reset after.
        """
        rows, cols = np.nonzero(changed)
        n = rows.size
        if n == 0:
            return ""
        cells = keys[rows, cols]
        # Runs of changed cells; within a run, equal neighbours share one piece of text.
        starts = np.ones(n, dtype=bool)
        starts[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1] + 1)
        first = starts.copy()
        first[1:] |= cells[1:] != cells[:-1]
        group = np.flatnonzero(first)
        count = np.diff(group, append=n)
        pairs = cells[group]
        top = (pairs >> 15).astype(np.intp)
        bottom = (pairs & _MASK).astype(np.intp)
        self._learn(top)
        self._learn(bottom)
        m = group.size
        order = np.arange(m)
        half = top != bottom
        # One-colour pieces between two half-block ones take the background (a space) and the
        # foreground (a full block) in turn, starting with the one that has their colour: the
        # two colours last drawn stay on the terminal, and a colour that comes back costs no code.
        last_half = np.maximum.accumulate(np.where(half, order, -1))
        known = last_half >= 0
        pre_fg = np.where(known, top[last_half], -1)
        pre_bg = np.where(known, bottom[last_half], -1)
        place = order - last_half  # of a one-colour piece in its sequence, from 1
        starts_fg = bottom[np.minimum(last_half + 1, m - 1)] == pre_fg
        on_fg = ~half & ((place % 2 == 1) == starts_fg)
        before = np.empty(m, dtype=np.intp)
        before[0] = -1
        before[1:] = bottom[:-1]
        fg_after = np.where(half | on_fg, top, np.where(place >= 2, before, pre_fg))
        bg_after = np.where(half | ~on_fg, bottom, np.where(place >= 2, before, pre_bg))
        fg = np.empty(m, dtype=np.intp)
        bg = np.empty(m, dtype=np.intp)
        fg[0] = bg[0] = -1
        fg[1:], bg[1:] = fg_after[:-1], bg_after[:-1]
        need_fg = (half | on_fg) & (top != fg)
        need_bg = (half | ~on_fg) & (bottom != bg)

        pieces = np.empty((m, 3), dtype=object)
        pieces[:, 0] = self._moves(rows, cols, group, starts[group], x, y)
        codes = pieces[:, 1]
        codes[:] = ""
        both = need_fg & need_bg
        codes[both] = self._fg_open[top[both]] + self._bg_after[bottom[both]]
        alone = need_fg & ~need_bg
        codes[alone] = self._fg_alone[top[alone]]
        alone = need_bg & ~need_fg
        codes[alone] = self._bg_alone[bottom[alone]]
        kind = np.where(half, 0, np.where(on_fg, 2, 1))
        pieces[:, 2] = self._glyphs(int(count.max()))[kind, count]
        return "".join(pieces.ravel().tolist()) + RESET

    def _glyphs(self, longest: int) -> np.ndarray:
        """Runs of ``▀``, space and ``█`` (rows) of each length up to ``longest`` (columns)."""
        if self._runs.shape[1] <= longest:
            size = max(longest + 1, 2 * self._runs.shape[1])
            runs = np.empty((3, size), dtype=object)
            for i, glyph in enumerate((UPPER, " ", FULL)):
                for k in range(size):
                    runs[i, k] = glyph * k
            self._runs = runs
        return self._runs

    def _moves(
        self, rows: np.ndarray, cols: np.ndarray, pieces: np.ndarray, run_starts: np.ndarray, x: int, y: int
    ) -> np.ndarray:
        """The cursor move before each piece (first cells ``pieces``; ``run_starts`` says which
        start a run): none inside a run, a step right within a row, else a jump."""
        moves = np.full(pieces.size, "", dtype=object)
        at = np.flatnonzero(run_starts)
        cell = pieces[at]
        before = np.maximum(cell - 1, 0)
        gap = cols[cell] - cols[before] - 1
        step = (cell > 0) & (rows[cell] == rows[before]) & (gap < self._right.size)
        moves[at[step]] = self._right[gap[step]]
        jump = cell[~step]
        moves[at[~step]] = [
            f"\x1b[{y + r + 1};{x + c + 1}H"
            for r, c in zip(rows[jump].tolist(), cols[jump].tolist(), strict=True)
        ]
        return moves
