"""The observatory command, in process (main) and end to end (python -m observatory)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from observatory.cli import main
from scenarios.registry import installed

ROOT = Path(__file__).resolve().parents[2]


def observatory(*args: str, **kwargs) -> subprocess.CompletedProcess[str]:
    """Run ``python -m observatory`` with this checkout first on the path."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "120"}
    return subprocess.run(
        [sys.executable, "-m", "observatory", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        **kwargs,
    )


def test_list_shows_the_installed_scenarios(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "bottleneck" in out and "queue for a few slots" in out


def test_scenario_help_lists_every_option_with_its_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "bottleneck", "--help"]) == 0
    out = capsys.readouterr().out
    for text in (
        "--agents",
        "500",
        "--slots",
        "20",
        "--think",
        "uniform:0.5,1.5",
        "--service",
        "uniform:0.1,0.3",
    ):
        assert text in out
    for option in ("--seed", "--speed", "--headless", "--duration", "--metrics-out"):
        assert option in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--slots", "0"], "--slots: 0 is out of range: use a whole number >= 1"),
        (["--agents", "-5"], "--agents: -5 is out of range: use a whole number from 1 to 10000000"),
        (["--think", "exp:-1"], "--think: 'exp:-1' is not a valid distribution: use uniform:A,B"),
        (["--service", "banana"], "--service: 'banana' is not a valid distribution: use uniform:A,B"),
        (["--seed", "x"], "--seed: 'x' is not valid: use a whole number >= 0"),
        (["--speed", "-2"], "--speed: '-2' is not valid: use a number > 0"),
        (["--duration", "0"], "--duration: '0' is not valid: use a number > 0"),
        (["--slot", "3"], "No such option: --slot"),
        (
            ["--metrics-out", "/no/such/dir/m.json"],
            "--metrics-out: /no/such/dir/m.json: folder /no/such/dir does not exist",
        ),
        (["--metrics-out", ""], "--metrics-out: '': give a file path"),
        (["--service", "u" * 100_000], "--service: 'uuuuuuuuu"),
        (["--duration", "9" * 100_000], "--duration: '99999"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["run", "bottleneck", "--headless", "--duration", "1", *args]) == 2
    captured = capsys.readouterr()
    assert len(captured.err) < 300  # a huge bad value is cut, not echoed whole
    assert captured.err.startswith(f"observatory: error: {message}")
    assert captured.err.count("\n") == 1 and captured.out == ""


def test_unknown_scenario_lists_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "bottlenecks", "--headless"]) == 2
    known = ", ".join(s.name for s in installed())
    assert capsys.readouterr().err == (
        "observatory: error: unknown scenario 'bottlenecks' (did you mean bottleneck?): "
        f"use one of {known}, or a path to a .py file\n"
    )


def test_missing_duration_and_missing_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "bottleneck", "--headless"]) == 2
    assert capsys.readouterr().err == (
        "observatory: error: --duration: a headless run of bottleneck needs it: "
        "use --duration SIM_SECONDS (a number > 0)\n"
    )
    assert main(["run"]) == 2
    assert capsys.readouterr().err.startswith("observatory: error: missing SCENARIO: use one of bottleneck")


def test_headless_run_writes_the_metrics_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "m.json"
    assert main(["run", "bottleneck", "--agents", "80", "--duration", "5", "--metrics-out", str(out)]) == 0
    record = json.loads(out.read_text())
    assert record["params"] == {
        "agents": 80,
        "slots": 20,
        "think": "uniform:0.5,1.5",
        "service": "uniform:0.1,0.3",
    }
    assert record["sim_time"] == 5.0 and record["agents"] == 80 and record["interrupted"] is False
    assert isinstance(record["events"], int) and isinstance(record["wall_time"], float)
    assert isinstance(record["completed"], int) and isinstance(record["utilization"], float)
    summary = capsys.readouterr().out
    assert "throughput_per_s" in summary and "agents=80" in summary


def test_a_terminal_opens_the_tui_with_the_parsed_run(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    fake = types.ModuleType("observatory.tui.session")
    fake.run_tui = lambda scenario, params, seed, speed, metrics_out, outputs, remote=None, commands=(): (
        calls.append((scenario.name, params, seed, speed, metrics_out))
    )
    monkeypatch.setitem(sys.modules, "observatory.tui.session", fake)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert main(["run", "bottleneck", "--slots", "7", "--seed", "3", "--speed", "2.5"]) == 0
    assert main(["run", "bottleneck", "--metrics-out", "m.json"]) == 0
    [(name, params, seed, speed, out), (*_, out2)] = calls
    assert (name, params.slots, params.agents, seed, speed, out) == ("bottleneck", 7, 500, 3, 2.5, None)
    assert out2.path == "m.json" and out2.target == Path("m.json").resolve()


def test_without_the_tui_a_terminal_run_says_what_to_do(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "observatory.tui.session", None)  # import fails
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert main(["run", "bottleneck"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("observatory: error: the TUI is not available (")
    assert err.endswith("run with --headless --duration SIM_SECONDS\n")


def test_end_to_end_runs_are_deterministic(tmp_path: Path) -> None:
    records = []
    for name in ("a.json", "b.json"):
        args = ["run", "bottleneck", "--agents", "200", "--think", "exp:1", "--seed", "4", "--duration", "10"]
        done = observatory(*args, "--metrics-out", str(tmp_path / name))
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr and "completed" in done.stdout
        records.append(json.loads((tmp_path / name).read_text()))
    assert records[0].pop("wall_time") != -1 and records[1].pop("wall_time") != -1
    assert records[0] == records[1]


def test_end_to_end_bad_input_has_no_traceback() -> None:
    done = observatory("run", "bottleneck", "--headless", "--duration", "1", "--service", "banana")
    assert done.returncode == 2
    assert done.stderr.startswith("observatory: error: --service: 'banana' is not a valid distribution")
    assert done.stderr.count("\n") == 1


def test_ctrl_c_stops_cleanly_with_summary_and_metrics(tmp_path: Path) -> None:
    out = tmp_path / "m.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = ["run", "bottleneck", "--agents", "2000", "--duration", "1e9", "--metrics-out", str(out)]
    with subprocess.Popen(
        [sys.executable, "-m", "observatory", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    ) as process:
        assert process.stderr is not None
        assert "running headless" in process.stderr.readline()  # the run has begun
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "interrupted" in stdout and "completed" in stdout
    record = json.loads(out.read_text())
    assert record["interrupted"] is True and 0 <= record["sim_time"] < 1e9


def test_the_readme_example_is_the_example_file_and_runs(tmp_path: Path) -> None:
    example = ROOT / "examples" / "api_clients.py"
    readme = (ROOT / "README.md").read_text()
    assert "```python\n" + example.read_text() + "```" in readme
    out = tmp_path / "m.json"
    done = observatory("run", str(example), "--rate", "40", "--duration", "30", "--metrics-out", str(out))
    assert done.returncode == 0, done.stderr
    record = json.loads(out.read_text())
    assert record["scenario"] == "api_clients" and record["params"]["rate"] == 40.0
    # 200 clients want ~100 calls/s; the bucket lets through 40/s (+1 for the initial token).
    assert 0.95 * 40 <= record["calls_per_s"] <= 40 + 1 / 30
    assert record["throttled"] > 0


COUNTDOWN = """
from dataclasses import dataclass

import numpy as np

from scenarios import Scenario, State, World, param


@dataclass(frozen=True)
class Params:
    agents: int = param(4, help="Agents", min=1)
    grid_out: str = param("", help="Save the final grid here (.npy)")
    fail: bool = param(False, help="Fail while building")


class Countdown(World):
    legend = (State("alive", (255, 255, 255)), State("gone", (0, 0, 0)))

    def artifacts(self):
        return {"grid_out": self.state_grid().copy()}


async def agent(ctx, world):
    await ctx.sleep(1.0 + ctx.id)
    world.cells[ctx.id] = 1


def build(engine, params):
    if params.fail:
        raise RuntimeError("boom")
    world = Countdown(engine, 1, params.agents)
    for _ in range(params.agents):
        engine.spawn(agent, world)
    return world


SCENARIO = Scenario("countdown", "Agents that end on their own", Params, build, stops_itself=True)
"""


def test_a_scenario_file_with_an_artifact_and_its_own_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "countdown.py"
    script.write_text(COUNTDOWN)
    grid = tmp_path / "grid.npy"
    done = observatory("run", str(script), "--agents", "3", "--grid-out", str(grid))
    assert done.returncode == 0, done.stderr
    assert np.array_equal(np.load(grid), np.ones((1, 3), dtype=np.uint8))
    assert main(["run", str(script), "--fail"]) == 1
    assert capsys.readouterr().err.splitlines()[-2:] == [
        "observatory: error: the run failed: RuntimeError: boom",
        "(set OBSERVATORY_TRACEBACK=1 to see where)",
    ]


def test_a_file_that_is_not_a_scenario(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "plain.py"
    script.write_text("print('hello')\n")
    assert main(["run", str(script), "--headless"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        f"observatory: error: scenario file '{script}' defines no scenario: it needs a module-level"
    )
    assert main(["run", str(tmp_path / "absent.py")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_a_scenario_parameter_may_not_shadow_a_runner_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "seeded.py"
    script.write_text(COUNTDOWN.replace('grid_out: str = param("",', 'seed: str = param("",'))
    assert main(["run", str(script), "--help"]) == 2
    assert capsys.readouterr().err == (
        "observatory: error: scenario 'countdown': parameter --seed clashes with a runner option\n"
    )


def test_a_folder_given_as_the_scenario_is_called_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", f"{tmp_path}/", "--headless"]) == 2
    assert capsys.readouterr().err == (
        f"observatory: error: scenario file {str(tmp_path)!r} is a folder: give the path of a .py file\n"
    )


def test_fireflies_help_gives_the_real_bound_of_flash(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "fireflies", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.replace("│", " ").split())
    assert "how long a flash lasts (a governed task 'flash'); below --period (a number >= 0)" in out
    assert "3600" not in out.split("--flash", 1)[1].split("--refractory", 1)[0]
