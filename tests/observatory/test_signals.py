"""Signals stop a headless run cleanly: real subprocesses, real signals."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# A world whose build never ends (it prints once it has begun), and one whose agent 2 spins
# in a loop that never awaits once virtual time reaches 1 (it touches a file first).
STUBBORN = """
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from scenarios import Scenario, State, World, param


@dataclass(frozen=True)
class Params:
    endless_build: bool = param(False, help="Never finish building")
    slow_metrics: bool = param(False, help="Take half a minute to give the metrics")


class Plain(World):
    legend = (State("idle", (0, 0, 0)),)

    def metrics(self):
        if self.slow:
            time.sleep(30)
        return {}


async def worker(ctx):
    while True:
        await ctx.sleep(0.25)
        if ctx.id == 2 and ctx.now >= 1:
            Path("spinning").touch()  # in the run's folder: a test waits for it
            while True:
                pass


def build(engine, params):
    world = Plain(engine, 1, 4)
    world.slow = params.slow_metrics
    if params.endless_build:
        print("building", file=sys.stderr, flush=True)
        while True:
            engine.spawn(worker)
    for _ in range(4):
        engine.spawn(worker)
    return world


SCENARIO = Scenario("stubborn", "Builds forever or spins", Params, build, default_duration=1e9)
"""


def start(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("OBSERVATORY_TRACEBACK", None)
    return subprocess.Popen(
        [sys.executable, "-m", "observatory", "run", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )


def wait_for(path: Path, process: subprocess.Popen[str]) -> None:
    """Until the run has made ``path`` (agent 2 is in its loop from then on)."""
    while not path.exists():
        assert process.poll() is None, "the run ended first"
        time.sleep(0.05)


def stubborn(tmp_path: Path) -> str:
    script = tmp_path / "stubborn.py"
    script.write_text(STUBBORN)
    return str(script)


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_sigterm_and_sighup_stop_like_ctrl_c(tmp_path: Path, signum: int, code: int) -> None:
    out = tmp_path / "m.json"
    args = ["bottleneck", "--agents", "2000", "--duration", "1e9", "--metrics-out", str(out)]
    with start(tmp_path, *args) as process:
        assert process.stderr is not None
        assert "running headless" in process.stderr.readline()
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == code, stderr
    assert "Traceback" not in stderr and "interrupted" in stdout and "completed" in stdout
    assert json.loads(out.read_text())["interrupted"] is True


def test_ctrl_c_during_the_build_stops_it_without_traceback_or_warning(tmp_path: Path) -> None:
    out = tmp_path / "m.json"
    with start(tmp_path, stubborn(tmp_path), "--endless-build", "--metrics-out", str(out)) as process:
        assert process.stderr is not None
        assert process.stderr.readline() == "building\n"
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    message = "observatory: error: interrupted (SIGINT) while building the world: nothing ran"
    assert stderr.endswith(f"\n{message}\n")
    assert "Traceback" not in stderr and "never awaited" not in stderr
    assert stdout == "" and not out.exists()


def test_an_agent_that_never_yields_is_stopped_and_named(tmp_path: Path) -> None:
    out = tmp_path / "m.json"
    with start(tmp_path, stubborn(tmp_path), "--metrics-out", str(out)) as process:
        assert process.stderr is not None
        assert "running headless" in process.stderr.readline()
        wait_for(tmp_path / "spinning", process)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "interrupted" in stdout
    assert "stopped inside a running agent: agent 2 (agent-2) did not yield" in stderr
    record = json.loads(out.read_text())
    assert record["interrupted"] is True and record["sim_time"] == 1.0


def test_a_second_signal_exits_at_once(tmp_path: Path) -> None:
    out = tmp_path / "m.json"
    with start(tmp_path, stubborn(tmp_path), "--slow-metrics", "--metrics-out", str(out)) as process:
        assert process.stderr is not None
        assert "running headless" in process.stderr.readline()
        process.send_signal(signal.SIGTERM)
        while "stopping" not in process.stderr.readline():
            pass
        process.send_signal(signal.SIGINT)  # while the first stop waits for the metrics
        stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 143
    assert stderr.strip() == "observatory: stopped at once (second signal); files not written"
    assert "Traceback" not in stdout + stderr and "never awaited" not in stderr
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".m.json")]
