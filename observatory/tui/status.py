"""The status panel: what the run is, where virtual time is, and how fast it goes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from textual.content import Content
from textual.widget import Widget

from observatory.tui.rows import Part, labelled, lines


@dataclass
class StatusInfo:
    """Everything the panel shows, gathered by the app once per panel update.

    ``fps`` and ``achieved`` are None when wall-clock figures are hidden
    (deterministic screenshots).
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
    limit: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _speed(value: float) -> str:
    return f"×{value:.3g}"


class StatusPanel(Widget):
    """Scenario, seed, virtual time, requested vs achieved speed, fps, limit, metrics."""

    DEFAULT_CSS = """
    StatusPanel {
        height: auto;
        border: round $primary 40%;
        border-title-color: $text-muted;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.info = StatusInfo()
        self.border_title = "status"
        self._lines = 0

    def show(self, info: StatusInfo) -> None:
        if info == self.info:
            return
        self.info = info
        lines = 7 + len(info.metrics) + (1 if info.limit else 0)
        # A layout only when the height changes; a repaint otherwise.
        self.refresh(layout=lines != self._lines)
        self._lines = lines

    def render(self) -> Content:
        info = self.info
        state = "done" if info.done else "paused" if info.paused else "running"
        rows = [
            labelled("run", 9, f"{info.scenario}  seed {info.seed}"),
            labelled("time", 9, f"{info.time:,.2f} s virtual"),
            labelled("state", 9, (state, "bold yellow" if info.paused or info.done else "green")),
            labelled("speed", 9, f"{_speed(info.speed)} requested"),
            labelled("achieved", 9, *self._achieved()),
            labelled("fps", 9, "—" if info.fps is None else f"{info.fps:.0f}"),
            labelled("events", 9, _number(info.events)),
        ]
        if info.limit:
            rows.append(labelled("limit", 9, (info.limit, "bold cyan")))
        rows.extend(labelled(name, 9, _number(value)) for name, value in info.metrics.items())
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
