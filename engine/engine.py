"""The engine: one kernel, one governor, one event bus and the agents of a run."""

from __future__ import annotations

import inspect
import math
import random
from collections.abc import Callable, Coroutine
from typing import Any

from engine.agent import Agent
from engine.commands import KINDS, AppliedCommand, Command, CommandError, LiveParameter, check_command
from engine.constraints import Concurrency, Constraint, ConstraintStatistics, Pause, RateLimit
from engine.events import AgentStarted, Event, EventBus
from engine.governor import Governor
from engine.kernel import Kernel, Timer

AgentFunction = Callable[..., Coroutine[Any, Any, Any]]
# Told of a command refused when it came to apply: (the command, why).
Refused = Callable[[Command, CommandError], None]


class Engine:
    """A deterministic world: same seed and same commands give the same events.

    Changes from outside the model go through ``submit`` / ``schedule`` as
    commands (see ``engine.commands``) and are logged in ``commands`` with
    the virtual instant they were applied at, so a run is described by
    seed + parameters + commands. The constraint methods below are the
    model's own governance (a scenario's build, its agents): not logged.
    """

    def __init__(self, seed: int = 0) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ValueError(f"seed {seed!r} is not valid: use a whole number >= 0")
        self.seed = seed
        self.random = random.Random(seed)
        self.bus = EventBus()
        self.kernel = Kernel(self.bus)
        self.governor = Governor(self.kernel, self.bus)
        self.agents: list[Agent] = self.governor.agents
        self._on_started = self.bus.outlet(AgentStarted)
        self.commands: list[AppliedCommand] = []
        self.live_parameters: dict[str, LiveParameter] = {}
        self._command_watchers: list[Callable[[AppliedCommand], None]] = []
        self._refusal_watchers: list[Callable[[float, Command, CommandError], None]] = []

    # -- time ------------------------------------------------------------------

    @property
    def now(self) -> float:
        """The current virtual time in seconds."""
        return self.kernel.now

    def run(self, until: float | None = None, max_steps: int | None = None) -> int:
        """Run as fast as possible up to virtual time ``until``; return steps taken."""
        if until is not None and not until >= self.kernel.now:
            raise ValueError(f"until {until!r} is not valid: use a time >= now ({self.kernel.now:g})")
        return self.kernel.run(until, max_steps)

    def step(self) -> bool:
        """Process one event; False when nothing is left."""
        return self.kernel.step()

    def stop(self) -> None:
        """End the current ``run`` right after the event being processed.

        A world that stops itself calls this when it becomes done, so the run
        (and its metrics) end at that instant. Called between runs, the next
        ``run`` returns at once. ``kernel.stopped`` tells such an end apart.
        """
        self.kernel.stop()

    def stop_when(self, done: Callable[[], bool] | None) -> None:
        """End the run at the instant after which ``done()`` is true (asked once per instant).

        The clock stays at that instant, so the run and its metrics end there,
        whatever the slice a caller runs in. It stops a run once, like ``stop()``.
        """
        self.kernel.stop_when(done)

    def call_at(self, when: float, callback: Callable[[], None]) -> Timer:
        """Run ``callback()`` at virtual time ``when``; for observers, not agents."""
        return self.kernel.call_at(when, callback)

    def call_every(
        self, interval: float, callback: Callable[[], None], *, start: float | None = None
    ) -> _Repeat:
        """Run ``callback()`` every ``interval`` virtual seconds (first at ``start``, default now).

        Returns a handle whose ``cancel()`` stops the series, also from inside the callback.
        """
        if isinstance(interval, bool) or not isinstance(interval, int | float) or not 0 < interval < math.inf:
            raise ValueError(f"interval {interval!r} is not valid: use a number of seconds > 0")
        handle = _Repeat(self.kernel, interval, callback)
        handle.schedule(self.kernel.now if start is None else start)
        return handle

    @property
    def events_emitted(self) -> int:
        """Engine events produced so far, listened to or not."""
        return self.bus.emitted

    # -- agents ----------------------------------------------------------------

    def spawn(self, fn: AgentFunction, *args: Any, name: str | None = None) -> Agent:
        """Start ``fn(ctx, *args)`` as a new agent; its id is the next grid index."""
        agent_id = len(self.agents)
        agent = Agent(self, agent_id, name if name is not None else f"agent-{agent_id}")
        coro = fn(agent, *args)
        if not inspect.iscoroutine(coro):
            raise TypeError(f"agent function {fn!r} must be an 'async def' function")
        agent._coro = coro
        self.agents.append(agent)
        self.bus.emitted += 1
        deliver = self._on_started.call
        if deliver is not None:
            deliver(AgentStarted(self.kernel.now, agent_id, "", agent.name))
        self.kernel.start(agent)
        return agent

    def close(self) -> None:
        """Discard the agents that never ran, so freeing the engine warns of no unawaited coroutine.

        Agents that did run are closed by the garbage collector as usual.
        """
        for agent in self.agents:
            coro = agent._coro
            if inspect.iscoroutine(coro) and inspect.getcoroutinestate(coro) == inspect.CORO_CREATED:
                coro.close()

    def cancel(self, agent: Agent | int) -> None:
        """Cancel an agent: ``Cancelled`` is raised where it waits; finally blocks run."""
        target = self.agents[agent] if isinstance(agent, int) else agent
        self.kernel.cancel(target)

    # -- events ----------------------------------------------------------------

    def subscribe(self, event_type: type[Event], fn: Callable[[Any], None]) -> Callable[[], None]:
        """Call ``fn(event)`` synchronously for each event of that type; returns unsubscribe."""
        return self.bus.subscribe(event_type, fn)

    # -- governance (the outside command interface) ----------------------------

    def concurrency(self, scope: str, limit: int, *, ttl: float | None = None) -> Concurrency:
        """At most ``limit`` matching tasks run at once."""
        return self.governor.set_concurrency(scope, limit, ttl)

    def rate_limit(
        self, scope: str, rate: str | float, *, burst: float | None = None, ttl: float | None = None
    ) -> RateLimit:
        """Matching tasks start at most at ``rate`` (e.g. '50/s'), bursts up to ``burst``."""
        return self.governor.set_rate_limit(scope, rate, burst, ttl)

    def pause(self, scope: str = "global", *, ttl: float | None = None) -> Pause:
        """Matching tasks do not start until resumed."""
        return self.governor.pause(scope, ttl)

    def resume(self, scope: str = "global") -> bool:
        """Lift the pause on ``scope``."""
        return self.governor.resume(scope)

    def remove(self, scope: str, kind: str) -> bool:
        """Remove a constraint (``concurrency``, ``rate_limit`` or ``pause``)."""
        return self.governor.remove(scope, kind)

    def constraint(self, scope: str, kind: str) -> Constraint | None:
        """The live constraint of a kind on a scope, or None."""
        return self.governor.constraint(scope, kind)

    def constraints(self) -> list[ConstraintStatistics]:
        """Snapshots of all live constraints."""
        return self.governor.statistics()

    @property
    def constraint_log(self) -> list[tuple[float, str, str, str, str]]:
        """Every constraint change, the model's own and commands', as (time, action, kind, scope, setting)."""
        return self.governor.log

    # -- outside commands ------------------------------------------------------

    def live(self, parameter: LiveParameter) -> None:
        """Declare a parameter that ``set NAME VALUE`` may change while the run goes."""
        self.live_parameters[parameter.name] = parameter

    def check(self, command: Command) -> Command:
        """The command checked and in canonical form, without applying it (raises CommandError).

        For ``set`` the value is converted by the live parameter and
        cross-checked against the values in force now, so a bad value gets
        the same message as on the command line.
        """
        return self._checked(command, now=True)[0]

    @property
    def started(self) -> bool:
        """True once the run has taken its first step (``run`` or ``step`` was called)."""
        return self.kernel.started

    def submit(self, command: Command, on_refused: Refused | None = None) -> AppliedCommand | None:
        """Apply an outside command now: at the start, or at the end of the current instant.

        Checked first (CommandError, nothing changes). Before the first step
        it applies at once, before any agent moves, and is logged ``at_start``.
        Later, when nothing else is due at ``now``, it applies at once and is
        returned; otherwise it waits for the instant to end (the next engine
        step) and None is returned. A ``set`` whose cross-check fails by then
        is refused: ``on_refused(command, error)``, else the refusal watchers.
        """
        command, value = self._checked(command, now=True)
        if not self.kernel.started:
            return self._apply(command, value, on_refused, at_start=True)
        if self.kernel.instant_done():
            return self._apply(command, value, on_refused)
        self.kernel.call_late(self.kernel.now, lambda: self._apply(command, value, on_refused))
        return None

    def schedule(self, time: float, command: Command, on_refused: Refused | None = None) -> Timer:
        """Apply an outside command at virtual time ``time`` (>= now), at the end of that instant.

        A ``set`` value is converted now and cross-checked when it applies,
        against the values in force then (refused as in ``submit`` if that
        fails). Returns the timer: ``cancel()`` withdraws the command before
        it applies (a rewound run that takes another branch).
        """
        if isinstance(time, bool) or not isinstance(time, int | float) or not self.now <= time < math.inf:
            raise CommandError(f"time {time!r} is not valid: use a virtual time >= now ({self.now:g})")
        command, value = self._checked(command, now=False)
        return self.kernel.call_late(float(time), lambda: self._apply(command, value, on_refused))

    def watch_commands(self, fn: Callable[[AppliedCommand], None]) -> Callable[[], None]:
        """Call ``fn(applied)`` after each outside command is applied; returns unsubscribe."""
        self._command_watchers.append(fn)
        return lambda: self._command_watchers.remove(fn)

    def watch_refusals(self, fn: Callable[[float, Command, CommandError], None]) -> Callable[[], None]:
        """Call ``fn(time, command, error)`` for each command refused as it applied; returns unsubscribe.

        Only refusals with no ``on_refused`` of their own come here.
        """
        self._refusal_watchers.append(fn)
        return lambda: self._refusal_watchers.remove(fn)

    def _checked(self, command: Command, *, now: bool) -> tuple[Command, Any]:
        """The canonical command and, for ``set``, its converted value (cross-checked if ``now``)."""
        command = check_command(command)
        if command.name != "set":
            return command, None
        parameter = self._parameter(command)
        try:
            value = parameter.convert(command.args["value"])
            if now and parameter.check is not None:
                parameter.check(value)
        except ValueError as error:
            raise CommandError(str(error)) from None
        return command, value

    def _apply(
        self, command: Command, value: Any, on_refused: Refused | None, *, at_start: bool = False
    ) -> AppliedCommand | None:
        args = command.args
        name = command.name
        ttl = args.get("ttl")
        if name == "set":
            parameter = self.live_parameters[args["name"]]
            try:
                if parameter.check is not None:  # against the values in force now, at apply time
                    parameter.check(value)
            except ValueError as error:
                self._refuse(command, CommandError(str(error)), on_refused)
                return None
            parameter.apply(value)
        elif name == "concurrency":
            self.governor.set_concurrency(args["scope"], args["limit"], ttl)
        elif name == "rate-limit":
            self.governor.set_rate_limit(args["scope"], args["rate"], args.get("burst"), ttl)
        elif name == "pause":
            self.governor.pause(args["scope"], ttl)
        elif name == "resume":
            self.governor.resume(args["scope"])
        else:  # clear
            kinds = [args["kind"]] if "kind" in args else KINDS
            for kind in kinds:
                self.governor.remove(args["scope"], kind)
        applied = AppliedCommand(self.kernel.now, command, at_start)
        self.commands.append(applied)
        for fn in list(self._command_watchers):
            fn(applied)
        return applied

    def _refuse(self, command: Command, error: CommandError, on_refused: Refused | None) -> None:
        if on_refused is not None:
            on_refused(command, error)
            return
        for fn in list(self._refusal_watchers):
            fn(self.kernel.now, command, error)

    def _parameter(self, command: Command) -> LiveParameter:
        name = command.args["name"]
        parameter = self.live_parameters.get(name)
        if parameter is None:
            known = ", ".join(sorted(self.live_parameters)) or "none in this scenario"
            raise CommandError(f"set: {name!r} is not a live parameter: use one of {known}")
        return parameter


class _Repeat:
    """A periodic callback; ``cancel()`` stops it, also from inside the callback."""

    __slots__ = ("callback", "cancelled", "count", "interval", "kernel", "origin", "timer")

    def __init__(self, kernel: Kernel, interval: float, callback: Callable[[], None]) -> None:
        self.kernel = kernel
        self.interval = interval
        self.callback = callback
        self.timer: Timer | None = None
        self.count = 0
        self.origin = 0.0
        self.cancelled = False

    def schedule(self, start: float) -> None:
        self.origin = max(start, self.kernel.now)
        self.timer = self.kernel.call_at(self.origin, self._fire)

    def _fire(self) -> None:
        self.timer = None
        self.callback()
        if self.cancelled:
            return
        self.count += 1
        # Times from the origin, not accumulated, so they do not drift.
        self.timer = self.kernel.call_at(self.origin + self.count * self.interval, self._fire)

    def cancel(self) -> None:
        self.cancelled = True
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
