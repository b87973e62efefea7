"""api_clients: many clients share an API that allows only so many calls per second.

Copy this file to start your own scenario, then run it:

    observatory run examples/api_clients.py --rate 40 --headless --duration 30
"""

from dataclasses import dataclass

from engine import Agent, Engine
from scenarios import Distribution, Scenario, State, TaskStateWorld, duration, param


@dataclass(frozen=True)
class Params:
    clients: int = param(200, help="Number of clients", min=1)
    rate: float = param(40.0, help="API calls allowed per virtual second", min=0.1)
    pause: Distribution = duration("exp:2", help="Pause between calls, in virtual seconds")


async def client(ctx: Agent, pause: Distribution) -> None:
    """Pause, then call the API (a governed task), forever."""
    pause_time = pause.sampler(ctx.random)
    while True:
        await ctx.sleep(pause_time())
        async with ctx.task("call"):
            await ctx.sleep(0.05)


# The cells: every client starts idle; these task events move it between the states.
LEGEND = (
    State("idle", (40, 60, 95), "between calls"),
    State("throttled", (230, 160, 30), "waiting for the rate limit"),
    State("calling", (255, 255, 255), "calling the API"),
)
ON = {"call blocked": "throttled", "call started": "calling", "call finished": "idle"}


class ApiWorld(TaskStateWorld):
    """The task-state world with this example's own metrics."""

    def metrics(self) -> dict[str, float]:
        now = self.engine.now
        calls = sum(self.finished.values())  # every call that ended, whatever its status
        return {"calls": calls, "calls_per_s": calls / now if now else 0.0, "throttled": self.queued}


def build(engine: Engine, params: Params) -> ApiWorld:
    engine.rate_limit("task:call", params.rate, burst=1)
    world = ApiWorld(engine, params.clients, LEGEND, ON, task="call")  # it measures the task "call"
    world.spawn_agents(client, params.pause)
    return world


SCENARIO = Scenario(
    name="api_clients",
    description="Clients share an API limited to --rate calls per second",
    params=Params,
    build=build,
)
