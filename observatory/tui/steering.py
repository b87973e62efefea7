"""The app's side of the control room: typed commands, the controls panel, the palette's commands.

A mixin of ``ObservatoryApp`` (kept apart so the app stays about running
and drawing): it turns command texts into engine commands through
``ObservatoryApp.command`` and feeds the controls panel, the status panel's
constraint lines and the grid's pause note from ``control_room``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from textual.app import SystemCommand

from engine.commands import COMMAND_FORMS, CommandError, parse_command
from observatory.tui import control_room
from observatory.tui.command_line import CommandLine
from observatory.tui.controls import ControlsPanel

if TYPE_CHECKING:
    from engine import Engine
    from scenarios import Scenario, World

# What each palette entry opens the command line with, and says.
_PALETTE = (
    ("concurrency ", "Limit a scope", "concurrency SCOPE N: at most N matching tasks at once"),
    ("rate-limit ", "Rate-limit a scope", "rate-limit SCOPE RATE [BURST]: e.g. 50/s"),
    ("pause ", "Pause a scope", "pause SCOPE [TTL]: matching tasks do not start (for TTL virtual s)"),
    ("resume ", "Resume a scope", "resume SCOPE: lift a pause"),
    ("clear ", "Clear a scope", "clear SCOPE [KIND]: remove its constraints (or one kind)"),
)


class Steering:
    """Command texts in, engine commands out; panels fed from the engine."""

    engine: Engine
    scenario: Scenario
    world: World
    controls: ControlsPanel
    command_line: CommandLine

    def make_controls(self) -> tuple[ControlsPanel, CommandLine]:
        self.controls = ControlsPanel(self.submit_text, id="controls")
        self.command_line = CommandLine(self.submit_text, self.complete_text, id="command-line")
        return self.controls, self.command_line

    def submit_text(self, text: str) -> str | None:
        """Apply a typed command now; the one-line reason it was refused, or None."""
        try:
            command = self.engine.check(parse_command(text))
        except CommandError as error:
            return str(error)
        self.command(command)  # type: ignore[attr-defined]
        return None

    def complete_text(self, text: str) -> str:
        return control_room.complete(text, self.engine, self.world)

    def action_command_line(self, text: str = "") -> None:
        """Open the ``:`` command line, maybe with a command begun."""
        self.command_line.open(text)

    def update_controls(self) -> None:
        """The controls panel's rows and the grid's pause note, from the engine now."""
        self.controls.show(control_room.control_rows(self.engine, self.scenario))

    def blocked_note(self, agent: int, task: str | None) -> str | None:
        """The inspector's task line; for an agent a pause holds: ``paused`` and the pause's reason."""
        blocked = task is not None and "(blocked since" in task
        name = task.split(" (", 1)[0] if blocked and task is not None else None
        held = control_room.pause_holding(self.engine, agent, name)
        if held is None:
            return task
        return f"{held[0]} paused: {held[1]}"

    def steering_commands(self) -> Iterable[SystemCommand]:
        """The palette's entries: the command line, each live parameter, each command form."""
        yield SystemCommand("Command line", "Type a command: " + "; ".join(COMMAND_FORMS) + " (:)",
                            lambda: self.action_command_line())
        for name, live in self.engine.live_parameters.items():
            yield SystemCommand(
                f"Set {name}", f"set {name} VALUE: {live.help}", _opener(self, f"set {name} ")
            )
        for text, title, help_text in _PALETTE:
            yield SystemCommand(title, help_text, _opener(self, text))


def _opener(app: Any, text: str) -> Any:
    return lambda: app.action_command_line(text)
