"""A steady frame clock: frames on a fixed grid of times, not "interval after the last one".

Sleeping one interval after each frame drifts: every frame's own time and
the loop's lateness add up, so 60 frames/s becomes 50. Here frame k is due
at ``start + k * interval``; a late frame makes the next one come sooner.
When frames fall far behind (a long pause of the process), at most
``catch_up`` missed frames are run back to back and the rest are dropped,
so a stall is not followed by a burst. Pure logic: the caller passes the time;
``FrameTicker`` runs frames on it in an asyncio loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

MAX_CATCH_UP = 3
# Idle time the event loop gets before every frame, even one that is late: a key's
# handling passes through several message queues, each one loop turn, and without
# this gap a late frame would run between every two of them.
MIN_GAP = 0.002


class FrameClock:
    def __init__(self, interval: float, catch_up: int = MAX_CATCH_UP) -> None:
        if interval <= 0:
            raise ValueError("interval must be positive")
        self.interval = interval
        self.catch_up = catch_up
        self._due: float | None = None

    def start(self, now: float) -> None:
        """The first frame is due now."""
        self._due = now

    @property
    def due(self) -> float | None:
        """When the next frame is due (None before ``start``)."""
        return self._due

    def tick(self, now: float) -> float:
        """A frame is being drawn at ``now``; returns the wait until the next one (0: at once)."""
        if self._due is None:
            self._due = now
        due = self._due + self.interval
        # At most ``catch_up`` frames may be owed; older ones are dropped.
        due = max(due, now - self.catch_up * self.interval)
        self._due = due
        return max(0.0, due - now)

    def set_interval(self, interval: float, now: float) -> None:
        """A new rate from now on: the next frame is due one new interval after ``now``
        (or sooner, if the old schedule had it sooner)."""
        if interval <= 0:
            raise ValueError("interval must be positive")
        self.interval = interval
        self._due = now if self._due is None else min(self._due, now + interval)


class FrameTicker:
    """Calls ``frame`` in the running asyncio loop at the times a ``FrameClock`` gives.

    An exception from ``frame`` goes to ``on_error`` and stops the ticker.
    """

    def __init__(self, frame: Callable[[], None], on_error: Callable[[Exception], None]) -> None:
        self.frame = frame
        self.on_error = on_error
        self.clock: FrameClock | None = None
        self._handle: asyncio.TimerHandle | None = None

    def pace(self, interval: float) -> None:
        """Frames every ``interval`` seconds from now on (the first one interval from now)."""
        now = asyncio.get_running_loop().time()
        if self.clock is None:
            self.clock = FrameClock(interval)
            self.clock.start(now + interval)
        elif self.clock.interval != interval:
            self.clock.set_interval(interval, now)
        else:
            return
        self._schedule()

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self.clock = None

    def _schedule(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
        assert self.clock is not None and self.clock.due is not None
        loop = asyncio.get_running_loop()
        self._handle = loop.call_at(max(self.clock.due, loop.time() + MIN_GAP), self._tick)

    def _tick(self) -> None:
        self._handle = None
        if self.clock is None:
            return
        self.clock.tick(asyncio.get_running_loop().time())
        try:
            self.frame()
        except Exception as error:
            self.stop()
            self.on_error(error)
            return
        if self._handle is None and self.clock is not None:  # unless the frame re-paced
            self._schedule()
