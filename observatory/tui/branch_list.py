"""The branch list (key ``b``): every branch with its parent, instant, commands and headline metrics.

Choosing one (Enter) switches to it (the app seeks to its furthest instant);
``c`` compares the highlighted one with the branch on screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from observatory.tui.rows import line, lines

# Scalar metrics shown per branch in the list.
HEADLINE = 3


@dataclass(frozen=True)
class BranchRow:
    """One branch as the list shows it."""

    name: str
    parent: str | None
    at: float
    furthest: float
    commands: tuple[str, ...]
    metrics: dict[str, Any]
    current: bool = False


def describe(row: BranchRow) -> Any:
    origin = "from t = 0" if row.parent is None else f"from {row.parent} at t = {row.at:,.1f} s"
    mark = "▶ " if row.current else "  "
    heads = "  ".join(f"{k} {_short(v)}" for k, v in list(row.metrics.items())[:HEADLINE])
    own = "; ".join(row.commands[-3:]) or "no commands of its own"
    more = f" (+{len(row.commands) - 3} more)" if len(row.commands) > 3 else ""
    return lines(
        [
            line((mark + row.name, "bold"), f"  {origin}, computed to t = {row.furthest:,.1f} s"),
            line("    ", (own + more, "dim")),
            line("    ", heads or ("(metrics when it is left at its furthest instant)", "dim")),
        ]
    )


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


class BranchList(ModalScreen[tuple[str, str] | None]):
    """Pick a branch: ``("switch", name)`` or ``("compare", name)``; escape closes (None)."""

    DEFAULT_CSS = """
    BranchList { align: center middle; }
    BranchList > Vertical {
        width: 100; height: auto; max-height: 80%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    BranchList OptionList { height: auto; max-height: 30; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_none", "close"),
        Binding("b", "dismiss_none", "close", show=False),
        Binding("c", "compare", "compare with the one on screen"),
    ]

    def __init__(self, rows: list[BranchRow]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical():
            hint = "  enter switches, c compares with the one on screen, escape closes"
            yield Static(line(("branches", "bold"), (hint, "dim")))
            options = OptionList(*[Option(describe(r), id=r.name) for r in self.rows], id="branches")
            yield options

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        current = next((i for i, r in enumerate(self.rows) if r.current), 0)
        options.highlighted = current
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(("switch", str(event.option.id)))

    def action_compare(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self.dismiss(("compare", self.rows[options.highlighted].name))

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
