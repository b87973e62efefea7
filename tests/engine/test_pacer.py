"""The pacer against a fake wall clock: speed, pause, slice budgets, backlog and honesty."""

from __future__ import annotations

import pytest

from engine import Engine, Pacer
from tests.engine.conftest import Recorder


class FakeClock:
    """Wall time that moves only when told, plus ``tick`` seconds per reading."""

    def __init__(self) -> None:
        self.t = 0.0
        self.tick = 0.0

    def __call__(self) -> float:
        now = self.t
        self.t += self.tick
        return now


async def ticker(ctx, step: float) -> None:
    while True:
        await ctx.sleep(step)


def paced(speed: float = 1.0, step: float = 0.25, slice_steps: int = 500) -> tuple[Engine, Pacer, FakeClock]:
    engine = Engine()
    engine.spawn(ticker, step)
    clock = FakeClock()
    return engine, Pacer(engine, speed=speed, clock=clock, slice_steps=slice_steps), clock


def test_virtual_time_follows_the_wall_clock_at_the_speed() -> None:
    engine, pacer, clock = paced(speed=2.0)
    clock.t = 1.0
    assert pacer.advance(budget=1.0) == 9  # the first step, then wakes at 0.25 .. 2.0
    assert engine.now == 2.0
    clock.t = 1.5
    pacer.advance(budget=1.0)
    assert engine.now == 3.0
    assert pacer.status().achieved == 2.0 and pacer.status().lag == 0.0


def test_pause_stops_virtual_time_and_resume_continues_from_now() -> None:
    engine, pacer, clock = paced(speed=2.0)
    clock.t = 1.0
    pacer.advance(1.0)
    assert pacer.toggle() is True and pacer.status().paused
    clock.t = 3.0
    assert pacer.advance(1.0) == 0 and engine.now == 2.0
    assert pacer.step() and engine.now == 2.25  # single steps while paused
    pacer.resume()
    clock.t = 4.0
    pacer.advance(1.0)
    assert engine.now == 4.25


def test_changing_speed_reanchors() -> None:
    engine, pacer, clock = paced(speed=1.0)
    clock.t = 2.0
    pacer.advance(1.0)
    pacer.speed = 4.0
    clock.t = 2.5
    pacer.advance(1.0)
    assert engine.now == 4.0


def test_a_frame_stops_when_its_wall_budget_is_spent_and_the_backlog_is_capped() -> None:
    engine, pacer, clock = paced(speed=10.0, step=0.001, slice_steps=5)
    clock.t = 1.0
    clock.tick = 0.01  # every clock reading costs 10 ms of wall time
    # Start at 1.00; after one slice 1.01 < 1.015 so one more; after it 1.02: stop.
    assert pacer.advance(budget=0.015) == 10
    assert engine.now == pytest.approx(0.009)
    # Ten virtual seconds were due; only half a wall second's worth is kept as lag.
    assert pacer.status().lag == 10.0 * 0.5


def test_achieved_speed_is_reported_honestly_when_the_model_lags() -> None:
    engine, pacer, clock = paced(speed=100.0, step=0.01, slice_steps=10)
    clock.tick = 0.02  # one slice per frame fits in the budget
    for frame in range(1, 5):
        clock.t = 0.25 * frame
        pacer.advance(budget=0.01)
    status = pacer.status()
    assert status.speed == 100.0
    assert status.achieved == pytest.approx(0.1 / 0.25)  # ten steps of 0.01 per 0.25 s
    assert status.lag == 100.0 * 0.5
    assert engine.now == pytest.approx(0.39)  # the first slice began with the agent's first step


def test_pacing_never_changes_what_happens() -> None:
    def world() -> tuple[Engine, Recorder]:
        engine = Engine(seed=3)
        rec = Recorder(engine)
        engine.concurrency("task:work", 2)

        async def worker(ctx) -> None:
            for _ in range(4):
                await ctx.sleep(ctx.random.expovariate(2.0))
                async with ctx.task("work"):
                    await ctx.sleep(ctx.random.expovariate(4.0))

        for _ in range(5):
            engine.spawn(worker)
        return engine, rec

    straight, rec_straight = world()
    straight.run()
    slow, rec_slow = world()
    clock = FakeClock()
    pacer = Pacer(slow, speed=3.0, clock=clock, slice_steps=3)
    clock.tick = 0.004
    while not slow.kernel.idle:
        clock.t += 0.05
        pacer.advance(budget=0.01)
    assert rec_slow.rows() == rec_straight.rows()


@pytest.mark.parametrize("speed", [0, -1.0, float("inf"), True])
def test_bad_speed_is_rejected(speed: float) -> None:
    with pytest.raises(ValueError, match="is not valid: use a number of virtual seconds per wall second > 0"):
        Pacer(Engine(), speed=speed)


def test_bad_slice_is_rejected() -> None:
    with pytest.raises(ValueError, match="slice_steps 0 is not valid: use a whole number >= 1"):
        Pacer(Engine(), slice_steps=0)
