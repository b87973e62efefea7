"""Vectorised Life-like automata on a torus, and the live validator of the conway scenario.

The agents compute Life one cell at a time by passing messages; this module
computes it all at once with numpy, so every generation the agents complete
can be checked against what it should have been.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from scenarios.rules import LIFE, Rule


class Cell(IntEnum):
    """What a cell of the screen shows: its state, or the error it is part of."""

    DEAD = 0
    ALIVE = 1
    LOGIC_FP = 2  # alive, though the rule applied to the previous observed grid says dead
    LOGIC_FN = 3  # dead, though the rule applied to the previous observed grid says alive
    DRIFT_FP = 4  # alive, though the true trajectory from the initial grid is dead here
    DRIFT_FN = 5  # dead, though the true trajectory from the initial grid is alive here


def step(grid: np.ndarray, rule: Rule = LIFE) -> np.ndarray:
    """One generation of ``rule`` (default B3/S23) on a (height, width) 0/1 grid whose edges wrap."""
    # The 3x3 block sum, self included, in two separable passes of two rolls each.
    rows = grid + np.roll(grid, 1, 0) + np.roll(grid, -1, 0)
    block = rows + np.roll(rows, 1, 1) + np.roll(rows, -1, 1)
    # A dead cell's block is its neighbour count n, a live one's n + 1: so block + 8 * state
    # is n for a dead cell and 9 + n for a live one, the index into [born(n)..., survives(n)...].
    return _flat_table(rule)[block + 8 * grid]


def _flat_table(rule: Rule) -> np.ndarray:
    """``rule.table()`` as one row of 18: next states of dead cells by n, then of live ones."""
    table = _TABLES.get(rule)
    if table is None:
        table = _TABLES[rule] = rule.table().ravel()
    return table


_TABLES: dict[Rule, np.ndarray] = {}


def run(grid: np.ndarray, generations: int, rule: Rule = LIFE) -> np.ndarray:
    """The grid after ``generations`` steps of ``rule``."""
    out = np.asarray(grid, dtype=np.uint8)
    for _ in range(generations):
        out = step(out, rule)
    return out


@dataclass(frozen=True)
class Check:
    """The verdict on one completed generation."""

    generation: int
    population: int
    logic_errors: int
    drift_errors: int
    cells: np.ndarray  # Cell codes, same shape as the grid


class Validator:
    """Compares each observed generation with numpy Life, two ways.

    Logic errors: cells where the observed grid differs from one step of the
    rule applied to the previous *observed* grid (a wrong step, now).
    Drift errors: cells where it differs from the true trajectory from the
    initial grid (how far the run has wandered off, whatever the cause).
    """

    def __init__(self, initial: np.ndarray, rule: Rule = LIFE) -> None:
        self.rule = rule
        self.generation = 0
        self.true = np.array(initial, dtype=np.uint8)
        self.observed = self.true.copy()
        self.logic_errors = 0
        self.drift_errors = 0

    def check(self, observed: np.ndarray) -> Check:
        """Judge the next generation; generations must come in order."""
        observed = np.asarray(observed, dtype=np.uint8).reshape(self.true.shape)
        predicted = step(self.observed, self.rule)
        self.true = step(self.true, self.rule)
        logic = observed != predicted
        drift = observed != self.true
        # A logic error shows as such even where the run has also drifted: it is the news.
        cells = np.where(
            logic, int(Cell.LOGIC_FN) - observed, np.where(drift, int(Cell.DRIFT_FN) - observed, observed)
        )
        self.generation += 1
        self.observed = observed
        n_logic = int(np.count_nonzero(logic))
        n_drift = int(np.count_nonzero(drift))
        self.logic_errors += n_logic
        self.drift_errors += n_drift
        population = int(np.count_nonzero(observed))
        return Check(self.generation, population, n_logic, n_drift, cells.astype(np.uint8))
