"""The plot: the scenario's series over virtual time, newest on the right."""

from __future__ import annotations

import math

from textual.content import Content

from observatory.tui.panel import Panel
from observatory.tui.rows import line, lines
from scenarios import Series

_BARS = " ▁▂▃▄▅▆▇█"
_ROWS_PER_SERIES = 2
_MAX_SERIES = 3
_COLORS = ("cyan", "red", "green")


def sparkline(values: list[float], width: int, rows: int, top: float) -> list[str]:
    """Rows of block characters (top row first) for the last ``width`` values."""
    values = values[-width:]
    levels = 8 * rows
    scaled = [0 if top <= 0 or not math.isfinite(v) else round(max(0.0, v) / top * levels) for v in values]
    lines = []
    for k in range(rows):
        floor = 8 * (rows - 1 - k)
        lines.append("".join(_BARS[max(0, min(8, s - floor))] for s in scaled))
    return lines


def _short(value: float) -> str:
    """Four significant digits, thousands with separators rather than an exponent."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


class Plot(Panel):
    """Up to three series as two-row sparklines that scroll as virtual time goes on."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("plot", id=id)
        self.series: list[Series] = []
        self._seen: tuple[tuple[int, int], ...] = ()

    def show(self, series: list[Series]) -> None:
        """Repaint when a series got new samples (or the set changed)."""
        series = series[:_MAX_SERIES]
        seen = tuple((id(s), len(s.values)) for s in series)
        if seen != self._seen:
            relayout = len(series) != len(self.series)
            self.series = series
            self._seen = seen
            self.refresh(layout=relayout)

    def render(self) -> Content:
        width = max(1, self.content_region.width)
        if not self.series:
            return Content.styled("(this scenario declares no series)", "dim")
        rows = []
        for i, s in enumerate(self.series):
            window = s.values[-width:]
            top = max(window, default=0.0)
            last = s.values[-1] if s.values else float("nan")
            since = s.times[-len(window)] if window else 0.0
            head = f"{s.name} {_short(last)}  max {_short(top)}  since {since:,.1f} s"
            rows.append(line((head[:width], "bold")))
            color = _COLORS[i % len(_COLORS)]
            rows.extend(line((bars, color)) for bars in sparkline(s.values, width, _ROWS_PER_SERIES, top))
        return lines(rows)
