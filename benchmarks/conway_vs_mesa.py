"""Game of Life speed: our message-passing agents against Mesa 3, side by side.

Both run a 64 x 64 torus, one agent per cell, 100 generations of a 35% soup.
Ours: the conway scenario headless, every neighbour state sent as a message,
each step in a governed task, with the live validator judging every
generation. Mesa: one agent per cell that reads its neighbours' states
directly (the usual way to write Life in Mesa), stepped in two phases.
Runs alternate between the two to share the machine's noise; medians are
printed, in agent-generations (agents x generations) per wall second.

The validator's cost is timed apart: ``Validator.check`` over the same 100
observed generations, per generation.

    python benchmarks/conway_vs_mesa.py [--runs 5] [--size 64] [--generations 100]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine import Engine
from scenarios import conway, life
from scenarios.params import parse_params

DENSITY = 0.35


def run_ours(size: int, generations: int, seed: int) -> tuple[float, np.ndarray, np.ndarray]:
    """Wall seconds for the run, its initial grid and its final observed grid."""
    engine = Engine(seed=seed)
    params = parse_params(
        conway.ConwayParams,
        {"width": size, "height": size, "generations": generations, "density": DENSITY},
    )
    world = conway.build(engine, params)
    initial = world.validator.observed.copy()
    start = time.perf_counter()
    engine.run()
    elapsed = time.perf_counter() - start
    assert world.done and world.validator.logic_errors == 0 and world.validator.drift_errors == 0
    return elapsed, initial, world.observed


def run_mesa(size: int, generations: int, seed: int) -> float:
    """Wall seconds for the same amount of Life in Mesa."""
    import mesa
    from mesa.discrete_space import FixedAgent, OrthogonalMooreGrid

    class LifeCell(FixedAgent):
        def __init__(self, model: mesa.Model, cell: object, alive: bool) -> None:
            super().__init__(model)
            self.cell = cell
            self.alive = alive
            self.next_alive = alive

        def decide(self) -> None:
            live = sum(other.alive for other in self.cell.neighborhood.agents)
            self.next_alive = live == 3 or (live == 2 and self.alive)

        def commit(self) -> None:
            self.alive = self.next_alive

    class LifeModel(mesa.Model):
        def __init__(self) -> None:
            super().__init__(seed=seed)
            self.grid = OrthogonalMooreGrid((size, size), torus=True, capacity=1, random=self.random)
            for place in self.grid.all_cells:
                LifeCell(self, place, self.random.random() < DENSITY)

        def step(self) -> None:
            self.agents.do("decide")
            self.agents.do("commit")

    model = LifeModel()
    start = time.perf_counter()
    for _ in range(generations):
        model.step()
    return time.perf_counter() - start


def validator_cost(initial: np.ndarray, generations: int) -> float:
    """Wall seconds per generation of ``Validator.check`` on a correct run."""
    grids = [initial]
    for _ in range(generations):
        grids.append(life.step(grids[-1]))
    validator = life.Validator(initial)
    start = time.perf_counter()
    for grid in grids[1:]:
        validator.check(grid)
    return (time.perf_counter() - start) / generations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--generations", type=int, default=100)
    args = parser.parse_args()
    import mesa

    work = args.size * args.size * args.generations
    ours, theirs, checks = [], [], []
    for run in range(args.runs):
        gc.collect()
        elapsed, initial, _ = run_ours(args.size, args.generations, seed=run)
        ours.append(work / elapsed)
        gc.collect()
        theirs.append(work / run_mesa(args.size, args.generations, seed=run))
        checks.append(validator_cost(initial, args.generations))
    ours_m, theirs_m = statistics.median(ours), statistics.median(theirs)
    per_gen = ours_m and args.size * args.size / ours_m
    check = statistics.median(checks)
    print(f"{args.size} x {args.size} torus, {args.generations} generations, {DENSITY:.0%} soup")
    print(f"medians of {args.runs} alternating runs")
    print(f"  ours (messages, governed compute, validator on): {ours_m:12,.0f} agent-generations/s")
    print(f"  mesa {mesa.__version__} (direct neighbour reads):        {theirs_m:12,.0f} agent-generations/s")
    print(f"  ratio ours / mesa: {ours_m / theirs_m:.2f}")
    share = check / per_gen
    print(f"  validator: {check * 1e6:.0f} us per generation ({share:.1%} of a generation's wall time)")


if __name__ == "__main__":
    main()
