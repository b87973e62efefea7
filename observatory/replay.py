"""``observatory replay``: what a run file asks to run again, and whether it came out the same.

``plan`` reads and checks the file (RunFileError names the file and line),
finds the scenario (a changed user file is refused unless forced), and
says which commands to apply and how far to run. ``differences`` compares
a replay's metrics with the recorded ones; only ``wall_time`` may differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.commands import AppliedCommand
from observatory import runfile
from observatory.branches import BranchTree
from observatory.headless import resolve_duration
from scenarios.framework import Scenario

# Keys of a metrics record that describe how a run was computed, not what it computed.
UNCOMPARED = ("wall_time", "interrupted")


@dataclass
class ReplayPlan:
    """One branch of a run file, ready to run again."""

    run: runfile.RunFile
    scenario: Scenario
    params: Any
    seed: int
    branch: str
    commands: list[AppliedCommand]
    horizon: float | None
    # The recorded metrics to compare with (None: no end line, or another horizon asked for).
    expected: dict[str, Any] | None
    notes: list[str] = field(default_factory=list)

    @property
    def tree(self) -> BranchTree:
        return self.run.tree


def plan(
    path: str, *, branch: str | None = None, until: float | None = None, force: bool = False
) -> ReplayPlan:
    """Read a run file and work out the replay of one branch (``main`` unless named)."""
    run = runfile.read(path)
    scenario, warning = runfile.scenario_of(run, force)
    params = runfile.params_of(run, scenario)
    name = runfile.branch_of(run, branch)
    chosen = run.tree[name]
    applied = run.tree.commands_of(name)
    commands = run.tree.planned(name)  # with the --command script still due after the recorded end
    notes = [] if warning is None else [warning]
    expected = chosen.record if chosen.ended else None
    if until is not None:
        horizon: float | None = until
        if chosen.ended and until != chosen.until:
            expected = None
    elif chosen.ended:
        horizon = chosen.until if chosen.until is not None else resolve_duration(scenario, None)
    elif applied:
        horizon = max(applied[-1].time, chosen.at)
        notes.append(
            f"{run.path}: branch {name} has no end line (the run did not finish): "
            f"replaying up to its last command, t = {horizon:g}; --until T runs further"
        )
    else:
        horizon = resolve_duration(scenario, None)
    return ReplayPlan(run, scenario, params, run.seed, name, commands, horizon, expected, notes)


def differences(record: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    """The metrics keys whose values differ between a replay and its record (sorted)."""
    from observatory.metrics import plain

    mine, theirs = plain(record), plain(expected)
    keys = (set(mine) | set(theirs)) - set(UNCOMPARED)
    return sorted(k for k in keys if mine.get(k) != theirs.get(k))
