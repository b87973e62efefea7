"""A command in a tmux window on a private tmux server, to read what it shows.

Each run has its own server (``tmux -L``, no config file), so runs never
share a server with each other or with a person's tmux.
"""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import time

_COUNT = itertools.count()


class TmuxWindow:
    def __init__(self, command: str, width: int, height: int) -> None:
        self.command = command
        self.size = (width, height)
        self.server = f"obsbench{os.getpid()}-{next(_COUNT)}"

    def _tmux(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.server, "-f", "/dev/null", *args], check=check, capture_output=True, text=True
        )
        return done.stdout

    def __enter__(self) -> TmuxWindow:
        width, height = self.size
        self._tmux("new-session", "-d", "-s", "bench", "-x", str(width), "-y", str(height), self.command)
        return self

    def __exit__(self, *exc) -> None:
        self._tmux("kill-server", check=False)

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "bench")

    def keys(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", "bench", *keys)

    def readings(
        self, patterns: dict[str, str], warm_up: float, count: int, every: float = 1.0
    ) -> dict[str, list[float]]:
        """Numbers read off the screen ``count`` times, ``every`` s apart, after ``warm_up`` s.

        ``patterns`` name regular expressions with one group each (the number).
        """
        time.sleep(warm_up)
        found: dict[str, list[float]] = {name: [] for name in patterns}
        for i in range(count):
            if i:
                time.sleep(every)
            screen = self.screen()
            for name, pattern in patterns.items():
                match = re.search(pattern, screen)
                if match:
                    found[name].append(float(match.group(1)))
        return found

    def key_to_screen(self, key: str, pattern: str, timeout: float = 2.0) -> float | None:
        """Seconds from sending ``key`` until ``pattern`` shows on the screen (None: it did not).

        Includes tmux passing the key on and one capture of the screen (a few ms).
        """
        start = time.perf_counter()
        self.keys(key)
        while (elapsed := time.perf_counter() - start) < timeout:
            if re.search(pattern, self.screen()):
                return elapsed
        return None


def load() -> str:
    return f"load average {os.getloadavg()[0]:.2f}"
