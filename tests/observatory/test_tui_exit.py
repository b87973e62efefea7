"""The real TUI, on a pseudo-terminal: a run in which agents failed exits 1 and reports on quitting."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import subprocess
import sys
import termios
from pathlib import Path

from tests.observatory.failing_scenarios import RAISERS, write
from tests.observatory.test_cli import ROOT


def _controlling_terminal() -> None:
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def read_until(fd: int, needle: bytes, seen: bytearray, limit: float = 60.0) -> None:
    """Read the terminal's output until ``needle`` shows up (or the generous ``limit`` passes)."""
    while needle not in seen:
        ready, _, _ = select.select([fd], [], [], limit)
        assert ready, f"{needle!r} never appeared"
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen.extend(chunk)


def test_quitting_a_tui_run_with_failed_agents_exits_1_with_the_report(tmp_path: Path) -> None:
    script = write(tmp_path, "raisers", RAISERS)
    out = tmp_path / "m.json"
    main_fd, child_fd = pty.openpty()
    fcntl.ioctl(child_fd, termios.TIOCSWINSZ, b"\x28\x00\x82\x00\x00\x00\x00\x00")  # 40 rows, 130 columns
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TERM": "xterm-256color"}
    command = [sys.executable, "-m", "observatory", "run", str(script), "--agents", "4", "--speed", "8"]
    child = subprocess.Popen(
        [*command, "--metrics-out", str(out)],
        stdin=child_fd,
        stdout=child_fd,
        stderr=child_fd,
        env=env,
        preexec_fn=_controlling_terminal,
    )
    os.close(child_fd)
    seen = bytearray()
    try:
        read_until(main_fd, b"agent failure", seen)  # a notification: the agents have started failing
        os.write(main_fd, b"q")
        read_until(main_fd, b"All failures by exception type", seen)
        assert child.wait(timeout=60) == 1
    finally:
        if child.poll() is None:
            child.kill()
        os.close(main_fd)
    text = seen.decode("utf-8", "replace")
    # How many had failed by the time q arrived depends on the wall clock; the first one does not.
    first = r"(\d) agents? failed\. The first: agent 0 \(worker-0\) at t=1: ZeroDivisionError"
    found = re.search(first, text)
    assert found is not None, text[-2000:]
    record = json.loads(out.read_text())
    assert record["agents_failed"] == int(found.group(1)) >= 1
    assert record["first_failure"]["time"] == 1.0
