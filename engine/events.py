"""Typed event records and the bus that delivers them to subscribers.

Events are small slotted records. Every event has ``time`` (virtual seconds),
``agent`` (the int id, -1 when no agent is involved) and ``task`` (the task
name, or ``""``). The bus calls subscribers synchronously, in subscription
order, so what a subscriber sees is part of the deterministic run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class Event:
    """Base of every engine event; subscribe to it to receive them all."""

    time: float
    agent: int
    task: str


@dataclass(slots=True)
class TaskBlocked(Event):
    """A governed task could not start at once; ``reason`` names the constraint."""

    reason: str


@dataclass(slots=True)
class TaskStarted(Event):
    """A governed task started; ``waited`` is the virtual time it spent blocked."""

    waited: float


@dataclass(slots=True)
class TaskFinished(Event):
    """A governed task ended: ``status`` is ok, failed, cancelled or timeout.

    A task that never started (cancelled or timed out while it waited) has ``duration`` 0.
    """

    status: str
    duration: float


@dataclass(slots=True)
class AgentStarted(Event):
    """An agent was spawned; ``name`` is its name."""

    name: str


@dataclass(slots=True)
class AgentFinished(Event):
    """An agent's coroutine returned (status ok) or was cancelled."""

    status: str


@dataclass(slots=True)
class AgentFailed(Event):
    """An agent raised; the agent ended, the run goes on."""

    error: BaseException


@dataclass(slots=True)
class ConstraintChanged(Event):
    """A constraint was set, changed, removed or expired.

    ``action`` is set, removed or expired; ``value`` describes the new setting.
    """

    scope: str
    kind: str
    action: str
    value: str


EVENT_TYPES: tuple[type[Event], ...] = (
    TaskBlocked,
    TaskStarted,
    TaskFinished,
    AgentStarted,
    AgentFinished,
    AgentFailed,
    ConstraintChanged,
)

Subscriber = Callable[[Any], None]


class Outlet:
    """Where events of one type go: ``call`` is None while nobody listens.

    With one subscriber ``call`` is that subscriber itself, so the hot path
    makes one call and no loop; with two, a closure that calls both; with
    more, a fan-out over a snapshot taken when the subscriptions last
    changed (a change made during a delivery applies from the next event). ``on_change``, if set, is called
    after each such change (the governor keeps its ``quiet`` flag with it).
    """

    __slots__ = ("_snapshot", "call", "on_change", "subs")

    def __init__(self) -> None:
        self.subs: list[Subscriber] = []
        self.call: Subscriber | None = None
        self.on_change: Callable[[], None] | None = None
        self._snapshot: tuple[Subscriber, ...] = ()

    def changed(self) -> None:
        """Recompute ``call`` after ``subs`` changed."""
        subs = self._snapshot = tuple(self.subs)
        if len(subs) <= 2:
            self.call = _pair(*subs) if len(subs) == 2 else subs[0] if subs else None
        else:
            self.call = self._fan_out
        if self.on_change is not None:
            self.on_change()

    def _fan_out(self, event: Event) -> None:
        for fn in self._snapshot:
            fn(event)


def _pair(first: Subscriber, second: Subscriber) -> Subscriber:
    """Both subscribers, called straight (two subscribers are common: a world and a recorder).

    Half the cost of the general fan-out's loop over a tuple on every event.
    """

    def both(event: Event) -> None:
        first(event)
        second(event)

    return both


class EventBus:
    """Delivers events by type to synchronous subscribers.

    Each concrete event type has one ``Outlet`` that never changes identity,
    so emitters can hold it and skip building an event when nobody listens.
    """

    def __init__(self) -> None:
        self.emitted = 0
        self._outlets: dict[type, Outlet] = {t: Outlet() for t in EVENT_TYPES}

    def outlet(self, event_type: type[Event]) -> Outlet:
        """The live outlet of one concrete event type."""
        return self._outlets[event_type]

    def subscribers(self, event_type: type[Event]) -> list[Subscriber]:
        """The subscribers of one concrete event type, in subscription order (read only)."""
        return self._outlets[event_type].subs

    def subscribe(self, event_type: type[Event], fn: Subscriber) -> Callable[[], None]:
        """Call ``fn(event)`` for every event of ``event_type`` (or a subclass).

        Returns a function that removes the subscription.
        """
        targets = [out for t, out in self._outlets.items() if issubclass(t, event_type)]
        if not targets:
            raise ValueError(f"unknown event type {event_type!r}")
        for out in targets:
            out.subs.append(fn)
            out.changed()

        def unsubscribe() -> None:
            for out in targets:
                if fn in out.subs:
                    out.subs.remove(fn)
                    out.changed()

        return unsubscribe

    def emit(self, event: Event) -> None:
        """Count the event and hand it to its subscribers."""
        self.emitted += 1
        call = self._outlets[type(event)].call
        if call is not None:
            call(event)
