"""Pausing, stepping, speed changes and frame rate never change what a run does."""

from __future__ import annotations

import asyncio

import numpy as np

from engine import Engine
from observatory.tui import ObservatoryApp
from tests.observatory.tiny_scenario import defaults, traced

END = 80.0


def test_a_paced_paused_stepped_run_ends_like_an_unpaced_one() -> None:
    async def run() -> ObservatoryApp:
        app = ObservatoryApp(traced(), defaults(), seed=5, speed=4.0, frame_rate=10)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(0.2)
            app.select(3)  # the inspector's watch listens to every event meanwhile
            await pilot.press("space", "full_stop", "full_stop", "plus", "plus", "space")
            await pilot.pause(0.2)
            await pilot.press("minus", "space")
            assert app.pacer.paused and 0 < app.engine.now < END
            app.engine.run(until=END)
        return app

    app = asyncio.run(run())
    engine = Engine(5)
    world = traced().build(engine, defaults())
    engine.run(until=END)
    assert app.world.trace == world.trace
    assert np.array_equal(app.world.state, world.state)
    assert app.world.metrics() == world.metrics()
