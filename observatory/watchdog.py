"""Runs that can no longer get anywhere: stalls and livelocks, told in one line.

* A **stall**: a scenario that stops itself (conway's generations) has no
  events left and is not done, so it never will be. (A world that does not
  define ``done`` ends when its events run out: that is no stall.)
* A **livelock**: virtual time stops advancing while events churn, for
  example agents whose think and service times are both 0. More than
  ``LIVELOCK_STEPS`` engine steps (agent resumptions) at one virtual
  instant — or ``LIVELOCK_STEPS_PER_AGENT`` per agent when that is more —
  without the world's own progress moving, and the run is called a livelock.
  The bound is generous: pure Life (``--compute-time 0``) computes every
  generation at t=0, and its progress moves every generation.

The runner asks after each slice of the engine; both checks are cheap.
"""

from __future__ import annotations

from collections import Counter

from engine import Engine, TaskBlocked, TaskStarted
from scenarios.framework import Scenario, World

LIVELOCK_STEPS = 1_000_000
LIVELOCK_STEPS_PER_AGENT = 1_000
# Steps taken at the stuck instant to see which agents and tasks loop.
SAMPLE_STEPS = 10_000
# Agents named in the message; the rest are counted.
NAMED = 3


class Watchdog:
    """Watches one run for stalls and livelocks; ``problem`` holds the verdict's line."""

    def __init__(self, scenario: Scenario, engine: Engine, world: World) -> None:
        self.scenario = scenario
        self.engine = engine
        self.world = world
        self.problem: str | None = None
        self._instant = engine.now
        self._progress = world.progress()
        self._steps = 0  # steps taken at ``_instant`` with the same progress
        self._can_stall = scenario.stops_itself and type(world).done is not World.done

    @property
    def bound(self) -> int:
        """Engine steps at one instant, without progress, that make a livelock."""
        return max(LIVELOCK_STEPS, LIVELOCK_STEPS_PER_AGENT * len(self.engine.agents))

    def check(self, steps: int) -> str | None:
        """After ``steps`` more engine steps: the problem's line if the run stalled or loops."""
        if self.problem is not None:
            return self.problem
        engine, world = self.engine, self.world
        if self._can_stall and not world.done and engine.kernel.idle:
            self.problem = stall_line(self.scenario, engine, world)
            return self.problem
        progress = world.progress()
        if engine.now != self._instant or progress != self._progress:
            self._instant, self._progress, self._steps = engine.now, progress, 0
            return None
        self._steps += steps
        if self._steps > self.bound:
            self.problem = livelock_line(self.scenario, engine, self._steps, self.bound)
        return self.problem


def stall_line(scenario: Scenario, engine: Engine, world: World) -> str:
    """``conway stalled at t=0.125: 0 of 3 generations (no events left)``."""
    told = world.describe_progress()
    where = f": {told}" if told else ""
    return f"{scenario.name} stalled at t={engine.kernel.last_step_time:g}{where} (no events left)"


def livelock_line(scenario: Scenario, engine: Engine, steps: int, bound: int) -> str:
    """The livelock's line, naming the agents and tasks that loop (found by a short sample)."""
    agents, tasks = loopers(engine)
    who = _agents(engine, agents)
    what = f" in task{'s' if len(tasks) > 1 else ''} {', '.join(tasks)}" if tasks else " outside any task"
    return (
        f"{scenario.name} livelocked at t={engine.now:g}: {steps:,} engine steps without virtual "
        f"time advancing (bound {bound:,}); looping: {who}{what}"
    )


def loopers(engine: Engine) -> tuple[list[int], list[str]]:
    """Agents due at the stuck instant, and the tasks they start there, by how often."""
    kernel = engine.kernel
    due = Counter(agent.id for agent in kernel.due_now())
    tasks: Counter[str] = Counter()

    def seen(event: TaskStarted | TaskBlocked) -> None:
        due[event.agent] += 1
        tasks[event.task] += 1

    unsubscribe = [engine.subscribe(kind, seen) for kind in (TaskStarted, TaskBlocked)]
    try:
        engine.run(until=engine.now, max_steps=SAMPLE_STEPS)
    finally:
        for off in unsubscribe:
            off()
    return sorted(due), [task for task, _ in tasks.most_common()]


def _agents(engine: Engine, ids: list[int]) -> str:
    names = [engine.agents[i].name for i in ids[:NAMED]]
    if len(ids) <= NAMED:
        return f"agent{'s' if len(ids) > 1 else ''} " + ", ".join(names)
    return f"{len(ids):,} agents ({', '.join(names)} and {len(ids) - NAMED:,} more)"
