"""Governed tasks: ``async with ctx.task("work"):`` is one unit of governed work.

A task given a ``timeout`` is a ``TimedTask``: if it has not started within
that many virtual seconds it leaves its queue, reports
``TaskFinished(status="timeout")`` and raises ``TaskTimeout`` in the agent.
Plain tasks keep their own, untouched path, so a timeout costs nothing to
tasks that have none.
"""

from __future__ import annotations

import types
from collections.abc import Awaitable, Generator
from typing import TYPE_CHECKING

from engine.awaitables import DONE
from engine.kernel import PARKED, Cancelled

if TYPE_CHECKING:
    from engine.agent import Agent
    from engine.constraints import Constraint


class TaskTimeout(Exception):
    """A governed task did not start within its timeout; it never ran and holds nothing."""

    def __init__(self, task: str, timeout: float) -> None:
        super().__init__(f"task {task!r} did not start within {timeout:g} s")
        self.task = task
        self.timeout = timeout


class Task:
    """One governed task: waits for its constraints, runs, reports how it ended.

    ``cons`` are the constraints it must pass, ``i`` how many it holds so far,
    ``waiting_on`` the one whose queue it stands in while blocked. Made by
    ``Agent.task`` without ``__init__``; ``cons``, ``gen`` and ``created`` are
    set by ``Governor.begin``.
    """

    __slots__ = ("agent", "cons", "created", "gen", "i", "name", "outer", "started", "waiting_on")

    agent: Agent
    name: str
    cons: tuple[Constraint, ...]
    gen: int
    i: int
    waiting_on: Constraint | None
    created: float
    started: float | None
    outer: Task | None  # while running: the agent's task that was running when it started

    @types.coroutine
    def __aenter__(self) -> Generator[None, None, Task]:
        # Hot: itself the awaitable (a generator), so no extra frame per task.
        agent = self.agent
        governor = agent._governor
        try:
            if governor.begin(self):
                return self
            # A TaskBlocked subscriber may already have let it start.
            if self.started is None:
                agent._wait = PARKED  # until a constraint grants it
                yield
        except GeneratorExit:  # the coroutine is being closed with its dead engine
            raise
        except BaseException as error:
            # Cancelled where it waits, or a subscriber raised while it began.
            governor.interrupted(self, error)
            raise
        return self

    def __aexit__(self, exc_type, exc, tb) -> Awaitable[None]:
        if exc_type is None:
            status = "ok"
        elif issubclass(exc_type, Cancelled):
            status = "cancelled"
        else:
            status = "failed"
        self.agent._governor.finish(self, status)
        return DONE

    def unchain(self) -> None:
        """Leave the agent's chain of running tasks from the middle (it was not the innermost)."""
        inner = self.agent._task
        while inner is not None and inner.outer is not self:
            inner = inner.outer
        if inner is not None:
            inner.outer = self.outer

    def __repr__(self) -> str:
        state = "running" if self.started is not None else "waiting"
        return f"<Task {self.name!r} of agent {self.agent.id} {state}>"


class TimedTask(Task):
    """A governed task that gives up waiting after ``timeout`` virtual seconds.

    The deadline is the agent's own timer (it parks with one), so a grant
    before it only leaves a stale heap entry behind. When the deadline comes,
    the task looks once more after everything else already due at that
    instant: a slot freed at the very instant of the deadline goes to the
    task, which then starts. A timeout of 0 means "only if it can start
    now": it never waits.
    """

    __slots__ = ("timeout",)

    timeout: float

    @types.coroutine
    def __aenter__(self) -> Generator[None, None, Task]:
        agent = self.agent
        governor = agent._governor
        try:
            if governor.begin(self) or self.started is not None:
                return self
            timeout = self.timeout
            if timeout:
                kernel = agent._kernel
                kernel.park_until(agent, kernel.now + timeout)  # the deadline: woken early if granted
                yield
                if self.started is None:  # the deadline came: look again after the rest of this instant
                    kernel.park_until(agent, kernel.now)
                    yield
        except GeneratorExit:  # the coroutine is being closed with its dead engine
            raise
        except BaseException as error:
            governor.interrupted(self, error)
            raise
        if self.started is None:
            governor.abandon(self, "timeout")
            raise TaskTimeout(self.name, self.timeout)
        return self
