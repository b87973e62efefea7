"""Game of Life speed: our message-passing agents against Mesa 3, side by side.

Both run a 64 x 64 torus, one agent per cell, 100 generations of a 35% soup.
Ours: the conway scenario headless, every neighbour state sent through the
engine's neighbour exchange, each step in a governed task ``compute``, with
the live validator judging every generation. Ours runs twice: with the
default compute task of 0.125 virtual seconds (one more park and resume per
agent-generation) and with ``--compute-time 0`` (pure Life: the task still
runs, governed, but takes no virtual time: Mesa's model). Mesa: one agent
per cell that reads its neighbours' states directly (the usual way to write
Life in Mesa), stepped in two phases. Both run under the garbage-collection
policy of our headless runs (``observatory.gc_policy.survivors_frozen``).
Runs alternate between the two to share the machine's noise; medians are
printed, in agent-generations (agents x generations) per wall second.

The validator's cost is timed apart: ``Validator.check`` over the same 100
observed generations, per generation.

    python benchmarks/conway_vs_mesa.py [--runs 5] [--size 64] [--generations 100]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine import Engine
from observatory.gc_policy import survivors_frozen
from scenarios import conway, life
from scenarios.params import parse_params

DENSITY = 0.35


def run_ours(size: int, generations: int, seed: int, compute_time: float) -> tuple[float, float, np.ndarray]:
    """Wall and CPU seconds for the run, and its initial grid."""
    engine = Engine(seed=seed)
    values = {"width": size, "height": size, "generations": generations, "density": DENSITY}
    params = parse_params(conway.ConwayParams, {**values, "compute_time": compute_time})
    world = conway.build(engine, params)
    initial = world.validator.observed.copy()
    with survivors_frozen():  # the collector's policy of a headless run (it collects first)
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
    with survivors_frozen():  # the same collector policy as ours
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

    work = args.size * args.size * args.generations
    settings = (conway.COMPUTE_TIME, 0.0)
    # Per contender: (wall rates, CPU rates); the last one is Mesa.
    rates: list[tuple[list[float], list[float]]] = [([], []) for _ in range(len(settings) + 1)]
    checks = []
    for run in range(args.runs):
        for (wall, cpu), compute_time in zip(rates, settings, strict=False):
            elapsed, used, initial = run_ours(args.size, args.generations, run, compute_time)
            wall.append(work / elapsed)
            cpu.append(work / used)
        elapsed, used = run_mesa(args.size, args.generations, seed=run)
        rates[-1][0].append(work / elapsed)
        rates[-1][1].append(work / used)
        checks.append(validator_cost(initial, args.generations))
    report(args, rates, settings, med_check=statistics.median(checks))


def report(
    args: argparse.Namespace,
    rates: list[tuple[list[float], list[float]]],
    settings: tuple[float, ...],
    med_check: float,
) -> None:
    """Print the medians, the ratios to Mesa and the validator's share."""
    import mesa

    med = statistics.median
    print(f"{args.size} x {args.size} torus, {args.generations} generations, {DENSITY:.0%} soup")
    print(f"medians of {args.runs} alternating runs, agent-generations per second (wall | CPU)")
    labels = [
        f"ours, default: compute task {settings[0]:g} virtual s",
        "ours, pure Life: --compute-time 0",
        f"mesa {mesa.__version__} (direct neighbour reads)",
    ]
    for label, (wall, cpu) in zip(labels, rates, strict=True):
        print(f"  {label:50} {med(wall):10,.0f} | {med(cpu):10,.0f}")
    theirs_wall, theirs_cpu = rates[-1]
    print("  ratio ours / mesa (wall: median of run-by-run ratios | CPU: ratio of medians)")
    for label, (wall, cpu) in zip(labels, rates[:-1], strict=False):
        ratio_wall = med([a / b for a, b in zip(wall, theirs_wall, strict=True)])
        print(f"    {label:48} {ratio_wall:.2f} | {med(cpu) / med(theirs_cpu):.2f}")
    per_gen = args.size * args.size / med(rates[0][0])
    print(
        f"  validator: {med_check * 1e6:.0f} us per generation "
        f"({med_check / per_gen:.1%} of a default generation's wall time)"
    )


if __name__ == "__main__":
    main()
