"""Governed tasks under concurrency limits: FIFO hand-off, live limit changes, cancel, failure."""

from __future__ import annotations

from engine import Cancelled, Engine, TaskBlocked, TaskStarted
from tests.engine.conftest import Recorder, starts, worker


def test_task_without_constraints_starts_at_once(engine: Engine, rec: Recorder) -> None:
    engine.spawn(worker, 1.0, 2.0)
    engine.run()
    assert rec.tasks() == [("started", 1.0, 0, "work", 0.0), ("finished", 3.0, 0, "work", "ok", 2.0)]


def test_waiters_start_fifo_each_when_a_slot_is_handed_on(engine: Engine, rec: Recorder) -> None:
    engine.concurrency("task:work", 1)
    for i in range(4):
        engine.spawn(worker, 0.25 * i, 1.0)
    engine.run()
    assert rec.tasks() == [
        ("started", 0.0, 0, "work", 0.0),
        ("blocked", 0.25, 1, "work"),
        ("blocked", 0.5, 2, "work"),
        ("blocked", 0.75, 3, "work"),
        ("finished", 1.0, 0, "work", "ok", 1.0),
        ("started", 1.0, 1, "work", 0.75),
        ("finished", 2.0, 1, "work", "ok", 1.0),
        ("started", 2.0, 2, "work", 1.5),
        ("finished", 3.0, 2, "work", "ok", 1.0),
        ("started", 3.0, 3, "work", 2.25),
        ("finished", 4.0, 3, "work", "ok", 1.0),
    ]
    blocked = rec.events[[type(e).__name__ for e in rec.events].index("TaskBlocked")]
    assert blocked.reason == "concurrency task:work limit 1"


def test_a_released_slot_goes_to_the_waiter_not_to_a_newcomer(engine: Engine, rec: Recorder) -> None:
    engine.concurrency("task:work", 1)
    engine.spawn(worker, 1.0, 5.0)  # agent 0 arrives at exactly the release time
    engine.spawn(worker, 0.0, 1.0)  # agent 1 holds the slot until 1.0
    engine.spawn(worker, 0.5, 1.0)  # agent 2 waits from 0.5
    engine.run()
    assert starts(rec) == [(0.0, 1), (1.0, 2), (2.0, 0)]
    assert engine.constraint("task:work", "concurrency").statistics().running == 0


def test_raising_the_limit_starts_waiters_at_once(engine: Engine, rec: Recorder) -> None:
    engine.concurrency("task:work", 1)
    for _ in range(4):
        engine.spawn(worker, 0.0, 2.0)
    engine.call_at(0.5, lambda: engine.concurrency("task:work", 3))
    engine.run()
    assert rec.rows("changed", "started")[1:5] == [
        ("started", 0.0, 0, "work", 0.0),
        ("changed", 0.5, "concurrency", "task:work", "set", "limit 3"),
        ("started", 0.5, 1, "work", 0.5),
        ("started", 0.5, 2, "work", 0.5),
    ]
    assert starts(rec)[3] == (2.0, 3)


def test_lowering_the_limit_lets_runners_finish_and_starts_none_meanwhile(
    engine: Engine, rec: Recorder
) -> None:
    c = engine.concurrency("task:work", 3)
    for i in range(5):
        engine.spawn(worker, 0.0, 1.0 + 0.25 * i)
    engine.call_at(0.5, lambda: engine.concurrency("task:work", 1))
    engine.run(until=0.5)
    assert (c.statistics().running, c.statistics().waiting) == (3, 2)
    engine.run()
    # Runners end at 1.0, 1.25, 1.5; only the last of them hands its slot on.
    assert starts(rec) == [(0.0, 0), (0.0, 1), (0.0, 2), (1.5, 3), (3.25, 4)]


def test_a_new_limit_counts_tasks_already_running(engine: Engine, rec: Recorder) -> None:
    for i in range(4):
        engine.spawn(worker, 0.0, 1.0 + i)
    for _ in range(2):
        engine.spawn(worker, 0.5, 1.0)
    engine.call_at(0.25, lambda: engine.concurrency("task:work", 2))
    engine.run()
    # Four run when the limit of 2 arrives: the late two wait until only one runs.
    assert starts(rec)[4:] == [(3.0, 4), (4.0, 5)]


def test_the_limit_can_be_removed_and_set_again_while_tasks_run(engine: Engine, rec: Recorder) -> None:
    engine.concurrency("task:work", 1)
    for _ in range(4):
        engine.spawn(worker, 0.0, 2.0)
    engine.call_at(0.5, lambda: engine.remove("task:work", "concurrency"))
    engine.call_at(1.0, lambda: engine.concurrency("task:work", 2))
    engine.spawn(worker, 1.5, 1.0)
    engine.run()
    assert starts(rec) == [(0.0, 0), (0.5, 1), (0.5, 2), (0.5, 3), (2.5, 4)]


def test_cancelling_a_blocked_task_frees_its_place_and_reports_it(engine: Engine, rec: Recorder) -> None:
    engine.concurrency("task:work", 1)
    cleaned: list = []

    async def careful(ctx) -> None:
        try:
            await worker(ctx, 0.0, 1.0)
        except Cancelled:
            cleaned.append(("cancelled at the await", ctx.now))
            raise
        finally:
            cleaned.append(("finally", ctx.now))

    engine.spawn(worker, 0.0, 1.0)
    victim = engine.spawn(careful)
    engine.spawn(worker, 0.0, 1.0)
    engine.call_at(0.5, lambda: engine.cancel(victim))
    engine.run()
    assert cleaned == [("cancelled at the await", 0.5), ("finally", 0.5)]
    assert rec.tasks()[2:] == [
        ("blocked", 0.0, 2, "work"),
        ("finished", 0.5, 1, "work", "cancelled", 0.0),
        ("finished", 1.0, 0, "work", "ok", 1.0),
        ("started", 1.0, 2, "work", 1.0),
        ("finished", 2.0, 2, "work", "ok", 1.0),
    ]
    assert rec.rows("ended")[0] == ("ended", 0.5, 1, "cancelled")


def test_cancelling_a_running_task_hands_its_slot_on_at_once(engine: Engine, rec: Recorder) -> None:
    engine.concurrency("task:work", 1)
    victim = engine.spawn(worker, 0.0, 10.0)
    engine.spawn(worker, 0.0, 1.0)
    engine.call_at(2.0, lambda: engine.cancel(victim.id))
    engine.run()
    assert rec.tasks()[2:] == [
        ("finished", 2.0, 0, "work", "cancelled", 2.0),
        ("started", 2.0, 1, "work", 2.0),
        ("finished", 3.0, 1, "work", "ok", 1.0),
    ]


def test_cancelling_a_task_granted_but_not_yet_resumed(engine: Engine, rec: Recorder) -> None:
    engine.concurrency("task:work", 1)
    engine.spawn(worker, 0.0, 1.0)
    victim = engine.spawn(worker, 0.0, 1.0)
    engine.spawn(worker, 0.0, 1.0)
    # At 1.0 agent 0 hands the slot to agent 1, which is cancelled before it runs.
    engine.subscribe(TaskStarted, lambda ev: ev.agent == victim.id and engine.cancel(victim))
    engine.run()
    assert rec.tasks()[3:] == [
        ("finished", 1.0, 0, "work", "ok", 1.0),
        ("started", 1.0, 1, "work", 1.0),
        ("finished", 1.0, 1, "work", "cancelled", 0.0),
        ("started", 1.0, 2, "work", 1.0),
        ("finished", 2.0, 2, "work", "ok", 1.0),
    ]


def test_an_agent_may_cancel_itself_and_catching_cancelled_ends_it_ok(engine: Engine, rec: Recorder) -> None:
    async def quitter(ctx) -> None:
        await ctx.sleep(1.0)
        ctx.engine.cancel(ctx)

    async def stubborn(ctx) -> None:
        try:
            await ctx.sleep(5.0)
        except Cancelled:
            await ctx.sleep(1.0)  # it may still clean up in virtual time

    engine.spawn(quitter)
    s = engine.spawn(stubborn)
    engine.call_at(2.0, lambda: engine.cancel(s))
    engine.call_at(2.5, lambda: engine.cancel(0))  # already ended: nothing happens
    engine.run()
    assert rec.rows("ended") == [("ended", 1.0, 0, "cancelled"), ("ended", 3.0, 1, "ok")]


def test_a_failing_agent_ends_alone_and_its_task_releases_the_slot(engine: Engine, rec: Recorder) -> None:
    engine.concurrency("task:work", 1)

    async def faulty(ctx) -> None:
        async with ctx.task("work"):
            await ctx.sleep(1.0)
            raise ZeroDivisionError("bad luck")

    bad = engine.spawn(faulty)
    engine.spawn(worker, 0.0, 1.0)
    engine.run()
    assert rec.rows()[-6:] == [
        ("blocked", 0.0, 1, "work"),
        ("finished", 1.0, 0, "work", "failed", 1.0),
        ("started", 1.0, 1, "work", 1.0),
        ("failed", 1.0, 0, "ZeroDivisionError"),
        ("finished", 2.0, 1, "work", "ok", 1.0),
        ("ended", 2.0, 1, "ok"),
    ]
    failure = rec.events[-3]
    assert failure.error is bad.error and str(failure.error) == "bad luck"
    assert bad.done


def test_several_constraints_on_one_task_all_apply(engine: Engine, rec: Recorder) -> None:
    engine.concurrency("global", 2)
    engine.concurrency("task:work", 1)
    engine.spawn(worker, 0.0, 1.0, "work")
    engine.spawn(worker, 0.0, 1.0, "work")
    engine.spawn(worker, 0.0, 1.0, "rest")
    engine.spawn(worker, 0.0, 1.0, "rest")
    engine.run()
    # Agent 1 waits for the task:work slot without sitting on a global one,
    # so agent 2 starts at once.
    assert starts(rec) == [(0.0, 0), (0.0, 2), (1.0, 3), (1.0, 1)]
    reasons = [e.reason for e in rec.events if type(e).__name__ == "TaskBlocked"]
    assert reasons == ["concurrency task:work limit 1", "concurrency global limit 2"]
    assert [s.running for s in engine.constraints()] == [0, 0]


def test_nested_tasks_hold_both_slots(engine: Engine, rec: Recorder) -> None:
    engine.concurrency("task:outer", 1)
    engine.concurrency("task:inner", 1)

    async def nested(ctx) -> None:
        async with ctx.task("outer"):
            await ctx.sleep(1.0)
            async with ctx.task("inner"):
                await ctx.sleep(1.0)

    engine.spawn(nested)
    engine.spawn(nested)
    engine.run()
    assert [(r[0], r[1], r[2], r[3]) for r in rec.tasks()] == [
        ("started", 0.0, 0, "outer"),
        ("blocked", 0.0, 1, "outer"),
        ("started", 1.0, 0, "inner"),
        ("finished", 2.0, 0, "inner"),
        ("finished", 2.0, 0, "outer"),
        ("started", 2.0, 1, "outer"),
        ("started", 3.0, 1, "inner"),
        ("finished", 4.0, 1, "inner"),
        ("finished", 4.0, 1, "outer"),
    ]


def test_task_is_the_value_of_async_with(engine: Engine) -> None:
    seen: list = []

    async def named(ctx) -> None:
        async with ctx.task("work") as task:
            seen.append(repr(task))

    engine.concurrency("task:work", 1)
    engine.spawn(named)
    engine.spawn(named)
    engine.run()
    assert seen == ["<Task 'work' of agent 0 running>", "<Task 'work' of agent 1 running>"]


def test_a_blocked_subscriber_may_raise_the_limit_at_once(engine: Engine, rec: Recorder) -> None:
    engine.concurrency("task:work", 1)
    engine.subscribe(TaskBlocked, lambda ev: engine.concurrency("task:work", 2))
    engine.spawn(worker, 0.0, 1.0)
    engine.spawn(worker, 0.0, 1.0)
    engine.run()
    assert starts(rec) == [(0.0, 0), (0.0, 1)]
    assert rec.rows("finished")[-1] == ("finished", 1.0, 1, "work", "ok", 1.0)


def test_a_subscriber_cancelling_the_agent_as_it_blocks_frees_its_place(
    engine: Engine, rec: Recorder
) -> None:
    engine.concurrency("task:work", 1)
    engine.subscribe(TaskBlocked, lambda ev: ev.agent == 1 and engine.cancel(ev.agent))
    engine.spawn(worker, 0.0, 1.0)
    engine.spawn(worker, 0.0, 1.0)
    engine.spawn(worker, 0.5, 1.0)
    engine.run()
    assert rec.tasks()[1:3] == [("blocked", 0.0, 1, "work"), ("finished", 0.0, 1, "work", "cancelled", 0.0)]
    assert starts(rec) == [(0.0, 0), (1.0, 2)]
    assert rec.rows("ended")[0] == ("ended", 0.0, 1, "cancelled")


def test_a_new_limit_counts_nested_tasks_even_when_they_end_out_of_order(
    engine: Engine, rec: Recorder
) -> None:
    """Running tasks are chained per agent; an outer task may end before its inner one."""

    async def overlapping(ctx) -> None:
        outer = ctx.task("work")
        await outer.__aenter__()
        async with ctx.task("work"):
            await ctx.sleep(1.0)
            await outer.__aexit__(None, None, None)  # the outer one ends first, at 1.0
            await ctx.sleep(1.0)

    engine.spawn(overlapping)
    engine.call_at(0.5, lambda: engine.concurrency("task:work", 2))
    engine.spawn(worker, 0.75, 1.0)  # must wait: both of agent 0's tasks hold slots
    engine.spawn(worker, 0.75, 1.0)
    engine.run(until=0.75)
    c = engine.constraint("task:work", "concurrency")
    assert (c.statistics().running, c.statistics().waiting) == (2, 2)
    engine.run()
    assert starts(rec)[2:] == [(1.0, 1), (2.0, 2)]
    assert c.statistics().running == 0
    assert engine.agents[0]._task is None
