"""How coupling and a flash limit shape synchrony: R after 100 periods on a 30 x 30 torus.

For each nudge and limit, one headless run at a fixed seed; prints Markdown
tables of the Kuramoto order parameter R after the run, the period at which
R first reached 0.9, and the share of flashes that had to wait for the limit.
Everything else is at its default.

    python benchmarks/fireflies_table.py [--seed 1] [--periods 100] [--size 30]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine import Engine
from scenarios.fireflies import SCENARIO
from scenarios.params import parse_params

NUDGES = (0.0, 0.05, 0.1, 0.2, 0.4)
LIMITS = (None, 100, 20)


def one_run(seed: int, size: int, periods: int, nudge: float, limit: int | None) -> dict[str, float | None]:
    """R at the end, first period with R >= 0.9 (None if never) and the blocked share."""
    options: dict[str, object] = {"width": size, "height": size, "nudge": nudge, "limit": limit}
    engine = Engine(seed=seed)
    swarm = SCENARIO.build(engine, parse_params(SCENARIO.params, options))
    period = swarm.params.period
    engine.run(until=periods * period)
    reached = next((t for t, r in zip(swarm.order.times, swarm.order.values, strict=True) if r >= 0.9), None)
    return {
        "R": swarm.order_parameter(),
        "sync_period": None if reached is None else reached / period,
        # Flashes that had to wait, out of all wanted (those still waiting included).
        "blocked_share": swarm.blocked_flashes / max(swarm.flashes + swarm.counts()["blocked"], 1),
    }


def table(title: str, results: dict, key: str, fmt) -> str:
    header = "| nudge | " + " | ".join("no limit" if lim is None else f"limit {lim}" for lim in LIMITS) + " |"
    lines = [f"**{title}**", "", header, "|---:|" + "---:|" * len(LIMITS)]
    for nudge in NUDGES:
        cells = [fmt(results[nudge, lim][key]) for lim in LIMITS]
        lines.append(f"| {nudge:g} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--periods", type=int, default=100)
    parser.add_argument("--size", type=int, default=30)
    args = parser.parse_args()
    results = {}
    for nudge in NUDGES:
        for limit in LIMITS:
            results[nudge, limit] = one_run(args.seed, args.size, args.periods, nudge, limit)
            print(f"nudge {nudge:g}, limit {limit}: {results[nudge, limit]}", file=sys.stderr, flush=True)
    where = f"{args.size} x {args.size} torus, seed {args.seed}, other parameters at their defaults"
    print(table(f"R after {args.periods} periods ({where})", results, "R", lambda v: f"{v:.2f}"))
    print()
    print(table("period at which R first reached 0.9", results, "sync_period", _period))
    print()
    print(
        table(
            "share of flashes that had to wait for the limit", results, "blocked_share", lambda v: f"{v:.0%}"
        )
    )


def _period(value: float | None) -> str:
    return "never" if value is None else f"{value:.1f}"


if __name__ == "__main__":
    main()
