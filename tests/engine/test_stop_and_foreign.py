"""Engine.stop ends a run at the event that asked, and asyncio awaits fail with a useful message."""

from __future__ import annotations

import asyncio

from hypothesis import given, settings
from hypothesis import strategies as st

from engine import AgentFailed, Engine


def ticking(engine: Engine, seen: list, stop_at: tuple[float, int] | None) -> None:
    async def tick(ctx, i: int) -> None:
        for _ in range(3):
            await ctx.sleep(1.0)
            seen.append((ctx.now, i))
            if (ctx.now, i) == stop_at:
                ctx.engine.stop()

    for i in range(3):
        engine.spawn(tick, i)


def test_stop_ends_the_run_right_after_the_step_that_asked() -> None:
    engine, seen = Engine(0), []
    ticking(engine, seen, (2.0, 1))
    assert engine.run(until=10.0) == 8
    assert (engine.now, engine.kernel.stopped) == (2.0, True)
    assert seen == [(1.0, 0), (1.0, 1), (1.0, 2), (2.0, 0), (2.0, 1)]
    # The next run goes on from there: nothing was lost.
    assert engine.run(until=10.0) == 4
    assert (engine.now, engine.kernel.stopped) == (10.0, False)
    assert seen[5:] == [(2.0, 2), (3.0, 0), (3.0, 1), (3.0, 2)]


def test_a_stopped_run_gives_the_same_events_as_one_that_is_not() -> None:
    plain, stopped = [], []
    a, b = Engine(1), Engine(1)
    ticking(a, plain, None)
    ticking(b, stopped, (1.0, 2))
    a.run()
    while b.run():
        pass
    assert plain == stopped
    assert a.kernel.steps == b.kernel.steps


def test_stop_between_runs_makes_the_next_run_return_at_once() -> None:
    engine, seen = Engine(0), []
    ticking(engine, seen, None)
    engine.stop()
    engine.stop()  # twice is once
    assert engine.run() == 0
    assert engine.kernel.stopped and engine.now == 0.0 and seen == []
    assert engine.run() == 12


def test_a_timer_callback_can_stop_the_run() -> None:
    engine, seen = Engine(0), []
    ticking(engine, seen, None)
    engine.call_at(2.0, engine.stop)
    engine.run()
    assert engine.now == 2.0 and engine.kernel.stopped
    assert seen == [(1.0, 0), (1.0, 1), (1.0, 2)]


def test_awaiting_asyncio_fails_the_agent_naming_ctx_sleep() -> None:
    engine = Engine(0)
    failed: list[AgentFailed] = []
    engine.subscribe(AgentFailed, failed.append)

    async def sleeps_asyncio(ctx) -> None:
        await ctx.sleep(0.5)
        await asyncio.sleep(1)

    async def awaits_a_future(ctx) -> None:
        await asyncio.get_event_loop_policy().new_event_loop().create_future()

    async def fine(ctx) -> None:
        await ctx.sleep(2.0)

    engine.spawn(sleeps_asyncio, name="sleepy")
    engine.spawn(awaits_a_future, name="futures")
    ok = engine.spawn(fine)
    engine.run()
    assert [(ev.time, ev.agent, type(ev.error)) for ev in failed] == [
        (0.0, 1, TypeError),
        (0.5, 0, TypeError),
    ]
    for ev in failed:
        assert "ctx.sleep(seconds)" in str(ev.error)
        assert engine.agents[ev.agent].error is ev.error
    assert "'sleepy' awaited asyncio (RuntimeError: no running event loop)" in str(failed[1].error)
    assert isinstance(failed[1].error.__cause__, RuntimeError)
    assert ok.done and ok.error is None and engine.now == 2.0


def test_other_runtime_errors_are_left_as_they_are() -> None:
    engine = Engine(0)

    async def raises(ctx) -> None:
        raise RuntimeError("the model's own error")

    agent = engine.spawn(raises)
    engine.run()
    assert type(agent.error) is RuntimeError and str(agent.error) == "the model's own error"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(0.0, 3.0, allow_nan=False), min_size=1, max_size=6),
    st.lists(st.integers(0, 40), max_size=4),
)
def test_stopping_anywhere_and_going_on_gives_the_same_run(
    delays: list[float], stops_after: list[int]
) -> None:
    def world(engine: Engine, seen: list) -> None:
        async def agent(ctx, delay: float) -> None:
            for _ in range(4):
                await ctx.sleep(delay)
                seen.append((ctx.now, ctx.id))
                if len(seen) in stops_after:
                    ctx.engine.stop()

        for delay in delays:
            engine.spawn(agent, delay)

    plain, stopped = [], []
    a, b = Engine(0), Engine(0)
    stops_after_plain = list(stops_after)
    stops_after.clear()  # the plain run never stops
    world(a, plain)
    a.run(until=50.0)
    stops_after.extend(stops_after_plain)
    world(b, stopped)
    runs = 0
    while True:
        b.run(until=50.0)
        runs += 1
        if not b.kernel.stopped:
            break
    assert stopped == plain
    assert b.now == a.now == 50.0 and b.kernel.steps == a.kernel.steps
    assert runs == 1 + len({k for k in stops_after if 1 <= k <= len(plain)})
