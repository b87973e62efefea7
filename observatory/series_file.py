"""Every series the world plots, in long format (``series``, ``time``, ``value``), for ``--series-out``."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from engine import Engine
from observatory.tabular import write_table
from scenarios.framework import World

SCHEMA = pa.schema(
    [pa.field("series", pa.string()), pa.field("time", pa.float64()), pa.field("value", pa.float64())]
)


def series_table(world: World) -> pa.Table:
    """One row per sampled point of every series, series by series in the world's order."""
    names: list[str] = []
    times: list[float] = []
    values: list[float] = []
    for series in world.series():
        names.extend([series.name] * len(series.times))
        times.extend(series.times)
        values.extend(float(v) for v in series.values)
    return pa.table({"series": names, "time": times, "value": values}, schema=SCHEMA)


class SeriesRecorder:
    """Writes the world's series to ``path`` when the run ends."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def start(self, engine: Engine) -> None:
        """Series are read at the end; nothing to attach."""

    def after_slice(self) -> None:
        """Nothing to do between slices."""

    def finish(self, engine: Engine, world: World) -> None:
        write_table(series_table(world), self.path, "--series-out")

    def abort(self) -> None:
        """Nothing was written."""
