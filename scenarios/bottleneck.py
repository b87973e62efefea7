"""bottleneck: many agents contend for a few slots of governed work.

Each agent loops forever: think for a ``--think`` time, then run the governed
task ``work`` for a ``--service`` time under ``concurrency(task:work,
--slots)``. With more demand than slots a queue forms; the engine hands each
freed slot to the longest waiter, so the red (blocked) cells turn white
(running) in arrival order and nobody starves.
"""

from dataclasses import dataclass

from engine import Agent, Engine
from scenarios import Distribution, Limit, LiveValues, Scenario, State, TaskStateWorld, duration, param
from scenarios.queueing import QUEUE_THEORY


@dataclass(frozen=True)
class BottleneckParams:
    agents: int = param(500, help="Number of agents", min=1, max=10_000_000)
    slots: int = param(20, help="How many work tasks may run at once", min=1, live=True)
    think: Distribution = duration("uniform:0.5,1.5", help="Think time between tasks, in seconds", live=True)
    service: Distribution = duration("uniform:0.1,0.3", help="How long one work task takes (s)", live=True)


async def customer(ctx: Agent, live: LiveValues) -> None:
    """Think, then work under the slot limit, forever; times drawn from the live distributions."""
    think_time, service_time = live.sampler("think", ctx.random), live.sampler("service", ctx.random)
    while True:
        await ctx.sleep(think_time())
        await ctx.work("work", service_time())


def build(engine: Engine, params: BottleneckParams) -> TaskStateWorld:
    legend = (
        State("thinking", (40, 60, 95), "thinking before the next task"),
        State("blocked", (220, 40, 40), "waiting for a free slot"),
        State("running", (255, 255, 255), "doing governed work"),
    )
    on = {"work blocked": "blocked", "work started": "running", "work finished": "thinking"}
    limit = Limit("slots", "task:work", params.slots)
    world = TaskStateWorld(engine, params.agents, legend, on, task="work", limit=limit)
    world.plot_completions("throughput /s")
    world.plot_state("blocked")
    world.spawn_agents(customer, LiveValues(engine, params, limits={"slots": limit}))  # set NAME VALUE
    return world


# footprint: memory per agent at its peak (agent, coroutine, task, events), measured 4.8 kB.
SCENARIO = Scenario("bottleneck", "Agents think, then queue for a few slots of work", BottleneckParams, build,
                    footprint=lambda p: (p.agents * 5_000, f"--agents {p.agents}"), theory=QUEUE_THEORY)
