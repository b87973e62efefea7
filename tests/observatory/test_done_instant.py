"""A user world that becomes done ends its run at that very instant, headless, in the TUI, and in replay.

The world below never calls ``engine.stop()``: the engine asks its ``done``
once per instant. Its agents keep moving after the epidemic is over, so
without that a run would end only at the next slice of 20,000 steps.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from engine import Engine
from observatory.cli import main
from observatory.headless import SLICE_STEPS
from observatory.history import History
from observatory.runfile import RunWriter
from observatory.tui import ObservatoryApp
from observatory.tui.app import finish
from scenarios.params import parse_params
from scenarios.registry import load

# A chain epidemic: agent k is infected at 1.5 k and recovers 1.5 s later, so the last
# of 90 recovers at exactly t = 135.0; every agent then wanders every 1/16 s forever.
SIR = """
from dataclasses import dataclass

from scenarios import Scenario, State, World, param


@dataclass(frozen=True)
class Params:
    agents: int = param(90, help="people in the chain", min=1)


class Epidemic(World):
    legend = (
        State("susceptible", (40, 60, 110)),
        State("infected", (220, 50, 47)),
        State("recovered", (240, 240, 240)),
    )

    def __init__(self, engine, agents):
        super().__init__(engine, 9, 10, used=agents)
        self.agents = agents
        self.infected = self.recovered = 0

    @property
    def done(self):
        return self.recovered == self.agents

    def progress(self):
        return self.recovered / self.agents

    def metrics(self):
        return {"infected": self.infected, "recovered": self.recovered}


async def person(ctx, world):
    await ctx.sleep(1.5 * ctx.id)
    world.cells[ctx.id] = 1
    world.infected += 1
    await ctx.sleep(1.5)
    world.cells[ctx.id] = 2
    world.infected -= 1
    world.recovered += 1
    while True:
        await ctx.sleep(0.0625)


def build(engine, params):
    world = Epidemic(engine, params.agents)
    for _ in range(params.agents):
        engine.spawn(person, world)
    return world


SCENARIO = Scenario("sir", "A chain epidemic that ends at t=135", Params, build, stops_itself=True)
"""

END = 135.0


def sir_file(tmp_path: Path) -> Path:
    path = tmp_path / "sir.py"
    path.write_text(SIR)
    return path


def metrics_of(path: Path) -> dict:
    record = json.loads(path.read_text())
    record.pop("wall_time")
    return record


def test_headless_metrics_are_those_of_the_instant_that_made_the_world_done(tmp_path: Path) -> None:
    script, out, again = sir_file(tmp_path), tmp_path / "m.json", tmp_path / "again.json"
    record_file = tmp_path / "run.jsonl"
    args = ["run", str(script), "--headless", "--metrics-out", str(out), "--record", str(record_file)]
    assert main(args) == 0
    record = metrics_of(out)
    assert (record["sim_time"], record["recovered"], record["infected"]) == (END, 90, 0)
    # Several slices of 20,000 steps ran: the end is not a slice boundary.
    engine = Engine(0)
    scenario = load(str(script))
    scenario.build(engine, parse_params(scenario.params, {}))
    engine.run()
    assert engine.now == END and engine.kernel.stopped and engine.kernel.steps > 4 * SLICE_STEPS
    assert main(["replay", str(record_file), "--headless", "--metrics-out", str(again)]) == 0
    assert metrics_of(again) == record


def test_the_tui_pacer_stops_at_that_instant_too_and_its_record_replays(tmp_path: Path) -> None:
    script, out = sir_file(tmp_path), tmp_path / "replayed.json"
    scenario = load(str(script))
    params = parse_params(scenario.params, {})
    record_file = tmp_path / "tui.jsonl"
    writer = RunWriter(record_file, scenario, params, 0)
    # The pacer slices by wall time, 500 steps at most: its slices end anywhere.
    app = ObservatoryApp(scenario, params, 0, speed=400.0, frame_rate=30, history=History(recorder=writer))

    async def run() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(600):  # until the world is done and the app has paused (a few seconds)
                await pilot.pause(0.05)
                if app.world.done and app.pacer.paused:
                    break
            assert app.engine.now == END
            await pilot.press("q")

    asyncio.run(run())
    record = finish(app)
    writer.close()
    assert (record["sim_time"], record["recovered"]) == (END, 90)
    assert main(["replay", str(record_file), "--headless", "--metrics-out", str(out)]) == 0
    expected = json.loads(json.dumps(record))
    expected.pop("wall_time")
    assert metrics_of(out) == expected
