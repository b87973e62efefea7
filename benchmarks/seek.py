"""Seeking in a 10-minute run of each bundled scenario at its default size: wall seconds per seek.

Does what the TUI does, without the screen: computes the run to t = 600
virtual s (with a limit change at 60 and 300 s, as a person might make),
lets spare time build checkpoints (``Lines.idle``), then seeks to instants
spread over the run — including each one just before a checkpoint, the
worst case — and times each seek from the moment it is asked for until the
engine is at the target. After each seek the engine it leaves is parked
and the checkpoint it used up is rebuilt, as the TUI does between seeks.
Target: every seek at most 3 s on this 2-core machine.

    python benchmarks/seek.py [--duration 600] [--seeks 12] [--scenario NAME ...]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from pathlib import Path
from time import perf_counter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.commands import AppliedCommand
from observatory.rewind import Lines, Seek
from scenarios.params import parse_params
from scenarios.registry import installed, load


def commands_for(scenario, params) -> list[AppliedCommand]:  # type: ignore[no-untyped-def]
    """Two limit changes, on the scenario's own limit (or a global one)."""
    from engine import Engine

    engine = Engine(0)
    world = scenario.build(engine, params)
    limit = world.limit
    engine.close()
    if limit is None:
        from engine.commands import parse_command

        return [AppliedCommand(60.0, parse_command("concurrency global 50"))]
    base = limit.value or 50
    return [
        AppliedCommand(60.0, limit.command(base + 4)),
        AppliedCommand(300.0, limit.command(max(1, base // 2))),
    ]


def bench(name: str, duration: float, seeks: int, rng: random.Random) -> dict[str, float]:
    scenario = load(name)
    params = parse_params(scenario.params, {})
    commands = commands_for(scenario, params)
    lines = Lines(scenario, params, 0)
    started = perf_counter()
    live = lines.fresh(commands)
    Seek(live, duration, lines.measure).advance(float("inf"))
    run_wall = perf_counter() - started
    started = perf_counter()
    while lines.idle(commands, duration, budget=0.05):
        pass
    build_wall = perf_counter() - started
    built = len(lines.parked)
    lines.park(live)  # the person seeks back from the end: the engine on screen is kept
    points = sorted(x.now for x in lines.parked)
    targets = [max(0.0, t - 1e-6) for t in points[1:]] + [rng.uniform(0, duration) for _ in range(seeks)]
    times = []
    for target in targets:
        asked = perf_counter()
        line = lines.start_for(commands, target)
        Seek(line, target, lines.measure).advance(float("inf"))
        times.append(perf_counter() - asked)
        lines.park(line)
        while lines.idle(commands, duration, budget=0.05):
            pass
    lines.close()
    return {
        "run": run_wall,
        "build": build_wall,
        "checkpoints": built,
        "seeks": len(times),
        "median": sorted(times)[len(times) // 2],
        "max": max(times),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=600.0)
    parser.add_argument("--seeks", type=int, default=12)
    parser.add_argument("--scenario", action="append", default=None)
    args = parser.parse_args()
    names = args.scenario or [s.name for s in installed()]
    rng = random.Random(1)
    print(
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; {args.duration:g} virtual s runs"
    )
    print(
        f"{'scenario':<12} {'run s':>7} {'ckpt build s':>13} {'ckpts':>6} {'seeks':>6} "
        f"{'median s':>9} {'max s':>7}"
    )
    for name in names:
        r = bench(name, args.duration, args.seeks, rng)
        verdict = "ok" if r["max"] <= 3.0 else "OVER 3 s"
        print(
            f"{name:<12} {r['run']:>7.2f} {r['build']:>13.2f} {r['checkpoints']:>6} {r['seeks']:>6} "
            f"{r['median']:>9.3f} {r['max']:>7.3f}  {verdict}",
            flush=True,
        )


if __name__ == "__main__":
    main()
