"""Engine.stop_when ends a run at the instant that made its predicate true, whatever the slice."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from engine import Engine


def ticking(engine: Engine, seen: list[tuple[float, int]], asked: list[float], done_at: float) -> None:
    """Three agents tick every 0.5 s for 5 s; the predicate is true from ``done_at`` on."""

    async def tick(ctx, i: int) -> None:
        for _ in range(10):
            await ctx.sleep(0.5)
            seen.append((ctx.now, i))

    for i in range(3):
        engine.spawn(tick, i)

    def done() -> bool:
        asked.append(engine.now)
        return engine.now >= done_at

    engine.stop_when(done)


def test_the_run_ends_after_the_whole_instant_that_made_it_done_and_then_goes_on() -> None:
    engine, seen, asked = Engine(0), [], []
    ticking(engine, seen, asked, 1.5)
    assert engine.run(until=10.0) == 12  # three starts and nine ticks
    assert (engine.now, engine.kernel.stopped) == (1.5, True)
    assert seen[-3:] == [(1.5, 0), (1.5, 1), (1.5, 2)]
    assert asked == [0.0, 0.5, 1.0, 1.5]  # once per instant, as the clock is about to leave it
    # Spent once true, like stop(): a later run goes on to its end.
    assert engine.run(until=10.0) == 21
    assert (engine.now, engine.kernel.stopped, asked) == (10.0, False, [0.0, 0.5, 1.0, 1.5])


def test_done_as_the_events_run_out_leaves_the_clock_at_the_last_instant() -> None:
    engine, seen, asked = Engine(0), [], []
    ticking(engine, seen, asked, 5.0)
    engine.run(until=20.0)
    assert (engine.now, engine.kernel.stopped) == (5.0, True)
    again, _, _ = Engine(0), [], []
    ticking(again, [], [], 99.0)  # never done: the clock moves to the horizon as ever
    again.run(until=20.0)
    assert (again.now, again.kernel.stopped) == (20.0, False)


@settings(max_examples=40, deadline=None)
@given(slice_steps=st.integers(1, 40), done_at=st.sampled_from([0.5, 1.0, 2.5, 4.5]))
def test_any_slicing_ends_at_the_same_instant_with_the_same_events(slice_steps: int, done_at: float) -> None:
    whole, sliced = Engine(3), Engine(3)
    events_whole: list[tuple[float, int]] = []
    events_sliced: list[tuple[float, int]] = []
    ticking(whole, events_whole, [], done_at)
    ticking(sliced, events_sliced, [], done_at)
    whole.run(until=10.0)
    while sliced.run(until=10.0, max_steps=slice_steps) == slice_steps and not sliced.kernel.stopped:
        pass
    assert sliced.now == whole.now == done_at
    assert events_sliced == events_whole
    assert sliced.kernel.steps == whole.kernel.steps
