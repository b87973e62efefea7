"""The TUI on a real terminal (a pty): signals and stuck agents end it with the terminal restored."""

import json
import os
import pty
import select
import signal
import sys
import time
from pathlib import Path

import pytest

from tests.observatory.test_signals import STUBBORN

ROOT = Path(__file__).resolve().parents[2]
ALT_SCREEN_ON, ALT_SCREEN_OFF = "\x1b[?1049h", "\x1b[?1049l"
CURSOR_SHOWN, MOUSE_OFF = "\x1b[?25h", "\x1b[?1000l"


class Terminal:
    """The observatory command on a pseudo-terminal of its own (its controlling terminal)."""

    def __init__(self, cwd: Path, *args: str, stderr_to: Path | None = None) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "TERM": "xterm-256color"}
        pid, fd = pty.fork()
        if pid == 0:  # the child: the pty is its terminal
            os.chdir(cwd)
            if stderr_to is not None:
                log = os.open(stderr_to, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                os.dup2(log, 2)
            os.execve(sys.executable, [sys.executable, "-m", "observatory", "run", *args], env)
        self.pid, self.fd, self.seen = pid, fd, ""

    def read_until(self, text: str, timeout: float = 60) -> None:
        """Read the screen's bytes until ``text`` appears (the deadline keeps a broken run from hanging)."""
        deadline = time.monotonic() + timeout
        while text not in self.seen:
            assert time.monotonic() < deadline, f"{text!r} never appeared"
            self._read(0.1)

    def wait_for(self, path: Path, timeout: float = 60) -> None:
        """Read the screen (so the run is never blocked on a full terminal) until ``path`` exists."""
        deadline = time.monotonic() + timeout
        while not path.exists():
            assert time.monotonic() < deadline, f"{path.name} never appeared"
            self._read(0.05)

    def _read(self, wait: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], wait)
        if not ready:
            return True
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # the child is gone
            return False
        self.seen += data.decode("utf-8", "replace")
        return bool(data)

    def finish(self, timeout: float = 60) -> int:
        """Read to the end; the exit code."""
        deadline = time.monotonic() + timeout
        while self._read(0.1):
            assert time.monotonic() < deadline, "the run did not end"
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        return os.waitstatus_to_exitcode(status)

    def restored(self) -> bool:
        """After the last switch to the alternate screen: switched back, cursor shown, mouse off."""
        after = self.seen[self.seen.rindex(ALT_SCREEN_ON) :]
        return ALT_SCREEN_OFF in after and CURSOR_SHOWN in after and MOUSE_OFF in after


@pytest.mark.parametrize(
    ("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129), (signal.SIGINT, 130)]
)
def test_a_signal_quits_the_tui_restores_the_terminal_and_writes_the_metrics(
    tmp_path: Path, signum: int, code: int
) -> None:
    terminal = Terminal(tmp_path, "bottleneck", "--agents", "50", "--metrics-out", "m.json")
    terminal.read_until("bottleneck")
    os.kill(terminal.pid, signum)
    assert terminal.finish() == code
    assert terminal.restored() and "Traceback" not in terminal.seen
    assert json.loads((tmp_path / "m.json").read_text())["interrupted"] is True


def test_q_ends_a_run_whose_agent_never_yields_and_names_it(tmp_path: Path) -> None:
    (tmp_path / "stubborn.py").write_text(STUBBORN)
    terminal = Terminal(tmp_path, "./stubborn.py", "--speed", "8", "--metrics-out", "m.json")
    terminal.read_until(ALT_SCREEN_ON)
    terminal.wait_for(tmp_path / "spinning")  # agent 2 is in its loop: nothing is drawn any more
    os.write(terminal.fd, b"q")
    assert terminal.finish() == 1
    assert terminal.restored()
    assert "stopped inside a running agent: agent 2 (agent-2) did not yield" in terminal.seen
    record = json.loads((tmp_path / "m.json").read_text())
    assert record["interrupted"] is True and record["sim_time"] == 1.0


def test_the_tui_draws_on_the_terminal_when_stderr_is_a_file(tmp_path: Path) -> None:
    log = tmp_path / "log"
    terminal = Terminal(tmp_path, "bottleneck", "--agents", "50", stderr_to=log)
    terminal.read_until("bottleneck")
    terminal.read_until("status")
    os.write(terminal.fd, b"q")
    assert terminal.finish() == 0
    assert terminal.restored()
    assert log.read_text() == ""


def test_a_second_signal_exits_at_once_with_the_terminal_restored(tmp_path: Path) -> None:
    (tmp_path / "stubborn.py").write_text(STUBBORN)
    terminal = Terminal(tmp_path, "./stubborn.py", "--speed", "8", "--metrics-out", "m.json")
    terminal.read_until(ALT_SCREEN_ON)
    terminal.wait_for(tmp_path / "spinning")  # the UI is held by agent 2 from now on
    os.kill(terminal.pid, signal.SIGTERM)
    os.kill(terminal.pid, signal.SIGINT)  # two signals: whichever comes second exits at once
    assert terminal.finish() in (130, 143)
    assert terminal.restored() and "stopped at once (second signal)" in terminal.seen
    assert not (tmp_path / "m.json").exists()
