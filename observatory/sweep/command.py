"""``observatory sweep SCENARIO``: one subcommand per scenario, with its options and the sweep's.

A scenario option given here (``--agents 200``) holds for every run; the
swept ones come as ``--param NAME=V1,V2`` or ``--param NAME=A:B:STEP``.
Everything is checked, the Dask scheduler included, before the first run.
"""

from __future__ import annotations

import inspect
import shutil
from typing import Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from typer.core import TyperGroup

from observatory.sweep import plot
from observatory.sweep.executors import executor_for
from observatory.sweep.grid import split_assignment
from observatory.sweep.runner import Outcome, Plan, execute, plan
from observatory.sweep.summary import default_metrics, summarize, summary_table
from scenarios.framework import Scenario
from scenarios.params import ParamError, ParamSpec, specs
from scenarios.registry import installed, load

SWEEP_OPTIONS = (
    "param",
    "seeds",
    "seed_list",
    "duration",
    "out",
    "workers",
    "dask",
    "metrics",
    "plot",
    "overwrite",
    "command",
)
_COUNT = ParamSpec("workers", int, None, "", min=1)
_SEEDS = ParamSpec("seeds", int, 1, "", min=1)


class SweepGroup(TyperGroup):
    """``observatory sweep``: one subcommand per scenario, built on demand."""

    def list_commands(self, ctx: Any) -> list[str]:
        return [s.name for s in installed()]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        return sweep_command(load(cmd_name), cmd_name)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not args:
            known = ", ".join(self.list_commands(ctx))
            raise ParamError("scenario", f"missing SCENARIO: use one of {known}, or a path to a .py file")
        return super().parse_args(ctx, args)


sweep_app = typer.Typer(
    cls=SweepGroup,
    help="Run a scenario over a grid of parameters and seeds; one row per run in a Parquet or CSV file.",
    add_completion=False,
    pretty_exceptions_enable=False,
)


def sweep_command(scenario: Scenario, invoked_as: str) -> Any:
    """The click command for sweeping one scenario."""
    own = specs(scenario.params)
    parameters = [_fixed_option(s) for s in own if s.name not in SWEEP_OPTIONS] + _sweep_options()

    def command(**values: Any) -> int:
        runner = {name: values.pop(name) for name in SWEEP_OPTIONS}
        fixed = {k: v for k, v in values.items() if v is not None}
        return sweep_cli(scenario, invoked_as, fixed, **runner)

    command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in parameters}
    single = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    single.command(name=invoked_as, help=scenario.description)(command)
    return typer.main.get_command(single)


def _fixed_option(spec: ParamSpec) -> inspect.Parameter:
    """A scenario parameter held fixed for the whole sweep (left out: its default)."""
    help_text = f"{spec.help} ({spec.accepted()}; default {spec.default})"
    kind = inspect.Parameter.KEYWORD_ONLY
    if spec.type is bool:
        option = typer.Option(None, f"{spec.option}/--no-{spec.option[2:]}", help=help_text)
        return inspect.Parameter(spec.name, kind, default=option, annotation=bool | None)
    option = typer.Option(None, spec.option, help=help_text, metavar="VALUE")
    return inspect.Parameter(spec.name, kind, default=option, annotation=str | None)


def _sweep_options() -> list[inspect.Parameter]:
    o = typer.Option
    options: list[tuple[str, Any, Any]] = [
        (
            "param",
            list[str] | None,
            o(
                None,
                "--param",
                metavar="NAME=V1,V2|A:B:STEP",
                help="A swept parameter: values, or an inclusive numeric range; repeat for a grid",
            ),
        ),
        (
            "seeds",
            str | None,
            o(None, "--seeds", metavar="N", help="Seeds 0..N-1 for every point (default 1)"),
        ),
        (
            "seed_list",
            str | None,
            o(None, "--seed-list", metavar="S1,S2", help="These seeds for every point"),
        ),
        (
            "duration",
            str | None,
            o(None, "--duration", metavar="SIM_SECONDS", help="Virtual seconds per run"),
        ),
        (
            "out",
            str | None,
            o(None, "--out", metavar="FILE.parquet|FILE.csv", help="The results table (required)"),
        ),
        (
            "workers",
            str | None,
            o(None, "--workers", metavar="N", help="Local worker processes (default: one per core)"),
        ),
        (
            "dask",
            str | None,
            o(
                None,
                "--dask",
                metavar="ADDRESS|local",
                help="Run on the Dask scheduler at tcp://HOST:PORT, or on a LocalCluster for this sweep",
            ),
        ),
        (
            "metrics",
            str | None,
            o(
                None,
                "--metrics",
                metavar="M1,M2",
                help="Metrics of the summary (default: the scenario's headline)",
            ),
        ),
        (
            "plot",
            str | None,
            o(None, "--plot", metavar="METRIC", help="Plot this metric against the first swept parameter"),
        ),
        ("overwrite", bool, o(False, "--overwrite", help="Start the file over instead of resuming it")),
        (
            "command",
            list[str] | None,
            o(
                None,
                "--command",
                metavar="T:TEXT",
                help="A command at virtual time T in every run, as for run (repeatable)",
            ),
        ),
    ]
    kind = inspect.Parameter.KEYWORD_ONLY
    return [inspect.Parameter(n, kind, default=opt, annotation=ann) for n, ann, opt in options]


def _seeds(seeds: str | None, seed_list: str | None) -> int | list[int]:
    if seeds is not None and seed_list is not None:
        raise ParamError("seeds", "given with --seed-list: use one of them")
    if seed_list is None:
        return 1 if seeds is None else _SEEDS.convert(seeds)
    try:
        return [int(s) for s in seed_list.split(",")]
    except ValueError:
        raise ParamError(
            "seed_list", f"{seed_list!r} is not valid: use whole numbers >= 0, as 3,7,11"
        ) from None


def _duration(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        raise ParamError("duration", f"{text!r} is not valid: use a number of virtual seconds > 0") from None


def sweep_cli(
    scenario: Scenario,
    ref: str,
    fixed: dict[str, Any],
    *,
    param: list[str] | None,
    seeds: str | None,
    seed_list: str | None,
    duration: str | None,
    out: str | None,
    workers: str | None,
    dask: str | None,
    metrics: str | None,
    plot: str | None,
    overwrite: bool,
    command: list[str] | None,
) -> int:
    """Check everything, run the sweep with a progress bar, print the summary; returns the exit code."""
    if out is None:
        raise ParamError("out", "is required: use --out FILE.parquet or --out FILE.csv")
    grid: dict[str, str] = {}
    for text in param or []:
        name, values = split_assignment(text)
        if name in grid:
            raise ParamError("param", f"{name} is swept twice: give its values in one --param {name}=V1,V2")
        grid[name] = values
    if plot is not None and not grid:
        raise ParamError("plot", "needs a swept parameter to plot against: add --param NAME=V1,V2")
    count = None if workers is None else _COUNT.convert(workers)
    the_plan = plan(
        ref, grid, _seeds(seeds, seed_list), _duration(duration), params=fixed, out=out, overwrite=overwrite,
        commands=command or (),
    )
    chosen = _check_metrics(the_plan, metrics, plot)
    executor = executor_for(dask, count)
    err = Console(stderr=True)
    err.print(
        f"{scenario.name}: {len(the_plan.todo)} runs on {executor.name}"
        + (
            f" ({len(the_plan.runs) - len(the_plan.todo)} already in {out})"
            if len(the_plan.todo) < len(the_plan.runs)
            else ""
        )
        + ("" if err.is_terminal else " (Ctrl+C stops, keeps finished rows)")
    )
    outcome = _run_with_bar(the_plan, executor, err)
    _report(outcome, list(grid), chosen, plot, scenario, err)
    if outcome.interrupted:
        return 130
    return 1 if outcome.failed else 0


def _check_metrics(the_plan: Plan, metrics: str | None, plot_metric: str | None) -> list[str] | None:
    """The summary's metrics, when named, checked against those a built world reports."""
    chosen = None if metrics is None else [m.strip() for m in metrics.split(",") if m.strip()]
    if chosen is not None and not chosen:
        raise ParamError("metrics", f"{metrics!r} names no metric: use M1,M2")
    asked = [("metrics", m) for m in chosen or []] + (
        [("plot", plot_metric)] if plot_metric is not None else []
    )
    known = probe_metrics(the_plan) if asked else None
    for option, name in asked:
        if known is not None and name not in known:
            raise ParamError(
                option,
                f"{name!r} is not a metric of {the_plan.scenario.name}: use one of "
                + ", ".join(sorted(known)),
            )
    return chosen


def _run_with_bar(the_plan: Plan, executor: Any, err: Console) -> Outcome:
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("runs  [red]{task.fields[failed]} failed"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=err,
    )
    task = bar.add_task(the_plan.scenario.name, total=len(the_plan.todo), failed=0)

    def update(done: int, total: int, failed: int) -> None:
        bar.update(task, completed=done, failed=failed)

    with bar:
        return execute(the_plan, executor, update)


def _report(
    outcome: Outcome,
    swept: list[str],
    chosen: list[str] | None,
    plot_metric: str | None,
    scenario: Scenario,
    err: Console,
) -> None:
    table, name = outcome.table, scenario.name
    headline = scenario.headline or (scenario.theory.metrics if scenario.theory else ())
    metrics = chosen if chosen is not None else default_metrics(table, headline)
    missing = [m for m in [*metrics, *([plot_metric] if plot_metric else [])] if m not in table.column_names]
    if missing:
        err.print(
            f"[yellow]no metric {missing[0]!r} in the results; they have: "
            + ", ".join(table.column_names)
            + "[/]"
        )
        metrics = [m for m in metrics if m in table.column_names]
    points = summarize(table, swept, metrics)
    title = f"{name}: {table.num_rows} runs, {outcome.failed} failed" + (
        "  (interrupted)" if outcome.interrupted else ""
    )
    Console().print(summary_table(points, swept, metrics, title))
    if plot_metric and plot_metric in table.column_names and swept:
        width = min(shutil.get_terminal_size((100, 24)).columns, 140)
        plot.draw(summarize(table, swept, [plot_metric]), swept, plot_metric, width=width)
    if outcome.failed:
        first = next(r for r in table.to_pylist() if r["status"] != "ok")
        err.print(f"[red]{outcome.failed} run(s) failed; first: seed {first['seed']}: {first['error']}[/]")


def probe_metrics(the_plan: Plan) -> set[str] | None:
    """The columns a run of this sweep will have, from a world built but not run (None: cannot tell)."""
    from engine import Engine
    from scenarios.params import parse_params

    engine = Engine(0)
    try:
        world = the_plan.scenario.build(
            engine, parse_params(the_plan.scenario.params, the_plan.runs[0].values)
        )
        names = set(world.metrics()) | {"events", "agents", "sim_time", "wall_time"}
    except Exception:
        return None
    finally:
        engine.close()
    return names | {
        f"theory_{m}" for m in (the_plan.scenario.theory.metrics if the_plan.scenario.theory else ())
    }
