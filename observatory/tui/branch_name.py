"""Naming a branch (palette: "Name this branch"): type a name, Enter gives it, Escape gives up.

A refused name (not of the accepted form, taken, or ``main`` itself) stays
in the box with its one-line reason under it, and nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from observatory.branches import NAME_FORM
from observatory.tui.rows import line

# Gives the name; returns the one-line reason it was refused, or None.
Rename = Callable[[str], "str | None"]


class BranchName(ModalScreen[None]):
    """A one-line box for the name of branch ``current``."""

    DEFAULT_CSS = """
    BranchName { align: center middle; }
    BranchName > Vertical {
        width: 70; height: auto;
        border: round $primary; background: $surface; padding: 0 1;
    }
    BranchName #branch-name-error { color: $error; height: auto; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss_none", "close")]

    def __init__(self, current: str, rename: Rename) -> None:
        super().__init__()
        self.current = current
        self.rename = rename
        self.error = Static("", id="branch-name-error", markup=False)

    def compose(self) -> ComposeResult:
        with Vertical():
            title = (f"name branch {self.current}", "bold")
            yield Static(line(title, ("  enter names it, escape closes", "dim")))
            yield Input(placeholder=NAME_FORM, id="branch-name", compact=True)
            yield self.error

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        refused = self.rename(event.value.strip())
        if refused is not None:
            self.error.update(refused)
            return
        self.dismiss(None)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
