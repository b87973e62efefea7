"""Who is next to whom on a grid of agents: the Moore and von Neumann neighbourhoods.

Agent ``row * cols + col`` sits at (row, col), as ``World`` lays agents out.
On a torus the edges wrap and every cell has the same number of neighbours;
on a bounded grid, cells at the edges have fewer. Either way the relation is
symmetric (whoever is my neighbour has me as its neighbour), as a neighbour
exchange requires, and neighbours come in a fixed order (row-major offsets),
so runs that walk them are reproducible.
"""

from __future__ import annotations

import numpy as np

NEIGHBOURHOODS = ("moore", "von-neumann")

# (row, column) offsets of each neighbourhood, row-major.
OFFSETS = {
    "moore": ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)),
    "von-neumann": ((-1, 0), (0, -1), (0, 1), (1, 0)),
}


def grid_neighbours(rows: int, cols: int, kind: str = "moore", *, torus: bool = True) -> list[list[int]]:
    """For each agent ``row * cols + col``, the ids of its neighbours, in offset order.

    ``kind`` is ``"moore"`` (the 8 around) or ``"von-neumann"`` (the 4 beside).
    On a torus narrower than 3 cells a neighbour can appear twice (left and
    right are the same cell); it is then counted twice, on both sides.
    """
    if kind not in OFFSETS:
        raise ValueError(f"neighbourhood {kind!r} is not valid: use one of {', '.join(NEIGHBOURHOODS)}")
    if (
        isinstance(rows, bool)
        or isinstance(cols, bool)
        or not (isinstance(rows, int) and isinstance(cols, int))
    ):
        raise ValueError(f"grid {rows!r} x {cols!r} is not valid: use whole numbers of rows and columns")
    if rows < 1 or cols < 1:
        raise ValueError(f"grid {rows} x {cols} is not valid: use at least 1 row and 1 column")
    ids = np.arange(rows * cols).reshape(rows, cols)
    if torus:
        rolled = [np.roll(ids, (-dr, -dc), axis=(0, 1)) for dr, dc in OFFSETS[kind]]
        return rows_of(np.stack(rolled, axis=-1).reshape(rows * cols, -1))
    # A bounded grid: pad with -1 all round, read the offsets, then drop the padding.
    padded = np.pad(ids, 1, constant_values=-1)
    shifted = [padded[1 + dr : 1 + dr + rows, 1 + dc : 1 + dc + cols] for dr, dc in OFFSETS[kind]]
    table = rows_of(np.stack(shifted, axis=-1).reshape(rows * cols, -1))
    return [[n for n in row if n >= 0] for row in table]


def rows_of(table: np.ndarray, chunk: int = 1 << 14) -> list[list[int]]:
    """``table.tolist()``, a chunk of rows at a time: a million-cell build stays interruptible (Ctrl+C)."""
    rows: list[list[int]] = []
    for start in range(0, len(table), chunk):
        rows.extend(table[start : start + chunk].tolist())
    return rows
