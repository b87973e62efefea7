"""The controls panel: the live parameters and live constraints, steered from the keyboard or mouse.

Tab focuses it. Up/down choose a row, left/right step its value (a number
by its step, a choice cycles, a limit by one), Enter edits the value in
place (Enter again applies, Escape gives up), Delete clears a constraint.
Every change is a command text handed to ``submit``, which returns the
one-line reason it was refused, or None; the panel shows that line. The
rows are given by the app (``show``); the panel never reads the engine.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Input, Static

from observatory.tui.control_room import ControlRow
from observatory.tui.rows import line, lines

Submit = Callable[[str], "str | None"]


class ControlRows(Widget):
    """The rows, the chosen one highlighted while the panel has focus."""

    DEFAULT_CSS = """
    ControlRows { height: auto; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[ControlRow] = []
        self.chosen = 0
        self.focused = False

    def set(self, rows: list[ControlRow], chosen: int, focused: bool) -> None:
        if (rows, chosen, focused) == (self.rows, self.chosen, self.focused):
            return
        layout = [r.parameter for r in rows] != [r.parameter for r in self.rows]
        self.rows, self.chosen, self.focused = rows, chosen, focused
        self.refresh(layout=layout)

    def render(self) -> Content:
        if not self.rows:
            return Content.styled("no live parameters or constraints", "dim")
        width = max((len(row.label) for row in self.rows if row.parameter), default=0)
        out = []
        for index, row in enumerate(self.rows):
            chosen = index == self.chosen and self.focused
            mark = ("▶" if chosen else " ", "bold $accent")
            value = (row.value, "bold reverse" if chosen else "bold yellow")
            if row.parameter:
                out.append(line(mark, (f"{row.label.ljust(width)} ", "bold"), value))
            else:  # a constraint: scope and setting, then what waits on it and its TTL
                out.append(line(mark, (f"{row.label} ", "cyan"), value))
                out.append(line("   ", (row.detail, "dim")))
        return lines(out)

    def row_at(self, y: int) -> int | None:
        """The row drawn at line ``y`` of the widget (constraints take two lines)."""
        top = 0
        for index, row in enumerate(self.rows):
            height = 1 if row.parameter else 2
            if top <= y < top + height:
                return index
            top += height
        return None


class ControlsPanel(Vertical, can_focus=True):
    """Live parameters and constraints; keys send commands through ``submit``."""

    DEFAULT_CSS = """
    ControlsPanel {
        height: auto;
        border: round $primary 40%;
        border-title-color: $text-muted;
        padding: 0 1;
    }
    ControlsPanel:focus, ControlsPanel:focus-within { border: round $accent; }
    ControlsPanel > Input { display: none; height: 1; border: none; padding: 0; }
    ControlsPanel.editing > Input { display: block; }
    ControlsPanel > #controls-error { display: none; color: $error; height: auto; }
    ControlsPanel.refused > #controls-error { display: block; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "choose(-1)", "choose", key_display="↑↓"),
        Binding("down", "choose(1)", "choose", show=False),
        Binding("left", "step(-1)", "step", key_display="←→"),
        Binding("right", "step(1)", "step", show=False),
        Binding("enter", "edit", "edit"),
        Binding("delete", "clear", "clear"),
        Binding("escape", "leave", "back", show=False),
    ]

    chosen: reactive[int] = reactive(0, init=False)

    def __init__(self, submit: Submit, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.submit = submit
        self.border_title = "controls"
        self.rows: list[ControlRow] = []
        self.error = ""
        self._body = ControlRows()
        self._input = Input(id="controls-edit", compact=True)
        self._message = Static("", id="controls-error", markup=False)

    def compose(self) -> ComposeResult:
        yield self._body
        yield self._input
        yield self._message

    # -- state from the app --------------------------------------------------------------

    def show(self, rows: list[ControlRow]) -> None:
        """The rows now; the chosen one stays chosen where it still is (a row is known by its command)."""
        if rows == self.rows:
            self._draw()
            return
        key = self.row.prefix if self.row is not None else None
        self.rows = rows
        keys = [r.prefix for r in rows]
        if key in keys:
            self.chosen = keys.index(key)
        self.chosen = min(self.chosen, max(0, len(rows) - 1))
        self._draw()

    @property
    def row(self) -> ControlRow | None:
        return self.rows[self.chosen] if 0 <= self.chosen < len(self.rows) else None

    @property
    def editing(self) -> bool:
        return self.has_class("editing")

    def _draw(self) -> None:
        self._body.set(self.rows, self.chosen, self.has_focus or self.editing)

    def watch_chosen(self) -> None:
        self._draw()

    def on_focus(self) -> None:
        self._draw()

    def on_blur(self) -> None:
        self._draw()

    # -- keys and mouse ----------------------------------------------------------------------

    def action_choose(self, delta: int) -> None:
        if self.rows and not self.editing:
            self.chosen = (self.chosen + delta) % len(self.rows)

    def action_step(self, direction: int) -> None:
        row = self.row
        if row is None or self.editing:
            return
        text = row.up if direction > 0 else row.down
        if text is not None:
            self._send(text)

    def action_clear(self) -> None:
        row = self.row
        if row is not None and row.clear is not None and not self.editing:
            self._send(row.clear)

    def action_edit(self) -> None:
        row = self.row
        if row is None:
            return
        self.add_class("editing")
        self._input.value = row.initial
        self._input.cursor_position = len(row.initial)
        self._input.placeholder = row.prefix.strip() + " ..."
        self._input.focus()
        self._draw()

    def action_leave(self) -> None:
        """Escape: give up an edit, else hand focus back to the grid."""
        if self.editing:
            self._stop_editing()
        else:
            self.screen.focus_next()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        row = self.row
        if row is None:
            self._stop_editing()
            return
        value = event.value.strip()
        if not value and row.parameter:
            self._show_error(f"{row.label}: type a value (escape gives up)")
        elif self._send(row.prefix + value):
            self._stop_editing()

    def on_key(self, event: events.Key) -> None:
        if event.key == "escape" and self.editing:
            event.stop()
            self._stop_editing()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self._body)
        index = None if offset is None else self._body.row_at(offset.y)
        if index is not None:
            self.chosen = index
            self.focus()

    def _stop_editing(self) -> None:
        self.remove_class("editing")
        self.focus()
        self._draw()

    def _send(self, text: str) -> bool:
        """Hand a command to the app; show its refusal (one line) or clear the last one."""
        error = self.submit(text)
        self._show_error(error or "")
        return error is None

    def _show_error(self, message: str) -> None:
        self.error = message
        self._message.update(message)
        self.set_class(bool(message), "refused")
