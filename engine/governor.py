"""The governor: which constraints apply to a task, and the walk through them.

A task acquires its matching constraints in a fixed order — pauses, then
concurrency limits, then rate limits; within a kind narrower scopes before
``global``, then creation order — so a paused task holds no slot, a task
waiting for its own task limit does not sit on a global slot, a rate limit
meters actual starts, and no two tasks can wait on each other. A task that
cannot pass a constraint waits in that constraint's FIFO; the constraint
hands it the admission later and the walk continues from there. (A
constraint created while a task waits is appended to that task's walk.)
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from engine.constraints import (
    Concurrency,
    Constraint,
    ConstraintStatistics,
    Pause,
    RateLimit,
    parse_rate,
)
from engine.events import ConstraintChanged, EventBus, TaskBlocked, TaskFinished, TaskStarted
from engine.kernel import Cancelled, Kernel
from engine.scope import parse_scope

if TYPE_CHECKING:
    from engine.agent import Agent
    from engine.tasks import Task

_new = object.__new__
_KIND_ORDER = {"pause": 0, "concurrency": 1, "rate_limit": 2}


class Governor:
    """Holds the live constraints and admits governed tasks through them."""

    def __init__(self, kernel: Kernel, bus: EventBus) -> None:
        self.kernel = kernel
        self.bus = bus
        self.generation = 0
        self.log: list[tuple[float, str, str, str, str]] = []
        self._constraints: dict[tuple[str, str], Constraint] = {}
        self._cache: dict[object, tuple[Constraint, ...]] = {}
        self._agent_scoped = 0
        # The engine's agents; each chains its running tasks (``Agent._task``, ``Task.outer``),
        # which a new concurrency limit counts.
        self.agents: list[Agent] = []
        self._on_blocked = bus.outlet(TaskBlocked)
        self._on_started = bus.outlet(TaskStarted)
        self._on_finished = bus.outlet(TaskFinished)
        self._on_changed = bus.outlet(ConstraintChanged)
        # True while no constraint exists and nobody watches task starts or ends:
        # then ``ctx.work`` only counts its events (one test on its hot path).
        self.quiet = True
        self._on_started.on_change = self._on_finished.on_change = self._update_quiet

    # -- the task path (hot) -----------------------------------------------------

    def begin(self, task: Task) -> bool:
        """Try to start a task now; True if it started, else it waits (hot).

        Events are built with ``_new`` and slot stores: no ``__init__`` frame.
        """
        agent = task.agent
        name = task.name
        cons = self._cache.get((agent.id, name) if self._agent_scoped else name)
        if cons is None:
            cons = self._lookup(agent, name)
        task.cons = cons
        task.gen = self.generation
        now = self.kernel.now
        task.created = now
        self.bus.emitted += 1
        if cons:
            c = cons[0]
            if len(cons) == 1 and c.__class__ is Concurrency:
                # The common case, Concurrency.try_acquire inlined.
                started = c.held < c.limit and not c.waiters
                if started:
                    held = c.held = c.held + 1
                    if held > c.max_held:
                        c.max_held = held
                    task.i = 1
                else:
                    task.waiting_on = c
                    c.waiters.append(task)
            else:
                started = self._walk(task)
            if not started:
                deliver = self._on_blocked.call
                if deliver is not None:
                    ev = _new(TaskBlocked)
                    ev.time = now
                    ev.agent = agent.id
                    ev.task = name
                    ev.reason = task.waiting_on.reason
                    deliver(ev)
                return False
        task.started = now
        task.outer = agent._task
        agent._task = task
        deliver = self._on_started.call
        if deliver is not None:
            ev = _new(TaskStarted)
            ev.time = now
            ev.agent = agent.id
            ev.task = name
            ev.waited = 0.0
            deliver(ev)
        return True

    def instant(self, agent: Agent, name: str) -> bool:
        """Count a task that starts and ends at once, if nothing governs or watches it (hot).

        Such a task waits for nothing and holds nothing while no other code
        runs, so its start and finish are two counted events and no more.
        False: something applies, take the full path (``begin`` / ``finish``).
        """
        if self._on_started.call is not None or self._on_finished.call is not None:
            return False
        cons = self._cache.get((agent.id, name) if self._agent_scoped else name)
        if cons is None:
            cons = self._lookup(agent, name)
        if cons:
            return False
        self.bus.emitted += 2
        return True

    def _lookup(self, agent: Agent, name: str) -> tuple[Constraint, ...]:
        cons = self._resolve(agent.name, name)
        self._cache[(agent.id, name) if self._agent_scoped else name] = cons
        return cons

    def _walk(self, task: Task) -> bool:
        # Hot: acquire the remaining constraints in order, or queue at the first refusal.
        cons = task.cons
        i = task.i
        n = len(cons)
        while i < n:
            c = cons[i]
            if not c.try_acquire():
                task.i = i
                task.waiting_on = c
                c.waiters.append(task)
                return False
            i += 1
        task.i = i
        task.waiting_on = None
        return True

    def granted(self, task: Task, constraint: Constraint) -> None:
        """``constraint`` admits a waiting task; continue its walk and maybe start it (hot)."""
        i = task.i = task.i + 1
        if task.gen != self.generation:
            self._refresh(task)
            if task.waiting_on is not None and not self._walk(task):
                return
        elif i < len(task.cons) and not self._walk(task):
            return
        kernel = self.kernel
        now = kernel.now
        task.started = now
        agent = task.agent
        task.outer = agent._task
        agent._task = task
        self.bus.emitted += 1
        deliver = self._on_started.call
        if deliver is not None:
            ev = _new(TaskStarted)
            ev.time = now
            ev.agent = agent.id
            ev.task = task.name
            ev.waited = now - task.created
            deliver(ev)
        if agent._wait != -1:  # kernel.wake, inlined; a task waiter has no timer to go stale
            agent._wait = -1
            kernel._ready.append(agent)

    def finish(self, task: Task, status: str) -> None:
        """A running task ended: report it, then hand its slots on (hot)."""
        agent = task.agent
        if agent._task is task:
            agent._task = task.outer
        else:
            task.unchain()  # an outer task ends before an inner one
        now = self.kernel.now
        self.bus.emitted += 1
        deliver = self._on_finished.call
        if deliver is not None:
            ev = _new(TaskFinished)
            ev.time = now
            ev.agent = agent.id
            ev.task = task.name
            ev.status = status
            ev.duration = now - task.started
            deliver(ev)
        cons = task.cons
        if len(cons) != 1:
            for c in cons:
                c.release()
            return
        c = cons[0]
        if c.__class__ is not Concurrency:
            c.release()
        elif c.waiters and c.held <= c.limit:  # Concurrency.release, inlined: hand the slot on
            self.granted(c.waiters.popleft(), c)
        else:
            c.held -= 1

    def interrupted(self, task: Task, error: BaseException) -> None:
        """The agent raised (or was cancelled) while its task waited or ran: end the task."""
        status = "cancelled" if isinstance(error, Cancelled) else "failed"
        if task.started is None:
            self.abandon(task, status)
        else:
            self.finish(task, status)

    def abandon(self, task: Task, status: str = "cancelled") -> None:
        """A waiting task ends before it started: leave the queue, give back what it held."""
        if task.waiting_on is not None:
            task.waiting_on.discard(task)
            task.waiting_on = None
        now = self.kernel.now
        self.bus.emitted += 1
        deliver = self._on_finished.call
        if deliver is not None:
            ev = TaskFinished(now, task.agent.id, task.name, status, 0.0)
            deliver(ev)
        for c in task.cons[: task.i]:
            c.release()

    def _refresh(self, task: Task) -> None:
        """The constraint set changed while the task waited: take in new constraints."""
        held = task.cons[: task.i]
        fresh = self._resolve(task.agent.name, task.name)
        task.cons = held + tuple(c for c in fresh if c not in held)
        task.gen = self.generation
        task.waiting_on = task.cons[task.i] if task.i < len(task.cons) else None

    def _resolve(self, agent_name: str, task_name: str) -> tuple[Constraint, ...]:
        found = [c for c in self._constraints.values() if c.scope.matches(agent_name, task_name)]
        # Stable sort: creation order within a kind, global scopes after the narrower ones.
        found.sort(key=lambda c: (_KIND_ORDER[c.kind], c.scope.kind == "global"))
        return tuple(found)

    # -- changing the constraints ---------------------------------------------------

    def set_concurrency(self, scope: str, limit: int, ttl: float | None = None) -> Concurrency:
        """At most ``limit`` matching tasks at once (last write wins per scope)."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"concurrency limit {limit!r} is not valid: use a whole number >= 1")
        parsed = parse_scope(scope)
        _check_ttl(ttl)
        c = self._constraints.get((parsed.text, "concurrency"))
        if c is None:
            c = self._add(Concurrency(self, parsed, limit))
            self._adopt(c)
        else:
            assert isinstance(c, Concurrency)
            c.limit = limit
        self._set_ttl(c, ttl)
        self._changed(c, "set")
        c.admit()  # after the change is reported, so its TaskStarted events follow it
        return c

    def set_rate_limit(
        self, scope: str, rate: str | float, burst: float | None = None, ttl: float | None = None
    ) -> RateLimit:
        """A token bucket: ``rate`` like '50/s'; ``burst`` defaults to the count."""
        per_second, count = parse_rate(rate)
        if burst is None:
            burst = max(1.0, count)
        elif isinstance(burst, bool) or not isinstance(burst, int | float) or not burst >= 1:
            raise ValueError(f"burst {burst!r} is not valid: use a number >= 1")
        parsed = parse_scope(scope)
        _check_ttl(ttl)
        text = rate if isinstance(rate, str) else f"{rate:g}/s"
        c = self._constraints.get((parsed.text, "rate_limit"))
        if c is None:
            c = self._add(RateLimit(self, parsed, per_second, float(burst), text))
        else:
            assert isinstance(c, RateLimit)
            c.set_rate(per_second, float(burst), text)
        self._set_ttl(c, ttl)
        self._changed(c, "set")
        return c

    def pause(self, scope: str, ttl: float | None = None) -> Pause:
        """Matching tasks do not start until ``resume`` (or the TTL runs out)."""
        parsed = parse_scope(scope)
        _check_ttl(ttl)
        c = self._constraints.get((parsed.text, "pause"))
        if c is None:
            c = self._add(Pause(self, parsed))
        self._set_ttl(c, ttl)
        self._changed(c, "set")
        return c  # type: ignore[return-value]

    def resume(self, scope: str) -> bool:
        """Lift a pause; its waiters go on at once. False if there was none."""
        return self.remove(scope, "pause")

    def remove(self, scope: str, kind: str) -> bool:
        """Remove the constraint of ``kind`` on ``scope``; its waiters go on."""
        if kind not in _KIND_ORDER:
            raise ValueError(f"constraint kind {kind!r} is not valid: use one of {', '.join(_KIND_ORDER)}")
        c = self._constraints.get((parse_scope(scope).text, kind))
        if c is None:
            return False
        self._drop(c, "removed")
        return True

    def constraint(self, scope: str, kind: str) -> Constraint | None:
        """The live constraint of ``kind`` on ``scope``, if any."""
        return self._constraints.get((parse_scope(scope).text, kind))

    def statistics(self) -> list[ConstraintStatistics]:
        """A snapshot of every live constraint, in creation order."""
        return [c.statistics() for c in self._constraints.values()]

    def _add(self, c: Constraint) -> Constraint:
        self._constraints[(c.scope.text, c.kind)] = c
        if c.scope.kind == "agent":
            self._agent_scoped += 1
        self._bump()
        return c

    def _adopt(self, c: Concurrency) -> None:
        """A new limit counts the matching tasks already running; they release it when done."""
        for agent in self.agents:
            task = agent._task
            while task is not None:
                if c.scope.matches(agent.name, task.name):
                    task.cons += (c,)
                    task.i += 1
                    c.held += 1
                task = task.outer
        c.max_held = max(c.max_held, c.held)

    def _drop(self, c: Constraint, action: str) -> None:
        del self._constraints[(c.scope.text, c.kind)]
        if c.scope.kind == "agent":
            self._agent_scoped -= 1
        if c.ttl_timer is not None:
            c.ttl_timer.cancel()
            c.ttl_timer = None
        if isinstance(c, RateLimit):
            c.cancel_timer()
        self._bump()
        self._changed(c, action)
        c.grant_all()

    def _bump(self) -> None:
        self.generation += 1
        self._cache.clear()
        self._update_quiet()

    def _update_quiet(self) -> None:
        """Recompute ``quiet`` after the constraints or the task subscribers changed."""
        self.quiet = not (self._constraints or self._on_started.call or self._on_finished.call)

    def _set_ttl(self, c: Constraint, ttl: float | None) -> None:
        if c.ttl_timer is not None:
            c.ttl_timer.cancel()
            c.ttl_timer = None
            c.expires_at = None
        if ttl is not None:
            c.expires_at = self.kernel.now + ttl
            c.ttl_timer = self.kernel.call_at(c.expires_at, lambda: self._expire(c))

    def _expire(self, c: Constraint) -> None:
        if self._constraints.get((c.scope.text, c.kind)) is c:
            c.ttl_timer = None
            self._drop(c, "expired")

    def _changed(self, c: Constraint, action: str) -> None:
        now = self.kernel.now
        c.describe()
        value = c.setting() if c.expires_at is None else f"{c.setting()} until {c.expires_at:g}"
        self.log.append((now, action, c.kind, c.scope.text, value))
        self.bus.emitted += 1
        deliver = self._on_changed.call
        if deliver is not None:
            ev = ConstraintChanged(now, -1, "", c.scope.text, c.kind, action, value)
            deliver(ev)


def _check_ttl(ttl: float | None) -> None:
    if ttl is not None and (
        isinstance(ttl, bool) or not isinstance(ttl, int | float) or not 0 < ttl < math.inf
    ):
        raise ValueError(f"ttl {ttl!r} is not valid: use a number of virtual seconds > 0")
