"""Frames to the terminal, no faster than it takes them, and counted when it does.

Textual writes to the terminal from a writer thread fed by a queue. A frame
written straight to the terminal (see ``GridView``) goes through the same
queue, so it keeps its order with Textual's own updates. The writer here is
Textual's with one change: after writing a frame it flushes and notes the
time, so the app knows how many frames the terminal really took. A frame
is not sent while ``MAX_BACKLOG`` sent frames are still waiting: the next
one then carries the changes of the frames left out, and a slow terminal
(tmux over ssh, say) costs frames, never seconds of lag.
"""

from __future__ import annotations

from collections import deque
from time import perf_counter

from textual.app import App

from observatory.tui import textual_private as private
from observatory.tui.textual_private import SYNC_END, SYNC_START, Frame

__all__ = ["MAX_BACKLOG", "Frame", "TerminalFeed"]

MAX_BACKLOG = 3


class TerminalFeed:
    """Sends frames through the app's driver and counts those the terminal took."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.sent = 0
        self.taken = 0
        # When each frame was taken (or drawn with nothing to send), for frames per second.
        self.times: deque[float] = deque(maxlen=512)
        self._writer = None

    @property
    def ready(self) -> bool:
        """Whether frames can go to the terminal now."""
        app = self.app
        driver = private.driver_of(app)
        return app.is_running and driver is not None and not driver.is_inline

    @property
    def backlog(self) -> int:
        """Frames sent that the terminal has not taken yet."""
        return self.sent - self.taken

    def send(self, text: str) -> bool:
        """Send one frame, unless ``MAX_BACKLOG`` frames still wait; True if sent."""
        if self.backlog >= MAX_BACKLOG:
            return False
        driver = private.driver_of(self.app)
        assert driver is not None
        threaded = self._install(driver)
        self.sent += 1
        if private.sync_available(self.app):  # the terminal shows the frame at once, not half drawn
            text = SYNC_START + text + SYNC_END
        driver.write(Frame(text))
        if not threaded:  # headless: nothing waits
            self._took()
        return True

    def drawn(self) -> None:
        """A frame with nothing to send: it counts at once."""
        self.times.append(perf_counter())

    def fps(self, now: float | None = None) -> float:
        """Frames taken per second over the last second (less at start-up)."""
        now = perf_counter() if now is None else now
        times = self.times
        while times and times[0] <= now - 1.0:
            times.popleft()
        return float(len(times))

    def _took(self) -> None:
        # Called from the writer thread; only it changes ``taken``.
        self.taken += 1
        self.times.append(perf_counter())

    def _install(self, driver) -> bool:
        """Put this feed's writer in place of Textual's (again after a suspend); False if none."""
        writer, replaced = private.install_writer(driver, self._writer, self._took)
        if writer is None:
            return False
        if replaced:
            self._writer = writer
            # Frames sent to a writer that is gone were written or lost with it.
            self.taken = self.sent
        return True
