"""A run's history while a person explores it: its branches, the one on screen, its record.

The TUI shows one engine at a time, built from the run's description and
the commands of the branch on screen (``attach`` schedules them). Commands
the person gives are told apart from the replayed ones as the engine
applies them: a replayed command is the next one expected, in order. A
live command given at an instant earlier than the branch's furthest
computed one first forks a new branch there (``before_live``), so the old
future is kept. The run's scheduled commands (``--command``) are among each
branch's own from the start, due at their times, so a seek back on ``main``
meets them again and a new branch keeps those after its instant. Every
command is written to the run file when it is first applied.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from engine import Engine
from engine.commands import AppliedCommand
from observatory.branches import MAIN, Branch, BranchTree
from observatory.rewind import Line
from observatory.runfile import RunWriter


class History:
    """The branches of one run and which is on screen; optionally written to a run file."""

    def __init__(
        self,
        tree: BranchTree | None = None,
        branch: str = MAIN,
        recorder: RunWriter | None = None,
        script: Sequence[AppliedCommand] = (),
    ) -> None:
        """``script``: the run's scheduled commands (a tree read from a run file brings its own)."""
        self.tree = tree if tree is not None else BranchTree(script)
        self.branch = branch
        self.recorder = recorder
        # The commands the engine on screen will apply, each with True if it is the branch's own.
        self._expected: deque[tuple[AppliedCommand, bool]] = deque()
        self._own_applied = 0  # the branch's own commands applied on the engine on screen
        # How many of each branch's own commands are in the run file (they are written in order).
        self._written = {b.name: len(b.commands) for b in self.tree}
        self.line: Line | None = None
        self._unwatch: Callable[[], None] | None = None
        self.on_fork: Callable[[Branch], None] | None = None
        if recorder is not None:  # branches read from a file being replayed go into the new record too
            for b in self.tree:
                if b.name != MAIN:
                    recorder.branch(b)
                for applied in b.commands:
                    recorder.command(b.name, applied)
        for b in self.tree:  # the script's commands not reached yet: due, not written
            b.commands = sorted(b.commands + self.tree.due_script(b.name), key=lambda a: a.time)

    @property
    def current(self) -> Branch:
        return self.tree[self.branch]

    def attach(self, line: Line, branch: str | None = None) -> None:
        """Make ``line`` (fresh, or at an instant where the branch's past matches) the one on screen.

        Its commands of the branch later than now are scheduled; the
        engine's applied commands so far must be the branch's up to now.
        """
        self.detach()
        if branch is not None:
            self.branch = branch
        self.line = line
        self._follow()
        self._unwatch = line.engine.watch_commands(self._applied)

    def _follow(self) -> None:
        """Schedule the branch's commands the line has not applied; note which are its own."""
        assert self.line is not None
        commands = self.tree.commands_of(self.branch)
        inherited = len(commands) - len(self.current.commands)
        done = len(self.line.engine.commands)
        self._own_applied = max(0, done - inherited)
        pending = self.line.follow(commands)
        self._expected = deque((a, done + i >= inherited) for i, a in enumerate(pending))

    def detach(self) -> None:
        """Stop following the line on screen (it keeps its scheduled commands)."""
        if self._unwatch is not None:
            self._unwatch()
            self._unwatch = None
        self._expected.clear()
        self.line = None

    def branch_points(self) -> tuple[float, ...]:
        """Instants where the branch on screen left its ancestors, or where others leave it."""
        lineage = self.tree.lineage(self.branch)
        points = {
            b.at for b in self.tree if b.parent is not None and (b.name in lineage or b.parent in lineage)
        }
        return tuple(sorted(points))

    def reached(self, now: float) -> None:
        """The engine on screen got to ``now``: the branch's furthest instant moves on."""
        branch = self.current
        if now > branch.furthest:
            branch.furthest = now

    def before_live(self, engine: Engine, name: str | None = None) -> Branch | None:
        """Before a person's command at ``engine.now``: fork a branch if the instant is in the past.

        The new branch keeps the commands applied (or due) up to now and the
        script's after now; the engine's other scheduled commands after now
        are cancelled.
        """
        now = engine.now
        if now >= self.current.furthest:
            return None
        branch = self.tree.fork(self.branch, now, name)
        self.branch = branch.name
        self._written[branch.name] = 0
        if self.line is not None:
            self._follow()
        if self.recorder is not None:
            self.recorder.branch(branch)
        if self.on_fork is not None:
            self.on_fork(branch)
        return branch

    def rename(self, old: str, new: str) -> None:
        """Name a branch (ValueError with one line for a bad or taken name, or for ``main``)."""
        self.tree.rename(old, new)
        self._written[new] = self._written.pop(old)
        if self.branch == old:
            self.branch = new
        if self.recorder is not None:
            self.recorder.rename(old, new)

    def restart(self, engine: Engine) -> None:
        """Before the run starts again from 0 as its parameters say: a branch at 0 keeps the old path."""
        self.reached(engine.now)
        commands = self.tree.commands_of(self.branch)
        from_zero = [a for a in commands if a.time <= 0.0] + [a for a in self.tree.script if a.time > 0.0]
        if self.current.furthest > 0 and commands != from_zero:  # else the same run: no branch
            branch = self.tree.fork(self.branch, 0.0)
            self.branch = branch.name
            self._written[branch.name] = 0
            if self.recorder is not None:
                self.recorder.branch(branch)

    def _applied(self, applied: AppliedCommand) -> None:
        expected = self._expected
        if expected and expected[0][0].time == applied.time and expected[0][0].command == applied.command:
            _, own = expected.popleft()  # a command of the branch, due now
            if not own:
                return
        else:  # the person's: the branch's own, after those applied so far (any due ones are later)
            self.current.commands.insert(self._own_applied, applied)
        index = self._own_applied
        self._own_applied += 1
        if index >= self._written[self.branch]:  # applied for the first time: into the run file
            self._written[self.branch] = index + 1
            if self.recorder is not None:
                self.recorder.command(self.branch, applied)

    def end(self, record: dict[str, Any]) -> None:
        """The run is over on the branch on screen at ``record['sim_time']``: write every branch's end."""
        branch = self.current
        if branch.record is None or record["sim_time"] >= branch.record["sim_time"]:
            branch.record = record  # else the record at the furthest instant, kept when it was left
        branch.furthest = max(branch.furthest, record["sim_time"])
        if self.recorder is None:
            return
        for b in self.tree:
            if b.record is not None:
                self.recorder.end(b.name, b.record, b.record["sim_time"])
