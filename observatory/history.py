"""A run's history while a person explores it: its branches, the one on screen, its record.

The TUI shows one engine at a time, built from the run's description and
the commands of the branch on screen (``attach`` schedules them). Commands
the person gives are told apart from the replayed ones as the engine
applies them: a replayed command is the next one expected, in order. A
live command given at an instant earlier than the branch's furthest
computed one first forks a new branch there (``before_live``), so the old
future is kept. Everything is written to the run file as it happens.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from engine import Engine
from engine.commands import AppliedCommand
from observatory.branches import MAIN, Branch, BranchTree
from observatory.rewind import Line
from observatory.runfile import RunWriter


class History:
    """The branches of one run and which is on screen; optionally written to a run file."""

    def __init__(
        self, tree: BranchTree | None = None, branch: str = MAIN, recorder: RunWriter | None = None
    ) -> None:
        self.tree = tree if tree is not None else BranchTree()
        self.branch = branch
        self.recorder = recorder
        self._expected: deque[AppliedCommand] = deque()
        self.line: Line | None = None
        self._unwatch: Callable[[], None] | None = None
        self.on_fork: Callable[[Branch], None] | None = None
        if recorder is not None:  # branches read from a file being replayed go into the new record too
            for b in self.tree:
                if b.name != MAIN:
                    recorder.branch(b)
                for applied in b.commands:
                    recorder.command(b.name, applied)

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
        self._expected = deque(line.follow(self.tree.commands_of(self.branch)))
        self._unwatch = line.engine.watch_commands(self._applied)

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

        The new branch keeps the commands applied (or due) up to now; the
        engine's scheduled commands after now are cancelled.
        """
        now = engine.now
        if now >= self.current.furthest:
            return None
        branch = self.tree.fork(self.branch, now, name)
        self.branch = branch.name
        if self.line is not None:
            self.line.withdraw_after(now)
        self._expected = deque(a for a in self._expected if a.time <= now)
        if self.recorder is not None:
            self.recorder.branch(branch)
        if self.on_fork is not None:
            self.on_fork(branch)
        return branch

    def restart(self, engine: Engine) -> None:
        """Before the run starts again from 0 as its parameters say: a branch at 0 keeps the old path."""
        self.reached(engine.now)
        if self.current.furthest > 0 and self.tree.commands_of(self.branch):
            branch = self.tree.fork(self.branch, 0.0)
            self.branch = branch.name
            if self.recorder is not None:
                self.recorder.branch(branch)

    def _applied(self, applied: AppliedCommand) -> None:
        expected = self._expected
        if expected and expected[0].time == applied.time and expected[0].command == applied.command:
            expected.popleft()  # a replayed command, already in the branch
            return
        self.current.commands.append(applied)
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
