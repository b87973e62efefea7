"""The status panel: what the run is, where virtual time is, and how fast it goes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.table import Table
from rich.text import Text
from textual.widget import Widget


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
    return f"×{value:g}" if value >= 0.01 else f"×{value:.2g}"


class StatusPanel(Widget):
    """Scenario, seed, virtual time, requested vs achieved speed, fps, limit, metrics."""

    DEFAULT_CSS = """
    StatusPanel {
        height: auto;
        border: round $primary 40%;
        border-title-color: $text-muted;
        padding: 0 1;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.info = StatusInfo()
        self.border_title = "status"
        self._lines = 0

    def show(self, info: StatusInfo) -> None:
        self.info = info
        lines = 7 + len(info.metrics) + (1 if info.limit else 0)
        # A layout only when the height changes; a repaint otherwise.
        self.refresh(layout=lines != self._lines)
        self._lines = lines

    def render(self) -> Table:
        info = self.info
        table = Table.grid(padding=(0, 1))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(no_wrap=True)
        state = "done" if info.done else "paused" if info.paused else "running"
        table.add_row("run", f"{info.scenario}  seed {info.seed}")
        table.add_row("time", f"{info.time:,.2f} s virtual")
        table.add_row("state", Text(state, style="bold yellow" if info.paused or info.done else "green"))
        table.add_row("speed", f"{_speed(info.speed)} requested")
        if info.paused or info.achieved is None:
            achieved = Text("—", style="dim")
        else:
            behind = info.achieved < 0.97 * info.speed
            achieved = Text(f"{_speed(info.achieved)}", style="bold red" if behind else "")
            if info.lag > 0.001 * max(info.speed, 1.0):
                achieved.append(f"  lag {info.lag:.2g} s", style="red")
        table.add_row("achieved", achieved)
        table.add_row("fps", "—" if info.fps is None else f"{info.fps:.0f}")
        table.add_row("events", _number(info.events))
        if info.limit:
            table.add_row("limit", Text(info.limit, style="bold cyan"))
        for name, value in info.metrics.items():
            table.add_row(name, _number(value))
        return table
