"""api_clients: many clients share an API that allows only so many calls per second.

Copy this file to start your own scenario, then run it:

    observatory run examples/api_clients.py --rate 40 --headless --duration 30
"""

import math
from dataclasses import dataclass

from engine import Agent, Engine, TaskBlocked, TaskFinished, TaskStarted
from scenarios import Distribution, Scenario, State, World, param

IDLE, THROTTLED, CALLING = 0, 1, 2  # indices into the legend below


@dataclass(frozen=True)
class Params:
    clients: int = param(200, help="Number of clients", min=1)
    rate: float = param(40.0, help="API calls allowed per virtual second", min=0.1)
    pause: Distribution = param(  # noqa: RUF009
        Distribution.parse("exp:2"), help="Pause between calls, in virtual seconds", parse=Distribution.parse
    )


async def client(ctx: Agent, pause: Distribution) -> None:
    """Pause, then call the API (a governed task), forever."""
    pause_time = pause.sampler(ctx.random)
    while True:
        await ctx.sleep(pause_time())
        async with ctx.task("call"):
            await ctx.sleep(0.05)


class ApiWorld(World):
    """One cell per client, coloured from the engine's task events."""

    legend = (
        State("idle", (40, 60, 95), "between calls"),
        State("throttled", (230, 160, 30), "waiting for the rate limit"),
        State("calling", (255, 255, 255), "calling the API"),
    )

    def __init__(self, engine: Engine, params: Params) -> None:
        cols = math.ceil(math.sqrt(params.clients))
        super().__init__(engine, math.ceil(params.clients / cols), cols, used=params.clients)
        self.calls = self.throttled = 0
        engine.subscribe(TaskBlocked, self.on_blocked)
        engine.subscribe(TaskStarted, self.on_started)
        engine.subscribe(TaskFinished, self.on_finished)

    def on_blocked(self, ev: TaskBlocked) -> None:
        self.cells[ev.agent] = THROTTLED
        self.throttled += 1

    def on_started(self, ev: TaskStarted) -> None:
        self.cells[ev.agent] = CALLING

    def on_finished(self, ev: TaskFinished) -> None:
        self.cells[ev.agent] = IDLE
        self.calls += 1

    def metrics(self) -> dict[str, float]:
        now = self.engine.now
        return {
            "calls": self.calls,
            "calls_per_s": self.calls / now if now else 0.0,
            "throttled": self.throttled,
        }


def build(engine: Engine, params: Params) -> ApiWorld:
    engine.rate_limit("task:call", params.rate, burst=1)
    world = ApiWorld(engine, params)
    for _ in range(params.clients):
        engine.spawn(client, params.pause)
    return world


SCENARIO = Scenario(
    name="api_clients",
    description="Clients share an API limited to --rate calls per second",
    params=Params,
    build=build,
)
