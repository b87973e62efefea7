"""Can the engine keep 10,000 fireflies in real time? Headless speed of the fireflies scenario.

Runs a 100 x 100 torus (10,000 agents) with default parameters for 100
periods, one period per slice, and reports virtual seconds per wall second
(overall and for the slowest 10-period window: the scattered start, where every
signal wakes a neighbour, is the hard part), flashes per wall second, CPU time
beside wall time (the machine is shared), and the cost of one frame of
colours. Several runs are made and medians printed.

    python benchmarks/fireflies_headless.py [--runs 3] [--size 100] [--periods 100]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine import Engine
from scenarios.fireflies import SCENARIO
from scenarios.params import parse_params

WINDOW = 10  # periods per window when looking for the slowest stretch


def one_run(seed: int, size: int, periods: int) -> dict[str, float]:
    """One headless run; figures per wall and per CPU second."""
    engine = Engine(seed=seed)
    swarm = SCENARIO.build(engine, parse_params(SCENARIO.params, {"width": size, "height": size}))
    period = swarm.params.period
    wall0, cpu0 = time.perf_counter(), time.process_time()
    window_rates, window_cpu_rates = [], []
    window_start, window_cpu = wall0, cpu0
    for k in range(1, periods + 1):
        engine.run(until=k * period)
        if k % WINDOW == 0:
            now, cpu_now = time.perf_counter(), time.process_time()
            window_rates.append(WINDOW * period / (now - window_start))
            window_cpu_rates.append(WINDOW * period / (cpu_now - window_cpu))
            window_start, window_cpu = now, cpu_now
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    frame0 = time.perf_counter()
    for _ in range(20):
        swarm.colors()
    frame = (time.perf_counter() - frame0) / 20
    virtual = periods * period
    return {
        "wall": wall,
        "cpu": cpu,
        "virtual_per_wall": virtual / wall,
        "virtual_per_cpu": virtual / cpu,
        "slowest_window": min(window_rates) if window_rates else virtual / wall,
        "slowest_window_cpu": min(window_cpu_rates) if window_cpu_rates else virtual / cpu,
        "flashes_per_wall": swarm.flashes / wall,
        "flashes": swarm.flashes,
        "steps_per_wall": engine.kernel.steps / wall,
        "R": swarm.order_parameter(),
        "frame_ms": frame * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--periods", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    results = []
    for run in range(1, args.runs + 1):
        r = one_run(args.seed, args.size, args.periods)
        results.append(r)
        print(
            f"run {run}: {r['wall']:.1f} s wall, {r['cpu']:.1f} s CPU; "
            f"{r['virtual_per_wall']:.1f} virtual s/wall s (slowest {WINDOW}-period window "
            f"{r['slowest_window']:.1f}); {r['flashes_per_wall']:,.0f} flashes/wall s; "
            f"{r['flashes']:,} flashes; R {r['R']:.3f}",
            flush=True,
        )

    def median(key: str) -> float:
        return statistics.median(r[key] for r in results)

    agents = args.size * args.size
    print(f"\n{agents:,} fireflies, {args.periods} periods, seed {args.seed}: medians of {args.runs} runs")
    print(f"  virtual seconds per wall second : {median('virtual_per_wall'):.1f}")
    print(f"  ... slowest {WINDOW}-period window   : {median('slowest_window'):.1f}")
    print(f"  virtual seconds per CPU second  : {median('virtual_per_cpu'):.1f}")
    print(f"  ... slowest {WINDOW}-period window   : {median('slowest_window_cpu'):.1f}")
    print(f"  flashes per wall second         : {median('flashes_per_wall'):,.0f}")
    print(f"  kernel steps per wall second    : {median('steps_per_wall'):,.0f}")
    print(f"  colours for one frame           : {median('frame_ms'):.2f} ms")


if __name__ == "__main__":
    main()
