"""The ``run`` options that record a run into tables: ``--events-out`` and ``--series-out``."""

from __future__ import annotations

from typing import Any

import typer

from observatory.event_file import EventRecorder
from observatory.series_file import SeriesRecorder
from observatory.tabular import check_path


def recording_options() -> list[tuple[str, Any, Any]]:
    """(name, annotation, typer option) of each recording option, for the run command."""
    return [
        (
            "events_out",
            str | None,
            typer.Option(
                None, "--events-out", metavar="FILE",
                help="Write every engine event of the run here, .parquet or .csv (headless)",
            ),
        ),
        (
            "series_out",
            str | None,
            typer.Option(
                None, "--series-out", metavar="FILE",
                help="Write every plotted series here, .parquet or .csv (headless)",
            ),
        ),
    ]  # fmt: skip


def make_recorders(events_out: str | None, series_out: str | None) -> list[Any]:
    """The recorders the options ask for, their paths checked now (before the world is built)."""
    recorders: list[Any] = []
    if events_out is not None:
        recorders.append(EventRecorder(check_path("events_out", events_out)))
    if series_out is not None:
        recorders.append(SeriesRecorder(check_path("series_out", series_out)))
    return recorders
