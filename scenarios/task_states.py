"""Task-state worlds: cells coloured from task events, declared instead of written.

Most scenarios show one picture: each agent's cell says what it is doing
now, as told by the engine's ``TaskBlocked`` / ``TaskStarted`` /
``TaskFinished`` events. A ``TaskStateWorld`` takes the states and a table of
which event of which task (by name glob) puts an agent in which state, lays
the agents on a square-ish grid, and writes the cells as the events come.
For one *measured* task it also keeps the queueing figures (attempts, waits,
completions, running, utilization of the limit) and offers the standard
series: agents per state, completions per second, tasks waiting per the
constraints' own statistics. Subclass it for anything more.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from fnmatch import fnmatchcase
from typing import Any, ClassVar

from engine import ConstraintChanged, Engine, TaskBlocked, TaskFinished, TaskStarted
from scenarios.framework import Limit, Series, State, World

# The event words of the ``on`` table: an event kind, or a TaskFinished status.
STATUSES = ("ok", "failed", "cancelled", "timeout")
EVENTS = ("blocked", "started", "finished", *STATUSES)


class _Plan:
    """What the events of one task name do: the state each sets (-1: none) and whether it is measured.

    ``finished`` is the state any ending sets, or -2 when it depends on the status (``by_status``).
    """

    __slots__ = ("blocked", "by_status", "finished", "measured", "started")

    def __init__(self, blocked: int, started: int, by_status: dict[str, int], measured: bool) -> None:
        self.blocked = blocked
        self.started = started
        self.by_status = by_status
        states = set(by_status.values())
        self.finished = states.pop() if len(states) == 1 else -2
        self.measured = measured


class TaskStateWorld(World):
    """Agents ``0 .. agents-1`` on a square-ish grid, each cell in the state its task events say.

    ``states`` is the legend (every agent starts in the first); ``on`` maps
    ``"GLOB EVENT"`` to a state name, where EVENT is ``blocked``,
    ``started``, ``finished`` or a finishing status (``ok``, ``failed``,
    ``cancelled``, ``timeout``), e.g. ``{"work blocked": "blocked"}``. A
    status beats ``finished``; otherwise the first matching line wins;
    events no line matches leave the cell as it is. Both may also be class
    attributes (``legend``, ``on``) of a subclass. ``task`` (a glob) names
    the measured task; ``limit`` is the scenario's knob, applied to the
    engine here, so its scope is written once.
    """

    on: ClassVar[Mapping[str, str]] = {}
    # The attributes the event subscribers touch are slots: their loads stay fast however
    # many attributes a subclass adds to the instance's dict.
    __slots__ = (
        "_ended", "_name", "_plan_of_name", "_plans", "_waits", "abandoned", "area", "cells",
        "completed", "done_by", "last", "max_running", "queued", "running", "started",
        "started_by", "wait_sum", "waited_by", "waiting",
    )  # fmt: skip

    def __init__(
        self,
        engine: Engine,
        agents: int,
        states: Sequence[State] | None = None,
        on: Mapping[str, str] | None = None,
        *,
        task: str | None = None,
        limit: Limit | None = None,
        sample_every: float = 1.0,
    ) -> None:
        if states is not None:
            self.legend = tuple(states)
        if not self.legend:
            raise ValueError("a task-state world needs at least one state")
        cols = _square_columns(agents)
        super().__init__(engine, -(-agents // cols), cols, used=agents)
        self._rules = _parse_rules(self.on if on is None else on, [s.name for s in self.legend])
        self._plans: dict[str, _Plan] = {}
        self._name: str | None = None
        self._plan_of_name: _Plan | None = None
        self.task = task
        self.sample_every = sample_every
        self._series: list[tuple[Series, Callable[[], float]]] = []
        self._sampler: Any = None
        # The measured task's figures.
        self.queued = self.started = self.completed = self.abandoned = 0
        self.waiting = self.running = self.max_running = 0
        self._ended = dict.fromkeys(STATUSES, 0)  # endings other than a started task's ok
        self.wait_sum = 0.0
        self.started_by = [0] * agents
        self.done_by = [0] * agents
        self.waited_by = [0.0] * agents
        self._waits = bytearray(agents)  # 1 while the agent's measured task waits
        # Utilization integrates running / capacity: ``area`` since the capacity last changed.
        self.area = self.util = 0.0
        self.last = engine.now
        self.capacity = agents
        engine.subscribe(TaskBlocked, self._on_blocked)
        engine.subscribe(TaskStarted, self._on_started)
        engine.subscribe(TaskFinished, self._on_finished)
        if limit is not None:
            self.limit = limit
            engine.subscribe(ConstraintChanged, self._on_constraint)
            limit.set(engine, limit.value)

    def spawn_agents(self, fn: Callable[..., Any], *args: Any) -> None:
        """Spawn the world's agents, ``fn(ctx, *args)`` each: one per cell, ids 0 .. agents-1."""
        engine = self.engine
        if engine.agents:
            raise ValueError("spawn_agents must come first: the cells are agents 0 .. agents-1")
        for _ in range(self.used):
            engine.spawn(fn, *args)

    @property
    def attempts(self) -> int:
        """Measured tasks begun: started, waiting now, or ended without starting."""
        return self.started + self.waiting + self.abandoned

    @property
    def finished(self) -> dict[str, int]:
        """Measured tasks ended, by status (a timeout or a cancel while waiting included)."""
        return {**self._ended, "ok": self.completed}

    # -- standard series -----------------------------------------------------------

    def plot(self, name: str, sample: Callable[[], float]) -> Series:
        """Sample ``sample()`` every ``sample_every`` virtual seconds as the series ``name``."""
        series = Series(name)
        self._series.append((series, sample))
        if self._sampler is None:
            self._sampler = self.engine.call_every(self.sample_every, self._sample, start=self.sample_every)
        return series

    def plot_state(self, state: str, name: str | None = None) -> Series:
        """How many agents are in ``state``."""
        index = self._state_index(state)
        cells, used = self.cells, self.used
        return self.plot(name or state, lambda: cells.count(index, 0, used))

    def plot_completions(self, name: str = "completed /s") -> Series:
        """Measured tasks finished ok per virtual second, over each sampling interval."""
        self._require_task()
        last = [0]

        def rate() -> float:
            done, last[0] = self.completed - last[0], self.completed
            return done / self.sample_every

        return self.plot(name, rate)

    def plot_waiting(self, scope: str | None = None, name: str = "waiting") -> Series:
        """Tasks waiting in the queues of the live constraints on ``scope`` (default: the limit's)."""
        if scope is None:
            if self.limit is None:
                raise ValueError("plot_waiting needs a scope: this world has no limit")
            scope = self.limit.scope
        engine = self.engine
        return self.plot(name, lambda: sum(s.waiting for s in engine.constraints() if s.scope == scope))

    def _sample(self) -> None:
        now = self.engine.now
        for series, sample in self._series:
            series.append(now, sample())

    def series(self) -> list[Series]:
        return [series for series, _ in self._series]

    # -- metrics -------------------------------------------------------------------

    def utilization(self) -> float:
        """Time-average of running / limit of the measured task from 0 to now."""
        now = self.engine.now
        if now <= 0:
            return 0.0
        area = self.area + self.running * (now - self.last)
        return (self.util + area / self.capacity) / now

    def metrics(self) -> dict[str, Any]:
        """The measured task's queueing metrics (none without a measured task)."""
        if self.task is None:
            return {}
        now = self.engine.now
        out: dict[str, Any] = {
            "completed": self.completed,
            "throughput_per_s": self.completed / now if now > 0 else 0.0,
            "mean_wait_s": self.wait_sum / self.started if self.started else 0.0,
        }
        if self.limit is not None:
            out["utilization"] = self.utilization()
        out["max_running"] = self.max_running
        return out

    def describe_agent(self, agent: int) -> dict[str, str]:
        details = {"state": self.legend[self.cells[agent]].name}
        if self.task is not None:
            started = self.started_by[agent]
            details["completed"] = str(self.done_by[agent])
            details["mean wait"] = f"{self.waited_by[agent] / started if started else 0.0:.3f} s"
        return details

    def set_state(self, agent: int, state: str) -> None:
        """Put an agent in a state no task event tells (e.g. "gave up"), until its next event does."""
        self.cells[agent] = self._state_index(state)

    # -- event subscribers (hot: one call per task event) -----------------------------

    # Each looks up what its task's events do once per task name; the last name's plan is
    # kept beside the dict, since most events are of one task.

    def _on_blocked(self, ev: TaskBlocked) -> None:
        name = ev.task
        if name is self._name:
            plan = self._plan_of_name
        else:
            plan = self._plans.get(name) or self._plan(name)
            self._name, self._plan_of_name = name, plan
        agent = ev.agent
        if plan.blocked >= 0:
            self.cells[agent] = plan.blocked
        if plan.measured:
            self.queued += 1
            self.waiting += 1
            self._waits[agent] = 1

    def _on_started(self, ev: TaskStarted) -> None:
        name = ev.task
        if name is self._name:
            plan = self._plan_of_name
        else:
            plan = self._plans.get(name) or self._plan(name)
            self._name, self._plan_of_name = name, plan
        agent = ev.agent
        if plan.started >= 0:
            self.cells[agent] = plan.started
        if plan.measured:
            waits = self._waits
            if waits[agent]:
                waits[agent] = 0
                self.waiting -= 1
                waited = ev.waited
                self.wait_sum += waited
                self.waited_by[agent] += waited
            now = ev.time
            self.area += self.running * (now - self.last)
            self.last = now
            running = self.running = self.running + 1
            if running > self.max_running:
                self.max_running = running
            self.started += 1
            self.started_by[agent] += 1

    def _on_finished(self, ev: TaskFinished) -> None:
        name = ev.task
        if name is self._name:
            plan = self._plan_of_name
        else:
            plan = self._plans.get(name) or self._plan(name)
            self._name, self._plan_of_name = name, plan
        agent = ev.agent
        status = ev.status
        state = plan.finished
        if state == -2:  # the state depends on the status
            state = plan.by_status.get(status, -1)
        if state >= 0:
            self.cells[agent] = state
        if plan.measured:
            waits = self._waits
            if waits[agent]:  # it never started (timed out or cancelled while it waited)
                waits[agent] = 0
                self.waiting -= 1
                self.abandoned += 1
                self._ended[status] += 1
                return
            now = ev.time
            self.area += self.running * (now - self.last)
            self.last = now
            self.running -= 1
            if status == "ok":
                self.completed += 1
                self.done_by[agent] += 1
            else:
                self._ended[status] += 1

    def _on_constraint(self, ev: ConstraintChanged) -> None:
        limit = self.limit
        if limit is None or ev.scope != limit.scope or ev.kind != "concurrency":
            return
        now = ev.time
        self.area += self.running * (now - self.last)
        self.last = now
        self.util += self.area / self.capacity
        self.area = 0.0
        live = self.engine.constraint(limit.scope, "concurrency")
        self.capacity = live.limit if live is not None else self.used  # no limit: all could run

    # -- rules -------------------------------------------------------------------------

    def _plan(self, task: str) -> _Plan:
        """Work out once what the events of task ``task`` do."""

        def first(events: tuple[str, ...]) -> int:
            matches = (s for glob, event, s in self._rules if event in events and fnmatchcase(task, glob))
            return next(matches, -1)

        finished = {status: first((status,)) for status in STATUSES}
        generic = first(("finished",))
        finished = {status: generic if s < 0 else s for status, s in finished.items()}
        measured = self.task is not None and fnmatchcase(task, self.task)
        plan = self._plans[task] = _Plan(first(("blocked",)), first(("started",)), finished, measured)
        return plan

    def _state_index(self, state: str) -> int:
        names = [s.name for s in self.legend]
        if state not in names:
            raise ValueError(f"state {state!r} is not in the legend: use one of {', '.join(names)}")
        return names.index(state)

    def _require_task(self) -> None:
        if self.task is None:
            raise ValueError("this series needs a measured task: give the world task=GLOB")


def _square_columns(agents: int) -> int:
    """Columns of the near-square grid for ``agents`` cells: ceil(sqrt(agents))."""
    if isinstance(agents, bool) or not isinstance(agents, int) or agents < 1:
        raise ValueError(f"agents {agents!r} is not valid: use a whole number >= 1")
    cols = math.isqrt(agents)
    return cols if cols * cols == agents else cols + 1


def _parse_rules(on: Mapping[str, str], states: list[str]) -> list[tuple[str, str, int]]:
    """``{"GLOB EVENT": state}`` as (glob, event, state index) in order, checking every word."""
    rules = []
    for key, state in on.items():
        glob, _, event = key.strip().rpartition(" ")
        if not glob or event not in EVENTS:
            raise ValueError(
                f"task-state rule {key!r} is not valid: use 'TASK-GLOB EVENT' with EVENT one of "
                + ", ".join(EVENTS)
            )
        if state not in states:
            raise ValueError(
                f"task-state rule {key!r}: no state {state!r} in the legend: use one of {', '.join(states)}"
            )
        rules.append((glob.strip(), event, states.index(state)))
    return rules
