"""What ``--events-out`` costs: bottleneck with 1000 agents, with and without the event file.

Runs alternate (plain, Parquet, CSV, plain, ...) in this process so the
machine's load hits all alike; the figure is the median ratio of each
recorded run's wall time to the plain run's before it (target: at most
1.30). Time is this process's CPU time for building, running and writing
the file (the machine is shared; CPU time is shaken less by the others).

    python benchmarks/events_out.py [--runs 5] [--agents 1000] [--duration 300]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from observatory.event_file import EventRecorder
from observatory.headless import run_headless


def timed(agents: int, duration: float, out: Path | None) -> tuple[float, int]:
    """CPU seconds of this process for one run (less shaken by other processes than wall time)."""
    recorders = [EventRecorder(out)] if out is not None else []
    started = time.process_time()
    record = run_headless("bottleneck", {"agents": agents}, 0, duration, recorders=recorders)
    return time.process_time() - started, record["events"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--duration", type=float, default=300.0)
    args = parser.parse_args()
    print(f"bottleneck --agents {args.agents} --duration {args.duration:g}, {args.runs} rounds; "
          f"load average {os.getloadavg()[0]:.2f}")  # fmt: skip
    ratios: dict[str, list[float]] = {"parquet": [], "csv": []}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.runs):
            plain, events = timed(args.agents, args.duration, None)
            line = f"  round {i + 1}: plain {plain:.3f} s ({events:,} events)"
            for form in ratios:
                out = Path(tmp) / f"events.{form}"
                recorded, _ = timed(args.agents, args.duration, out)
                ratios[form].append(recorded / plain)
                size = out.stat().st_size / 1e6
                line += f"  {form} {recorded:.3f} s (x{recorded / plain:.2f}, {size:.1f} MB)"
            print(line)
    for form, values in ratios.items():
        print(f"{form}: median {statistics.median(values):.2f}x the plain run (target <= 1.30)")


if __name__ == "__main__":
    main()
