"""Rewinding a run: any instant recomputed exactly from the run's description.

Agents are coroutines, and coroutines cannot be copied, so an engine's
state cannot be saved and restored. What can be done is to compute it
again: a run is its scenario, parameters, seed and commands, and an engine
built from those and run to instant t is in exactly the state the first
one was in at t. Re-simulation from 0 costs as much as the run so far,
though, so ``Lines`` keeps a few engines parked at earlier instants
(checkpoints): a seek starts from the latest one not after its target
that has the same past, and runs in bounded slices (``Seek``) so a screen
stays responsive. Checkpoints are built in spare time (``Lines.idle``),
spaced by measured compute cost, not by virtual time, so every seek costs
about the same whatever the scenario.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any

from engine import Engine
from engine.commands import AppliedCommand
from engine.kernel import Timer
from observatory.checks import checked_world
from observatory.failures import FailureLog
from observatory.scheduled import schedule
from scenarios.framework import Scenario, World

# Engine steps between clock checks while recomputing.
STEPS = 2_000
# Wall seconds of recomputation between checkpoints: a seek costs at most about this.
CHECKPOINT_COST = 1.0
# Most engines kept parked (each holds a whole world; a few MB for the bundled scenarios),
# and most agents in all of them together, so a world of 100,000 agents keeps only a few.
MAX_PARKED = 24
MAX_PARKED_AGENTS = 400_000
# Most steps to finish an instant before a line is parked or shown.
SETTLE_STEPS = 1_000_000


class Line:
    """One engine running one branch: built from the description, its later commands scheduled."""

    def __init__(self, scenario: Scenario, params: Any, seed: int) -> None:
        self.engine = Engine(seed)
        self.failures = FailureLog().attach(self.engine)
        self.world: World = checked_world(scenario, scenario.build(self.engine, params))
        self.timers: list[tuple[AppliedCommand, Timer]] = []
        self.cost = 0.0  # wall seconds of computing this line since 0 (measured)

    @property
    def now(self) -> float:
        return self.engine.now

    def follow(self, commands: Sequence[AppliedCommand]) -> list[AppliedCommand]:
        """Schedule the branch's commands not applied yet; returns them (its past must match).

        Those applied at the start are applied at once (a fresh line, before its first step).
        """
        self.withdraw_after(-1.0)
        pending = list(commands[len(self.engine.commands) :])
        schedule(self.engine, [a for a in pending if a.at_start])
        later = [a for a in pending if not a.at_start]
        self.timers = [(a, self.engine.schedule(a.time, a.command)) for a in later]
        return later

    def withdraw_after(self, time: float) -> None:
        """Cancel the scheduled commands later than ``time`` (a branch leaves them behind)."""
        for applied, timer in self.timers:
            if applied.time > time:
                timer.cancel()
        self.timers = [(a, t) for a, t in self.timers if a.time <= time]

    def fits(self, commands: Sequence[AppliedCommand]) -> bool:
        """True when this line's past is that of a branch with ``commands`` (up to its instant)."""
        now = self.engine.now
        return self.engine.commands == [c for c in commands if c.time <= now] and self.settled()

    def settled(self) -> bool:
        return self.engine.kernel.instant_done()

    def settle(self) -> None:
        if not self.engine.kernel.instant_done():
            self.engine.run(until=self.engine.now, max_steps=SETTLE_STEPS)

    def close(self) -> None:
        self.withdraw_after(-1.0)
        self.engine.close()


@dataclass
class Seek:
    """A line being run to ``target`` in bounded slices (``advance``)."""

    line: Line
    target: float
    measure: Callable[[float, float], None] | None = None
    origin: float = field(init=False)

    def __post_init__(self) -> None:
        self.origin = self.line.now

    @property
    def done(self) -> bool:
        return self.line.now >= self.target and self.line.settled()

    @property
    def fraction(self) -> float:
        span = self.target - self.origin
        return 1.0 if span <= 0 else min(1.0, (self.line.now - self.origin) / span)

    def advance(self, budget: float) -> bool:
        """Compute for at most about ``budget`` wall seconds; True when the target is reached."""
        start = last = perf_counter()
        line, engine, measure = self.line, self.line.engine, self.measure
        while not self.done:
            engine.run(until=self.target, max_steps=STEPS)
            now = perf_counter()
            line.cost += now - last
            last = now
            if measure is not None:
                measure(engine.now, line.cost)
            if now - start >= budget:
                break
        return self.done


class Lines:
    """The engines of one run: parked checkpoints, and the building of new ones in spare time."""

    def __init__(self, scenario: Scenario, params: Any, seed: int) -> None:
        self.scenario = scenario
        self.params = params
        self.seed = seed
        self.parked: list[Line] = []
        self.builder: Seek | None = None
        self.builder_commands: list[AppliedCommand] = []
        # Wall seconds to compute from 0 to each instant, as measured: (time, cost), increasing.
        self.profile: list[tuple[float, float]] = []

    def fresh(self, commands: Sequence[AppliedCommand]) -> Line:
        line = Line(self.scenario, self.params, self.seed)
        line.follow(commands)
        return line

    def start_for(self, commands: Sequence[AppliedCommand], target: float) -> Line:
        """The line to run to ``target``: the latest parked one that fits, taken out, or a fresh one."""
        best = None
        for line in self.parked:
            if line.now <= target and line.fits(commands) and (best is None or line.now > best.now):
                best = line
        if best is None:
            return self.fresh(commands)
        self.parked.remove(best)
        best.follow(commands)
        return best

    def park(self, line: Line) -> None:
        """Keep a line at its (settled) instant for later seeks; the cheapest to lose goes if too many."""
        line.settle()
        line.withdraw_after(-1.0)
        self.parked.append(line)
        while len(self.parked) > self.room():
            self.parked.sort(key=lambda x: x.now)
            cost = [self.cost_at(x.now) for x in self.parked]  # by the cost of recomputing, not by time
            gaps = [cost[i + 1] - cost[i - 1] for i in range(1, len(self.parked) - 1)]
            drop = self.parked.pop(1 + gaps.index(min(gaps))) if gaps else self.parked.pop(0)
            drop.close()

    def room(self) -> int:
        """How many engines may be parked: MAX_PARKED, fewer for big worlds."""
        agents = max((len(x.engine.agents) for x in self.parked), default=1)
        return max(1, min(MAX_PARKED, MAX_PARKED_AGENTS // max(1, agents)))

    def idle(self, commands: Sequence[AppliedCommand], furthest: float, budget: float) -> bool:
        """Spend up to ``budget`` wall seconds building a checkpoint where a seek would cost most.

        Returns True while there is more to build. A checkpoint is needed
        where the measured cost from the previous one exceeds
        ``CHECKPOINT_COST``; ``furthest`` is how far the branch is computed.
        """
        commands = list(commands)
        if self.builder is not None and self.builder_commands != commands:
            self.builder.line.close()  # the branch changed: build for the new one
            self.builder = None
        if self.builder is None:
            target = self._gap(commands, furthest)
            if target is None:
                return False
            # A fresh engine: a parked one would be used up (engines cannot be copied).
            self.builder = Seek(self.fresh(commands), target, self.measure)
            self.builder_commands = commands
        if self.builder.advance(budget):
            self.park(self.builder.line)
            self.builder = None
        return True

    def _gap(self, commands: list[AppliedCommand], furthest: float) -> float | None:
        """The instant of the next checkpoint to build (None: every seek is cheap enough)."""
        if not self.profile or len(self.parked) >= self.room():
            return None  # nothing measured yet, or no room for another
        times = sorted({0.0, *(x.now for x in self.parked if x.fits(commands))})
        # The first stretch between neighbours that costs too much to recompute, by the profile.
        for start, end in zip(times, [*times[1:], furthest], strict=True):
            if self.cost_at(end) - self.cost_at(start) > CHECKPOINT_COST:
                return min(end, self.time_at(self.cost_at(start) + CHECKPOINT_COST * 0.9))
        return None

    # -- the cost profile: wall seconds to compute from 0 to each instant ----------------

    def measure(self, time: float, cost: float) -> None:
        """Record that computing from 0 to ``time`` took ``cost`` wall seconds (kept increasing)."""
        if not self.profile or time > self.profile[-1][0]:
            self.profile.append((time, max(cost, self.profile[-1][1] if self.profile else 0.0)))

    def cost_at(self, time: float) -> float:
        profile = self.profile
        if not profile:
            return 0.0
        i = bisect.bisect_left(profile, (time, -1.0))
        if i >= len(profile):
            return profile[-1][1]
        if i == 0:
            return profile[0][1] * (time / profile[0][0] if profile[0][0] > 0 else 1.0)
        (t0, c0), (t1, c1) = profile[i - 1], profile[i]
        return c0 + (c1 - c0) * (time - t0) / (t1 - t0)

    def time_at(self, cost: float) -> float:
        profile = self.profile
        for (t0, c0), (t1, c1) in zip([(0.0, 0.0), *profile], profile, strict=False):
            if c1 >= cost:
                return t0 + (t1 - t0) * ((cost - c0) / (c1 - c0) if c1 > c0 else 1.0)
        return profile[-1][0]

    def close(self) -> None:
        for line in self.parked:
            line.close()
        self.parked = []
        if self.builder is not None:
            self.builder.line.close()
            self.builder = None


def replay_to(
    scenario: Scenario, params: Any, seed: int, commands: Sequence[AppliedCommand], until: float
) -> Line:
    """A branch computed from 0 to ``until`` in one go (tests and benchmarks)."""
    line = Line(scenario, params, seed)
    line.follow(commands)
    Seek(line, until).advance(float("inf"))
    return line


Progress = Callable[[float], None]
