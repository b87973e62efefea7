"""A small bottleneck-like scenario the TUI is developed and tested against.

Agents think, then do a governed task ``work`` under ``concurrency(task:work,
slots)``. Run it in the TUI with ``python -m benchmarks.tui_demo
tests/observatory/tiny_scenario.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine import Engine, TaskBlocked, TaskFinished, TaskStarted
from scenarios import Distribution, Limit, Scenario, Series, State, World, param

THINKING, BLOCKED, RUNNING = 0, 1, 2
THINK = Distribution("uniform", 0.5, 1.5)
SERVICE = Distribution("uniform", 0.1, 0.3)


@dataclass
class TinyParams:
    agents: int = param(300, help="number of agents", min=1, max=100_000)
    slots: int = param(40, help="work tasks allowed to run at once", min=1)
    # param() returns a dataclasses.field, which ruff's RUF009 cannot see.
    think: Distribution = param(THINK, help="thinking time", parse=Distribution.parse)  # noqa: RUF009
    service: Distribution = param(SERVICE, help="work time", parse=Distribution.parse)  # noqa: RUF009
    stop_at: float = param(0.0, help="virtual time at which the world is done (0: never)", min=0)


async def worker(ctx: Any, think: Distribution, service: Distribution) -> None:
    pause, serve = think.sampler(ctx.random), service.sampler(ctx.random)
    while True:
        await ctx.sleep(pause())
        async with ctx.task("work"):
            await ctx.sleep(serve())


class TinyWorld(World):
    """Cells: thinking, blocked behind the slots, running."""

    legend = (
        State("thinking", (40, 60, 110), "between tasks"),
        State("blocked", (220, 50, 47), "waiting for a slot"),
        State("running", (240, 240, 240), "holding a slot"),
    )

    def __init__(self, engine: Engine, params: TinyParams) -> None:
        cols = max(1, min(params.agents, int(params.agents**0.5 * 1.5) or 1))
        rows = -(-params.agents // cols)
        super().__init__(engine, rows, cols)
        self.completed = 0
        self.running = Series("running")
        self.blocked = Series("blocked")
        state = self.state
        engine.subscribe(TaskBlocked, lambda ev: state.__setitem__(ev.agent, BLOCKED))
        engine.subscribe(TaskStarted, lambda ev: state.__setitem__(ev.agent, RUNNING))
        engine.subscribe(TaskFinished, self._finished)
        engine.call_every(0.25, self._sample)
        self.limit = Limit("slots", "task:work", params.slots)
        self.stop_at = params.stop_at

    @property
    def done(self) -> bool:
        return 0 < self.stop_at <= self.engine.now

    def _finished(self, ev: TaskFinished) -> None:
        self.state[ev.agent] = THINKING
        self.completed += 1

    def _sample(self) -> None:
        counts = self.counts()
        self.running.append(self.engine.now, counts["running"])
        self.blocked.append(self.engine.now, counts["blocked"])

    def metrics(self) -> dict[str, Any]:
        return {"completed": self.completed}

    def series(self) -> list[Series]:
        return [self.running, self.blocked]

    def describe_agent(self, agent: int) -> dict[str, str]:
        return {"state": self.legend[self.state[agent]].name}


def build(engine: Engine, params: TinyParams) -> TinyWorld:
    world = TinyWorld(engine, params)
    engine.concurrency("task:work", params.slots)
    for i in range(params.agents):
        engine.spawn(worker, params.think, params.service, name=f"tiny-{i}")
    return world


SCENARIO = Scenario("tiny", "a few hundred agents contend for a few work slots", TinyParams, build)


def traced(scenario: Scenario = SCENARIO) -> Scenario:
    """The scenario, with every engine event after build recorded on ``world.trace``.

    Tests compare traces of runs that were paced, paused or stepped
    differently: the trace is the run's result.
    """
    from dataclasses import replace

    from engine import Event

    def build(engine: Engine, params: Any) -> World:
        world = scenario.build(engine, params)
        trace: list[tuple[str, float, int, str]] = []
        engine.subscribe(Event, lambda ev: trace.append((type(ev).__name__, ev.time, ev.agent, ev.task)))
        world.trace = trace  # type: ignore[attr-defined]
        return world

    return replace(scenario, build=build)


def defaults(**values: Any) -> TinyParams:
    """Parameters with some values changed."""
    return TinyParams(**values)
