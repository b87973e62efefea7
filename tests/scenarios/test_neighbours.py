"""The grid-neighbours helper: Moore and von Neumann, on a torus or a bounded grid."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scenarios.neighbours import OFFSETS, grid_neighbours


def direct(rows: int, cols: int, kind: str, torus: bool) -> list[list[int]]:
    """Each cell's neighbours by walking the offsets one cell at a time."""
    out = []
    for r in range(rows):
        for c in range(cols):
            near = []
            for dr, dc in OFFSETS[kind]:
                rr, cc = r + dr, c + dc
                if torus:
                    near.append((rr % rows) * cols + cc % cols)
                elif 0 <= rr < rows and 0 <= cc < cols:
                    near.append(rr * cols + cc)
            out.append(near)
    return out


@given(st.integers(1, 7), st.integers(1, 7), st.sampled_from(sorted(OFFSETS)), st.booleans())
def test_neighbours_are_the_offsets_in_order_and_symmetric(
    rows: int, cols: int, kind: str, torus: bool
) -> None:
    neighbours = grid_neighbours(rows, cols, kind, torus=torus)
    assert neighbours == direct(rows, cols, kind, torus)
    counted = [Counter(near) for near in neighbours]
    for i, near in enumerate(counted):  # as often as I name you, you name me
        assert all(counted[j][i] == times for j, times in near.items())


@pytest.mark.parametrize(("kind", "count"), [("moore", 8), ("von-neumann", 4)])
def test_on_a_torus_every_cell_has_distinct_neighbours_that_wrap(kind: str, count: int) -> None:
    rows, cols = 4, 5
    neighbours = grid_neighbours(rows, cols, kind)
    assert len(neighbours) == rows * cols
    for i, near in enumerate(neighbours):
        assert len(set(near)) == count and i not in near
    # The top-left corner touches the opposite edges.
    assert 1 in neighbours[0] and cols - 1 in neighbours[0] and (rows - 1) * cols in neighbours[0]
    assert ((rows - 1) * cols + cols - 1 in neighbours[0]) == (kind == "moore")


def test_on_a_bounded_grid_corners_and_edges_have_fewer() -> None:
    moore = grid_neighbours(3, 4, torus=False)
    assert moore[0] == [1, 4, 5] and len(moore[1]) == 5 and moore[5] == [0, 1, 2, 4, 6, 8, 9, 10]
    assert grid_neighbours(3, 4, "von-neumann", torus=False)[0] == [1, 4]
    assert grid_neighbours(1, 1, torus=False) == [[]]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((3, 3, "hex"), "neighbourhood 'hex' is not valid: use one of moore, von-neumann"),
        ((0, 3), "grid 0 x 3 is not valid: use at least 1 row and 1 column"),
        ((2.5, 3), "grid 2.5 x 3 is not valid: use whole numbers"),
    ],
)
def test_bad_arguments_say_what_is_accepted(args: tuple, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        grid_neighbours(*args)
