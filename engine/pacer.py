"""The pacer: virtual time that follows the wall clock at a chosen speed.

A UI calls ``advance(budget)`` once per frame. The pacer runs the kernel
towards ``speed`` x elapsed wall time in slices of at most ``slice_steps``
events, and stops when the frame's wall budget is spent, so the UI stays
responsive even when the model cannot keep up. Then the achieved speed is
reported honestly and the backlog is capped instead of being raced through
later. Pacing never changes what happens, only when it is computed.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from engine.engine import Engine

# Backlog cap, in wall seconds of virtual time at the current speed.
_MAX_BACKLOG = 0.5
# Window over which achieved speed is measured, in wall seconds.
_WINDOW = 1.0


@dataclass(frozen=True, slots=True)
class PacerStatus:
    """Requested and achieved speed; ``lag`` is virtual seconds behind target."""

    speed: float
    achieved: float
    lag: float
    paused: bool


class Pacer:
    """Maps wall-clock time to virtual time for an engine."""

    def __init__(
        self,
        engine: Engine,
        speed: float = 1.0,
        clock: Callable[[], float] = time.perf_counter,
        slice_steps: int = 500,
    ) -> None:
        if isinstance(slice_steps, bool) or not isinstance(slice_steps, int) or slice_steps < 1:
            raise ValueError(f"slice_steps {slice_steps!r} is not valid: use a whole number >= 1")
        self.engine = engine
        self.clock = clock
        self.slice_steps = slice_steps
        self._speed = _check_speed(speed)
        self._paused = False
        self._anchor_wall = clock()
        self._anchor_virtual = engine.now
        self._samples: deque[tuple[float, float]] = deque()
        self._lag = 0.0

    @property
    def speed(self) -> float:
        """Requested virtual seconds per wall second."""
        return self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        self._speed = _check_speed(value)
        self._reanchor()

    @property
    def paused(self) -> bool:
        return self._paused

    def pause(self) -> None:
        """Stop virtual time (the engine keeps its state)."""
        self._paused = True
        self._samples.clear()

    def resume(self) -> None:
        """Let virtual time follow the wall clock again from now."""
        self._paused = False
        self._reanchor()

    def toggle(self) -> bool:
        """Pause if running, resume if paused; returns the new paused state."""
        if self._paused:
            self.resume()
        else:
            self.pause()
        return self._paused

    def step(self) -> bool:
        """Process one engine event (meant for use while paused)."""
        stepped = self.engine.step()
        self._reanchor()
        return stepped

    def advance(self, budget: float) -> int:
        """Run towards the wall-clock target for at most ``budget`` wall seconds.

        Returns the number of events processed.
        """
        if self._paused:
            return 0
        clock = self.clock
        start = clock()
        deadline = start + budget
        target = self._anchor_virtual + (start - self._anchor_wall) * self._speed
        kernel = self.engine.kernel
        done = 0
        while kernel.now < target:
            done += kernel.run(target, self.slice_steps)
            if kernel.stopped or clock() >= deadline:  # stopped: the world asked to end here
                break
        now_wall = clock()
        self._lag = max(0.0, target - kernel.now)
        backlog_cap = self._speed * _MAX_BACKLOG
        if self._lag > backlog_cap:
            # Forget what cannot be caught up; achieved speed shows the shortfall.
            self._anchor_virtual = kernel.now + backlog_cap
            self._anchor_wall = now_wall
            self._lag = backlog_cap
        self._sample(now_wall, kernel.now)
        return done

    def status(self) -> PacerStatus:
        """Requested speed, achieved speed over the last second, lag, paused."""
        return PacerStatus(self._speed, self.achieved_speed(), self._lag, self._paused)

    def achieved_speed(self) -> float:
        samples = self._samples
        if len(samples) < 2:
            return 0.0
        (w0, v0), (w1, v1) = samples[0], samples[-1]
        return (v1 - v0) / (w1 - w0) if w1 > w0 else 0.0

    def _sample(self, wall: float, virtual: float) -> None:
        samples = self._samples
        samples.append((wall, virtual))
        while len(samples) > 2 and wall - samples[0][0] > _WINDOW:
            samples.popleft()

    def _reanchor(self) -> None:
        self._anchor_wall = self.clock()
        self._anchor_virtual = self.engine.now
        self._lag = 0.0
        self._samples.clear()


def _check_speed(speed: float) -> float:
    if isinstance(speed, bool) or not isinstance(speed, int | float) or not 0 < speed < float("inf"):
        raise ValueError(f"speed {speed!r} is not valid: use a number of virtual seconds per wall second > 0")
    return float(speed)
