"""Shared helpers for the engine tests: an event recorder with compact rows."""

from __future__ import annotations

import pytest

from engine import (
    AgentFailed,
    AgentFinished,
    AgentStarted,
    ConstraintChanged,
    Engine,
    Event,
    TaskBlocked,
    TaskFinished,
    TaskStarted,
)


def row(ev: Event) -> tuple:
    """One event as a short tuple: kind, time, agent, task, then what is specific to it."""
    t = round(ev.time, 9)
    if isinstance(ev, TaskBlocked):
        return ("blocked", t, ev.agent, ev.task)
    if isinstance(ev, TaskStarted):
        return ("started", t, ev.agent, ev.task, round(ev.waited, 9))
    if isinstance(ev, TaskFinished):
        return ("finished", t, ev.agent, ev.task, ev.status, round(ev.duration, 9))
    if isinstance(ev, AgentStarted):
        return ("spawned", t, ev.agent, ev.name)
    if isinstance(ev, AgentFinished):
        return ("ended", t, ev.agent, ev.status)
    if isinstance(ev, AgentFailed):
        return ("failed", t, ev.agent, type(ev.error).__name__)
    assert isinstance(ev, ConstraintChanged)
    return ("changed", t, ev.kind, ev.scope, ev.action, ev.value)


class Recorder:
    """Keeps every event of an engine, raw and as rows."""

    def __init__(self, engine: Engine) -> None:
        self.events: list[Event] = []
        engine.subscribe(Event, self.events.append)

    def rows(self, *kinds: str) -> list[tuple]:
        """Rows of the given kinds (all if none given), in emission order."""
        rows = [row(ev) for ev in self.events]
        return [r for r in rows if not kinds or r[0] in kinds]

    def tasks(self) -> list[tuple]:
        return self.rows("blocked", "started", "finished")


@pytest.fixture
def engine() -> Engine:
    return Engine(seed=7)


@pytest.fixture
def rec(engine: Engine) -> Recorder:
    return Recorder(engine)


async def worker(ctx, delay: float, hold: float, name: str = "work") -> None:
    """Sleep ``delay``, then hold the governed task ``name`` for ``hold``."""
    await ctx.sleep(delay)
    async with ctx.task(name):
        await ctx.sleep(hold)


def starts(rec: Recorder) -> list[tuple[float, int]]:
    """(time, agent) of every TaskStarted, in order."""
    return [(r[1], r[2]) for r in rec.rows("started")]
