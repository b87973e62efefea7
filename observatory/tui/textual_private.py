"""Every use of Textual's private parts, in one place, for the grid's direct path.

The direct path (``direct``) writes the grid's changed cells to the
terminal itself: measured (``benchmarks/tui_fps.py``), drawing the same
frames through Textual's compositor takes 5 times the CPU for a 100x100
grid with every cell changing and 18 times for 200x200 with 5 % changing.
Textual has no public way to write to the terminal in step with its own
updates, so the path needs, and only this module touches:

* ``app._driver``: the driver, whose public ``write`` queues text for
  Textual's writer thread, so a frame keeps its order with Textual's updates.
* ``driver._writer_thread`` (a ``textual.drivers._writer_thread.WriterThread``,
  with its ``_file`` and ``_queue``): replaced by one that flushes each frame
  and tells when the terminal took it, so frames/s are what the terminal
  took and a slow terminal costs frames, not seconds of lag.
* ``app._sync_available``: whether the terminal has synchronised output, so
  a frame shows at once, not half drawn.
* ``screen._compositor.visible_widgets``: where each widget shows, so the
  grid is painted directly only while nothing covers it.

``missing()`` says at start-up what of this is not there (a Textual release
changed it); the app then leaves the grid on Textual's public Line API
path, which draws the same screen more slowly.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

try:
    from textual.drivers._writer_thread import WriterThread
except ImportError:  # pragma: no cover - only on a Textual that moved it
    WriterThread = None  # type: ignore[assignment,misc]

# Synchronised output (DEC private mode 2026): the terminal shows what is between at once.
SYNC_START, SYNC_END = "\x1b[?2026h", "\x1b[?2026l"

# Set by tests (and ``--public-grid`` benchmarks) to force the public path.
FORCE_PUBLIC = False


class Frame(str):
    """A frame's text; the writer knows it by its type."""

    __slots__ = ()


def missing(app: Any) -> str:
    """What the direct path needs that this Textual and app lack ("" if nothing)."""
    if FORCE_PUBLIC:
        return "the public path was asked for"
    if WriterThread is None:
        return "textual.drivers._writer_thread.WriterThread"
    probe = WriterThread(io.StringIO())
    for name in ("_file", "_queue"):
        if not hasattr(probe, name):
            return f"WriterThread.{name}"
    for name in ("_driver", "_sync_available"):
        if not hasattr(app, name):
            return f"App.{name}"
    compositor = getattr(app.screen, "_compositor", None)
    if not hasattr(compositor, "visible_widgets"):
        return "Screen._compositor.visible_widgets"
    return ""


def driver_of(app: Any) -> Any:
    """The app's driver (None before it runs or after)."""
    return app._driver


def sync_available(app: Any) -> bool:
    return bool(app._sync_available)


def visible_widgets(screen: Any) -> dict:
    """Widget -> (region, clip) of every widget that shows on the screen, as last laid out."""
    return screen._compositor.visible_widgets


def install_writer(driver: Any, current: Any, took: Callable[[], None]) -> tuple[Any, bool]:
    """The driver's writer, made a ``FrameWriter`` if ``current`` is not it already.

    Returns (writer, replaced); writer None: the driver has none (headless).
    """
    writer = getattr(driver, "_writer_thread", None)
    if writer is None or writer is current:
        return writer, False
    if not isinstance(writer, _FrameWriter):
        # Textual's writer is stopped first: it writes out what it holds, in order.
        writer.stop()
        writer = _FrameWriter(writer._file, took)
        writer.start()
        driver._writer_thread = writer
    return writer, True


class _FrameWriter(WriterThread or object):  # type: ignore[misc]
    """Textual's writer thread, which also flushes each frame and says it went."""

    def __init__(self, file, took: Callable[[], None]) -> None:
        super().__init__(file)
        self._took = took

    def run(self) -> None:
        write, flush = self._file.write, self._file.flush
        get, qsize = self._queue.get, self._queue.qsize
        took = self._took
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
