"""A small scenario whose runs fail on purpose for one seed: its build raises, or one agent does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine import Engine, TaskFinished
from scenarios import Scenario, World, param


@dataclass(frozen=True)
class FailingParams:
    agents: int = param(4, help="number of agents", min=1)
    fail: str = param("never", help="what goes wrong for fail_seed", choices=("never", "build", "agent"))
    fail_seed: int = param(1, help="the seed whose run fails", min=0)


async def worker(ctx: Any, doomed: bool) -> None:
    while True:
        await ctx.sleep(1.0 + ctx.random.random())
        async with ctx.task("work"):
            await ctx.sleep(0.5)
        if doomed:
            raise RuntimeError("this agent was told to fail")


class FailingWorld(World):
    def __init__(self, engine: Engine, agents: int) -> None:
        super().__init__(engine, 1, agents)
        self.completed = 0
        engine.subscribe(TaskFinished, self._finished)

    def _finished(self, ev: TaskFinished) -> None:
        self.completed += 1

    def metrics(self) -> dict[str, Any]:
        return {"completed": self.completed, "rate": self.completed / max(self.engine.now, 1.0)}


def build(engine: Engine, params: FailingParams) -> FailingWorld:
    doomed = engine.seed == params.fail_seed
    if doomed and params.fail == "build":
        raise RuntimeError(f"build refused seed {engine.seed}")
    world = FailingWorld(engine, params.agents)
    for i in range(params.agents):
        engine.spawn(worker, doomed and params.fail == "agent" and i == 0)
    return world


SCENARIO = Scenario("failing", "runs that fail for one seed", FailingParams, build, default_duration=20.0)
