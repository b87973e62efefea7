"""Life pattern files: RLE and plaintext ``.cells``, the bundled patterns, placement.

Both formats describe a rectangle of cells, top row first, and both let a
row leave out its trailing dead cells. A file that does not parse gets one
message naming the file and the line where the text stopped making sense.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

BUNDLED_DIR = Path(__file__).resolve().parent / "patterns"
SUFFIXES = (".rle", ".cells")
# The largest side a pattern may have: conway's largest grid.
MAX_SIDE = 4096
RLE_HEADER_FORM = "'x = WIDTH, y = HEIGHT' or 'x = WIDTH, y = HEIGHT, rule = B3/S23'"

_HEADER = re.compile(r"^x\s*=\s*(\d+)\s*,\s*y\s*=\s*(\d+)\s*(?:,\s*rule\s*=\s*(\S+)\s*)?$", re.IGNORECASE)


class PatternError(ValueError):
    """A pattern could not be read or placed; the message says where and why."""


@dataclass(frozen=True, eq=False)
class Pattern:
    """A named rectangle of cells, shape (height, width), 1 = alive.

    ``rule`` is the rule an RLE header names, as written (None: no rule given);
    conway parses it, so a pattern of any rule can still be read and placed.
    """

    name: str
    cells: np.ndarray
    rule: str | None = None

    @property
    def height(self) -> int:
        return int(self.cells.shape[0])

    @property
    def width(self) -> int:
        return int(self.cells.shape[1])


def bundled_names() -> list[str]:
    """The names ``--pattern`` accepts besides file paths."""
    return sorted(p.stem for p in BUNDLED_DIR.iterdir() if p.suffix in SUFFIXES)


def load(name_or_path: str) -> Pattern:
    """A bundled pattern by name, or a pattern file (``.rle`` or ``.cells``)."""
    path = Path(name_or_path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        found = _bundled(name_or_path)
        if found is None:
            raise PatternError(
                f"{name_or_path!r} is neither a pattern file (.rle or .cells) nor a bundled pattern: "
                f"use one of {', '.join(bundled_names())}"
            )
        path, suffix = found, found.suffix
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise PatternError(f"pattern file {str(path)!r} is not a text file") from None
    except OSError as error:
        raise PatternError(f"cannot read pattern file {str(path)!r}: {error.strerror}") from None
    parse = parse_rle if suffix == ".rle" else parse_cells
    return parse(text, path.name)


def _bundled(name: str) -> Path | None:
    wanted = name.strip().lower().replace("_", "-")
    for path in sorted(BUNDLED_DIR.iterdir()):
        if path.suffix in SUFFIXES and path.stem == wanted:
            return path
    return None


def place(pattern: Pattern, width: int, height: int) -> np.ndarray:
    """An empty (height, width) grid with the pattern's top-left at ((W-w)//2, (H-h)//2)."""
    if pattern.width > width or pattern.height > height:
        raise PatternError(
            f"pattern {pattern.name!r} is {pattern.width} x {pattern.height} cells, larger than the "
            f"{width} x {height} grid: use a --width and --height at least that large"
        )
    grid = np.zeros((height, width), dtype=np.uint8)
    top, left = (height - pattern.height) // 2, (width - pattern.width) // 2
    grid[top : top + pattern.height, left : left + pattern.width] = pattern.cells
    return grid


# -- plaintext .cells ------------------------------------------------------------------


def parse_cells(text: str, source: str = "pattern") -> Pattern:
    """Plaintext: ``!`` comment lines, then rows of ``.`` (dead) and ``O`` (alive)."""
    name = Path(source).stem
    rows: list[str] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if line.startswith("!"):
            if line.startswith("!Name:") and not rows:
                name = line[len("!Name:") :].strip() or name
            continue
        for column, char in enumerate(line, 1):
            if char not in ".O":
                raise PatternError(
                    f"{source}, line {number}, column {column}: unexpected {char!r} "
                    "(a .cells row holds only . for dead and O for alive)"
                )
        rows.append(line)
    # Blank lines inside the picture are dead rows; around it they are layout.
    while rows and not rows[-1]:
        rows.pop()
    while rows and not rows[0]:
        rows.pop(0)
    if not rows:
        raise PatternError(f"{source}: no rows of cells (rows of . and O after the ! comment lines)")
    cells = np.zeros((len(rows), max(len(r) for r in rows)), dtype=np.uint8)
    for y, row in enumerate(rows):
        cells[y, : len(row)] = [char == "O" for char in row]
    return Pattern(name, cells)


# -- RLE -------------------------------------------------------------------------------


def parse_rle(text: str, source: str = "pattern") -> Pattern:
    """Run-length encoded: ``#`` comments, a header, then runs of ``b``, ``o`` and ``$`` up to ``!``."""
    lines = text.splitlines()
    name = Path(source).stem
    for index, raw in enumerate(lines):
        line = raw.strip()
        if line.startswith("#N") and line[2:].strip():
            name = line[2:].strip()
        if line and not line.startswith("#"):
            width, height, rule = _rle_header(line, f"{source}, line {index + 1}")
            cells = np.zeros((height, width), dtype=np.uint8)
            _rle_runs(lines, index + 1, cells, source)
            return Pattern(name, cells, rule)
    raise PatternError(f"{source}: no header line; an RLE file starts with {RLE_HEADER_FORM}")


def _rle_header(line: str, where: str) -> tuple[int, int, str | None]:
    match = _HEADER.match(line)
    if match is None:
        raise PatternError(f"{where}: expected the header {RLE_HEADER_FORM}, found {line[:40]!r}")
    width, height, rule = int(match.group(1)), int(match.group(2)), match.group(3)
    if width < 1 or height < 1:
        raise PatternError(f"{where}: the header's x and y must be at least 1")
    if width > MAX_SIDE or height > MAX_SIDE:
        raise PatternError(
            f"{where}: the header's x = {width}, y = {height} is larger than the largest grid: "
            f"x and y go up to {MAX_SIDE}"
        )
    return width, height, rule


def _rle_runs(lines: list[str], start: int, cells: np.ndarray, source: str) -> None:
    """Fill ``cells`` from the run data after the header, which must end with ``!``."""
    height, width = cells.shape
    row = col = 0
    count = ""
    for index in range(start, len(lines)):
        where = f"{source}, line {index + 1}"
        if lines[index].lstrip().startswith("#"):
            continue
        for char in lines[index]:
            if char.isdigit():
                count += char
                continue
            if char in " \t\r":
                continue
            run = int(count) if count else 1
            if run == 0:
                raise PatternError(f"{where}: a run count of 0")
            if char == "!":
                if count:
                    raise PatternError(f"{where}: run count {count} before '!' counts nothing")
                return
            count = ""
            if char == "$":
                row, col = row + run, 0
            elif char in "bo":
                if row >= height:
                    raise PatternError(f"{where}: row {row + 1} is beyond the header's y = {height}")
                if col + run > width:
                    raise PatternError(f"{where}: row {row + 1} is longer than the header's x = {width}")
                if char == "o":
                    cells[row, col : col + run] = 1
                col += run
            else:
                raise PatternError(
                    f"{where}: unexpected {char!r} (RLE data holds run counts, b for dead, "
                    "o for alive, $ for end of row and ! for the end)"
                )
    raise PatternError(f"{source}, line {len(lines)}: the pattern ends without its closing '!'")
