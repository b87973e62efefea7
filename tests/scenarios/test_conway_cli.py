"""conway from the command line: pattern errors exit 2 with the line, --grid-out saves the grid."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from observatory.cli import main
from scenarios import life, patterns


def test_malformed_pattern_file_exits_2_naming_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.rle"
    bad.write_text("#N broken\nx = 3, y = 3\nbo$2bo$\n3q!\n")
    assert main(["run", "conway", "--headless", "--pattern", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "--pattern: bad.rle, line 4: unexpected 'q'" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--limit", "0"], "--limit: 0 is out of range: use a whole number >= 1"),
        (
            ["--pattern", "nope"],
            "--pattern: 'nope' is neither a pattern file (.rle or .cells) nor a bundled pattern",
        ),
        (["--width", "20", "--pattern", "gosper-glider-gun"], "larger than the 20 x 48 grid"),
        (["--rule", "B2/S013V"], "--rule: rule 'B2/S013V' is for the von Neumann neighbourhood"),
        (["--rule", "B2a/S12"], "--rule: rule 'B2a/S12' is non-totalistic (Hensel letters)"),
        (["--rule", "B2/S/C3"], "--rule: rule 'B2/S/C3' is a Generations rule"),
    ],
)
def test_bad_options_exit_2(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "conway", "--headless", *args]) == 2
    assert message in capsys.readouterr().err


def test_grid_out_writes_the_final_grid(tmp_path: Path) -> None:
    grid_file, metrics_file = tmp_path / "final.npy", tmp_path / "run.json"
    args = ["--width", "12", "--height", "10", "--generations", "8", "--pattern", "r-pentomino"]
    out = ["--grid-out", str(grid_file), "--metrics-out", str(metrics_file)]
    assert main(["run", "conway", "--headless", "--limit", "5", *args, *out]) == 0
    grid = np.load(grid_file)
    assert grid.shape == (10, 12) and grid.dtype == np.uint8
    start = patterns.place(patterns.load("r-pentomino"), 12, 10)
    assert np.array_equal(grid, life.run(start, 8))
    metrics = json.loads(metrics_file.read_text())
    assert metrics["generations"] == 8 and metrics["params"]["limit"] == 5
    assert (metrics["logic_errors"], metrics["drift_errors"]) == (0, 0)
    assert metrics["population_final"] == int(grid.sum())


def test_an_rle_header_rule_runs_unless_the_command_line_names_another(tmp_path: Path) -> None:
    pattern, metrics_file = tmp_path / "replicator.rle", tmp_path / "run.json"
    pattern.write_text("x = 5, y = 5, rule = B36/S23\n2b3o$bo2bo$o3bo$o2bo$3o!\n")
    base = ["run", "conway", "--headless", "--pattern", str(pattern), "--generations", "12"]
    for extra, rule in (([], "B36/S23"), (["--rule", "23/3"], "B3/S23"), (["--rule", "b36/s23"], "B36/S23")):
        assert main([*base, *extra, "--metrics-out", str(metrics_file)]) == 0
        metrics = json.loads(metrics_file.read_text())
        assert metrics["rule"] == rule and (metrics["logic_errors"], metrics["drift_errors"]) == (0, 0)
    assert metrics["population_final"] == 24  # HighLife: two replicators


def test_an_rle_header_rule_that_cannot_run_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pattern = tmp_path / "brain.rle"
    pattern.write_text("x = 3, y = 1, rule = B2/S/C3\n3o!\n")
    assert main(["run", "conway", "--headless", "--pattern", str(pattern)]) == 2
    err = capsys.readouterr().err
    assert "--pattern:" in err and "rule 'B2/S/C3' is a Generations rule" in err and "give --rule" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_the_tui_shows_conway_and_its_limit_key_reaches_the_engine() -> None:
    import asyncio

    from observatory.tui import ObservatoryApp
    from scenarios import conway
    from scenarios.params import parse_params

    values = {"width": 12, "height": 10, "generations": 40, "limit": "30", "rule": "highlife"}
    params = parse_params(conway.ConwayParams, values)

    async def run() -> None:
        app = ObservatoryApp(
            conway.SCENARIO, params, seed=2, speed=1.0, start_at=2.0, clock_figures=False, frame_rate=10
        )
        async with app.run_test(size=(120, 40)) as pilot:
            world = app.world
            assert app.pacer.paused and app.engine.now == 2.0
            assert app.grid.border_title == "conway  B36/S23  12×10"
            assert world.validator.generation > 0 and world.limit.value == 30
            await pilot.press("right_square_bracket")
            assert world.limit.current(app.engine) == 31
            assert app.engine.constraint("task:compute", "concurrency").limit == 31
            assert sum(world.counts().values()) == 120

    asyncio.run(run())
