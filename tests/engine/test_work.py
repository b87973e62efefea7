"""ctx.work: a timed governed task in one await, event for event like async with + sleep."""

from __future__ import annotations

import pytest

from engine import AgentStarted, Engine, Event, TaskFinished, TaskStarted
from tests.engine.conftest import Recorder


async def with_block(ctx, start: float, hold: float) -> None:
    await ctx.sleep(start)
    async with ctx.task("work"):
        if hold:  # work(name, 0) does not yield: a task around no sleep at all
            await ctx.sleep(hold)


async def with_work(ctx, start: float, hold: float) -> None:
    await ctx.sleep(start)
    await ctx.work("work", hold)


def trace(agent_fn, limit: int | None, cancel_at: float | None = None) -> tuple[list[tuple], int]:
    engine = Engine(seed=3)
    rec = Recorder(engine)
    if limit is not None:
        engine.concurrency("task:work", limit)
    for i, hold in enumerate([1.0, 0.0, 0.5, 0.0, 2.0]):
        engine.spawn(agent_fn, 0.25 * (i % 2), hold)
    if cancel_at is not None:
        engine.call_at(cancel_at, lambda: [engine.cancel(a) for a in (2, 4)])
    engine.run()
    return rec.rows(), engine.events_emitted


@pytest.mark.parametrize("limit", [None, 1, 2])
@pytest.mark.parametrize("cancel_at", [None, 0.25, 1.5])
def test_work_gives_the_same_events_as_a_task_around_a_sleep(
    limit: int | None, cancel_at: float | None
) -> None:
    # Cancels hit tasks that wait for a slot (0.25) or run (1.5).
    assert trace(with_work, limit, cancel_at) == trace(with_block, limit, cancel_at)


def test_an_ungoverned_unwatched_instant_task_is_only_counted() -> None:
    engine = Engine(seed=0)

    async def agent(ctx) -> None:
        for _ in range(3):
            await ctx.work("compute")

    engine.spawn(agent)
    steps = engine.run()
    assert steps == 1  # never parked
    assert engine.events_emitted == 1 + 6 + 1  # spawned, 3 x (started, finished), ended


def test_an_instant_task_is_reported_when_watched_or_governed(engine: Engine, rec: Recorder) -> None:
    async def agent(ctx) -> None:
        await ctx.work("compute")
        await ctx.sleep(1.0)
        await ctx.work("compute", 0.0)

    engine.spawn(agent)
    engine.run()
    assert rec.tasks() == [
        ("started", 0.0, 0, "compute", 0.0),
        ("finished", 0.0, 0, "compute", "ok", 0.0),
        ("started", 1.0, 0, "compute", 0.0),
        ("finished", 1.0, 0, "compute", "ok", 0.0),
    ]
    finished: list[TaskFinished] = []
    governed = Engine(seed=0)
    governed.concurrency("task:compute", 1)
    governed.subscribe(TaskFinished, finished.append)
    governed.spawn(agent)
    governed.run()
    assert [(ev.time, ev.status) for ev in finished] == [(0.0, "ok"), (1.0, "ok")]


def test_a_negative_or_nan_duration_is_refused(engine: Engine) -> None:
    errors: list[str] = []

    async def agent(ctx) -> None:
        for duration in (-1.0, float("nan")):
            try:
                await ctx.work("compute", duration)
            except ValueError as error:
                errors.append(str(error))

    engine.spawn(agent)
    engine.run()
    assert errors == [
        "work duration -1.0 is not valid: use a number of seconds >= 0",
        "work duration nan is not valid: use a number of seconds >= 0",
    ]


def test_an_ungoverned_unwatched_timed_task_counts_its_events_when_they_happen() -> None:
    # Nothing watches at first: ctx.work takes its counted path, async with + sleep the full one.
    seen = []
    for agent_fn in (with_block, with_work):
        engine = Engine(seed=3)
        for i, hold in enumerate([1.0, 0.0, 0.5, 0.0, 2.0]):
            engine.spawn(agent_fn, 0.25 * (i % 2), hold)
        finished: list[TaskFinished] = []
        engine.call_at(0.6, lambda e=engine, f=finished: e.subscribe(TaskFinished, f.append))
        engine.call_at(1.5, lambda e=engine: e.cancel(4))
        engine.run(until=0.3)
        midway = engine.events_emitted
        engine.run()
        ends = [(ev.time, ev.agent, ev.task, ev.status, ev.duration) for ev in finished]
        seen.append((midway, engine.events_emitted, ends))
    assert seen[0] == seen[1]
    assert seen[1][2] == [(1.0, 0, "work", "ok", 1.0), (1.5, 4, "work", "cancelled", 1.5)]


@pytest.mark.parametrize("agent_fn", [with_block, with_work])
def test_a_limit_set_while_unwatched_tasks_run_counts_them(agent_fn) -> None:
    """Tasks that began with nothing governing them still hold a slot of a limit set meanwhile."""
    engine = Engine(seed=3)
    for _ in range(4):
        engine.spawn(agent_fn, 0.0, 2.0)  # four tasks running from 0 to 2
    engine.call_at(1.0, lambda: engine.concurrency("task:work", 2))
    for _ in range(2):
        engine.spawn(agent_fn, 1.5, 1.0)  # must wait until only one of the four runs
    started: list[float] = []
    engine.call_at(1.25, lambda: engine.subscribe(TaskStarted, lambda ev: started.append(ev.time)))
    engine.run(until=1.75)
    c = engine.constraint("task:work", "concurrency")
    assert (c.statistics().running, c.statistics().waiting) == (4, 2)
    engine.run()
    assert started == [2.0, 2.0]  # both start when the four end and free the slots
    assert c.statistics().running == 0


def test_the_governor_is_quiet_only_while_nothing_governs_or_watches_tasks() -> None:
    """``Governor.quiet`` (ctx.work's one test for its counted path) follows every change."""
    engine = Engine(seed=0)
    governor = engine.governor
    assert governor.quiet
    stop_agents = engine.subscribe(AgentStarted, lambda ev: None)
    assert governor.quiet  # agent events are not task events
    for event_type in (TaskStarted, TaskFinished, Event):
        stop = engine.subscribe(event_type, lambda ev: None)
        assert not governor.quiet
        stop()
        assert governor.quiet
    stop_agents()
    engine.pause("task:work")
    assert not governor.quiet
    engine.resume("task:work")
    assert governor.quiet
    engine.concurrency("task:work", 1, ttl=1.0)
    assert not governor.quiet
    engine.run()  # the limit expires
    assert governor.quiet


@pytest.mark.parametrize("agent_fn", [with_block, with_work])
def test_limits_set_and_removed_between_counted_tasks_count_each_task_once(agent_fn) -> None:
    """The counted path reuses its Task; one a limit took hold of is not reused."""

    async def agent(ctx) -> None:
        for _ in range(4):
            await agent_fn(ctx, 0.0, 1.0)

    engine = Engine(seed=0)
    engine.spawn(agent)
    engine.call_at(1.5, lambda: engine.concurrency("task:work", 1))  # the 2nd task holds it
    engine.call_at(2.5, lambda: engine.remove("task:work", "concurrency"))
    engine.call_at(3.5, lambda: engine.concurrency("task:work", 2))  # the 4th task holds it
    engine.run(until=1.75)
    first = engine.constraint("task:work", "concurrency")
    assert first.statistics().running == 1
    engine.run(until=3.75)
    second = engine.constraint("task:work", "concurrency")
    assert second.statistics().running == 1
    engine.run()
    assert (first.held, second.held, engine.events_emitted) == (0, 0, 1 + 3 + 8 + 1)


@pytest.mark.parametrize("agent_fn", [with_block, with_work])
def test_errors_around_a_counted_task_reach_the_agent(agent_fn) -> None:
    """A watcher come meanwhile that raises, and the agent's own error after the task, as with async with."""
    caught: list[str] = []

    async def agent(ctx, fail: bool) -> None:
        try:
            await agent_fn(ctx, 0.0, 1.0)
        except RuntimeError as error:
            caught.append(f"{ctx.id} {error} at {ctx.now:g}")
        if fail:
            raise ValueError("after the task")

    def watcher(ev: TaskFinished) -> None:
        if ev.agent == 0:
            raise RuntimeError("watcher")

    def cancelled_watcher(ev: TaskFinished) -> None:
        if ev.status == "cancelled":
            raise RuntimeError(ev.status)

    engine = Engine(seed=0)
    for fail in (False, True, False):
        engine.spawn(agent, fail)
    engine.call_at(0.5, lambda: engine.subscribe(TaskFinished, watcher))
    engine.call_at(0.5, lambda: engine.subscribe(TaskFinished, cancelled_watcher))
    engine.call_at(0.75, lambda: engine.cancel(2))
    engine.run()
    assert caught == ["2 cancelled at 0.75", "0 watcher at 1"]
    assert [type(a.error).__name__ for a in engine.agents] == ["NoneType", "ValueError", "NoneType"]
    assert engine.events_emitted == 3 + 6 + 3
