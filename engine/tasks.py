"""Governed tasks: ``async with ctx.task("work"):`` is one unit of governed work."""

from __future__ import annotations

import types
from collections.abc import Generator
from typing import TYPE_CHECKING

from engine.kernel import Cancelled

if TYPE_CHECKING:
    from engine.agent import Agent
    from engine.constraints import Constraint


class _Done:
    """An awaitable that completes at once with None (``__aexit__`` needs no wait).

    ``__await__`` is a C-level iterator factory: no Python frame per await.
    """

    __slots__ = ()
    __await__ = ().__iter__


_DONE = _Done()
_new = object.__new__


class Task:
    """One governed task: waits for its constraints, runs, reports how it ended.

    ``cons`` are the constraints it must pass, ``i`` how many it holds so far,
    ``waiting_on`` the one whose queue it stands in while blocked.
    """

    __slots__ = ("agent", "cons", "created", "gen", "i", "name", "started", "waiting_on")

    agent: Agent
    name: str
    cons: tuple[Constraint, ...]
    gen: int
    i: int
    waiting_on: Constraint | None
    created: float
    started: float | None

    def __aenter__(self):
        return self._enter()

    @types.coroutine
    def _enter(self) -> Generator[None, None, Task]:
        governor = self.agent._governor
        if governor.begin(self):
            return self
        self.agent._parked = True
        try:
            yield
        except BaseException:
            if self.started is None:
                governor.abandon(self)
            else:
                governor.finish(self, "cancelled")
            raise
        return self

    def __aexit__(self, exc_type, exc, tb) -> _Done:
        if exc_type is None:
            status = "ok"
        elif issubclass(exc_type, Cancelled):
            status = "cancelled"
        else:
            status = "failed"
        self.agent._governor.finish(self, status)
        return _DONE

    @classmethod
    def new(cls, agent: Agent, name: str) -> Task:
        """A task not yet begun (hot: no ``__init__`` frame).

        ``cons``, ``gen`` and ``created`` are set by ``Governor.begin``.
        """
        task = _new(cls)
        task.agent = agent
        task.name = name
        task.i = 0
        task.waiting_on = None
        task.started = None
        return task

    def __repr__(self) -> str:
        state = "running" if self.started is not None else "waiting"
        return f"<Task {self.name!r} of agent {self.agent.id} {state}>"
