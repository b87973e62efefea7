"""A steady frame clock: frames on a fixed grid of times, not "interval after the last one".

Sleeping one interval after each frame drifts: every frame's own time and
the loop's lateness add up, so 60 frames/s becomes 50. Here frame k is due
at ``start + k * interval``; a late frame makes the next one come sooner.
When frames fall far behind (a long pause of the process), at most
``catch_up`` missed frames are run back to back and the rest are dropped,
so a stall is not followed by a burst. Pure logic: the caller passes the time.
"""

from __future__ import annotations

MAX_CATCH_UP = 3


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
