"""Timeouts on governed waits: exact event orders for each way a wait can end."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import Cancelled, Engine, TaskTimeout
from tests.engine.conftest import Recorder, worker


async def impatient(ctx, delay: float, timeout: float, hold: float, log: list, name: str = "work") -> None:
    """Sleep ``delay``, then try the task with ``timeout``; log how it went."""
    await ctx.sleep(delay)
    try:
        async with ctx.task(name, timeout=timeout):
            log.append(("started", ctx.now))
            await ctx.sleep(hold)
    except TaskTimeout as error:
        log.append(("timed out", ctx.now, str(error)))


def test_timeout_on_a_concurrency_limit_leaves_the_queue(engine: Engine, rec: Recorder) -> None:
    engine.concurrency("task:work", 1)
    log: list = []
    engine.spawn(worker, 0.0, 2.0)
    engine.spawn(impatient, 0.5, 1.0, 1.0, log)
    engine.spawn(worker, 0.75, 1.0)
    engine.run()
    assert rec.tasks() == [
        ("started", 0.0, 0, "work", 0.0),
        ("blocked", 0.5, 1, "work"),
        ("blocked", 0.75, 2, "work"),
        ("finished", 1.5, 1, "work", "timeout", 0.0),
        ("finished", 2.0, 0, "work", "ok", 2.0),
        ("started", 2.0, 2, "work", 1.25),  # the next in line, as if agent 1 had never queued
        ("finished", 3.0, 2, "work", "ok", 1.0),
    ]
    assert log == [("timed out", 1.5, "task 'work' did not start within 1 s")]
    assert rec.rows("ended")[0] == ("ended", 1.5, 1, "ok")  # it caught TaskTimeout and went on


def test_timeout_on_a_rate_limit(engine: Engine, rec: Recorder) -> None:
    engine.rate_limit("task:work", "1/s", burst=1)
    log: list = []
    engine.spawn(worker, 0.0, 0.1)  # takes the only token at 0
    engine.spawn(impatient, 0.0, 0.5, 0.1, log)  # the next token comes at 1.0: too late
    engine.spawn(worker, 0.25, 0.1)
    engine.spawn(impatient, 0.25, 2.0, 0.1, log)  # patient enough for the token at 2.0
    engine.run()
    assert rec.tasks() == [
        ("started", 0.0, 0, "work", 0.0),
        ("blocked", 0.0, 1, "work"),
        ("finished", 0.1, 0, "work", "ok", 0.1),
        ("blocked", 0.25, 2, "work"),
        ("blocked", 0.25, 3, "work"),
        ("finished", 0.5, 1, "work", "timeout", 0.0),
        ("started", 1.0, 2, "work", 0.75),
        ("finished", 1.1, 2, "work", "ok", 0.1),
        ("started", 2.0, 3, "work", 1.75),
        ("finished", 2.1, 3, "work", "ok", 0.1),
    ]
    assert log == [("timed out", 0.5, "task 'work' did not start within 0.5 s"), ("started", 2.0)]


def test_timeout_on_a_pause_then_the_others_start_on_resume(engine: Engine, rec: Recorder) -> None:
    engine.pause("task:work")
    log: list = []
    engine.spawn(impatient, 0.0, 1.0, 1.0, log)
    engine.spawn(worker, 0.5, 1.0)
    engine.call_at(2.0, lambda: engine.resume("task:work"))
    engine.run()
    assert rec.rows("blocked", "started", "finished", "changed") == [
        ("changed", 0.0, "pause", "task:work", "set", "paused"),
        ("blocked", 0.0, 0, "work"),
        ("blocked", 0.5, 1, "work"),
        ("finished", 1.0, 0, "work", "timeout", 0.0),
        ("changed", 2.0, "pause", "task:work", "removed", "paused"),
        ("started", 2.0, 1, "work", 1.5),
        ("finished", 3.0, 1, "work", "ok", 1.0),
    ]
    assert log == [("timed out", 1.0, "task 'work' did not start within 1 s")]


def test_timeout_after_a_constraint_added_while_waiting_gives_back_the_slot(
    engine: Engine, rec: Recorder
) -> None:
    limit = engine.concurrency("task:work", 1)
    log: list = []
    engine.spawn(worker, 0.0, 1.0)
    engine.spawn(impatient, 0.1, 1.9, 1.0, log)  # deadline 2.0
    engine.spawn(worker, 0.2, 1.0)
    engine.call_at(0.5, lambda: engine.pause("task:work"))
    engine.call_at(3.0, lambda: engine.resume("task:work"))
    engine.run(until=1.5)
    # At 1.0 agent 1 got the slot, then met the new pause: it waits there, holding the slot.
    assert (limit.statistics().running, limit.statistics().waiting) == (1, 1)
    assert engine.constraint("task:work", "pause").statistics().waiting == 1
    engine.run()
    assert rec.rows("blocked", "started", "finished", "changed")[1:] == [
        ("started", 0.0, 0, "work", 0.0),
        ("blocked", 0.1, 1, "work"),
        ("blocked", 0.2, 2, "work"),
        ("changed", 0.5, "pause", "task:work", "set", "paused"),
        ("finished", 1.0, 0, "work", "ok", 1.0),
        ("finished", 2.0, 1, "work", "timeout", 0.0),  # its slot goes on to agent 2, which meets the pause
        ("changed", 3.0, "pause", "task:work", "removed", "paused"),
        ("started", 3.0, 2, "work", 2.8),
        ("finished", 4.0, 2, "work", "ok", 1.0),
    ]
    assert log == [("timed out", 2.0, "task 'work' did not start within 1.9 s")]
    assert limit.statistics().running == 0


def test_a_slot_freed_at_the_deadline_by_something_already_due_then_wins(
    engine: Engine, rec: Recorder
) -> None:
    engine.concurrency("task:work", 1)
    log: list = []
    engine.spawn(worker, 0.0, 1.0)  # releases at 1.0
    engine.spawn(worker, 0.1, 1.0)  # waits, then holds 1.0 .. 2.0; its timer is set at 1.0
    engine.spawn(impatient, 0.2, 1.8, 1.0, log)  # deadline 2.0, set at 0.2: due before that release
    engine.run()
    assert rec.tasks()[-4:] == [
        ("started", 1.0, 1, "work", 0.9),
        ("finished", 2.0, 1, "work", "ok", 1.0),
        ("started", 2.0, 2, "work", 1.8),  # the slot wins: the deadline is looked at last
        ("finished", 3.0, 2, "work", "ok", 1.0),
    ]
    assert log == [("started", 2.0)]


def test_a_slot_freed_later_in_the_deadline_instant_loses(engine: Engine, rec: Recorder) -> None:
    engine.concurrency("task:work", 1)
    log: list = []

    async def holder(ctx) -> None:
        async with ctx.task("work"):
            await ctx.sleep(1.0)
            await ctx.sleep(1.0)  # its timer is set at 1.0, after the deadline's
            await ctx.sleep(0)  # the release becomes due only once 2.0 has come

    engine.spawn(holder)
    engine.spawn(impatient, 0.0, 2.0, 1.0, log)
    engine.run()
    assert rec.tasks() == [
        ("started", 0.0, 0, "work", 0.0),
        ("blocked", 0.0, 1, "work"),
        ("finished", 2.0, 1, "work", "timeout", 0.0),
        ("finished", 2.0, 0, "work", "ok", 2.0),
    ]
    assert log == [("timed out", 2.0, "task 'work' did not start within 2 s")]


def test_cancelled_while_waiting_with_a_timeout(engine: Engine, rec: Recorder) -> None:
    engine.concurrency("task:work", 1)
    log: list = []

    async def cancelled(ctx) -> None:
        try:
            await impatient(ctx, 0.0, 2.0, 1.0, log)
        except Cancelled:
            log.append(("cancelled", ctx.now))
            raise

    engine.spawn(worker, 0.0, 5.0)
    victim = engine.spawn(cancelled)
    engine.call_at(1.0, lambda: engine.cancel(victim))
    engine.run()
    assert rec.tasks() == [
        ("started", 0.0, 0, "work", 0.0),
        ("blocked", 0.0, 1, "work"),
        ("finished", 1.0, 1, "work", "cancelled", 0.0),  # and nothing at its deadline, 2.0
        ("finished", 5.0, 0, "work", "ok", 5.0),
    ]
    assert log == [("cancelled", 1.0)]
    assert rec.rows("ended")[0] == ("ended", 1.0, 1, "cancelled")


def test_a_task_granted_before_its_deadline_runs_past_it_undisturbed(engine: Engine, rec: Recorder) -> None:
    engine.concurrency("task:work", 1)
    log: list = []
    engine.spawn(worker, 0.0, 1.0)
    engine.spawn(impatient, 0.0, 1.5, 3.0, log)  # starts at 1.0, deadline 1.5 long gone
    engine.run()
    assert rec.tasks()[-2:] == [("started", 1.0, 1, "work", 1.0), ("finished", 4.0, 1, "work", "ok", 3.0)]
    assert log == [("started", 1.0)]


def test_timeout_zero_starts_only_if_it_can_start_now(engine: Engine, rec: Recorder) -> None:
    engine.concurrency("task:work", 1)
    log: list = []
    engine.spawn(impatient, 0.0, 0, 1.0, log)  # a free slot: it starts
    engine.spawn(impatient, 0.5, 0, 1.0, log)  # the slot is taken: it gives up at once
    engine.run()
    assert rec.tasks() == [
        ("started", 0.0, 0, "work", 0.0),
        ("blocked", 0.5, 1, "work"),
        ("finished", 0.5, 1, "work", "timeout", 0.0),
        ("finished", 1.0, 0, "work", "ok", 1.0),
    ]
    assert log == [("started", 0.0), ("timed out", 0.5, "task 'work' did not start within 0 s")]


def test_timeout_zero_does_not_yield(engine: Engine) -> None:
    engine.pause("task:work")
    seen: list = []

    async def agent(ctx) -> None:
        for _ in range(3):
            try:
                await ctx.work("work", 1.0, timeout=0)
            except TaskTimeout:
                seen.append(ctx.now)

    engine.spawn(agent)
    assert engine.run() == 1  # one step: the agent never parked
    assert seen == [0.0, 0.0, 0.0]


def test_an_uncaught_timeout_ends_the_agent_as_failed(engine: Engine, rec: Recorder) -> None:
    engine.pause("task:work")

    async def agent(ctx) -> None:
        async with ctx.task("work", timeout=1.0):
            pass

    engine.spawn(agent)
    engine.run()
    assert rec.rows("finished", "failed") == [
        ("finished", 1.0, 0, "work", "timeout", 0.0),
        ("failed", 1.0, 0, "TaskTimeout"),
    ]


def test_no_timeout_and_an_infinite_one_wait_for_ever(engine: Engine, rec: Recorder) -> None:
    engine.pause("task:work")
    log: list = []
    engine.spawn(impatient, 0.0, float("inf"), 1.0, log)
    engine.spawn(worker, 0.0, 1.0)
    engine.call_at(100.0, lambda: engine.resume("task:work"))
    engine.run()
    assert [r[:3] for r in rec.rows("started")] == [("started", 100.0, 0), ("started", 100.0, 1)]
    assert log == [("started", 100.0)]


async def with_block(ctx, start: float, hold: float, timeout: float) -> None:
    await ctx.sleep(start)
    with contextlib.suppress(TaskTimeout):
        async with ctx.task("work", timeout=timeout):
            if hold:
                await ctx.sleep(hold)


async def with_work(ctx, start: float, hold: float, timeout: float) -> None:
    await ctx.sleep(start)
    with contextlib.suppress(TaskTimeout):
        await ctx.work("work", hold, timeout=timeout)


def trace(agent_fn, limit: int, cancel_at: float | None) -> tuple[list[tuple], int]:
    engine = Engine(seed=3)
    rec = Recorder(engine)
    engine.concurrency("task:work", limit)
    for i, (hold, timeout) in enumerate([(1.0, 0.5), (0.0, 2.0), (0.5, 0), (0.0, 0.25), (2.0, 3.0)]):
        engine.spawn(agent_fn, 0.25 * (i % 2), hold, timeout)
    if cancel_at is not None:
        engine.call_at(cancel_at, lambda: [engine.cancel(a) for a in (1, 4)])
    engine.run()
    return rec.rows(), engine.events_emitted


@pytest.mark.parametrize("limit", [1, 2])
@pytest.mark.parametrize("cancel_at", [None, 0.5, 1.5])
def test_work_with_a_timeout_gives_the_same_events_as_a_task_with_one(
    limit: int, cancel_at: float | None
) -> None:
    assert trace(with_work, limit, cancel_at) == trace(with_block, limit, cancel_at)


@pytest.mark.parametrize(
    ("timeout", "message"),
    [
        (-1.0, "timeout -1.0 is not valid: use a number of seconds >= 0 or None"),
        (float("nan"), "timeout nan is not valid"),
        ("1", "timeout '1' is not valid"),
        (True, "timeout True is not valid"),
    ],
)
def test_bad_timeouts_name_the_value(engine: Engine, timeout: object, message: str) -> None:
    agent = engine.spawn(worker, 0.0, 1.0)
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        agent.task("work", timeout=timeout)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        agent.work("work", 1.0, timeout=timeout)  # type: ignore[arg-type]
    engine.close()


@settings(max_examples=60, deadline=None)
@given(
    limit=st.integers(1, 3),
    plan=st.lists(
        st.tuples(
            st.sampled_from([0.0, 0.25, 0.5, 1.0]),  # start
            st.sampled_from([0.0, 0.5, 1.0]),  # hold
            st.sampled_from([None, 0.0, 0.25, 0.5, 1.0, 2.0]),  # timeout
        ),
        min_size=1,
        max_size=12,
    ),
    pause_at=st.sampled_from([None, 0.25, 0.5]),
)
def test_every_wait_ends_once_and_slots_balance(limit: int, plan: list, pause_at: float | None) -> None:
    engine = Engine(seed=1)
    rec = Recorder(engine)
    c = engine.concurrency("task:work", limit)
    log: list = []
    for start, hold, timeout in plan:
        if timeout is None:
            engine.spawn(worker, start, hold)
        else:
            engine.spawn(impatient, start, timeout, hold, log)
    if pause_at is not None:
        engine.call_at(pause_at, lambda: engine.pause("task:work", ttl=0.75))
    engine.run()
    running = 0
    state: dict[int, str] = {}
    for r in rec.tasks():
        kind, agent = r[0], r[2]
        if kind == "blocked":
            assert agent not in state
            state[agent] = "waiting"
        elif kind == "started":
            assert state.get(agent, "waiting") == "waiting"
            state[agent] = "running"
            running += 1
            assert running <= limit
        else:
            status = r[4]
            if state.get(agent) == "running":
                assert status == "ok"
                running -= 1
            else:  # it never started: only a timeout ends such a task here
                assert state.get(agent) == "waiting" and status == "timeout"
            state[agent] = "done"
    assert set(state.values()) == {"done"}
    assert (c.statistics().running, c.statistics().waiting) == (0, 0)
    assert sum(1 for entry in log if entry[0] == "timed out") == sum(
        1 for r in rec.tasks() if r[0] == "finished" and r[4] == "timeout"
    )
