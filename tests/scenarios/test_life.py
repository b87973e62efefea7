"""The vectorised Life and the validator, checked against a plain reading of the rules."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from scenarios import life
from scenarios.life import Cell, Validator


def reference_step(grid: np.ndarray) -> np.ndarray:
    """B3/S23 on a torus, one cell at a time, straight from the rule's wording."""
    height, width = grid.shape
    out = np.zeros_like(grid)
    for r in range(height):
        for c in range(width):
            live = sum(
                grid[(r + dr) % height, (c + dc) % width]
                for dr in (-1, 0, 1)
                for dc in (-1, 0, 1)
                if (dr, dc) != (0, 0)
            )
            out[r, c] = 1 if live == 3 or (live == 2 and grid[r, c]) else 0
    return out


grids = st.tuples(st.integers(3, 9), st.integers(3, 9)).flatmap(
    lambda shape: arrays(np.uint8, shape, elements=st.integers(0, 1))
)


@settings(max_examples=60, deadline=None)
@given(grids)
def test_step_matches_the_rule_cell_by_cell(grid: np.ndarray) -> None:
    assert np.array_equal(life.step(grid), reference_step(grid))


def test_blinker_oscillates_and_block_stays() -> None:
    grid = np.zeros((5, 5), dtype=np.uint8)
    grid[2, 1:4] = 1
    vertical = np.zeros_like(grid)
    vertical[1:4, 2] = 1
    assert np.array_equal(life.step(grid), vertical)
    assert np.array_equal(life.run(grid, 2), grid)
    block = np.zeros((4, 4), dtype=np.uint8)
    block[1:3, 1:3] = 1
    assert np.array_equal(life.run(block, 7), block)


def test_glider_on_a_torus_moves_diagonally_and_wraps() -> None:
    grid = np.zeros((6, 6), dtype=np.uint8)
    grid[0, 1] = grid[1, 2] = grid[2, 0] = grid[2, 1] = grid[2, 2] = 1
    assert np.array_equal(life.run(grid, 4), np.roll(grid, (1, 1), axis=(0, 1)))
    assert np.array_equal(life.run(grid, 24), grid)


def test_validator_counts_nothing_on_the_true_trajectory() -> None:
    rng = np.random.default_rng(3)
    grid = (rng.random((10, 12)) < 0.4).astype(np.uint8)
    validator = Validator(grid)
    for gen in range(1, 6):
        grid = life.step(grid)
        check = validator.check(grid)
        assert (check.generation, check.logic_errors, check.drift_errors) == (gen, 0, 0)
        assert check.population == grid.sum()
        assert np.array_equal(check.cells, grid)


def test_validator_tells_logic_from_drift() -> None:
    grid = np.zeros((6, 6), dtype=np.uint8)
    grid[2, 1:4] = 1  # a blinker
    validator = Validator(grid)
    wrong = life.step(grid)
    wrong[0, 0] = 1  # a cell born against the rule
    wrong[2, 2] = 0  # the blinker's centre dies against the rule
    check = validator.check(wrong)
    assert (check.logic_errors, check.drift_errors) == (2, 2)
    assert check.cells[0, 0] == Cell.LOGIC_FP and check.cells[2, 2] == Cell.LOGIC_FN
    # The next step follows the rule from the wrong grid: no logic error, but the run has drifted.
    follows = life.step(wrong)
    check = validator.check(follows)
    assert check.logic_errors == 0
    truth = life.run(grid, 2)
    assert check.drift_errors == np.count_nonzero(follows != truth) > 0
    assert np.all(check.cells[(follows == 1) & (truth == 0)] == Cell.DRIFT_FP)
    assert np.all(check.cells[(follows == 0) & (truth == 1)] == Cell.DRIFT_FN)
    assert (validator.logic_errors, validator.drift_errors) == (2, 2 + check.drift_errors)
