"""Open the TUI on a scenario without the CLI (for looking at the screen).

python -m benchmarks.tui_demo tests/observatory/tiny_scenario.py --seed 1 --speed 1
python -m benchmarks.tui_demo tests/observatory/tiny_scenario.py agents=2000 slots=100
"""

from __future__ import annotations

import argparse

from observatory.tui import run_tui
from scenarios.params import parse_params
from scenarios.registry import load


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("scenario", help="an installed scenario's name or a .py file")
    parser.add_argument("params", nargs="*", help="name=value scenario parameters")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--speed", type=float, default=1.0)
    args = parser.parse_args()
    scenario = load(args.scenario)
    params = parse_params(scenario.params, dict(p.split("=", 1) for p in args.params))
    run_tui(scenario, params, args.seed, args.speed)


if __name__ == "__main__":
    main()
