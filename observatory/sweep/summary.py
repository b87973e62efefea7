"""The summary of a sweep: one line per parameter point, mean and 95 % confidence interval over seeds.

The interval is Student's t: mean ± t(0.975, n-1) · s / √n over the runs
of the point that finished ok; with one run there is no interval.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from rich.table import Table

# Two-sided 95 % quantiles of Student's t for 1..30 degrees of freedom.
_T975 = (
    12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
    2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
    2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
)  # fmt: skip
_Z975 = 1.959964


def t975(df: int) -> float:
    """The 97.5 % quantile of Student's t with ``df`` degrees of freedom."""
    if df <= len(_T975):
        return _T975[df - 1]
    # Cornish-Fisher expansion around the normal quantile: within 1e-4 from 31 degrees of freedom on.
    z = _Z975
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


@dataclass(frozen=True)
class Estimate:
    """Mean of a metric over a point's seeds, with the half-width of its 95 % interval (None: n < 2)."""

    mean: float | None
    half: float | None
    n: int


def estimate(values: list[float]) -> Estimate:
    xs = [float(v) for v in values if v is not None and math.isfinite(v)]
    if not xs:
        return Estimate(None, None, 0)
    if len(xs) == 1:
        return Estimate(xs[0], None, 1)
    return Estimate(
        statistics.fmean(xs), t975(len(xs) - 1) * statistics.stdev(xs) / math.sqrt(len(xs)), len(xs)
    )


@dataclass(frozen=True)
class PointSummary:
    """One parameter point: its swept values, runs (ok / all), and each metric's estimate and theory."""

    values: dict[str, Any]
    runs: int
    ok: int
    metrics: dict[str, Estimate]
    theory: dict[str, float | None]


def summarize(table: pa.Table, swept: list[str], metrics: list[str]) -> list[PointSummary]:
    """One PointSummary per distinct value of the swept parameters, in the order they first appear."""
    names = table.column_names
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in table.to_pylist():
        groups.setdefault(tuple(row.get(n) for n in swept), []).append(row)
    out = []
    for key, rows in groups.items():
        ok = [r for r in rows if r.get("status") == "ok"]
        estimates = {m: estimate([r.get(m) for r in ok]) for m in metrics}
        theory = {m: rows[0].get(f"theory_{m}") for m in metrics if f"theory_{m}" in names}
        out.append(PointSummary(dict(zip(swept, key, strict=True)), len(rows), len(ok), estimates, theory))
    return out


def default_metrics(table: pa.Table, headline: tuple[str, ...]) -> list[str]:
    """The scenario's headline metrics (or those its theory knows) that the table has, else a few floats."""
    chosen = [m for m in headline if m in table.column_names]
    if chosen:
        return chosen
    skip = {"seed", "sim_time", "wall_time"}
    floats = [f.name for f in table.schema if pa.types.is_floating(f.type) and f.name not in skip]
    return [n for n in floats if not n.startswith("theory_")][:3]


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.4g}"


def summary_table(points: list[PointSummary], swept: list[str], metrics: list[str], title: str) -> Table:
    """The summary as a Rich table: swept values, runs, then per metric mean ± CI (and theory)."""
    caption = "mean ± half-width of its 95 % confidence interval over seeds"
    table = Table(title=title, header_style="bold", caption=caption)
    for name in swept:
        table.add_column(name)
    table.add_column("runs ok", justify="right")
    with_theory = [m for m in metrics if any(p.theory.get(m) is not None for p in points)]
    for m in metrics:
        table.add_column(m, justify="right")
        if m in with_theory:
            table.add_column("theory", justify="right", style="cyan")
    for p in points:
        cells = [str(p.values[n]) for n in swept] + [f"{p.ok}/{p.runs}"]
        for m in metrics:
            e = p.metrics[m]
            cells.append(_number(e.mean) + ("" if e.half is None else f" ± {e.half:.2g}"))
            if m in with_theory:
                cells.append(_number(p.theory.get(m)))
        table.add_row(*cells)
    return table
