"""A tiny terminal for tests: applies the escape codes Textual and the direct path write.

It knows cursor moves (CUP, CUF), SGR colours and attributes, and text;
each cell keeps (character, foreground, background, attributes), so two
byte streams can be compared by what they leave on the screen.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"\x1b\[([0-9;]*)([A-Za-z])|\x1b\]8;[^\x1b]*\x1b\\|(\n)|([^\x1b\n]+)")
# SGR codes that switch attributes off, and the attributes they clear.
_OFF = {21: {1}, 22: {1, 2}, 23: {3}, 24: {4}, 25: {5, 6}, 27: {7}, 28: {8}, 29: {9}}


class Terminal:
    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.cells: dict[tuple[int, int], tuple] = {}
        self.x = self.y = 0
        self._reset()

    def _reset(self) -> None:
        self.fg = self.bg = None
        self.attrs: frozenset[int] = frozenset()

    def feed(self, data: str) -> None:
        for params, command, newline, text in _TOKEN.findall(data):
            if text:
                for char in text:
                    assert 0 <= self.x < self.width and 0 <= self.y < self.height, (self.x, self.y)
                    self.cells[self.x, self.y] = (char, self.fg, self.bg, self.attrs)
                    self.x += 1
            elif newline:
                self.y += 1
            elif command == "H":
                row, col = (int(p) for p in params.split(";"))
                self.x, self.y = col - 1, row - 1
            elif command == "C":
                self.x += int(params or 1)
            elif command == "m":
                self._sgr([int(p) for p in params.split(";") if p] or [0])
            else:
                raise AssertionError(f"unexpected escape code {command!r}")

    def _sgr(self, codes: list[int]) -> None:
        while codes:
            code = codes.pop(0)
            if code == 0:
                self._reset()
            elif code in (38, 48):
                kind = codes.pop(0)
                colour = tuple(codes[:3]) if kind == 2 else ("index", codes[0])
                del codes[: 3 if kind == 2 else 1]
                if code == 38:
                    self.fg = colour
                else:
                    self.bg = colour
            elif code == 39:
                self.fg = None
            elif code == 49:
                self.bg = None
            elif 30 <= code <= 37 or 90 <= code <= 97:
                self.fg = ("index", code - 30 if code < 90 else code - 82)
            elif 40 <= code <= 47 or 100 <= code <= 107:
                self.bg = ("index", code - 40 if code < 100 else code - 92)
            elif code in _OFF:
                self.attrs = self.attrs - _OFF[code]
            else:
                self.attrs = self.attrs | {code}

    def screen(self, colour=lambda c: c) -> dict[tuple[int, int], tuple]:
        """What shows, colours passed through ``colour``; a blank cell's foreground is invisible."""
        return {
            xy: (char, None if char == " " and 4 not in attrs else colour(fg), colour(bg), attrs)
            for xy, (char, fg, bg, attrs) in self.cells.items()
        }
