"""Compare (key ``c``): two branches' headline series overlaid, and their metrics side by side.

Each series is drawn as a chart of dots over virtual time, one colour per
branch (both colours' dot where they agree); below, every scalar metric of
the two branches with the difference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from observatory.tui.rows import line, lines

COLORS = ("cyan", "magenta")
BOTH = "bold white"
ROWS = 6
WIDTH = 100


@dataclass(frozen=True)
class Side:
    """One branch of a comparison: its name, its series ``(name, times, values)`` and metrics."""

    name: str
    series: tuple[tuple[str, tuple[float, ...], tuple[float, ...]], ...]
    metrics: dict[str, Any]


def columns(
    times: tuple[float, ...], values: tuple[float, ...], end: float, width: int
) -> list[float | None]:
    """The last value in each of ``width`` equal stretches of [0, end] (None where there is none)."""
    out: list[float | None] = [None] * width
    for t, v in zip(times, values, strict=True):
        if end > 0 and math.isfinite(v):
            out[min(width - 1, int(t / end * width))] = v
    return out


def overlay(name: str, a: Side, b: Side, width: int = WIDTH, rows: int = ROWS) -> list[Content]:
    """Rows of a chart of series ``name`` in both branches, with its title and scale."""
    sa = next((s for s in a.series if s[0] == name), (name, (), ()))
    sb = next((s for s in b.series if s[0] == name), (name, (), ()))
    end = max([*sa[1], *sb[1], 0.0])
    ca, cb = columns(sa[1], sa[2], end, width), columns(sb[1], sb[2], end, width)
    top = max([v for v in ca + cb if v is not None] + [0.0])

    def level(v: float | None) -> int | None:
        return None if v is None else (0 if top <= 0 else min(rows - 1, round(v / top * (rows - 1))))

    la, lb = [level(v) for v in ca], [level(v) for v in cb]
    out = [line((f"{name}", "bold"), f"  0 .. {top:,.4g}  over 0 .. {end:,.1f} s  ",
                ("● " + a.name, COLORS[0]), "  ", ("● " + b.name, COLORS[1]))]  # fmt: skip
    for r in range(rows - 1, -1, -1):
        parts: list[Any] = []
        for x in range(width):
            hit_a, hit_b = la[x] == r, lb[x] == r
            if hit_a and hit_b:
                parts.append(("●", BOTH))
            elif hit_a:
                parts.append(("●", COLORS[0]))
            elif hit_b:
                parts.append(("●", COLORS[1]))
            else:
                parts.append(("·" if r == 0 else " ", "dim"))
        out.append(line(*parts))
    return out


def table(a: Side, b: Side) -> list[Content]:
    """Every scalar metric of both branches, and B − A where both are numbers."""
    keys = [k for k in a.metrics if k in b.metrics] + [k for k in b.metrics if k not in a.metrics]
    width = max([6, *(len(k) for k in keys)])
    change = f"{b.name} − {a.name}"
    out = [line(("metric".ljust(width), "bold"), (f"{a.name:>14}", "bold " + COLORS[0]),
                (f"{b.name:>14}", "bold " + COLORS[1]), (f"{change:>14}", "bold"))]  # fmt: skip
    for key in keys:
        va, vb = a.metrics.get(key), b.metrics.get(key)
        diff = ""
        if _number(va) and _number(vb):
            d = vb - va
            diff = f"{d:+,.4g}" if d else "="
        out.append(line(key.ljust(width), f"{_fmt(va):>14}", f"{_fmt(vb):>14}", (f"{diff:>14}", "bold")))
    return out


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _fmt(v: Any) -> str:
    if v is None:
        return "—"
    return f"{v:,.4g}" if isinstance(v, float) else str(v)


class CompareScreen(ModalScreen[None]):
    """Two branches side by side; escape or c closes."""

    DEFAULT_CSS = """
    CompareScreen { align: center middle; }
    CompareScreen > VerticalScroll {
        width: 108; height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "close"),
        Binding("c", "dismiss", "close", show=False),
    ]

    def __init__(self, a: Side, b: Side) -> None:
        super().__init__()
        self.a, self.b = a, b

    def compose(self) -> ComposeResult:
        rows = [
            line(("compare ", "bold"), (self.a.name, COLORS[0]), " with ", (self.b.name, COLORS[1])),
            line(),
        ]
        names = dict.fromkeys([s[0] for s in self.a.series] + [s[0] for s in self.b.series])
        for name in names:
            rows.extend(overlay(name, self.a, self.b))
            rows.append(line())
        rows.extend(table(self.a, self.b))
        with VerticalScroll():
            yield Static(lines(rows), id="comparison")
