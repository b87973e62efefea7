"""A metric against the first swept parameter, in the terminal (plotext).

One line per value of the second swept parameter, each point the mean over
seeds with its 95 % interval as a whisker; where the scenario declares the
metric's exact value, that is drawn as a line of its own. A text parameter
(such as a distribution) on the x axis is placed at 1, 2, 3... and named
in the legend.
"""

from __future__ import annotations

import sys
from typing import Any

import plotext

from observatory.sweep.summary import PointSummary


def plot_text(
    points: list[PointSummary], swept: list[str], metric: str, width: int = 100, height: int = 24
) -> str:
    """The plot as text without colours (what ``draw`` prints, for tests and logs)."""
    return plotext.uncolorize(_build(points, swept, metric, width, height))


def draw(
    points: list[PointSummary], swept: list[str], metric: str, width: int = 100, height: int = 24
) -> None:
    """Print the plot to standard output (in colour on a terminal)."""
    text = _build(points, swept, metric, width, height)
    sys.stdout.write((text if sys.stdout.isatty() else plotext.uncolorize(text)) + "\n")


def _build(points: list[PointSummary], swept: list[str], metric: str, width: int, height: int) -> str:
    plotext.clear_figure()
    plotext.plotsize(width, height)
    x_name = swept[0]
    xs_all = list(dict.fromkeys(p.values[x_name] for p in points))
    numeric = all(isinstance(x, int | float) and not isinstance(x, bool) for x in xs_all)
    where = {x: (x if numeric else i + 1) for i, x in enumerate(xs_all)}
    by_line: dict[Any, list[PointSummary]] = {}
    for p in points:
        by_line.setdefault(p.values[swept[1]] if len(swept) > 1 else None, []).append(p)
    for value, line in by_line.items():
        shown = sorted(
            (p for p in line if p.metrics[metric].mean is not None), key=lambda p: where[p.values[x_name]]
        )
        if not shown:
            continue
        xs = [where[p.values[x_name]] for p in shown]
        ys = [p.metrics[metric].mean for p in shown]
        label = f"{swept[1]}={value}" if len(swept) > 1 else metric
        plotext.plot(xs, ys, label=label)
        plotext.error(xs, ys, yerr=[p.metrics[metric].half or 0.0 for p in shown])
        theory = [
            (x, p.theory.get(metric))
            for x, p in zip(xs, shown, strict=True)
            if p.theory.get(metric) is not None
        ]
        if theory:
            exact_x, exact_y = [t[0] for t in theory], [t[1] for t in theory]
            plotext.plot(exact_x, exact_y, marker="dot", label=f"theory {label}")
    title = f"{metric} against {x_name}"
    if not numeric:
        title += "  (x: " + ", ".join(f"{i + 1}={x}" for i, x in enumerate(xs_all)) + ")"
    plotext.title(title)
    plotext.xlabel(x_name)
    return plotext.build()
