"""Watching one agent: a small ring buffer of its recent engine events.

The inspector needs an agent's history, but a UI must never handle one
message per engine event. So the watch subscribes to the bus only while an
agent is selected, keeps that agent's events in a bounded deque (a cheap
append, no UI work), and the inspector reads it once per panel update.
"""

from __future__ import annotations

from collections import deque

from engine import (
    AgentFailed,
    AgentFinished,
    ConstraintChanged,
    Engine,
    Event,
    TaskBlocked,
    TaskFinished,
    TaskStarted,
)


class AgentWatch:
    """Recent events of one agent, and the task it is in as far as seen."""

    def __init__(self, engine: Engine, agent: int, size: int = 12) -> None:
        self.agent = agent
        self.events: deque[Event] = deque(maxlen=size)
        self.seen = 0
        self._unsubscribe = engine.subscribe(Event, self._on_event)

    def _on_event(self, ev: Event) -> None:
        # Hot: called for every engine event while an agent is selected.
        if ev.agent == self.agent:
            self.events.append(ev)
            self.seen += 1

    def close(self) -> None:
        """Stop listening (on a new selection or a restart)."""
        self._unsubscribe()

    def current_task(self) -> str | None:
        """The task the agent is in per its last task event; None if none was seen."""
        for ev in reversed(self.events):
            if isinstance(ev, TaskStarted):
                return f"{ev.task} (running since {ev.time:,.3f} s)"
            if isinstance(ev, TaskBlocked):
                return f"{ev.task} (blocked since {ev.time:,.3f} s)"
            if isinstance(ev, TaskFinished):
                return "none"
        return None


def describe_event(ev: Event) -> str:
    """One short line for the inspector."""
    if isinstance(ev, TaskBlocked):
        return f"blocked  {ev.task}: {ev.reason}"
    if isinstance(ev, TaskStarted):
        waited = f" after {ev.waited:.3g} s" if ev.waited else ""
        return f"started  {ev.task}{waited}"
    if isinstance(ev, TaskFinished):
        return f"finished {ev.task} {ev.status} in {ev.duration:.3g} s"
    if isinstance(ev, AgentFailed):
        return f"failed   {type(ev.error).__name__}: {ev.error}"
    if isinstance(ev, AgentFinished):
        return f"ended    {ev.status}"
    if isinstance(ev, ConstraintChanged):
        return f"{ev.action} {ev.kind} {ev.scope} {ev.value}"
    return type(ev).__name__
