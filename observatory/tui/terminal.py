"""The terminal the TUI draws on: the controlling terminal, whatever stderr is.

Textual's Linux driver writes to stderr and reads stdin, so
``observatory run bottleneck 2>log`` would show a blank screen and fill the
log with escapes. ``TerminalDriver`` writes to stderr only when it is a
terminal, else to the controlling terminal (``/dev/tty``); it reads stdin,
or the controlling terminal when stdin is not one. It also tells the app
about quit keys as they are read, on the input thread, so a quit can be
honoured even while an agent that never yields holds the main thread.
``restore`` puts the terminal back from anywhere (a second signal's
immediate exit).
"""

from __future__ import annotations

import contextlib
import os
import sys
import termios
from typing import Any

from textual import events
from textual.drivers.linux_driver import LinuxDriver

QUIT_KEYS = ("q", "ctrl+c")
# Alternate screen off, cursor shown, mouse tracking, focus events, bracketed paste and the
# Kitty keyboard protocol off, line wrap back on: what Textual turns on, turned off.
RESTORE = (
    "\x1b[<u\x1b[?1049l\x1b[?25h\x1b[?1000l\x1b[?1003l\x1b[?1015l\x1b[?1006l"
    "\x1b[?1004l\x1b[?2004l\x1b[?7h"
)


def _controlling_terminal(mode: str) -> Any:
    try:
        return open("/dev/tty", mode, encoding="utf-8", errors="replace")
    except OSError:
        return None


class TerminalDriver(LinuxDriver):
    """Textual's Linux driver on the controlling terminal, with quit keys seen on arrival."""

    def __init__(self, app: Any, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self._own: list[Any] = []
        if not sys.__stderr__.isatty():
            tty = _controlling_terminal("w")
            if tty is not None:
                self._own.append(tty)
                self._file = tty
        if not self.input_tty:
            tty_in = _controlling_terminal("r")
            if tty_in is not None:
                self._own.append(tty_in)
                self.fileno = tty_in.fileno()
                self.input_tty = True

    def process_message(self, message: Any) -> None:
        """On the input thread: a quit key is also reported at once to ``app.on_quit_key``."""
        if isinstance(message, events.Key) and message.key in QUIT_KEYS:
            hook = getattr(self._app, "on_quit_key", None)
            if hook is not None:
                hook()
        super().process_message(message)

    def close(self) -> None:
        super().close()
        for file in self._own:
            with contextlib.suppress(OSError):
                file.close()
        self._own.clear()


def restore(driver: Any) -> None:
    """Put the terminal back as it was (used before an immediate exit); never raises."""
    if not isinstance(driver, LinuxDriver):
        return
    with contextlib.suppress(Exception):
        os.write(driver._file.fileno(), RESTORE.encode())
    if driver.attrs_before is not None:
        with contextlib.suppress(Exception):
            termios.tcsetattr(driver.fileno, termios.TCSANOW, driver.attrs_before)


def terminal_driver() -> type[LinuxDriver] | None:
    """The driver class for the TUI on this platform (None: Textual's own choice)."""
    return TerminalDriver if os.name == "posix" else None
