"""The inspector: one agent's identity, state, current task and recent events."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widget import Widget

from engine import Event
from observatory.tui.watch import describe_event


@dataclass
class AgentView:
    """What the inspector shows about the selected agent, gathered by the app."""

    id: int
    name: str
    cell: tuple[int, int]
    details: dict[str, str] = field(default_factory=dict)
    task: str | None = None
    events: list[Event] = field(default_factory=list)
    done: bool = False


class Inspector(Widget):
    """Shows the selected agent; a click on the grid or Enter on the cursor selects one."""

    DEFAULT_CSS = """
    Inspector {
        height: 1fr;
        border: round $primary 40%;
        border-title-color: $text-muted;
        padding: 0 1;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "inspector"
        self.view: AgentView | None = None

    def show(self, view: AgentView | None) -> None:
        self.view = view
        self.refresh()

    def render(self) -> Group | Table | Text:
        view = self.view
        if view is None:
            return Text("click a cell, or move the cursor with the arrows and press enter", style="dim")
        table = Table.grid(padding=(0, 1))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(no_wrap=True, overflow="ellipsis")
        table.add_row("agent", f"{view.id}  {view.name}" + ("  (ended)" if view.done else ""))
        table.add_row("cell", f"row {view.cell[0]}, col {view.cell[1]}")
        for key, value in view.details.items():
            table.add_row(key, value)
        table.add_row("task", view.task if view.task is not None else Text("none seen yet", style="dim"))
        if not view.events:
            return table
        events = Table.grid(padding=(0, 1))
        events.add_column(justify="right", style="cyan", no_wrap=True)
        events.add_column(no_wrap=True, overflow="ellipsis")
        for ev in reversed(view.events):
            events.add_row(f"{ev.time:,.3f}", describe_event(ev))
        return Group(table, Text("recent events", style="bold"), events)
