"""A sweep from start to end: check everything, skip what the file holds, run the rest, keep every row."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from observatory.headless import resolve_duration
from observatory.scheduled import parse_scheduled
from observatory.sweep.executors import DaskCluster, LocalPool, Serial, Task
from observatory.sweep.grid import Run, make_grid, seed_list
from observatory.sweep.table import Results, row_key
from observatory.tabular import check_path
from scenarios.framework import Scenario
from scenarios.params import ParamError, parse_params
from scenarios.registry import load

# progress(runs done, runs to do, failed so far)
SweepProgress = Callable[[int, int, int], None]


@dataclass
class Outcome:
    """What a sweep left: every row, how many runs it had to do and whether Ctrl+C cut it short."""

    table: pa.Table
    planned: int
    skipped: int
    interrupted: bool

    @property
    def failed(self) -> int:
        return sum(1 for s in self.table.column("status").to_pylist() if s != "ok")


@dataclass(frozen=True)
class Plan:
    """A checked sweep: the scenario, the runs still to do and where their rows go."""

    scenario: Scenario
    ref: Scenario | str  # what workers are given to load the scenario (a name or path pickles anywhere)
    runs: list[Run]
    todo: list[Run]
    duration: float | None
    results: Results
    commands: tuple[str, ...] = ()  # --command texts, the same in every run


def plan(
    scenario: Scenario | str,
    grid: Mapping[str, Any],
    seeds: int | Sequence[int] = 1,
    duration: float | None = None,
    *,
    params: Mapping[str, Any] | None = None,
    out: str | Path | None = None,
    overwrite: bool = False,
    commands: Sequence[str] = (),
) -> Plan:
    """Check every input (raising ParamError or ScenarioError) and work out the runs left to do.

    ``commands`` (``"T:TEXT"``, as ``--command``) are checked against every point's parameters.
    """
    loaded = load(scenario) if isinstance(scenario, str) else scenario
    path = None if out is None else check_path("out", str(out))
    the_grid = make_grid(loaded, grid, params)
    runs = the_grid.runs(seed_list(seeds))
    texts = tuple(commands)
    for point in the_grid.points() if texts else ():
        parse_scheduled(texts, loaded, parse_params(loaded.params, point))
    horizon = resolve_duration(loaded, duration)
    results = Results(loaded, path, overwrite, texts)
    if not loaded.stops_itself:
        _check_same_duration(results, horizon)
    done = results.done()
    names = results.names
    todo = [r for r in runs if row_key({**r.values, "seed": r.seed}, names) not in done]
    by_path = isinstance(scenario, str) and scenario.endswith(".py")
    ref = str(Path(scenario).resolve()) if by_path else scenario  # workers may start elsewhere
    return Plan(loaded, ref, runs, todo, horizon, results, texts)


def _check_same_duration(results: Results, horizon: float | None) -> None:
    """Refuse to resume a file whose runs lasted another virtual time (its rows would not compare)."""
    if results.old is None or horizon is None:
        return
    rows = results.old.select(["sim_time", "status"]).to_pylist()
    other = {r["sim_time"] for r in rows if r["status"] == "ok" and r["sim_time"] is not None} - {horizon}
    if other:
        raise ParamError(
            "duration",
            f"{horizon:g} differs from the {min(other):g} virtual s of the runs in {str(results.path)!r}: "
            "use the same --duration to resume it, --overwrite to start over, or another --out",
        )


def execute(
    the_plan: Plan,
    executor: Serial | LocalPool | DaskCluster,
    progress: SweepProgress | None = None,
) -> Outcome:
    """Run what the plan has left on ``executor``; Ctrl+C stops it with the finished rows kept."""
    results, todo = the_plan.results, the_plan.todo
    tasks: list[Task] = [
        (r.index, the_plan.ref, r.values, r.seed, the_plan.duration, the_plan.commands) for r in todo
    ]
    interrupted = False
    finished = 0
    results.expect([r.index for r in todo])
    try:
        if progress is not None:
            progress(0, len(tasks), 0)
        for index, row in executor.results(tasks):
            results.add(index, row)
            finished += 1
            results.save()
            if progress is not None:
                progress(finished, len(tasks), results.failed)
    except KeyboardInterrupt:
        interrupted = True
        executor.cancel()
    finally:
        try:
            results.close()
        finally:
            executor.close()
    return Outcome(results.table(), len(tasks), len(the_plan.runs) - len(todo), interrupted)


def make_executor(executor: Any, workers: int | None) -> tuple[Any, bool]:
    """The executor an API call names, and whether the sweep owns it (and so closes it)."""
    if executor in ("local", None):
        return LocalPool(workers), True
    if executor == "serial":
        return Serial(), True
    if executor == "dask-local":
        return DaskCluster("local", workers), True
    if isinstance(executor, str) and "://" in executor:
        return DaskCluster(executor, workers), True
    if hasattr(executor, "results") and hasattr(executor, "close"):
        return executor, False
    raise ParamError(
        "executor", f"{executor!r} is not valid: use 'local', 'serial', 'dask-local' or a tcp:// address"
    )


class _Borrowed:
    """An executor the caller made: used, not closed."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def results(self, tasks: Sequence[Task]) -> Any:
        return self.inner.results(tasks)

    def cancel(self) -> None:
        self.inner.cancel()

    def close(self) -> None:
        """The caller closes it."""


def sweep(
    scenario: Scenario | str,
    grid: Mapping[str, Any],
    seeds: int | Sequence[int] = 1,
    duration: float | None = None,
    *,
    params: Mapping[str, Any] | None = None,
    executor: Any = "local",
    workers: int | None = None,
    out: str | Path | None = None,
    overwrite: bool = False,
    progress: SweepProgress | None = None,
    commands: Sequence[str] = (),
) -> pa.Table:
    """Run every point of ``grid`` with every seed and return one row per run as a ``pyarrow.Table``.

    ``grid`` maps parameter names to values, as a list (``[5, 10]``) or as
    command-line text (``"5:40:5"``, ``"exp:1,exp:2"``); ``params`` fixes
    other parameters. ``seeds`` is a count (0..N-1) or a list. ``executor``
    is ``"local"`` (a process pool of ``workers``, default one per core),
    ``"serial"``, ``"dask-local"`` (a LocalCluster for this sweep), a Dask
    scheduler address, or an executor object from ``observatory.sweep``.
    With ``out`` the rows are also saved there (Parquet or CSV), and runs
    already in that file are skipped unless ``overwrite``. ``commands`` are
    ``"T:TEXT"`` texts, as ``--command``, applied at their times in every run.
    """
    the_plan = plan(
        scenario, grid, seeds, duration, params=params, out=out, overwrite=overwrite, commands=commands
    )
    chosen, owned = make_executor(executor, workers)
    return execute(the_plan, chosen if owned else _Borrowed(chosen), progress).table
