"""The direct painter: what its bytes leave on a terminal, and how few codes it writes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.color import Color, ColorSystem

from observatory.tui.codes import pack, unpack
from observatory.tui.paint import FULL, UPPER, Painter
from tests.observatory.vt import Terminal

RED, BLUE, GREEN = (255, 0, 0), (0, 0, 255), (0, 255, 0)


def code(rgb: tuple[int, int, int]) -> int:
    return int(pack(np.array(rgb, dtype=np.uint8)))


def pair(top: tuple[int, int, int], bottom: tuple[int, int, int]) -> int:
    return code(top) << 15 | code(bottom)


def shown(term: Terminal, x: int, y: int) -> tuple | None:
    """(top colour, bottom colour) a terminal cell shows, or None if never written."""
    cell = term.cells.get((x, y))
    if cell is None:
        return None
    char, fg, bg, attrs = cell
    assert not attrs
    if char == UPPER:
        return fg, bg
    if char == FULL:
        return fg, fg
    assert char == " ", char
    return bg, bg


def expected(key: int, system: ColorSystem) -> tuple:
    def colour(c: int):
        color = Color.from_rgb(*unpack(c))
        if system == ColorSystem.TRUECOLOR:
            return unpack(c)
        return ("index", color.downgrade(system).number)

    return colour(key >> 15), colour(key & 0x7FFF)


def test_one_run_writes_each_code_once_and_skips_repeats() -> None:
    keys = np.array([[pair(RED, BLUE), pair(RED, BLUE), pair(GREEN, BLUE), pair(BLUE, BLUE)]])
    out = Painter(ColorSystem.TRUECOLOR).encode(keys, np.ones_like(keys, dtype=bool), x=2, y=5)
    assert out == (
        "\x1b[6;3H\x1b[38;2;255;0;0;48;2;0;0;255m▀▀"  # both codes, then nothing for the same pair
        "\x1b[38;2;0;255;0m▀"  # only the foreground changes
        " "  # blue on blue: the background is blue already
        "\x1b[0m"
    )


def test_a_one_colour_cell_is_a_space_on_its_background_or_a_full_block_of_the_foreground() -> None:
    keys = np.array([[pair(RED, BLUE), pair(GREEN, GREEN), pair(RED, GREEN), pair(RED, RED)]])
    out = Painter(ColorSystem.TRUECOLOR).encode(keys, np.ones_like(keys, dtype=bool))
    assert out == (
        "\x1b[1;1H\x1b[38;2;255;0;0;48;2;0;0;255m▀"
        "\x1b[48;2;0;255;0m "  # green: neither colour is green, a space on a green background
        "▀"  # red over green: both colours are there already
        "█"  # red: the foreground is red, a full block leaves the background alone
        "\x1b[0m"
    )


def test_one_colour_cells_take_the_background_and_the_foreground_in_turn() -> None:
    """The last two colours stay on the terminal: a colour coming back costs no code."""
    keys = np.array([[pair(c, c) for c in (RED, BLUE, RED, BLUE, GREEN, BLUE)]])
    out = Painter(ColorSystem.TRUECOLOR).encode(keys, np.ones_like(keys, dtype=bool))
    assert out == "\x1b[1;1H\x1b[48;2;255;0;0m \x1b[38;2;0;0;255m█ █\x1b[48;2;0;255;0m █\x1b[0m"


def test_runs_are_reached_by_steps_right_within_a_row_and_jumps_between_rows() -> None:
    keys = np.full((3, 10), pair(RED, BLUE))
    changed = np.zeros_like(keys, dtype=bool)
    changed[0, [1, 2, 6]] = True
    changed[2, 0] = True
    out = Painter(ColorSystem.TRUECOLOR).encode(keys, changed, x=10, y=1)
    assert out == "\x1b[2;12H\x1b[38;2;255;0;0;48;2;0;0;255m▀▀\x1b[3C▀\x1b[4;11H▀\x1b[0m"


def test_nothing_changed_writes_nothing() -> None:
    keys = np.zeros((2, 3), dtype=np.int64)
    assert Painter(ColorSystem.TRUECOLOR).encode(keys, np.zeros_like(keys, dtype=bool)) == ""


def test_systems_without_a_code_per_colour_are_refused() -> None:
    with pytest.raises(ValueError):
        Painter(ColorSystem.STANDARD)


FEW = [code(c) for c in (RED, BLUE, GREEN, (240, 240, 240), (10, 20, 30))]


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from([ColorSystem.TRUECOLOR, ColorSystem.EIGHT_BIT]),
    st.integers(1, 4),
    st.integers(1, 9),
    st.lists(st.tuples(st.lists(st.integers(0, 24)), st.lists(st.booleans())), min_size=1, max_size=4),
    st.integers(0, 3),
    st.integers(0, 3),
)
def test_frames_leave_every_changed_cell_as_its_pair_and_others_untouched(
    system, rows, cols, frames, x, y
) -> None:
    """Frames of few colours (many equal halves and repeats) on one terminal, in turn."""
    painter = Painter(system)
    term = Terminal(cols + x + 1, rows + y + 1)
    screen: dict[tuple[int, int], tuple] = {}
    for pairs, flags in frames:
        n = rows * cols
        idx = np.resize(np.array(pairs or [0]), n)
        keys = (np.array(FEW)[idx // 5] << 15 | np.array(FEW)[idx % 5]).reshape(rows, cols)
        changed = np.resize(np.array(flags or [True]), n).reshape(rows, cols)
        term.feed(painter.encode(keys, changed, x, y))
        for r, c in zip(*np.nonzero(changed), strict=True):
            screen[int(c) + x, int(r) + y] = expected(int(keys[r, c]), system)
        got = {
            (cx, cy): shown(term, cx, cy)
            for cx in range(term.width)
            for cy in range(term.height)
            if (cx, cy) in term.cells
        }
        assert got == screen
        assert term.fg is None and term.bg is None  # colours reset after each frame
