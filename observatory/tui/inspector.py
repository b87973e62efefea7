"""The inspector: one agent's identity, state, current task and recent events."""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.content import Content

from engine import Event
from observatory.tui.panel import Panel
from observatory.tui.rows import labelled, line, lines
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
    error: str = ""  # "Type: message" of a failed agent
    traceback: str = ""  # its traceback, the agent's own frames


class Inspector(Panel):
    """Shows the selected agent; a click on the grid or Enter on the cursor selects one."""

    DEFAULT_CSS = """
    Inspector {
        height: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("inspector", id=id)
        self.view: AgentView | None = None

    def show(self, view: AgentView | None) -> None:
        if view == self.view:
            return
        self.view = view
        self.refresh()

    def render(self) -> Content:
        view = self.view
        if view is None:
            return Content.styled("click a cell, or arrows then enter", "dim")
        rows = [
            labelled("agent", 6, f"{view.id}  {view.name}" + _ending(view)),
            labelled("cell", 6, f"row {view.cell[0]}, col {view.cell[1]}"),
        ]
        rows.extend(labelled(key, 6, value) for key, value in view.details.items())
        if view.error:
            rows.append(labelled("error", 6, (view.error, "bold red")))
            rows.extend(line((text, "dim")) for text in view.traceback.splitlines()[1:])
        rows.append(labelled("task", 6, view.task if view.task is not None else ("none seen yet", "dim")))
        if view.events:
            rows.append(line(("recent events", "bold")))
            stamps = [f"{ev.time:,.3f}" for ev in reversed(view.events)]
            width = max(len(s) for s in stamps)
            for stamp, ev in zip(stamps, reversed(view.events), strict=True):
                rows.append(line((stamp.rjust(width), "cyan"), " ", describe_event(ev)))
        return lines(rows)


def _ending(view: AgentView) -> str:
    if view.error:
        return "  (failed)"
    return "  (ended)" if view.done else ""
