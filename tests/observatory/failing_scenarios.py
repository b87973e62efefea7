"""Scenario files that go wrong in the ways a user's scenario can, for the failure tests.

Each is source text: a test writes it to a temporary folder and runs it by
path, as a person would.
"""

from __future__ import annotations

from pathlib import Path

RAISERS = '''
"""Agents that raise: even ones divide by zero in a helper, odd ones give up."""
from dataclasses import dataclass

from scenarios import Scenario, State, World, param


@dataclass
class Params:
    agents: int = param(4, help="agents", min=1)


def helper(x):
    return 1 / x


async def agent(ctx):
    await ctx.sleep(1.0 + ctx.id)
    if ctx.id % 2:
        raise RuntimeError(f"agent {ctx.id} gives up")
    helper(0)


class Quiet(World):
    legend = (State("idle", (10, 10, 10)),)


def build(engine, params):
    world = Quiet(engine, 1, params.agents)
    for _ in range(params.agents):
        engine.spawn(agent, name=f"worker-{len(engine.agents)}")
    return world


SCENARIO = Scenario("raisers", "agents that raise", Params, build, default_duration=10)
'''

ASYNCIO = '''
"""An agent that awaits asyncio.sleep, as one might by habit."""
import asyncio
from dataclasses import dataclass

from scenarios import Scenario, State, World, param


@dataclass
class Params:
    agents: int = param(2, help="agents", min=1)


async def agent(ctx):
    await ctx.sleep(0.5)
    await asyncio.sleep(1)


def build(engine, params):
    world = World(engine, 1, params.agents)
    for _ in range(params.agents):
        engine.spawn(agent)
    return world


SCENARIO = Scenario("habits", "asyncio by habit", Params, build, default_duration=5)
'''

# A scenario with one knob that breaks a contract: BROKEN.replace("MODE", "none" | "states" | "metrics").
BROKEN = '''
from dataclasses import dataclass

from scenarios import Scenario, State, World, param


def parse_mode(text):
    """none, states, metrics or fine"""
    return {"none": "none", "states": "states", "metrics": "metrics", "fine": "fine"}[text]


@dataclass
class Params:
    mode: str = param("MODE", help="what to break", parse=parse_mode)


class Two(World):
    legend = (State("a", (1, 1, 1)), State("b", (2, 2, 2)))

    def __init__(self, engine, mode):
        super().__init__(engine, 1, 3)
        self.mode = mode

    def metrics(self):
        return [1, 2] if self.mode == "metrics" else {"fine": 1}


async def agent(ctx, world):
    await ctx.sleep(1.0)
    if world.mode == "states":
        world.cells[ctx.id] = 7


def build(engine, params):
    if params.mode == "none":
        return None
    world = Two(engine, params.mode)
    for _ in range(3):
        engine.spawn(agent, world)
    return world


SCENARIO = Scenario("broken", "breaks a contract", Params, build, default_duration=3)
'''

# A world that is done at t = 5 while its agents would go on ticking; STOP is "True" or "False".
DONE_AT_FIVE = """
from dataclasses import dataclass

from scenarios import Scenario, World, param


@dataclass
class Params:
    agents: int = param(3, help="agents", min=1)


class Ticks(World):
    def __init__(self, engine):
        super().__init__(engine, 1, 3)
        self.ticks = 0

    @property
    def done(self):
        return self.ticks >= 15

    def progress(self):
        return self.ticks / 15

    def metrics(self):
        return {"ticks": self.ticks}


async def agent(ctx, world):
    while True:
        await ctx.sleep(1.0)
        world.ticks += 1
        if world.done and STOP:
            ctx.engine.stop()


def build(engine, params):
    world = Ticks(engine)
    for _ in range(params.agents):
        engine.spawn(agent, world)
    return world


SCENARIO = Scenario("ticks", "done at t=5", Params, build, stops_itself=True)
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.py"
    path.write_text(text)
    return path
