"""One run of a sweep as a plain function: (scenario, values, seed, duration, commands) -> one row.

Everything it takes and returns pickles, so a local process pool and a Dask
worker call the same function and get the same row. A run that raises, or
whose record says agents failed, becomes a row with ``status = "failed"``
and its ``error``; the sweep goes on.
"""

from __future__ import annotations

import math
from time import perf_counter
from typing import Any

from observatory.headless import run_headless
from scenarios.framework import Scenario
from scenarios.params import as_dict, parse_params
from scenarios.registry import load

# Record keys that are not metrics of the run (or that the row holds under another name).
NOT_METRICS = frozenset({"scenario", "seed", "params", "interrupted", "sim_time", "wall_time"})


def scalar_metrics(record: dict[str, Any]) -> dict[str, Any]:
    """The record's scalar metrics (numbers, text, booleans, nulls); lists and objects stay out."""
    return {
        k: v
        for k, v in record.items()
        if k not in NOT_METRICS and (v is None or isinstance(v, bool | int | float | str))
    }


def failure_of(record: dict[str, Any]) -> str | None:
    """What made a finished run a failed one (agents failed, a stall or a livelock), or None."""
    failed = record.get("agents_failed") or 0
    if not failed:
        return record.get("run_error") or None
    first = record.get("first_failure") or {}
    where = f"agent {first.get('name', first.get('agent', '?'))} at t = {first.get('time', '?')}"
    return f"{failed} agent(s) failed; first: {where}: {first.get('error', '?')}"


def theory_of(scenario: Scenario, params: Any) -> dict[str, Any]:
    """``theory_<metric>`` for every metric the scenario declares an exact value for (None where none)."""
    declared = scenario.theory
    if declared is None:
        return {}
    exact = declared.exact(params) or {}
    return {f"theory_{m}": _finite(exact.get(m)) for m in declared.metrics}


def _finite(value: Any) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def commands_column(commands: tuple[str, ...]) -> dict[str, str]:
    """The row's ``commands`` column: the ``--command`` texts as given, joined by ``; `` (none: no column)."""
    return {"commands": "; ".join(commands)} if commands else {}


def run_one(
    scenario: Scenario | str,
    values: dict[str, Any],
    seed: int,
    duration: float | None,
    commands: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Run one parameter point with one seed headless; return its row (never raises for the run).

    ``commands`` are ``--command`` texts (``"T:TEXT"``), applied at their times in every run.
    """
    started = perf_counter()
    if isinstance(scenario, str):
        scenario = load(scenario)
    row: dict[str, Any] = {"scenario": scenario.name, "seed": seed, **values, **commands_column(commands)}
    try:
        params = parse_params(scenario.params, values)
        row.update(as_dict(params))
        row.update(theory_of(scenario, params))
        record = run_headless(scenario, params, seed, duration, commands=list(commands))
    except Exception as error:
        row.update(sim_time=None, wall_time=perf_counter() - started, status="failed")
        row["error"] = f"{type(error).__name__}: {error}"
        return row
    # A metric named like a parameter (the common ``agents``) leaves the parameter's column alone.
    row.update({k: v for k, v in scalar_metrics(record).items() if k not in values})
    row.update(sim_time=record["sim_time"], wall_time=record["wall_time"])
    error = failure_of(record)
    if record.get("interrupted"):
        error = error or "interrupted"
    row.update(status="failed" if error else "ok", error=error)
    return row
