"""Kernel speed against SimPy on the same closed queue, plus memory per idle agent.

The model: N agents loop forever — think (exponential, mean Z), then hold one
of c slots for a service time (exponential, mean S). Ours runs with every
event on and a subscriber writing each agent's state into a numpy array, as
the TUI would. Runs alternate between the two to share the machine's noise;
medians are printed, per wall second and per CPU second of the process (the
latter is steadier on a shared machine, where wall time includes waiting
for a core).

    python benchmarks/kernel_vs_simpy.py [--runs 5] [--horizon 1500]
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine import Engine, TaskBlocked, TaskFinished, TaskStarted

N, C, THINK, SERVICE = 1000, 50, 1.0, 0.2


def run_ours(horizon: float) -> tuple[int, float, float]:
    engine = Engine(seed=1)
    engine.concurrency("task:work", C)
    state = np.zeros(N, dtype=np.uint8)
    done = [0]

    def on_blocked(ev: TaskBlocked) -> None:
        state[ev.agent] = 1

    def on_started(ev: TaskStarted) -> None:
        state[ev.agent] = 2

    def on_finished(ev: TaskFinished) -> None:
        state[ev.agent] = 0
        done[0] += 1

    engine.subscribe(TaskBlocked, on_blocked)
    engine.subscribe(TaskStarted, on_started)
    engine.subscribe(TaskFinished, on_finished)

    async def customer(ctx) -> None:
        rng = ctx.random
        while True:
            await ctx.sleep(rng.expovariate(1.0 / THINK))
            async with ctx.task("work"):
                await ctx.sleep(rng.expovariate(1.0 / SERVICE))

    for _ in range(N):
        engine.spawn(customer)
    return timed(lambda: engine.run(until=horizon), done)


def run_simpy(horizon: float) -> tuple[int, float, float]:
    import simpy

    env = simpy.Environment()
    slots = simpy.Resource(env, capacity=C)
    done = [0]

    def customer(rng: random.Random):
        while True:
            yield env.timeout(rng.expovariate(1.0 / THINK))
            with slots.request() as req:
                yield req
                yield env.timeout(rng.expovariate(1.0 / SERVICE))
            done[0] += 1

    for i in range(N):
        env.process(customer(random.Random(i)))
    return timed(lambda: env.run(until=horizon), done)


def timed(run, done: list[int]) -> tuple[int, float, float]:
    """Cycles completed, wall seconds and CPU seconds of one run."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return done[0], time.perf_counter() - wall, time.process_time() - cpu


def idle_agent_bytes(count: int) -> tuple[float, float]:
    """Bytes per agent parked forever, before and after it drew a random number."""

    async def idle(ctx) -> None:
        await ctx.recv()

    async def idle_random(ctx) -> None:
        ctx.random.random()
        await ctx.recv()

    results = []
    for fn in (idle, idle_random):
        gc.collect()
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        engine = Engine(seed=1)
        for _ in range(count):
            engine.spawn(fn)
        engine.run(until=0.0)
        used = tracemalloc.get_traced_memory()[0] - base
        tracemalloc.stop()
        results.append(used / count)
        del engine
    return results[0], results[1]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--horizon", type=float, default=1500.0)
    parser.add_argument("--idle-agents", type=int, default=100_000)
    args = parser.parse_args()

    rates: dict[str, dict[str, list[float]]] = {n: {"wall": [], "cpu": []} for n in ("ours", "simpy")}
    for i in range(args.runs):
        for name, fn in (("ours", run_ours), ("simpy", run_simpy)):
            cycles, wall, cpu = fn(args.horizon)
            rates[name]["wall"].append(cycles / wall)
            rates[name]["cpu"].append(cycles / cpu)
            print(
                f"run {i + 1} {name:5s}: {cycles} cycles in {wall:.2f} s wall, {cpu:.2f} s CPU"
                f" = {cycles / wall:,.0f} cycles/s wall, {cycles / cpu:,.0f} cycles/s CPU"
            )
    for clock in ("wall", "cpu"):
        ours, theirs = (statistics.median(rates[n][clock]) for n in ("ours", "simpy"))
        # Each pair ran back to back, so its ratio shares that moment's machine load.
        pairs = statistics.median(
            [a / b for a, b in zip(rates["ours"][clock], rates["simpy"][clock], strict=True)]
        )
        print(f"\nmedian cycles per {clock} second: ours {ours:,.0f}, simpy {theirs:,.0f}")
        print(
            f"ratio ours/simpy ({clock}): {ours / theirs:.2f}x of the medians, {pairs:.2f}x median per pair"
        )
        print("  (target >= 2.0x)")

    bare, with_random = idle_agent_bytes(args.idle_agents)
    print(f"\nmemory per idle agent at {args.idle_agents:,} agents: {bare:,.0f} B (target <= 2048 B)")
    print(f"  ... once it has drawn from its own random stream: {with_random:,.0f} B")


if __name__ == "__main__":
    main()
