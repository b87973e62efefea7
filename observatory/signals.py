"""Stopping a run from outside: SIGINT, SIGTERM and SIGHUP, and agents that never yield.

``StopSignals`` is active around one run in the main thread. What a signal
does depends on the run's phase:

* ``build`` (the world is being built): ``BuildInterrupted`` is raised at
  once, so even a million-agent build stops within a fraction of a second.
* ``run``: the stop is requested; the runner stops at its next slice
  boundary, prints what it has and writes its files. If the engine does not
  get back to the runner within ``GRACE`` seconds (an agent in a loop that
  never awaits), a watchdog thread interrupts the main thread, and
  ``NotYielding`` is raised inside that agent, naming it.
* ``finish`` (files being written): the request is remembered.

A second signal at any point exits at once: no traceback, no warnings, the
temporary files being written removed, the terminal restored by the
``on_hard_exit`` hook. The exit code is 128 + the first signal's number
(130 SIGINT, 143 SIGTERM, 129 SIGHUP).
"""

from __future__ import annotations

import os
import signal
import threading
import warnings
from collections.abc import Callable
from types import FrameType
from typing import Any

from observatory.outputs import abandon_temporaries

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# Wall seconds the engine has to come back after a stop request before it is interrupted.
GRACE = 1.0


class BuildInterrupted(KeyboardInterrupt):
    """A stop signal arrived while the world was being built: nothing ran."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(signal.Signals(signum).name)


class NotYielding(KeyboardInterrupt):
    """The engine did not come back in time after a stop request; raised inside the running agent."""

    def __init__(self, agent: Any) -> None:
        self.agent = agent
        super().__init__(describe(agent))


def describe(agent: Any) -> str:
    """Who did not yield, in words: an agent's id and name, a timer's callback, or the engine."""
    if agent is None:
        return "the engine did not return within the grace time"
    name = getattr(agent, "name", None)
    if name is not None and hasattr(agent, "id"):
        return f"agent {agent.id} ({name}) did not yield: a loop that never awaits ctx.sleep or a task?"
    callback = getattr(agent, "callback", None)
    label = getattr(callback, "__qualname__", repr(callback))
    return f"the timer callback {label} did not return"


def running_agent(frame: FrameType | None) -> Any:
    """The agent (or timer) the engine's kernel is resuming in ``frame`` or one of its callers."""
    from engine.kernel import Kernel

    run_code = Kernel.run.__code__
    while frame is not None:
        if frame.f_code is run_code:
            return frame.f_locals.get("agent")
        frame = frame.f_back
    return None


class StopSignals:
    """Handles the stop signals for one run (see the module docstring); a context manager.

    ``stop()`` is the runner's "should I stop?" check, called between
    slices; the first call ends the build phase. ``slice(fn, *args)`` runs
    one engine slice for a runner that does other work between slices (the
    TUI): a ``NotYielding`` inside it is caught, recorded in ``stuck`` and
    reported through ``on_stuck``. ``request()`` asks for a stop without a
    signal (the TUI's quit key) and arms the same watchdog.
    """

    def __init__(
        self,
        on_request: Callable[[], None] | None = None,
        on_hard_exit: Callable[[], None] | None = None,
        on_stuck: Callable[[NotYielding], None] | None = None,
        on_built: Callable[[], None] | None = None,
        grace: float = GRACE,
    ) -> None:
        self.on_built = on_built
        self.on_request = on_request
        self.on_hard_exit = on_hard_exit
        self.on_stuck = on_stuck
        self.grace = grace
        self.phase = "build"
        self.signum: int | None = None
        self.stuck: NotYielding | None = None
        self._requested = False
        self._acknowledged = False
        self._sliced = False  # True once slice() is used: "busy" means inside a slice
        self._in_slice = False
        self._slices = 0
        self._slice_at_request = 0
        self._poke = False
        self._watchdog: threading.Timer | None = None
        self._previous: dict[int, Any] = {}
        self._main = threading.main_thread().ident

    # -- what the runner asks ------------------------------------------------------

    @property
    def requested(self) -> bool:
        """A stop was asked for (signal or ``request``)."""
        return self._requested

    @property
    def exit_code(self) -> int | None:
        """128 + the signal's number if a signal stopped the run, else None."""
        return None if self.signum is None else 128 + self.signum

    def stop(self) -> bool:
        """The runner's check between slices: True once a stop is requested."""
        self.built()
        if self._requested:
            self._acknowledged = True
        return self._requested

    def built(self) -> None:
        """The world is built: a signal from now on asks the run to stop."""
        if self.phase == "build":
            self.phase = "run"
            if self.on_built is not None:
                self.on_built()

    def finish(self) -> None:
        """The run is over; files are being written (a first signal now is only remembered)."""
        self.phase = "finish"
        self._cancel_watchdog()

    def slice(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run one engine slice, interruptible if it does not return after a stop request."""
        self._sliced = True
        self._slices += 1
        try:
            self._in_slice = True
            result = fn(*args)
            self._in_slice = False  # a poke before this line is caught below
            return result
        except NotYielding as stuck:
            self._in_slice = False
            self.stuck = stuck
            if self.on_stuck is not None:
                self.on_stuck(stuck)
            return None

    def request(self, signum: int | None = None) -> None:
        """Ask the run to stop (from any thread); a signal number makes it the exit code."""
        if signum is not None and self.signum is None:
            self.signum = signum
        if self._requested:
            return
        self._requested = True
        if self.on_request is not None:
            self.on_request()
        self._arm_watchdog()

    # -- signal handling ----------------------------------------------------------

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():
            for signum in SIGNALS:
                self._previous[signum] = signal.signal(signum, self._on_signal)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._cancel_watchdog()
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)
        self._previous.clear()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self._poke:
            self._poke = False
            if self._busy():
                self.stuck = NotYielding(running_agent(frame))
                raise self.stuck
            return
        if self.signum is not None or (self._requested and self.phase != "build"):
            self._hard_exit(self.signum or signum)
        self.signum = signum
        if self.phase == "build":
            self._requested = True
            # A coroutine made but not yet handed to the engine would warn when freed.
            warnings.filterwarnings("ignore", message="coroutine .* was never awaited")
            raise BuildInterrupted(signum)
        self.request(signum)

    def _hard_exit(self, signum: int) -> None:
        try:
            if self.on_hard_exit is not None:
                self.on_hard_exit()
        finally:
            abandon_temporaries()
            os.write(2, b"\nobservatory: stopped at once (second signal); files not written\n")
            os._exit(128 + signum)

    # -- the watchdog -------------------------------------------------------------

    def _busy(self) -> bool:
        """The engine holds the main thread and has not come back since the request."""
        if self._sliced:
            return self._in_slice and self._slices == self._slice_at_request
        return self.phase == "run" and not self._acknowledged

    def _arm_watchdog(self) -> None:
        if self.phase == "finish" or self._watchdog is not None:
            return
        self._slice_at_request = self._slices
        timer = threading.Timer(self.grace, self._check)
        timer.daemon = True
        self._watchdog = timer
        timer.start()

    def _check(self) -> None:
        if self._busy() and self._main is not None:
            self._poke = True
            signal.pthread_kill(self._main, signal.SIGINT)

    def _cancel_watchdog(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
