"""The headless CLI at scale: events per wall second and peak memory.

Runs, as a user would,

    observatory run bottleneck --headless --agents 100000 --slots 1000 --duration 60

in a child process (so its peak RSS is its own) and reads the metrics file it
writes. "events/s" is engine events over the run's own wall time (building
the world and the run, without interpreter start-up); "process" is the whole
command. Repeats and prints medians, since the machine is shared and noisy.

    python benchmarks/bottleneck_headless.py [--runs 3] [--agents 100000] [--slots 1000] [--duration 60]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_once(agents: int, slots: int, duration: float) -> dict[str, float]:
    """One child run; its metrics plus process wall time and peak RSS in MiB."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "metrics.json"
        command = [
            sys.executable, "-m", "observatory", "run", "bottleneck", "--headless",
            "--agents", str(agents), "--slots", str(slots), "--duration", str(duration),
            "--metrics-out", str(out),
        ]  # fmt: skip
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        errors = Path(tmp) / "stderr.txt"
        started = time.perf_counter()
        with errors.open("wb") as err:
            child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=err)
            # wait4 gives this child's own peak RSS (RUSAGE_CHILDREN would be a max over all runs).
            _, status, usage = os.wait4(child.pid, 0)
        process_wall = time.perf_counter() - started
        code = child.returncode = os.waitstatus_to_exitcode(status)
        if code != 0:
            raise SystemExit(f"the run failed ({code}): {errors.read_text().strip()}")
        record = json.loads(out.read_text())
    peak_kib = usage.ru_maxrss  # KiB on Linux
    return {
        "events": record["events"],
        "completed": record["completed"],
        "wall_time": record["wall_time"],
        "events_per_s": record["events"] / record["wall_time"],
        "process_wall": process_wall,
        "peak_rss_mib": peak_kib / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--agents", type=int, default=100_000)
    parser.add_argument("--slots", type=int, default=1000)
    parser.add_argument("--duration", type=float, default=60.0)
    args = parser.parse_args()
    print(f"observatory run bottleneck --headless --agents {args.agents} --slots {args.slots} "
          f"--duration {args.duration:g}   ({args.runs} runs)")  # fmt: skip
    results = []
    for i in range(args.runs):
        result = run_once(args.agents, args.slots, args.duration)
        results.append(result)
        print(
            f"  run {i + 1}: {result['events']:,} events in {result['wall_time']:.2f} s "
            f"= {result['events_per_s']:,.0f} events/s; process {result['process_wall']:.2f} s; "
            f"peak RSS {result['peak_rss_mib']:.0f} MiB"
        )
    median = {key: statistics.median(r[key] for r in results) for key in results[0]}
    print(
        f"median: {median['events_per_s']:,.0f} events/s over the run, "
        f"{median['events'] / median['process_wall']:,.0f} events/s for the whole command, "
        f"peak RSS {median['peak_rss_mib']:.0f} MiB ({median['completed']:,.0f} tasks completed)"
    )


if __name__ == "__main__":
    main()
