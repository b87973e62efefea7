"""The kernel: virtual time, ordering, spawning, running, timers and determinism."""

from __future__ import annotations

import asyncio
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import Engine, Event
from tests.engine.conftest import Recorder


async def sleeper(ctx, delays: list[float], log: list) -> None:
    for d in delays:
        await ctx.sleep(d)
        log.append((ctx.now, ctx.id))


def test_sleeps_wake_in_time_order(engine: Engine) -> None:
    log: list = []
    engine.spawn(sleeper, [3.0], log)
    engine.spawn(sleeper, [1.0, 1.5], log)
    engine.spawn(sleeper, [0.5], log)
    engine.run()
    assert log == [(0.5, 2), (1.0, 1), (2.5, 1), (3.0, 0)]
    assert engine.now == 3.0


def test_equal_times_wake_in_the_order_the_sleeps_began(engine: Engine) -> None:
    log: list = []
    # Agent 1 starts sleeping before agent 0 does (agent 0 first waits 0.5),
    # so at t=2 agent 1 is woken first although agent 0 was spawned first.
    engine.spawn(sleeper, [0.5, 1.5], log)
    engine.spawn(sleeper, [2.0], log)
    engine.spawn(sleeper, [2.0], log)
    engine.run()
    assert log == [(0.5, 0), (2.0, 1), (2.0, 2), (2.0, 0)]


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from([0.0, 0.25, 0.5, 1.0, 0.3, 0.7]), max_size=6), min_size=1, max_size=8),
    st.lists(st.sampled_from([0.0, 0.25, 0.6, 1.0, 2.0]), max_size=4),
    st.integers(1, 7),
)
def test_timers_fire_in_time_then_setting_order_whether_heap_or_lane(
    agents: list[list[float]], timers: list[float], slice_steps: int
) -> None:
    # Shared delays put many timers at one time (the lane), scattered ones go to the heap,
    # bounded slices push the next timer back: the order is always (time, order of setting).
    engine = Engine(seed=0)
    log: list = []
    setting: dict[tuple, int] = {}
    count = iter(range(10**6))

    async def agent(ctx, delays: list[float]) -> None:
        for i, d in enumerate(delays):
            setting[(ctx.id, i)] = next(count)
            await ctx.sleep(d)
            log.append((ctx.now, setting[(ctx.id, i)]))

    for delays in agents:
        engine.spawn(agent, delays)
    for t in timers:
        key = ("timer", t, next(count))
        engine.call_at(t, lambda key=key: log.append((key[1], key[2])))
    horizon = 0.0
    while not engine.kernel.idle:  # slices bounded in steps and in time
        engine.run(until=horizon, max_steps=slice_steps)
        horizon += 0.25
    assert log == sorted(log)
    assert len(log) == sum(map(len, agents)) + len(timers)


def test_agents_start_in_spawn_order_at_the_current_time(engine: Engine, rec: Recorder) -> None:
    order: list = []

    async def note(ctx) -> None:
        order.append((ctx.now, ctx.id, ctx.name))

    engine.spawn(note)
    engine.spawn(note, name="second")
    engine.run(until=4.0)
    engine.spawn(note)
    engine.run()
    assert order == [(0.0, 0, "agent-0"), (0.0, 1, "second"), (4.0, 2, "agent-2")]
    assert rec.rows("spawned", "ended") == [
        ("spawned", 0.0, 0, "agent-0"),
        ("spawned", 0.0, 1, "second"),
        ("ended", 0.0, 0, "ok"),
        ("ended", 0.0, 1, "ok"),
        ("spawned", 4.0, 2, "agent-2"),
        ("ended", 4.0, 2, "ok"),
    ]


def test_spawn_from_an_agent_runs_after_the_ready_ones(engine: Engine) -> None:
    order: list = []

    async def child(ctx) -> None:
        order.append(("child", ctx.now))

    async def parent(ctx) -> None:
        await ctx.sleep(1.0)
        ctx.engine.spawn(child)
        order.append(("parent", ctx.now))

    engine.spawn(parent)
    engine.run()
    assert order == [("parent", 1.0), ("child", 1.0)]


def test_spawn_rejects_a_plain_function(engine: Engine) -> None:
    def not_async(ctx) -> None:
        return None

    with pytest.raises(TypeError, match="async def"):
        engine.spawn(not_async)


def test_run_until_is_inclusive_and_moves_the_clock(engine: Engine) -> None:
    log: list = []
    engine.spawn(sleeper, [1.0, 1.0, 1.0], log)
    assert engine.run(until=2.0) == 3  # the first step at 0, wakes at 1 and 2
    assert log == [(1.0, 0), (2.0, 0)]
    assert engine.now == 2.0
    engine.run(until=2.5)
    assert engine.now == 2.5 and len(log) == 2
    engine.run(until=10.0)
    assert log[-1] == (3.0, 0)
    assert engine.now == 10.0  # nothing left before 10: the clock still gets there
    with pytest.raises(ValueError, match=r"until 5 is not valid: use a time >= now \(10\)"):
        engine.run(until=5)


def test_run_without_until_stops_when_idle_and_keeps_the_clock(engine: Engine) -> None:
    log: list = []
    engine.spawn(sleeper, [1.5], log)
    engine.run()
    assert engine.now == 1.5
    assert engine.kernel.idle


def test_max_steps_bounds_a_slice(engine: Engine) -> None:
    log: list = []
    for _ in range(3):
        engine.spawn(sleeper, [1.0], log)
    assert engine.run(max_steps=4) == 4
    assert log == [(1.0, 0)]
    assert engine.step() and len(log) == 2
    assert engine.run() == 1
    assert not engine.step()


@pytest.mark.parametrize("budget", [1, 255, 256, 257, 700])
def test_step_counts_and_horizons_hold_across_the_run_loops_chunks(engine: Engine, budget: int) -> None:
    """run() steps in chunks of 256: budgets, the horizon and stale timers straddle them exactly."""
    log: list = []
    for _ in range(300):
        engine.spawn(sleeper, [1.0, 1.0, 1.0], log)  # 300 x 4 steps, at times 0, 1, 2, 3
    taken = engine.run(until=2.0, max_steps=budget)
    assert taken == min(budget, 900)
    assert engine.kernel.steps == taken
    rest = engine.run(until=2.0)
    assert taken + rest == 900 and engine.now == 2.0
    assert len(log) == 600 and log[-1] == (2.0, 299)
    assert engine.run() == 300 and engine.now == 3.0


def test_sleep_forever_ends_only_by_cancel(engine: Engine, rec: Recorder) -> None:
    async def forever(ctx) -> None:
        await ctx.sleep(math.inf)

    agent = engine.spawn(forever)
    engine.run()
    assert engine.now == 0.0 and not agent.done
    assert engine.kernel.idle and engine.kernel.next_time() == math.inf
    engine.run(until=3.0)
    engine.cancel(agent)
    engine.run()
    assert rec.rows("ended") == [("ended", 3.0, 0, "cancelled")]


def test_negative_or_nan_sleep_fails_the_agent_with_a_clear_message(engine: Engine) -> None:
    async def bad(ctx, d: float) -> None:
        await ctx.sleep(d)

    a = engine.spawn(bad, -1.0)
    b = engine.spawn(bad, math.nan)
    engine.run()
    assert isinstance(a.error, ValueError)
    assert str(a.error) == "sleep delay -1.0 is not valid: use a number of seconds >= 0"
    assert "nan" in str(b.error)


def test_awaiting_a_foreign_awaitable_fails_the_agent_clearly(engine: Engine, rec: Recorder) -> None:
    async def uses_asyncio(ctx) -> None:
        await asyncio.sleep(0)

    class Foreign:
        def __await__(self):
            yield "something"

    async def uses_foreign(ctx) -> None:
        await ctx.sleep(1.0)
        await Foreign()

    a = engine.spawn(uses_asyncio)
    b = engine.spawn(uses_foreign)
    engine.run()
    for agent in (a, b):
        assert isinstance(agent.error, TypeError)
        assert "awaited something foreign to the engine" in str(agent.error)
        assert "ctx.sleep(seconds)" in str(agent.error)
        assert repr(agent.name) in str(agent.error)
    assert rec.rows("failed") == [("failed", 0.0, 0, "TypeError"), ("failed", 1.0, 1, "TypeError")]


def test_call_at_runs_callbacks_at_their_times_in_order(engine: Engine) -> None:
    seen: list = []
    engine.call_at(2.0, lambda: seen.append(("b", engine.now)))
    engine.call_at(1.0, lambda: seen.append(("a", engine.now)))
    engine.call_at(2.0, lambda: seen.append(("c", engine.now)))
    cancelled = engine.call_at(1.5, lambda: seen.append(("x", engine.now)))
    cancelled.cancel()
    engine.run(until=1.0)
    engine.call_at(0.5, lambda: seen.append(("late", engine.now)))  # in the past: runs now
    engine.run()
    assert seen == [("a", 1.0), ("late", 1.0), ("b", 2.0), ("c", 2.0)]
    with pytest.raises(ValueError, match="time nan is not valid"):
        engine.call_at(math.nan, lambda: None)


def test_call_every_keeps_a_drift_free_period_and_stops_when_cancelled(engine: Engine) -> None:
    seen: list[float] = []
    handle = engine.call_every(0.1, lambda: seen.append(engine.now), start=1.0)
    engine.run(until=1.35)
    assert seen == [1.0, 1.0 + 0.1, 1.0 + 2 * 0.1, 1.0 + 3 * 0.1]
    handle.cancel()
    engine.run(until=3.0)
    assert len(seen) == 4
    with pytest.raises(ValueError, match="interval 0 is not valid: use a number of seconds > 0"):
        engine.call_every(0, lambda: None)


def test_call_every_can_be_cancelled_from_its_own_callback(engine: Engine) -> None:
    seen: list[float] = []

    def tick() -> None:
        seen.append(engine.now)
        if len(seen) == 3:
            handle.cancel()

    handle = engine.call_every(1.0, tick)
    engine.run(until=10.0)
    assert seen == [0.0, 1.0, 2.0]


def test_a_failing_timer_callback_is_the_callers_error(engine: Engine) -> None:
    def boom() -> None:
        raise RuntimeError("observer bug")

    engine.call_at(1.0, boom)
    with pytest.raises(RuntimeError, match="observer bug"):
        engine.run()


async def random_worker(ctx) -> None:
    """Five rounds of random think and random governed work, from the agent's own stream."""
    for _ in range(5):
        await ctx.sleep(ctx.random.expovariate(1.0))
        async with ctx.task("work"):
            await ctx.sleep(ctx.random.uniform(0.1, 0.5))


def workload(seed: int) -> tuple[list[tuple], float]:
    """A small random world; its trace depends only on the seed."""
    engine = Engine(seed=seed)
    rec = Recorder(engine)
    engine.concurrency("task:work", 2)

    for _ in range(6):
        engine.spawn(random_worker)
    engine.run()
    return rec.rows(), engine.now


def test_same_seed_same_trace_and_another_seed_differs() -> None:
    first, second, other = workload(3), workload(3), workload(4)
    assert first == second
    assert first != other
    assert len(first[0]) > 60


def test_two_engines_side_by_side_are_independent() -> None:
    alone, _ = workload(5)
    a, b = Engine(seed=5), Engine(seed=9)
    rec_a, rec_b = Recorder(a), Recorder(b)
    for e in (a, b):
        e.concurrency("task:work", 2)

    for _ in range(6):
        a.spawn(random_worker)
        b.spawn(random_worker)
    # Interleave the two runs in small slices: neither sees the other.
    while a.step() | b.step():
        pass
    assert rec_a.rows() == alone
    assert rec_b.rows() == workload(9)[0]


def test_agent_random_streams_are_seeded_per_agent_and_run() -> None:
    draws = []
    for seed in (1, 1, 2):
        engine = Engine(seed=seed)
        a, b = engine.spawn(sleeper, [], []), engine.spawn(sleeper, [], [])
        engine.run()
        draws.append((a.random.random(), b.random.random()))
    assert draws[0] == draws[1]
    assert draws[0][0] != draws[0][1]
    assert draws[0] != draws[2]


def test_bad_seed_is_rejected() -> None:
    with pytest.raises(ValueError, match="seed -1 is not valid: use a whole number >= 0"):
        Engine(seed=-1)


def test_events_are_counted_whether_or_not_anyone_listens() -> None:
    quiet, loud = Engine(seed=1), Engine(seed=1)
    seen: list[Event] = []
    loud.subscribe(Event, seen.append)
    for e in (quiet, loud):
        e.concurrency("task:w", 1)

        async def one(ctx) -> None:
            async with ctx.task("w"):
                await ctx.sleep(1)

        e.spawn(one)
        e.spawn(one)
        e.run()
    assert quiet.events_emitted == loud.events_emitted == len(seen) == 10


def test_run_until_infinity_runs_everything_and_keeps_the_last_time(engine: Engine) -> None:
    log: list = []
    engine.spawn(sleeper, [1.0, 2.0], log)
    engine.run(until=math.inf)
    assert log == [(1.0, 0), (3.0, 0)] and engine.now == 3.0


def test_closing_an_engine_discards_agents_that_never_ran_without_warnings() -> None:
    import gc
    import warnings

    engine = Engine(seed=1)

    async def idle(ctx) -> None:
        await ctx.sleep(1.0)

    ran, never = engine.spawn(idle), engine.spawn(idle)
    engine.run(max_steps=1)
    engine.close()
    assert engine.agents == [ran, never]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del engine, ran, never
        gc.collect()
    assert [str(w.message) for w in caught] == []
