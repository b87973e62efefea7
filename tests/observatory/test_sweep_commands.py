"""``--command`` in a sweep: the same scheduled commands in every run, checked per point before any run."""

from __future__ import annotations

from pathlib import Path

import pytest

from observatory.cli import main
from observatory.headless import run_headless
from observatory.sweep import sweep
from observatory.tabular import read_table
from scenarios.params import parse_params
from scenarios.registry import load

COMMANDS = ("4:set think exp:2", "8:pause task:work 2")
METRICS = ("completed", "mean_wait_s", "events")


def test_every_run_of_a_sweep_applies_the_commands_as_a_single_run_does() -> None:
    table = sweep("bottleneck", {"slots": [3, 6]}, seeds=2, duration=15, params={"agents": 60},
                  executor="serial", commands=COMMANDS)
    plain = sweep("bottleneck", {"slots": [3, 6]}, seeds=2, duration=15, params={"agents": 60},
                  executor="serial")
    scenario = load("bottleneck")
    rows = table.to_pylist()
    assert {r["commands"] for r in rows} == {"; ".join(COMMANDS)}
    assert "commands" not in plain.column_names
    for row, other in zip(rows, plain.to_pylist(), strict=True):
        params = parse_params(scenario.params, {"agents": 60, "slots": row["slots"]})
        record = run_headless(scenario, params, row["seed"], 15, commands=list(COMMANDS))
        assert [row[m] for m in METRICS] == [record[m] for m in METRICS]
        assert row["completed"] != other["completed"]  # the commands took effect


def test_a_bad_command_for_any_point_exits_2_before_any_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "s.csv"
    # nudge 3 is below a period of 5, not below one of 2: the second point refuses it.
    args = ["sweep", "fireflies", "--param", "period=5,2", "--duration", "5", "--out", str(out)]
    assert main([*args, "--command", "1:set nudge 3"]) == 2
    assert capsys.readouterr().err == (
        "observatory: error: --command: '1:set nudge 3': "
        "--nudge: 3 is too large: use a number < --period (2)\n"
    )
    assert not out.exists()


def test_a_file_of_other_commands_is_not_resumed_and_one_of_the_same_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "s.csv"
    args = ["sweep", "bottleneck", "--agents", "40", "--param", "slots=2,4", "--duration", "6",
            "--out", str(out), "--workers", "1"]
    scripted = [*args, "--command", COMMANDS[0]]
    assert main(scripted) == 0
    capsys.readouterr()
    assert main(args) == 2
    assert capsys.readouterr().err == (
        f"observatory: error: --command: '{out}' holds runs with other commands ('{COMMANDS[0]}'), so "
        "this sweep cannot resume it: give the same --command, --overwrite to start over, or another --out\n"
    )
    assert main(scripted) == 0
    assert "2 already in" in capsys.readouterr().err
    assert read_table(out).num_rows == 2
