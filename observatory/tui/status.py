"""The status panel: what the run is, where virtual time is, and how fast it goes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from textual.content import Content

from observatory.tui.panel import Panel
from observatory.tui.rows import Part, labelled, lines


@dataclass
class StatusInfo:
    """Everything the panel shows, gathered by the app once per panel update.

    ``fps`` and ``achieved`` are None when wall-clock figures are hidden
    (deterministic screenshots). ``events`` counts the engine's events (agents
    and tasks starting and ending, constraint changes: what subscribers and
    the inspector see); ``steps`` counts every resumption the kernel made
    (agent wake-ups and timers, neighbour-exchange deliveries included).
    """

    scenario: str = ""
    seed: int = 0
    time: float = 0.0
    speed: float = 1.0
    achieved: float | None = None
    lag: float = 0.0
    fps: float | None = None
    paused: bool = False
    done: bool = False
    events: int = 0
    steps: int = 0
    limit: str = ""
    constraints: tuple[str, ...] = ()  # every live constraint, one line each
    metrics: dict[str, Any] = field(default_factory=dict)


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _speed(value: float) -> str:
    return f"×{value:.3g}"


class StatusPanel(Panel):
    """Scenario, seed, virtual time, requested vs achieved speed, fps, limit, metrics."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("status", id=id)
        self.info = StatusInfo()
        self._lines = 0

    def show(self, info: StatusInfo) -> None:
        if info == self.info:
            return
        self.info = info
        lines = 8 + len(info.metrics) + (1 if info.limit else 0) + len(info.constraints)
        # A layout only when the height changes; a repaint otherwise.
        self.refresh(layout=lines != self._lines)
        self._lines = lines

    def render(self) -> Content:
        info = self.info
        state = "done" if info.done else "paused" if info.paused else "running"
        # Labels share one column, wide enough for the longest metric name.
        width = max([9, *(len(name) + 1 for name in info.metrics)])
        rows = [
            labelled("run", width, f"{info.scenario}  seed {info.seed}"),
            labelled("time", width, f"{info.time:,.2f} s virtual"),
            labelled("state", width, (state, "bold yellow" if info.paused or info.done else "green")),
            labelled("speed", width, f"{_speed(info.speed)} requested"),
            labelled("achieved", width, *self._achieved()),
            labelled("fps", width, "—" if info.fps is None else f"{info.fps:.0f}"),
            labelled("events", width, _number(info.events)),
            labelled("steps", width, _number(info.steps)),
        ]
        if info.limit:
            rows.append(labelled("limit", width, (info.limit, "bold cyan")))
        for index, text in enumerate(info.constraints):
            rows.append(labelled("governs" if index == 0 else "", width, (text, "cyan")))
        rows.extend(labelled(name, width, _number(value)) for name, value in info.metrics.items())
        return lines(rows)

    def _achieved(self) -> list[Part]:
        """Achieved speed, red with the lag when virtual time falls behind."""
        info = self.info
        if info.paused or info.achieved is None:
            return [("—", "dim")]
        behind = info.achieved < 0.97 * info.speed
        parts: list[Part] = [(_speed(info.achieved), "bold red" if behind else "")]
        if info.lag > 0.001 * max(info.speed, 1.0):
            parts.append((f"  lag {info.lag:.2g} s", "red"))
        return parts
