"""Seeking in the TUI: the run recomputed to another instant in slices between frames.

A seek forward runs the engine on screen on (its branch's commands replay
at their times, so the computed future comes back unchanged). A seek back
takes the latest parked engine with the same past (``observatory.rewind``)
or a fresh one, and computes it to the target a slice per frame while the
screen still shows where it was; when it arrives it takes the screen's
place and the old engine is parked as a checkpoint. Escape cancels.
Between seeks, spare time builds checkpoints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from observatory.metrics import COMMON_KEYS
from observatory.rewind import Line, Lines, Seek
from observatory.tui.branch_list import BranchRow
from observatory.tui.compare import Side
from observatory.tui.timeline import TimelineInfo
from scenarios.framework import World

if TYPE_CHECKING:
    from observatory.tui.app import ObservatoryApp

# Wall seconds of recomputation per frame while seeking: keys are read between slices.
SEEK_SLICE = 0.06
# Wall seconds per frame for building checkpoints, paused or running.
IDLE_SLICE_PAUSED = 0.04
IDLE_SLICE_RUNNING = 0.003


class Rewinder:
    """The app's seeks and checkpoints."""

    def __init__(self, app: ObservatoryApp) -> None:
        self.app = app
        self.lines = Lines(app.scenario, app.params, app.seed)
        self.job: Seek | None = None
        self.job_branch = ""

    @property
    def seeking(self) -> bool:
        return self.job is not None

    def reset(self) -> None:
        """Another run (a new seed): the parked engines are of no use."""
        self.cancel()
        self.lines.close()
        self.lines = Lines(self.app.scenario, self.app.params, self.app.seed)

    def seek(self, target: float) -> None:
        """Go to virtual time ``target`` (>= 0) on the branch on screen."""
        app = self.app
        history = app.history
        target = max(0.0, target)
        if not self._may_seek():
            return
        self.cancel()
        app.settle()
        line = history.line
        assert line is not None
        self._keep_furthest()
        if app.world.done and target > line.now:
            return  # the scenario has ended: nothing further to compute
        if target >= line.now:
            self._start(line, target, history.branch)
        else:
            commands = history.tree.commands_of(history.branch)
            self._start(self.lines.start_for(commands, target), target, history.branch)

    def switch(self, branch: str) -> None:
        """Show another branch at its furthest instant."""
        history = self.app.history
        if not self._may_seek():
            return
        self.cancel()
        self.app.settle()
        self._keep_furthest()
        target = history.tree[branch].furthest
        commands = history.tree.commands_of(branch)
        line = history.line
        if line is not None and line.fits(commands) and line.now <= target:
            start = line  # the branch shares the past on screen: go on from here
        else:
            start = self.lines.start_for(commands, target)
        self._start(start, target, branch)

    def _start(self, line: Line, target: float, branch: str) -> None:
        self.job = Seek(line, target, self.lines.measure)
        self.job_branch = branch
        self._pace()
        self.frame()

    def _may_seek(self) -> bool:
        if self.app.remote is None:
            return True
        # A broker's retained constraints would be applied again, as new commands, on every seek.
        self.app.notify("seeking is off while the run is steered over MQTT", severity="warning")
        return False

    def renamed(self, old: str, new: str) -> None:
        """A branch got a name: a seek to it goes on under the new one."""
        if self.job_branch == old:
            self.job_branch = new

    def cancel(self) -> None:
        """Stop a seek where it is; a line computed part of the way is kept as a checkpoint."""
        job, self.job = self.job, None
        if job is not None and job.line is not self.app.history.line:
            self.lines.park(job.line)
        self._pace()

    def frame(self) -> bool:
        """Work for one frame; True when a seek is under way (the screen stands still)."""
        app = self.app
        job = self.job
        if job is None:
            budget = IDLE_SLICE_PAUSED if app.pacer.paused else IDLE_SLICE_RUNNING
            history = app.history
            commands = history.tree.commands_of(history.branch)
            self.lines.idle(commands, history.current.furthest, budget)
            return False
        if job.advance(SEEK_SLICE):
            self.job = None
            if job.line is not app.history.line or self.job_branch != app.history.branch:
                self._arrive(job.line, self.job_branch)
            app.history.reached(job.line.now)
            app.after_seek()
            self._pace()
        return self.job is not None

    def ran(self, seconds: float) -> None:
        """The engine on screen computed for ``seconds`` of wall time (its cost profile)."""
        line = self.app.history.line
        if line is not None:
            line.cost += seconds
            self.lines.measure(line.now, line.cost)

    def info(self) -> TimelineInfo:
        history = self.app.history
        seeking = None if self.job is None else (self.job.target, self.job.fraction)
        return TimelineInfo(
            now=self.app.engine.now,
            furthest=max(history.current.furthest, self.app.engine.now),
            branch=history.branch,
            points=history.branch_points(),
            seeking=seeking,
        )

    def _keep_furthest(self) -> None:
        """Leaving the branch's furthest instant: keep its metrics and series there (list, compare)."""
        history = self.app.history
        if history.line is not None and history.line.now >= history.current.furthest:
            history.current.record = self.app.record()
            history.current.series = series_of(self.app.world)

    # -- what the branch list and compare show ----------------------------------------

    def rows(self) -> list[BranchRow]:
        history = self.app.history
        out = []
        for b in history.tree:
            current = b.name == history.branch
            record = self.app.record() if current else b.record
            furthest = max(b.furthest, self.app.engine.now) if current else b.furthest
            out.append(
                BranchRow(
                    name=b.name,
                    parent=b.parent,
                    at=b.at,
                    furthest=furthest,
                    # A scheduled command (--command) the branch has not reached yet is due.
                    commands=tuple(
                        f"t={c.time:,.1f} {c.command.text()}" + (" (due)" if c.time > furthest else "")
                        for c in b.commands
                    ),
                    metrics=headline(record),
                    current=current,
                )
            )
        return out

    def partner(self) -> str | None:
        """The branch to compare the one on screen with: its parent, or else the newest other one."""
        history = self.app.history
        current = history.current
        if current.parent is not None:
            return current.parent
        others = [b.name for b in history.tree if b.name != history.branch]
        return others[-1] if others else None

    def sides(self, other: str) -> tuple[Side, Side]:
        """The other branch (at its furthest instant), then the one on screen (as shown)."""
        history = self.app.history
        here = history.current
        if self.app.engine.now >= here.furthest or here.record is None:
            mine = Side(here.name, series_of(self.app.world), headline(self.app.record()))
        else:
            mine = Side(here.name, here.series, headline(here.record))
        theirs = history.tree[other]
        series = theirs.series or recorded_series(theirs.record)
        return Side(theirs.name, series, headline(theirs.record)), mine

    def _arrive(self, line: Line, branch: str) -> None:
        history = self.app.history
        old = history.line
        history.detach()
        history.attach(line, branch)
        self.app.show_line(line)
        if old is not None and old is not line:
            self.lines.park(old)

    def _pace(self) -> None:
        app = self.app
        if self.job is not None:
            app.ticker.pace(1 / app.frame_rate)
        else:
            app._pace_frames()


def series_of(world: World) -> tuple[tuple[str, tuple[float, ...], tuple[float, ...]], ...]:
    """A copy of the world's headline series."""
    return tuple((s.name, tuple(s.times), tuple(s.values)) for s in world.series())


def headline(record: dict[str, Any] | None) -> dict[str, Any]:
    """The scenario's own scalar metrics in a record (None: nothing known yet)."""
    if record is None:
        return {}
    own = {k: v for k, v in record.items() if k not in COMMON_KEYS and k != "interrupted"}
    own = {k: v for k, v in own.items() if isinstance(v, int | float | str) and not isinstance(v, bool)}
    return {"sim_time": record.get("sim_time"), **own}


def recorded_series(
    record: dict[str, Any] | None,
) -> tuple[tuple[str, tuple[float, ...], tuple[float, ...]], ...]:
    """The series a metrics record carries (``series``: {name: [[t, v], ...]}): a branch read from a file."""
    found = (record or {}).get("series")
    if not isinstance(found, dict):
        return ()
    out = []
    for name, pairs in found.items():
        if isinstance(pairs, list) and all(isinstance(p, list) and len(p) == 2 for p in pairs):
            out.append(
                (str(name), tuple(float(p[0]) for p in pairs), tuple(float(p[1] or 0.0) for p in pairs))
            )
    return tuple(out)
