"""``observatory sweep`` from the shell: bad input before any run, exit codes, Ctrl+C, --dask local."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from observatory.cli import main
from observatory.tabular import read_table

ROOT = Path(__file__).resolve().parents[2]
FAILING = str(Path(__file__).with_name("failing_scenario.py"))
SMALL = ["--agents", "10", "--duration", "10"]


def observatory(*args: str, **kwargs) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "120"}
    return subprocess.Popen(
        [sys.executable, "-m", "observatory", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        **kwargs,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--param", "slotz=1,2"], "--param: 'slotz' is not a parameter of bottleneck: use one of agents,"),
        (["--param", "slots=1,x"], "--slots: 'x' is not valid: use a whole number >= 1"),
        (["--param", "slots=9:3:1"], "--slots: 9:3:1 is an empty range"),
        (["--param", "think=exp:1,exp:-1"], "--think: 'exp:-1' is not a valid distribution"),
        (["--param", "slots=1", "--param", "slots=2"], "--param: slots is swept twice"),
        (["--param", "slots=1", "--slots", "3"], "--slots: given both as a plain option and in --param"),
        (["--agents", "0"], "--agents: 0 is out of range"),
        (["--seeds", "0"], "--seeds: 0 is out of range"),
        (["--seeds", "2", "--seed-list", "1"], "--seeds: given with --seed-list"),
        (["--seed-list", "1,a"], "--seed-list: '1,a' is not valid"),
        (["--workers", "0"], "--workers: 0 is out of range"),
        (["--duration", "-1"], "--duration: -1.0 is not valid"),
        (["--metrics", "speed"], "--metrics: 'speed' is not a metric of bottleneck: use one of"),
        (["--plot", "speed"], "--plot: 'speed' is not a metric of bottleneck"),
    ],
)
def test_bad_input_is_one_line_and_exit_2_before_any_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    out = tmp_path / "r.parquet"
    base = (
        ["sweep", "bottleneck", "--param", "slots=1,2"] if "--param" not in args else ["sweep", "bottleneck"]
    )
    assert main([*base, *SMALL, "--out", str(out), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"observatory: error: {message}") and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_a_plot_needs_a_swept_parameter(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = str(tmp_path / "r.csv")
    assert main(["sweep", "bottleneck", *SMALL, "--out", out, "--plot", "mean_wait_s"]) == 2
    assert "--plot: needs a swept parameter" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_out_is_required_and_named_by_its_extension(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sweep", "bottleneck", *SMALL]) == 2
    assert "--out: is required" in capsys.readouterr().err
    assert main(["sweep", "bottleneck", *SMALL, "--out", str(tmp_path / "r.txt")]) == 2
    assert "ending in .parquet or .csv" in capsys.readouterr().err
    assert main(["sweep", "nonesuch", "--out", str(tmp_path / "r.csv")]) == 2
    assert "unknown scenario 'nonesuch'" in capsys.readouterr().err


def test_out_gets_every_check_of_an_output_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    locked = tmp_path / "locked.csv"
    locked.write_text("")
    locked.chmod(0o444)
    for out, message in (
        (locked, "is read-only"),
        (tmp_path / "nope" / "r.csv", "folder"),
        (tmp_path, "ending in .parquet or .csv"),
    ):
        assert main(["sweep", "bottleneck", "--param", "slots=1,2", *SMALL, "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, err
    assert locked.read_text() == ""


def test_an_unreachable_dask_scheduler_is_bad_usage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    address = f"tcp://127.0.0.1:{free_port()}"
    assert main(["sweep", "bottleneck", *SMALL, "--out", str(tmp_path / "r.csv"), "--dask", address]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        f"observatory: error: --dask: cannot reach a Dask scheduler at '{address}' within 3 s"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_sweep_prints_its_summary_and_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.csv"
    args = ["--param", "slots=1:3:1", "--param", "think=exp:1,exp:2", "--service", "exp:0.5", "--seeds", "2"]
    code = main(
        ["sweep", "bottleneck", *SMALL, *args, "--out", str(out), "--workers", "2", "--plot", "mean_wait_s"]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "bottleneck: 12 runs, 0 failed" in printed and "theory" in printed
    assert "95 % confidence interval" in printed
    assert "mean_wait_s against slots" in printed and "think=exp:2" in printed
    assert read_table(out).num_rows == 12
    assert main(["sweep", "bottleneck", *SMALL, *args, "--out", str(out)]) == 0
    assert "12 runs" in capsys.readouterr().out  # resumed: nothing left to run, the same table


def test_failed_runs_give_exit_1_and_their_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.parquet"
    assert (
        main(
            ["sweep", FAILING, "--param", "agents=2,3", "--fail", "build", "--seeds", "3", "--out", str(out)]
        )
        == 1
    )
    err = capsys.readouterr().err
    assert "2 run(s) failed; first: seed 1: RuntimeError: build refused seed 1" in err
    assert read_table(out).column("status").to_pylist().count("failed") == 2


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_ctrl_c_keeps_the_finished_rows_and_a_rerun_resumes(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"r{suffix}"
    args = ["sweep", "bottleneck", "--agents", "200", "--param", "slots=5,10", "--seeds", "200",
            "--duration", "100", "--workers", "1", "--out", str(out)]  # fmt: skip
    proc = observatory(*args)
    deadline = time.monotonic() + 60
    # A CSV file appears with its first rows; a Parquet one's rows go to a temporary file until the end.
    def started() -> bool:
        return out.exists() if suffix == ".csv" else any(tmp_path.iterdir())

    while not started() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert started()
    proc.send_signal(signal.SIGINT)
    stdout, _ = proc.communicate(timeout=30)
    assert proc.returncode == 130
    kept = read_table(out).num_rows
    assert 0 < kept < 400 and "(interrupted)" in stdout
    rows = read_table(out).to_pylist()
    assert [r["slots"] for r in rows] == [5, 10] * (kept // 2) + [5] * (kept % 2)  # interleaved, no gap
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left
    seeds = [str(kept // 2), str(kept // 2 + 1)]  # the first is partly done (or not), the second not
    rerun = observatory(*args[:6], "--seed-list", ",".join(seeds), *args[8:])
    rerun.communicate(timeout=120)
    assert rerun.returncode == 0
    again = read_table(out).to_pylist()
    assert again[:kept] == rows and len(again) == 2 * (kept // 2) + 4  # the old rows, then the rest


def test_dask_local_gives_the_rows_of_the_local_pool(tmp_path: Path) -> None:
    args = ["sweep", "bottleneck", *SMALL, "--param", "slots=1,2", "--seeds", "2", "--workers", "2"]
    on_dask = observatory(*args, "--out", str(tmp_path / "d.parquet"), "--dask", "local")
    on_pool = observatory(*args, "--out", str(tmp_path / "p.parquet"))
    for proc in (on_dask, on_pool):
        proc.communicate(timeout=120)
        assert proc.returncode == 0
    dask_rows, pool_rows = (
        read_table(tmp_path / n).drop_columns(["wall_time"]) for n in ("d.parquet", "p.parquet")
    )
    assert dask_rows.num_rows == 4 and dask_rows.equals(pool_rows)
