"""Mailboxes: recv, timeouts, recv_nowait, wait_messages, broadcast, statistics."""

from __future__ import annotations

import math

import pytest

from engine import TIMEOUT, Engine, MailboxStatistics, WouldBlock


def test_recv_waits_for_a_message_and_gets_them_in_order(engine: Engine) -> None:
    got: list = []

    async def receiver(ctx) -> None:
        for _ in range(3):
            message = await ctx.recv()
            got.append((ctx.now, message))

    async def sender(ctx) -> None:
        await ctx.sleep(1.0)
        ctx.send(0, "a")
        ctx.send(0, "b")
        await ctx.sleep(2.0)
        ctx.send(0, "c")

    engine.spawn(receiver)
    engine.spawn(sender)
    engine.run()
    assert got == [(1.0, "a"), (1.0, "b"), (3.0, "c")]


def test_recv_timeout_returns_TIMEOUT_at_the_deadline(engine: Engine) -> None:
    got: list = []

    async def receiver(ctx) -> None:
        for timeout in (2.0, 0):
            message = await ctx.recv(timeout=timeout)
            got.append((ctx.now, message))

    engine.spawn(receiver)
    engine.run()
    assert got == [(2.0, TIMEOUT), (2.0, TIMEOUT)]
    assert not TIMEOUT and repr(TIMEOUT) == "TIMEOUT"


def test_a_message_before_the_timeout_wins_and_the_old_timer_goes_stale(engine: Engine) -> None:
    got: list = []

    async def receiver(ctx) -> None:
        message = await ctx.recv(timeout=5.0)
        got.append((ctx.now, message))
        await ctx.sleep(10.0)  # the 5.0 deadline must not cut this sleep short
        got.append((ctx.now, "slept"))

    async def sender(ctx) -> None:
        await ctx.sleep(1.0)
        ctx.send(0, "hello")

    engine.spawn(receiver)
    engine.spawn(sender)
    engine.run()
    assert got == [(1.0, "hello"), (11.0, "slept")]


def test_recv_nowait_raises_wouldblock_on_an_empty_box(engine: Engine) -> None:
    got: list = []

    async def polite(ctx) -> None:
        try:
            ctx.recv_nowait()
        except WouldBlock:
            got.append("empty")
        await ctx.sleep(1.0)
        got.append(ctx.recv_nowait())

    engine.spawn(polite)
    engine.call_at(0.5, lambda: engine.agents[0].mailbox.put("later"))
    engine.run()
    assert got == ["empty", "later"]


def test_wait_messages_wakes_once_when_enough_are_there(engine: Engine) -> None:
    got: list = []

    async def gatherer(ctx) -> None:
        ok = await ctx.wait_messages(3)
        box = ctx.mailbox
        got.append((ctx.now, ok, list(box.items)))
        box.items.clear()
        ok = await ctx.wait_messages(2, timeout=1.0)
        got.append((ctx.now, ok, len(box.items)))

    async def sender(ctx, delay: float) -> None:
        await ctx.sleep(delay)
        ctx.send(0, ctx.id)

    engine.spawn(gatherer)
    for delay in (0.5, 1.0, 1.5, 2.0):
        engine.spawn(sender, delay)
    steps = engine.run()
    assert got == [(1.5, True, [1, 2, 3]), (2.5, False, 1)]
    assert steps == 1 + 2 + 4 * 2  # the gatherer ran three times, not once per message


def test_broadcast_reaches_every_target(engine: Engine) -> None:
    got: dict[int, object] = {}

    async def listener(ctx) -> None:
        got[ctx.id] = await ctx.recv()

    async def caller(ctx) -> None:
        ctx.broadcast(range(3), ("hi", ctx.id))

    for _ in range(3):
        engine.spawn(listener)
    engine.spawn(caller)
    engine.run()
    assert got == {0: ("hi", 3), 1: ("hi", 3), 2: ("hi", 3)}


def test_mailbox_statistics_and_bad_targets(engine: Engine) -> None:
    async def slow_reader(ctx) -> None:
        await ctx.wait_messages(5)

    async def sender(ctx) -> None:
        ctx.send(0, 1)
        ctx.send(0, 2)
        with pytest.raises(IndexError, match="no agent with id -1"):
            ctx.send(-1, 3)

    engine.spawn(slow_reader)
    engine.spawn(sender)
    engine.run()
    assert engine.agents[0].mailbox.statistics() == MailboxStatistics(pending=2, waiting_for=5, delivered=2)
    assert engine.agents[1].error is None


def test_bad_timeouts_fail_the_agent_clearly(engine: Engine) -> None:
    async def impatient(ctx) -> None:
        await ctx.recv(timeout=-1)

    agent = engine.spawn(impatient)
    engine.run()
    assert str(agent.error) == "timeout -1 is not valid: use a number of seconds >= 0 or None"


def test_cancel_while_waiting_for_mail_clears_the_wait(engine: Engine) -> None:
    async def waiting(ctx) -> None:
        await ctx.recv(timeout=10.0)

    agent = engine.spawn(waiting)
    engine.call_at(1.0, lambda: engine.cancel(agent))
    engine.run()
    assert agent.done and engine.now == 1.0
    assert agent.mailbox.statistics().waiting_for == 0


def test_recv_with_an_infinite_timeout_waits_like_none(engine: Engine) -> None:
    got: list = []

    async def receiver(ctx) -> None:
        message = await ctx.recv(timeout=math.inf)
        got.append((ctx.now, message))

    engine.spawn(receiver)
    engine.call_at(5.0, lambda: engine.agents[0].mailbox.put("x"))
    engine.run()
    assert got == [(5.0, "x")]
