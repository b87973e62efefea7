"""The legend: each state's colour, name, live count and meaning."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widget import Widget

from scenarios import State


class Legend(Widget):
    """Swatches from the scenario's declared states, with how many agents are in each."""

    DEFAULT_CSS = """
    Legend {
        height: auto;
        border: round $primary 40%;
        border-title-color: $text-muted;
        padding: 0 1;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "legend"
        self.states: tuple[State, ...] = ()
        self.counts: dict[str, int] = {}

    def set_states(self, states: tuple[State, ...]) -> None:
        self.states = states
        self.refresh(layout=True)

    def show(self, counts: dict[str, int]) -> None:
        if counts != self.counts:
            self.counts = counts
            self.refresh()

    def render(self) -> Table:
        table = Table.grid(padding=(0, 1))
        table.add_column(no_wrap=True)
        table.add_column(no_wrap=True)
        table.add_column(justify="right", no_wrap=True)
        table.add_column(style="dim", no_wrap=True, overflow="ellipsis")
        for state in self.states:
            r, g, b = state.color
            swatch = Text("██", style=f"rgb({r},{g},{b})")
            count = self.counts.get(state.name)
            table.add_row(swatch, state.name, "" if count is None else f"{count:,}", state.description)
        return table
