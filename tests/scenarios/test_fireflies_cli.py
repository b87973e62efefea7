"""The observatory command with fireflies: bad input exits 2, a headless run writes its metrics."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from observatory.cli import main


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "0"], "--period: 0.0 is out of range: use a number from 0.1 to 3600"),
        (["--nudge", "-1"], "--nudge: -1.0 is out of range: use a number >= 0"),
        (["--width", "0"], "--width: 0 is out of range: use a whole number from 3 to 2000"),
        (["--limit", "0"], "--limit: 0 is out of range: use a whole number >= 1, or leave --limit out"),
        (["--limit", "many"], "--limit: 'many' is not valid: use a whole number >= 1"),
        (["--neighbourhood", "hex"], "--neighbourhood: 'hex' is not valid: use one of moore, von-neumann"),
        (["--refractory", "6"], "--refractory: 6 is too large: use a number < --period (5)"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["run", "fireflies", "--headless", "--duration", "1", *args]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(f"observatory: error: {message}")
    assert captured.err.count("\n") == 1 and captured.out == ""


def run_headless(tmp_path: Path, name: str, *args: str) -> dict:
    out = tmp_path / name
    common = ["--width", "12", "--height", "12", "--seed", "2", "--duration", "100"]
    assert main(["run", "fireflies", "--headless", *common, *args, "--metrics-out", str(out)]) == 0
    return json.loads(out.read_text())


def test_headless_run_writes_the_fireflies_metrics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = run_headless(tmp_path, "limited.json", "--limit", "6")
    assert record["scenario"] == "fireflies" and record["agents"] == 144 and record["sim_time"] == 100.0
    assert record["params"]["limit"] == 6 and record["params"]["nudge"] == 0.3
    series = record["order_parameter_series"]
    assert [t for t, _ in series] == pytest.approx([k * 1.25 for k in range(81)])
    assert all(0.0 <= r <= 1.0 for _, r in series)
    assert record["order_parameter_final"] == pytest.approx(series[-1][1])
    assert 0 < record["max_flashing"] <= 6 and record["flashes"] > 144 and record["blocked_flashes"] > 0
    assert "order_parameter_final" in capsys.readouterr().out


def test_leaving_the_limit_out_means_no_limit(tmp_path: Path) -> None:
    free = run_headless(tmp_path, "free.json")
    assert free["params"]["limit"] is None and free["blocked_flashes"] == 0
    again = run_headless(tmp_path, "again.json")
    free.pop("wall_time"), again.pop("wall_time")
    assert free == again
    assert free["max_flashing"] > run_headless(tmp_path, "limited.json", "--limit", "6")["max_flashing"]


def test_help_lists_the_optional_limit_as_a_whole_number(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "fireflies", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    for option in (
        "--width",
        "--height",
        "--neighbourhood",
        "--period",
        "--flash",
        "--refractory",
        "--nudge",
    ):
        assert option in out
    assert "--limit INTEGER at most this many flash at once" in out.replace("│", "").replace("  ", " ")
