"""bottleneck: many agents contend for a few slots of governed work.

Each agent loops forever: think for a ``--think`` time, then run the governed
task ``work`` for a ``--service`` time under ``concurrency(task:work,
--slots)``. With more demand than slots a queue forms; the engine hands each
freed slot to the longest waiter, so the red (blocked) cells turn white
(running) in arrival order and nobody starves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from engine import Agent, ConstraintChanged, Engine, TaskBlocked, TaskFinished, TaskStarted
from scenarios.distributions import Distribution
from scenarios.framework import Limit, Scenario, Series, State, World
from scenarios.live import LiveValues
from scenarios.params import param

SCOPE = "task:work"
SAMPLE_EVERY = 1.0  # virtual seconds between points of the plotted series


@dataclass(frozen=True)
class BottleneckParams:
    agents: int = param(500, help="Number of agents", min=1, max=10_000_000)
    slots: int = param(20, help="How many work tasks may run at once", min=1, live=True)
    # ruff cannot tell that param() declares a field: RUF009 does not apply.
    think: Distribution = param(  # noqa: RUF009
        Distribution.parse("uniform:0.5,1.5"),
        help="Think time between tasks, in virtual seconds",
        parse=Distribution.parse,
        live=True,
    )
    service: Distribution = param(  # noqa: RUF009
        Distribution.parse("uniform:0.1,0.3"),
        help="Duration of one work task, in virtual seconds",
        parse=Distribution.parse,
        live=True,
    )


async def customer(ctx: Agent, live: LiveValues) -> None:
    """Think, then work under the slot limit, forever; times drawn from the live distributions."""
    think_time = live.sampler("think", ctx.random)
    service_time = live.sampler("service", ctx.random)
    while True:
        await ctx.sleep(think_time())
        async with ctx.task("work"):
            await ctx.sleep(service_time())


# Cell states: indices into BottleneckWorld.legend (plain ints: they are written per event).
THINKING, BLOCKED, RUNNING = 0, 1, 2


class BottleneckWorld(World):
    """Cells coloured by task events, and the queueing metrics kept alongside.

    Utilization integrates ``running / limit`` exactly over virtual time:
    ``area`` accumulates running-task-seconds since the limit last changed,
    and each change folds ``area / limit`` into ``util``.
    """

    legend = (
        State("thinking", (40, 60, 95), "thinking before the next task"),
        State("blocked", (220, 40, 40), "waiting for a free slot"),
        State("running", (255, 255, 255), "doing governed work"),
    )

    def __init__(self, engine: Engine, params: BottleneckParams) -> None:
        cols = math.ceil(math.sqrt(params.agents))
        super().__init__(engine, math.ceil(params.agents / cols), cols, used=params.agents)
        self.limit = Limit(label="slots", scope=SCOPE, value=params.slots)
        self.capacity = params.slots
        self.running = self.blocked = self.max_running = 0
        self.started = self.completed = 0
        self.wait_sum = 0.0
        self.area = self.util = 0.0
        self.last = engine.now
        self.done_by = [0] * params.agents
        self.waited_by = [0.0] * params.agents
        self._window_start = 0
        self.throughput = Series("throughput /s")
        self.blocked_series = Series("blocked")
        engine.subscribe(TaskBlocked, self._on_blocked)
        engine.subscribe(TaskStarted, self._on_started)
        engine.subscribe(TaskFinished, self._on_finished)
        engine.subscribe(ConstraintChanged, self._on_constraint)
        engine.call_every(SAMPLE_EVERY, self._sample, start=SAMPLE_EVERY)

    # -- event subscribers (hot: one call per task event) ------------------------

    def _on_blocked(self, ev: TaskBlocked) -> None:
        self.cells[ev.agent] = BLOCKED
        self.blocked += 1

    def _on_started(self, ev: TaskStarted) -> None:
        agent = ev.agent
        cells = self.cells
        if cells[agent] == BLOCKED:
            self.blocked -= 1
        cells[agent] = RUNNING
        now = ev.time
        self.area += self.running * (now - self.last)
        self.last = now
        running = self.running = self.running + 1
        if running > self.max_running:
            self.max_running = running
        self.started += 1
        self.wait_sum += ev.waited
        self.waited_by[agent] += ev.waited

    def _on_finished(self, ev: TaskFinished) -> None:
        agent = ev.agent
        self.cells[agent] = THINKING
        now = ev.time
        self.area += self.running * (now - self.last)
        self.last = now
        self.running -= 1
        if ev.status == "ok":
            self.completed += 1
            self.done_by[agent] += 1

    def _on_constraint(self, ev: ConstraintChanged) -> None:
        if ev.scope != SCOPE or ev.kind != "concurrency":
            return
        self._fold(ev.time)
        live = self.engine.constraint(SCOPE, "concurrency")
        # Without a limit every agent could run at once.
        self.capacity = live.limit if live is not None else len(self.done_by)

    # -- sampling and metrics ------------------------------------------------------

    def _fold(self, now: float) -> None:
        """Close the current constant-limit stretch of the utilization integral."""
        self.area += self.running * (now - self.last)
        self.last = now
        self.util += self.area / self.capacity
        self.area = 0.0

    def _sample(self) -> None:
        now = self.engine.now
        self.throughput.append(now, (self.completed - self._window_start) / SAMPLE_EVERY)
        self._window_start = self.completed
        self.blocked_series.append(now, self.blocked)

    def utilization(self) -> float:
        """Time-average of running / limit from 0 to now."""
        now = self.engine.now
        if now <= 0:
            return 0.0
        area = self.area + self.running * (now - self.last)
        return (self.util + area / self.capacity) / now

    def metrics(self) -> dict[str, Any]:
        now = self.engine.now
        return {
            "completed": self.completed,
            "throughput_per_s": self.completed / now if now > 0 else 0.0,
            "mean_wait_s": self.wait_sum / self.started if self.started else 0.0,
            "utilization": self.utilization(),
            "max_running": self.max_running,
        }

    def series(self) -> list[Series]:
        return [self.throughput, self.blocked_series]

    def describe_agent(self, agent: int) -> dict[str, str]:
        done = self.done_by[agent]
        started = done + (self.cells[agent] == RUNNING)
        mean_wait = self.waited_by[agent] / started if started else 0.0
        return {
            "state": self.legend[self.cells[agent]].name,
            "completed": str(done),
            "mean wait": f"{mean_wait:.3f} s",
        }


def build(engine: Engine, params: BottleneckParams) -> BottleneckWorld:
    engine.concurrency(SCOPE, params.slots)
    world = BottleneckWorld(engine, params)
    live = LiveValues(engine, params)
    live.limit("slots", world.limit)
    for _ in range(params.agents):
        engine.spawn(customer, live)
    return world


SCENARIO = Scenario(
    name="bottleneck",
    description="Agents think, then queue for a few slots of governed work",
    params=BottleneckParams,
    build=build,
)
