"""Sweep executors side by side: 40 bottleneck runs (100 agents, 300 virtual s).

Rounds alternate: in this process one after another (serial), a local pool
of 1 worker (its extra time over serial, per run, is the per-run overhead:
process start, scenario load, moving the row back), a local pool of 2
workers (target: at least 1.8x faster than serial), and a Dask LocalCluster
of 2 worker processes (started before the clock; its rows must equal the
pool's). Prints each round and the medians; the machine is shared, so the
load average is printed too. The overhead is measured once more on runs
of 0.01 virtual s, where the load hardly moves it.

    python benchmarks/sweep_pool.py [--rounds 3] [--runs 40] [--no-dask]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from observatory.sweep import DaskCluster, LocalPool, Serial
from observatory.sweep.runner import execute, plan


def timed(runs: int, executor: object, duration: float = 300.0) -> tuple[float, list[dict]]:
    seeds = runs // 4
    the_plan = plan("bottleneck", {"slots": "5,10,20,40"}, seeds, duration, params={"agents": 100})
    started = time.perf_counter()
    outcome = execute(the_plan, executor)
    elapsed = time.perf_counter() - started
    return elapsed, outcome.table.drop_columns(["wall_time"]).to_pylist()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--no-dask", action="store_true")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(f"{args.runs} bottleneck runs (--agents 100, --duration 300); load average {load:.2f}")
    figures: dict[str, list[float]] = {"speedup": [], "overhead_ms": [], "dask_speedup": []}
    for i in range(args.rounds):
        serial, reference = timed(args.runs, Serial())
        one, _ = timed(args.runs, LocalPool(1))
        two, rows = timed(args.runs, LocalPool(2))
        assert rows == reference, "the pool's rows differ from the serial ones"
        figures["speedup"].append(serial / two)
        figures["overhead_ms"].append(1000 * (one - serial) / args.runs)
        line = (f"  round {i + 1}: serial {serial:.2f} s, 1 worker {one:.2f} s, 2 workers {two:.2f} s "
                f"(x{serial / two:.2f}), overhead {figures['overhead_ms'][-1]:.1f} ms/run")  # fmt: skip
        if not args.no_dask:
            cluster = DaskCluster("local", 2)
            try:
                cluster_time, dask_rows = timed(args.runs, _Kept(cluster))
            finally:
                cluster.close()
            assert dask_rows == reference, "the LocalCluster's rows differ from the serial ones"
            figures["dask_speedup"].append(serial / cluster_time)
            line += f", LocalCluster(2) {cluster_time:.2f} s (x{serial / cluster_time:.2f}, rows identical)"
        print(line)
    # The overhead again on runs of 0.01 virtual s, where the machine's load hardly moves the difference.
    tiny = [timed(args.runs, LocalPool(1), 0.01)[0] - timed(args.runs, Serial(), 0.01)[0] for _ in range(3)]
    print(f"per-run overhead on runs of 0.01 virtual s: {1000 * statistics.median(tiny) / args.runs:.1f} ms")
    print(f"median speed-up on 2 workers: x{statistics.median(figures['speedup']):.2f} (target >= 1.8)")
    print(f"median per-run overhead: {statistics.median(figures['overhead_ms']):.1f} ms (target < 50)")
    if figures["dask_speedup"]:
        print(f"median speed-up on a LocalCluster of 2: x{statistics.median(figures['dask_speedup']):.2f}")


class _Kept:
    """The cluster for one sweep, left open (the benchmark closes it after the clock stops)."""

    def __init__(self, inner: DaskCluster) -> None:
        self.inner = inner

    def results(self, tasks):  # type: ignore[no-untyped-def]
        return self.inner.results(tasks)

    def cancel(self) -> None:
        self.inner.cancel()

    def close(self) -> None:
        """Closed by the benchmark."""


if __name__ == "__main__":
    main()
