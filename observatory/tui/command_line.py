"""The ``:`` command line: type a command, Enter applies it, errors stay on the line.

The texts are the engine's (``set NAME VALUE``, ``concurrency SCOPE N``,
``rate-limit SCOPE RATE [BURST]``, ``pause SCOPE [TTL]``, ``resume SCOPE``,
``clear SCOPE [KIND]``). Tab completes the word being typed (command names,
live parameter names, scopes, kinds) and a grey suggestion shows what it
would add; up/down walk the history of applied commands; Escape closes the
line. A refused command stays on the line with its one-line reason under it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.suggester import Suggester
from textual.widgets import Input, Static

Submit = Callable[[str], "str | None"]
Complete = Callable[[str], str]


class _Completion(Suggester):
    """The grey suggestion: what Tab would complete to."""

    def __init__(self, complete: Complete) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.complete = complete

    async def get_suggestion(self, value: str) -> str | None:
        done = self.complete(value)
        return done if done != value else None


class CommandInput(Input):
    """The input of the command line: Tab completes, up/down walk the history."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "complete", "complete", show=True),
        Binding("up", "history(-1)", "history", key_display="↑↓"),
        Binding("down", "history(1)", "history", show=False),
        Binding("escape", "close", "close"),
    ]

    def __init__(self, complete: Complete) -> None:
        super().__init__(
            placeholder="command, e.g. pause task:work 5 (Tab completes)",
            compact=True,
            suggester=_Completion(complete),
        )
        self.complete = complete
        self.history: list[str] = []
        self._position = 0
        self._draft = ""

    def action_complete(self) -> None:
        self.value = self.complete(self.value)
        self.cursor_position = len(self.value)

    def action_history(self, delta: int) -> None:
        if not self.history:
            return
        if self._position == len(self.history):
            self._draft = self.value
        self._position = max(0, min(len(self.history), self._position + delta))
        self.value = self._draft if self._position == len(self.history) else self.history[self._position]
        self.cursor_position = len(self.value)

    def remember(self, text: str) -> None:
        """Add an applied command to the history (not twice in a row)."""
        if not self.history or self.history[-1] != text:
            self.history.append(text)
        self._position = len(self.history)
        self._draft = ""

    def action_close(self) -> None:
        for line in self.ancestors:
            if isinstance(line, CommandLine):
                line.close()
                return


class CommandLine(Vertical):
    """A line at the bottom of the screen, hidden until ``open``."""

    DEFAULT_CSS = """
    CommandLine {
        dock: bottom;
        margin-bottom: 1;  /* above the footer, which docks at the bottom too */
        height: auto;
        display: none;
        background: $surface;
        padding: 0 1;
    }
    CommandLine.open { display: block; }
    CommandLine #command-row { height: 1; }
    CommandLine #command-prompt { width: 1; color: $accent; text-style: bold; }
    CommandLine #command-error { display: none; color: $error; height: 1; }
    CommandLine.refused #command-error { display: block; }
    """

    def __init__(self, submit: Submit, complete: Complete, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.submit = submit
        self.input = CommandInput(complete)
        self.error = Static("", id="command-error", markup=False)
        self._return_to = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="command-row"):
            yield Static(":", id="command-prompt")
            yield self.input
        yield self.error

    @property
    def is_open(self) -> bool:
        return self.has_class("open")

    def open(self, text: str = "") -> None:
        """Show the line with ``text`` typed, and focus it."""
        if not self.is_open:
            self._return_to = self.screen.focused
        self.add_class("open")
        self.input.value = text
        self.input.cursor_position = len(text)
        self._refuse("")
        self.input.focus()

    def close(self) -> None:
        self.remove_class("open")
        self._refuse("")
        target = self._return_to
        self._return_to = None
        if target is not None and target.is_attached:
            target.focus()
        else:
            self.screen.focus_next()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            self.close()
            return
        error = self.submit(text)
        if error is not None:
            self._refuse(error)
            return
        self.input.remember(text)
        self.close()

    def _refuse(self, message: str) -> None:
        self.error.update(message)
        self.set_class(bool(message), "refused")
