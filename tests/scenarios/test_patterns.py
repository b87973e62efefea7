"""Reading RLE and plaintext patterns, the bundled ones, and placing them on the grid."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from scenarios import patterns
from scenarios.patterns import PatternError, parse_cells, parse_rle

GLIDER = np.array([[0, 1, 0], [0, 0, 1], [1, 1, 1]], dtype=np.uint8)


def to_rle(cells: np.ndarray) -> str:
    """A plain RLE writer (runs per row, trailing dead cells left out), to round-trip through."""
    rows = []
    for row in cells:
        runs, i = [], 0
        last = len(row) - 1 - int(np.argmax(row[::-1])) if row.any() else -1
        while i <= last:
            j = i
            while j <= last and row[j] == row[i]:
                j += 1
            runs.append(f"{j - i if j - i > 1 else ''}{'o' if row[i] else 'b'}")
            i = j
        rows.append("".join(runs))
    body = "$".join(rows) + "!"
    lines = [body[k : k + 70] for k in range(0, len(body), 70)]  # RLE lines stay short
    return f"#C written by the test\nx = {cells.shape[1]}, y = {cells.shape[0]}\n" + "\n".join(lines)


def to_cells(cells: np.ndarray) -> str:
    return "!Name: test\n" + "\n".join("".join(".O"[v] for v in row).rstrip(".") for row in cells)


patterns_strategy = st.tuples(st.integers(1, 12), st.integers(1, 90)).flatmap(
    lambda shape: arrays(np.uint8, shape, elements=st.integers(0, 1))
)


@settings(max_examples=80, deadline=None)
@given(patterns_strategy)
def test_rle_round_trip(cells: np.ndarray) -> None:
    assert np.array_equal(parse_rle(to_rle(cells)).cells, cells)


@settings(max_examples=80, deadline=None)
@given(patterns_strategy)
def test_cells_round_trip_keeps_the_drawn_rows(cells: np.ndarray) -> None:
    # Plaintext has no header: the width is the widest row and blank rows at the edges are layout.
    rows = np.flatnonzero(cells.any(axis=1))
    if len(rows) == 0:
        with pytest.raises(PatternError, match="no rows of cells"):
            parse_cells(to_cells(cells))
        return
    parsed = parse_cells(to_cells(cells)).cells
    cols = np.flatnonzero(cells.any(axis=0))
    assert np.array_equal(parsed, cells[rows[0] : rows[-1] + 1, : cols[-1] + 1])


def test_rle_features() -> None:
    text = """#N Two rows apart
#C comments, a rule, counts, omitted trailing dead cells, blank rows via 2$, text after !
x = 5, y = 4, rule = B3/S23
2o$
3bo2$obobo! anything after the end is ignored
"""
    pattern = parse_rle(text, "sample.rle")
    assert pattern.name == "Two rows apart"
    assert pattern.cells.tolist() == [[1, 1, 0, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 0], [1, 0, 1, 0, 1]]
    assert parse_rle("x=3,y=3\nbo$2bo$3o!").cells.tolist() == GLIDER.tolist()
    assert parse_rle("x = 3, y = 3, rule = 23/3\nbo$2bo$3o!").cells.tolist() == GLIDER.tolist()
    # The header's rule is kept as written, whatever it is: conway decides what it can run.
    assert parse_rle("x = 3, y = 3, rule = B36/S23\nbo$2bo$3o!").rule == "B36/S23"
    assert parse_rle("x = 3, y = 3, rule = B2/S/C3\nbo!").rule == "B2/S/C3"
    assert parse_rle("x=3,y=3\nbo$2bo$3o!").rule is None


def test_cells_features() -> None:
    text = "!Name: Glider\n! a comment\n.O\n..O\nOOO\n\n"
    pattern = parse_cells(text, "glider.cells")
    assert pattern.name == "Glider"
    assert pattern.cells.tolist() == GLIDER.tolist()
    assert parse_cells("O\n\nO").cells.tolist() == [[1], [0], [1]]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("#C only comments\n", "bad.rle: no header line"),
        ("x = 3\nbo!", r"bad.rle, line 1: expected the header"),
        ("#C\nx = 0, y = 2\n!", r"bad.rle, line 2: the header's x and y must be at least 1"),
        (
            "x = 99999999, y = 99999999\nbo!",
            r"bad.rle, line 1: the header's x = 99999999, y = 99999999 is larger than the largest grid",
        ),
        ("x = 3, y = 3\nbo$2bo$\nobz!", r"bad.rle, line 3: unexpected 'z'"),
        ("x = 3, y = 2\nbo$\n4o!", r"bad.rle, line 3: row 2 is longer than the header's x = 3"),
        ("x = 3, y = 2\no$o$\no!", r"bad.rle, line 3: row 3 is beyond the header's y = 2"),
        ("x = 3, y = 2\n#C\nbo$2bo\n", r"bad.rle, line 3: the pattern ends without its closing '!'"),
        ("x = 3, y = 2\nb0o!", r"bad.rle, line 2: a run count of 0"),
        ("x = 3, y = 2\no$3!", r"bad.rle, line 2: run count 3 before '!' counts nothing"),
    ],
)
def test_malformed_rle_names_the_line(text: str, message: str) -> None:
    with pytest.raises(PatternError, match=message):
        parse_rle(text, "bad.rle")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("!Name: x\n.O.\n.*.\n", r"bad.cells, line 3, column 2: unexpected '\*'"),
        ("OO\n O\n", r"bad.cells, line 2, column 1: unexpected ' '"),
        ("! nothing but comments\n\n", r"bad.cells: no rows of cells"),
    ],
)
def test_malformed_cells_names_the_line(text: str, message: str) -> None:
    with pytest.raises(PatternError, match=message):
        parse_cells(text, "bad.cells")


def test_bundled_patterns_are_the_well_known_ones() -> None:
    assert patterns.bundled_names() == [
        "acorn",
        "blinker",
        "glider",
        "gosper-glider-gun",
        "r-pentomino",
        "replicator",
    ]
    assert patterns.load("glider").cells.tolist() == GLIDER.tolist()
    assert patterns.load("blinker").cells.tolist() == [[1, 1, 1]]
    assert patterns.load("R_Pentomino").cells.tolist() == [[0, 1, 1], [1, 1, 0], [0, 1, 0]]
    assert patterns.load("acorn").cells.tolist() == [
        [0, 1, 0, 0, 0, 0, 0],
        [0, 0, 0, 1, 0, 0, 0],
        [1, 1, 0, 0, 1, 1, 1],
    ]
    gun = patterns.load("gosper-glider-gun")
    assert (gun.width, gun.height, int(gun.cells.sum())) == (36, 9, 36)
    assert gun.name == "Gosper glider gun"


def test_load_files_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "mine.cells"
    path.write_text(".O\n..O\nOOO\n")
    assert patterns.load(str(path)).cells.tolist() == GLIDER.tolist()
    with pytest.raises(
        PatternError,
        match=r"'nosuch' is neither a pattern file \(\.rle or \.cells\) nor a bundled pattern: .*glider",
    ):
        patterns.load("nosuch")
    with pytest.raises(PatternError, match="cannot read pattern file"):
        patterns.load(str(tmp_path / "missing.rle"))
    other = tmp_path / "mine.txt"
    other.write_text("OOO")
    with pytest.raises(PatternError, match=r"mine.txt' is neither a pattern file"):
        patterns.load(str(other))
    binary = tmp_path / "junk.rle"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(PatternError, match="is not a text file"):
        patterns.load(str(binary))
    broken = tmp_path / "broken.rle"
    broken.write_text("#N broken\nx = 3, y = 3\nbo$2bo$\n3q!\n")
    with pytest.raises(PatternError, match=r"broken.rle, line 4: unexpected 'q'"):
        patterns.load(str(broken))


def test_place_centres_the_top_left_corner() -> None:
    glider = patterns.load("glider")
    grid = patterns.place(glider, 8, 7)
    assert grid.shape == (7, 8)
    # top-left at ((W - w) // 2, (H - h) // 2) = (2, 2) as (column, row)
    assert np.array_equal(grid[2:5, 2:5], GLIDER)
    assert grid.sum() == 5
    assert np.array_equal(patterns.place(glider, 3, 3), GLIDER)
    with pytest.raises(PatternError, match=r"'Glider' is 3 x 3 cells, larger than the 2 x 5 grid"):
        patterns.place(glider, 2, 5)
