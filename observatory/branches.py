"""Branches of a run: what-ifs that share a past and differ from an instant on.

A run is described by scenario + parameters + seed + the outside commands
it received. A branch is one such list of commands: ``main`` has its own
from t = 0; a branch made at instant ``at`` from a parent inherits the
parent's commands up to and including ``at`` (those had been applied when
the branch was made) and adds its own, all at ``at`` or later. So every
branch is replayable alone, and two branches share all randomness that
their different commands do not touch.

The commands scheduled with the run (``--command``, the tree's ``script``)
are part of its description, like its parameters: every branch applies
them at their times. A branch made at ``at`` starts with the script's
commands later than ``at`` among its own, due; the person's own changes
on another branch are not carried over.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.commands import AppliedCommand

MAIN = "main"
# A name a person gives a branch: short, and usable as ``--branch NAME`` in a shell.
NAME_FORM = "1 to 32 letters, digits, '-', '_' or '.', starting with a letter or digit"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")


@dataclass
class Branch:
    """One line of commands; ``furthest`` is the latest instant computed on it."""

    name: str
    parent: str | None = None
    at: float = 0.0
    commands: list[AppliedCommand] = field(default_factory=list)
    furthest: float = 0.0
    # The metrics record at ``furthest`` (None until the branch was left there or ended).
    record: dict[str, Any] | None = None
    # Read from a run file's end line: the horizon the branch was run to (None: the scenario's end).
    until: float | None = None
    ended: bool = False
    # The headline series at ``furthest`` as (name, times, values), kept when the branch was left there.
    series: tuple[tuple[str, tuple[float, ...], tuple[float, ...]], ...] = ()


class BranchTree:
    """Every branch of a run, by name, ``main`` first."""

    def __init__(self, script: Sequence[AppliedCommand] = ()) -> None:
        # The run's scheduled commands in the order they apply (stable by time).
        self.script = sorted(script, key=lambda a: a.time)
        self.branches: dict[str, Branch] = {MAIN: Branch(MAIN)}

    def __getitem__(self, name: str) -> Branch:
        return self.branches[name]

    def __contains__(self, name: object) -> bool:
        return name in self.branches

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.branches.values())

    def __len__(self) -> int:
        return len(self.branches)

    def next_name(self) -> str:
        """The first free name of ``b1``, ``b2``, ..."""
        k = 1
        while f"b{k}" in self.branches:
            k += 1
        return f"b{k}"

    def check_name(self, name: str) -> str:
        """A new branch name as given, or ValueError with one line saying what is accepted."""
        if not _NAME.fullmatch(name):
            raise ValueError(f"branch name {name!r} is not valid: use {NAME_FORM}")
        if name in self.branches:
            raise ValueError(f"branch name {name!r} is taken: give another")
        return name

    def rename(self, old: str, new: str) -> None:
        """Give branch ``old`` the name ``new`` (checked; ``main`` keeps its name), keeping the order."""
        if old == MAIN:
            raise ValueError("main keeps its name (replay's default): name a branch made from it")
        self.check_name(new)
        branch = self.branches[old]
        branch.name = new
        self.branches = {(new if k == old else k): b for k, b in self.branches.items()}
        for b in self.branches.values():
            if b.parent == old:
                b.parent = new

    def fork(self, parent: str, at: float, name: str | None = None) -> Branch:
        """A new branch of ``parent`` at instant ``at`` (named ``b1``, ``b2``, ... unless given)."""
        if parent not in self.branches:
            raise KeyError(parent)
        name = self.next_name() if name is None else self.check_name(name)
        branch = Branch(name, parent, float(at), furthest=float(at))
        branch.commands = [a for a in self.script if a.time > branch.at]  # due on every branch
        self.branches[name] = branch
        return branch

    def add(self, branch: Branch) -> None:
        """Add a branch read from a run file (its parent must be known)."""
        if branch.name in self.branches and branch.name != MAIN:
            raise ValueError(f"branch {branch.name!r} is defined twice")
        if branch.parent is not None and branch.parent not in self.branches:
            raise ValueError(f"branch {branch.name!r} names an unknown parent {branch.parent!r}")
        self.branches[branch.name] = branch

    def commands_of(self, name: str) -> list[AppliedCommand]:
        """Every command of a branch in the order applied: the inherited ones, then its own."""
        branch = self.branches[name]
        if branch.parent is None:
            return list(branch.commands)
        inherited = [c for c in self.commands_of(branch.parent) if c.time <= branch.at]
        return inherited + branch.commands

    def due_script(self, name: str) -> list[AppliedCommand]:
        """The script's commands a branch has not among its commands yet (a run file holds only
        the ones applied): for ``main`` all of them, for another branch those after its instant."""
        branch = self.branches[name]
        have = Counter((a.time, a.command.text()) for a in self.commands_of(name))
        due = []
        for applied in self.script:
            key = (applied.time, applied.command.text())
            if have[key] > 0:
                have[key] -= 1
            elif branch.parent is None or applied.time > branch.at:
                due.append(applied)
        return due

    def planned(self, name: str) -> list[AppliedCommand]:
        """Every command a branch applies when run on: its commands, then the script's still due."""
        return sorted(self.commands_of(name) + self.due_script(name), key=lambda a: a.time)

    def lineage(self, name: str) -> list[str]:
        """The branch and its ancestors, the branch first."""
        out = [name]
        while self.branches[out[-1]].parent is not None:
            out.append(self.branches[out[-1]].parent)  # type: ignore[arg-type]
        return out
