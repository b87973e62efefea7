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

from textual._ansi_sequences import SYNC_END, SYNC_START
from textual.app import App
from textual.drivers._writer_thread import WriterThread

MAX_BACKLOG = 3


class Frame(str):
    """A frame's text; the writer knows it by its type."""

    __slots__ = ()


class _FrameWriter(WriterThread):
    """Textual's writer thread, which also flushes each frame and tells the feed it went."""

    def __init__(self, file, feed: TerminalFeed) -> None:
        super().__init__(file)
        self._feed = feed

    def run(self) -> None:
        write, flush = self._file.write, self._file.flush
        get, qsize = self._queue.get, self._queue.qsize
        took = self._feed._took
        while True:
            text = get()
            if text is None:
                break
            write(text)
            if type(text) is Frame:
                flush()
                took()
            elif qsize() == 0:
                flush()
        flush()


class TerminalFeed:
    """Sends frames through the app's driver and counts those the terminal took."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.sent = 0
        self.taken = 0
        # When each frame was taken (or drawn with nothing to send), for frames per second.
        self.times: deque[float] = deque(maxlen=512)
        self._writer: WriterThread | None = None

    @property
    def ready(self) -> bool:
        """Whether frames can go to the terminal now."""
        app = self.app
        driver = app._driver
        return app._running and not app._closed and driver is not None and not driver.is_inline

    @property
    def backlog(self) -> int:
        """Frames sent that the terminal has not taken yet."""
        return self.sent - self.taken

    def send(self, text: str) -> bool:
        """Send one frame, unless ``MAX_BACKLOG`` frames still wait; True if sent."""
        if self.backlog >= MAX_BACKLOG:
            return False
        driver = self.app._driver
        assert driver is not None
        threaded = self._install(driver)
        self.sent += 1
        if self.app._sync_available:  # the terminal shows the frame at once, not half drawn
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
        writer = getattr(driver, "_writer_thread", None)
        if writer is None:
            return False
        if writer is not self._writer:
            if not isinstance(writer, _FrameWriter):
                # Textual's writer is stopped first: it writes out what it holds, in order.
                writer.stop()
                writer = _FrameWriter(writer._file, self)
                writer.start()
                driver._writer_thread = writer
            self._writer = writer
            # Frames sent to a writer that is gone were written or lost with it.
            self.taken = self.sent
        return True
