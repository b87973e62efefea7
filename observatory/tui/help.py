"""The help screen: every key binding of the app and the grid, with what it does."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import Static

from observatory.tui.rows import line, lines

HELP = (
    ("space", "pause / resume virtual time (the screen stays live)"),
    (".", "pause, then take one engine step (one agent or timer resumed)"),
    ("+  -", "speed ×2 / ÷2"),
    ("]  [", "raise / lower the scenario's limit by 1, on the live engine"),
    ("}  {", "raise / lower the limit by 10"),
    ("arrows", "move the cursor over the grid (the view follows)"),
    ("enter", "inspect the agent under the cursor (or click a cell)"),
    ("drag, wheel", "pan a grid larger than the view"),
    ("<  >", "seek 10 virtual s back / on (recomputed exactly; escape cancels)"),
    ("home", "seek to t = 0; click or drag the timeline to seek anywhere"),
    ("b", "branches: a command given after going back starts one; switch"),
    ("", "  ctrl+p, Name this branch: a name of yours (replay --branch NAME)"),
    ("c", "compare this branch with its parent: series overlaid, metrics"),
    ("r", "restart with the same seed: the identical run"),
    ("n", "restart with the next seed"),
    (":", "command line: type a command (Tab completes, up/down history, escape closes)"),
    ("", "  set NAME VALUE · concurrency SCOPE N · rate-limit SCOPE RATE [BURST]"),
    ("", "  pause SCOPE [TTL] · resume SCOPE · clear SCOPE [KIND]"),
    ("tab", "focus the controls panel: up/down choose, left/right step, enter edits,"),
    ("", "  delete clears a constraint, escape goes back to the grid"),
    ("ctrl+p", "command palette: the same actions and commands by name"),
    ("?", "this help"),
    ("q", "quit"),
)


class HelpScreen(ModalScreen[None]):
    """Keys and what they do (the limit keys only for a scenario with a limit); escape, q or ? closes it."""

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }
    HelpScreen > Static {
        width: auto;
        height: auto;
        border: round $primary;
        background: $surface;
        padding: 1 2;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "close"),
        Binding("q", "dismiss", "close", show=False),
        Binding("question_mark", "dismiss", "close", show=False),
    ]

    def __init__(self, *, has_limit: bool = True) -> None:
        super().__init__()
        self.has_limit = has_limit

    def compose(self) -> ComposeResult:
        keys = [(key, what) for key, what in HELP if self.has_limit or "limit" not in what]
        width = max(len(key) for key, _ in keys)
        rows = [line(("observatory keys", "bold")), line()]
        rows.extend(line((key.ljust(width), "bold $accent"), "  ", what) for key, what in keys)
        rows.extend([line(), line(("escape closes this", "dim"))])
        yield Static(lines(rows))
