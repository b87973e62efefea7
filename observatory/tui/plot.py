"""The plot: series over virtual time, drawn by plotext, several in one plot with a legend.

``Plot.show(series)`` shows one run's series; ``Plot.show_groups`` shows
groups of series, each labelled (two runs of a branch compare, say), in
one plot on shared axes: virtual time along x, the y range labelled on the
left (the second series of each group on the right: series differ in
scale), a legend entry per line; lines of a second group use the same
colours with another marker. plotext draws the text; it is drawn again
only when a series gained samples, the set changed or the panel was
resized, at most every ``min_period`` seconds and, live, in a thread (the
grid's frames come first), so rendering the panel costs only the copy
Textual makes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from threading import Lock
from time import perf_counter

import plotext
from rich.text import Text
from textual.timer import Timer

from observatory.tui.panel import Panel
from scenarios import Series

# Lines in one plot: more than this and the legend hides the plot.
MAX_LINES = 6
# Colours of the lines in turn; a second group reuses them with the other marker.
COLORS = ("cyan", "red", "green", "orange", "magenta", "blue")
MARKERS = ("braille", "dot")
PLOT_ROWS = 12
# Samples per column drawn at most: braille has two dots a column; older samples drop out.
SAMPLES_PER_COLUMN = 2
MIN_PERIOD = 0.5


@dataclass(frozen=True)
class SeriesGroup:
    """Series of one run, with the label its legend entries carry ("" for none)."""

    label: str
    series: Sequence[Series]


def _short(value: float) -> str:
    """Four significant digits, thousands with separators rather than an exponent."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def draw(groups: Sequence[SeriesGroup], width: int, height: int) -> str:
    """The plot of the groups' series as ANSI text, ``width`` x ``height`` cells (plotext)."""
    plotext.clear_figure()
    plotext.plotsize(width, height)
    plotext.theme("clear")
    window = max(2, SAMPLES_PER_COLUMN * width)
    drawn = 0
    for g, group in enumerate(groups):
        for i, series in enumerate(group.series):
            if drawn == MAX_LINES:
                break
            times, values = series.times[-window:], series.values[-window:]
            points = [(t, v) for t, v in zip(times, values, strict=True) if math.isfinite(v)]
            last = _short(values[-1]) if values else "-"
            name = f"{group.label}: {series.name}" if group.label else series.name
            # The second series of a group has the right y axis: series differ in scale.
            side = "right" if i == 1 else "left"
            if points:
                xs, ys = zip(*points, strict=True)
                plotext.plot(
                    xs,
                    ys,
                    label=f"{name} {last}",  # plotext marks the side: L left, ⅃ right
                    color=COLORS[i % len(COLORS)],
                    marker=MARKERS[g % 2],
                    yside=side,
                )
            drawn += 1
    plotext.xlabel("virtual time (s)")
    return plotext.build()


class Plot(Panel):
    """The scenario's series, or labelled groups of series, as lines on shared axes."""

    # Two thirds of what the other panels leave (the inspector has the rest), within bounds.
    DEFAULT_CSS = f"""
    Plot {{ height: 2fr; min-height: 8; max-height: {PLOT_ROWS + 2}; padding: 0; }}
    """

    def __init__(self, *, id: str | None = None, min_period: float = MIN_PERIOD) -> None:
        super().__init__("plot", id=id)
        self.groups: tuple[SeriesGroup, ...] = ()
        self.min_period = min_period
        self._seen: tuple = ()
        self._drawn: tuple = ()  # what the text shows: samples seen and size
        self._text: Text | None = None
        self._last_draw = -math.inf
        self._timer: Timer | None = None
        self._drawing = False

    def show(self, series: Sequence[Series]) -> None:
        """Show one run's series (no labels in the legend)."""
        self.show_groups([SeriesGroup("", series)])

    def show_groups(self, groups: Sequence[SeriesGroup]) -> None:
        """Show several labelled groups of series in one plot, e.g. two runs to compare."""
        groups = tuple(groups)
        seen = tuple((g.label, tuple((id(s), len(s.values)) for s in g.series)) for g in groups)
        if seen == self._seen:
            return
        self.groups, self._seen = groups, seen
        self._schedule()

    def on_resize(self) -> None:
        self._schedule()

    def on_unmount(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _schedule(self) -> None:
        """Draw now, or when the period is over; live, plotext draws in a thread."""
        if self.min_period <= 0 or self._text is None:
            self.refresh()  # drawn in render, at once: screenshots see every sample
            return
        if self._drawing or self._timer is not None:
            return  # the draw under way or due is followed by another if samples came meanwhile
        wait = self._last_draw + self.min_period - perf_counter()
        if wait > 0:
            self._timer = self.set_timer(wait, self._draw_in_thread)
        else:
            self._draw_in_thread()

    def _draw_in_thread(self) -> None:
        """plotext takes milliseconds: drawn in a thread, the grid's frames go on meanwhile."""
        self._timer = None
        key, groups, size = self._key(), _copies(self.groups), self.content_region.size
        if key == self._drawn:
            return
        self._drawing = True

        def work() -> None:
            text = _text(groups, size.width, size.height)
            self.app.call_from_thread(self._have, text, key)

        self.run_worker(work, thread=True, group="plot")

    def _have(self, text: Text, key: tuple) -> None:
        self._text, self._drawn, self._last_draw, self._drawing = text, key, perf_counter(), False
        self.refresh()
        if self._key() != key:
            self._schedule()

    def _key(self) -> tuple:
        return (self._seen, self.content_region.size)

    def render(self) -> Text:
        if not any(g.series for g in self.groups):
            return Text("(this scenario declares no series)", style="dim")
        if self._text is None or (self.min_period <= 0 and self._key() != self._drawn):
            size = self.content_region.size
            self._text, self._drawn = _text(self.groups, size.width, size.height), self._key()
            self._last_draw = perf_counter()
        return self._text


_DRAWING = Lock()  # plotext keeps one figure for the process


def _text(groups: Sequence[SeriesGroup], width: int, height: int) -> Text:
    with _DRAWING:
        text = Text.from_ansi(draw(groups, max(10, width), max(4, height)))
    text.no_wrap = True
    return text


def _copies(groups: Sequence[SeriesGroup]) -> list[SeriesGroup]:
    """The groups with their series' samples copied: the thread draws while runs go on."""
    return [
        SeriesGroup(g.label, [Series(s.name, list(s.times), list(s.values)) for s in g.series[:MAX_LINES]])
        for g in groups
    ]
