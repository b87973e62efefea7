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


def run_ours(size: int, generations: int, seed: int) -> tuple[float, float, np.ndarray]:
    """Wall and CPU seconds for the run, and its initial grid."""
    engine = Engine(seed=seed)
    params = parse_params(
        conway.ConwayParams,
        {"width": size, "height": size, "generations": generations, "density": DENSITY},
    )
    world = conway.build(engine, params)
    initial = world.validator.observed.copy()
    start, cpu = time.perf_counter(), time.process_time()
    engine.run()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert world.done and world.validator.logic_errors == 0 and world.validator.drift_errors == 0
    assert np.array_equal(world.observed, life.run(initial, generations))
    return elapsed, cpu, initial


def run_mesa(size: int, generations: int, seed: int) -> tuple[float, float]:
    """Wall and CPU seconds for the same amount of Life in Mesa."""
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
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(generations):
        model.step()
    return time.perf_counter() - start, time.process_time() - cpu


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
    ours, theirs, ours_cpu, theirs_cpu, checks = [], [], [], [], []
    for run in range(args.runs):
        gc.collect()
        elapsed, cpu, initial = run_ours(args.size, args.generations, seed=run)
        ours.append(work / elapsed)
        ours_cpu.append(work / cpu)
        gc.collect()
        elapsed, cpu = run_mesa(args.size, args.generations, seed=run)
        theirs.append(work / elapsed)
        theirs_cpu.append(work / cpu)
        checks.append(validator_cost(initial, args.generations))
    med = statistics.median
    check = med(checks)
    per_gen = args.size * args.size / med(ours)
    print(f"{args.size} x {args.size} torus, {args.generations} generations, {DENSITY:.0%} soup")
    print(f"medians of {args.runs} alternating runs, agent-generations per second (wall | CPU)")
    rows = [
        ("ours (messages, governed compute, validator on)", ours, ours_cpu),
        (f"mesa {mesa.__version__} (direct neighbour reads)", theirs, theirs_cpu),
    ]
    for label, wall, cpu in rows:
        print(f"  {label:50} {med(wall):10,.0f} | {med(cpu):10,.0f}")
    ratio_wall = med([a / b for a, b in zip(ours, theirs, strict=True)])
    ratio_cpu = med(ours_cpu) / med(theirs_cpu)
    print(f"  ratio ours / mesa: {ratio_wall:.2f} (wall, run by run) | {ratio_cpu:.2f} (CPU)")
    share = check / per_gen
    print(f"  validator: {check * 1e6:.0f} us per generation ({share:.1%} of a generation's wall time)")


if __name__ == "__main__":
    main()
