"""What a headless run shows a person: a progress bar on stderr, a summary table."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console, Group
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from observatory.failures import first_failure_text
from observatory.headless import Progress as ProgressCallback


@contextmanager
def progress_bar(label: str, duration: float | None, console: Console) -> Iterator[ProgressCallback]:
    """A rich progress bar over virtual time; yields the callback ``run_headless`` wants."""
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("t = {task.fields[now]:.6g}{task.fields[of]} virtual s"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )
    of = f" / {duration:g}" if duration is not None else ""
    task = bar.add_task(label, total=100.0, now=0.0, of=of)

    def update(now: float, fraction: float | None) -> None:
        bar.update(task, completed=None if fraction is None else 100.0 * fraction, now=now)

    with bar:
        yield update


def summary(record: dict[str, Any]) -> Group:
    """The run's parameters on one line, then its scalar metrics in a table."""
    params = "  ".join(f"{k}={v}" for k, v in record["params"].items())
    return Group(Text(params, style="dim"), summary_table(record))


def summary_table(record: dict[str, Any]) -> Table:
    """The run's scalar metrics, one per row; lists are left to the metrics file."""
    title = f"{record['scenario']}  (seed {record['seed']})"
    if record.get("interrupted"):
        title += "  interrupted"
    table = Table(title=title, show_header=True, header_style="bold")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in record.items():
        if key == "first_failure" and value is not None:
            table.add_row(key, first_failure_text(value))
            continue
        if key in _NOT_SHOWN or isinstance(value, list | dict):
            continue
        table.add_row(key, _format(value))
    return table


_NOT_SHOWN = ("scenario", "seed", "params", "interrupted", "run_error")


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)
