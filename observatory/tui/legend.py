"""The legend: each state's colour, name, live count and meaning."""

from __future__ import annotations

from textual.content import Content

from observatory.tui.panel import Panel
from observatory.tui.rows import line, lines
from scenarios import State


class Legend(Panel):
    """Swatches from the scenario's declared states, with how many agents are in each."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("legend", id=id)
        self.states: tuple[State, ...] = ()
        self.counts: dict[str, int] = {}

    def set_states(self, states: tuple[State, ...]) -> None:
        self.states = states
        self.refresh(layout=True)

    def show(self, counts: dict[str, int]) -> None:
        if counts != self.counts:
            self.counts = counts
            self.refresh()

    def render(self) -> Content:
        width = max((len(s.name) for s in self.states), default=0)
        counts = [f"{self.counts[s.name]:,}" if s.name in self.counts else "" for s in self.states]
        count_width = max((len(c) for c in counts), default=0)
        rows = []
        for state, count in zip(self.states, counts, strict=True):
            r, g, b = state.color
            rows.append(
                line(
                    ("██", f"rgb({r},{g},{b})"),
                    f" {state.name.ljust(width)} {count.rjust(count_width)} ",
                    (state.description, "dim"),
                )
            )
        return lines(rows)
