"""Sweep results: same rows on every executor, file round trips, resume, failure rows, theory columns."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from observatory.sweep import LocalPool, Serial, sweep
from observatory.sweep.runner import execute, plan
from observatory.tabular import read_table
from scenarios.params import ParamError
from tests.theory import machine_repairman

FAILING = str(Path(__file__).with_name("failing_scenario.py"))
SMALL = {"agents": 12, "service": "exp:0.5"}
GRID = {"slots": "1:3:1", "think": "exp:1,exp:2"}


def without_wall_time(table: pa.Table) -> list[dict]:
    return table.drop_columns(["wall_time"]).to_pylist()


@pytest.fixture(scope="module")
def serial_rows() -> pa.Table:
    return sweep("bottleneck", GRID, seeds=2, duration=40.0, params=SMALL, executor="serial")


def test_rows_hold_every_parameter_metric_and_status_typed(serial_rows: pa.Table) -> None:
    schema = serial_rows.schema
    assert schema.names[:6] == ["scenario", "seed", "agents", "slots", "think", "service"]
    assert schema.names[-4:] == ["sim_time", "wall_time", "status", "error"]
    assert schema.field("slots").type == pa.int64() and schema.field("think").type == pa.string()
    assert schema.field("throughput_per_s").type == pa.float64()
    assert schema.field("completed").type == pa.int64()
    rows = serial_rows.to_pylist()
    assert len(rows) == 12 and {r["status"] for r in rows} == {"ok"} and {r["error"] for r in rows} == {None}
    assert {r["agents"] for r in rows} == {12} and {r["sim_time"] for r in rows} == {40.0}
    assert [(r["seed"], r["slots"], r["think"]) for r in rows[:7]] == [
        (0, 1, "exp:1"), (0, 1, "exp:2"), (0, 2, "exp:1"), (0, 2, "exp:2"), (0, 3, "exp:1"), (0, 3, "exp:2"),
        (1, 1, "exp:1"),
    ]  # fmt: skip


def test_a_local_pool_gives_the_same_rows(serial_rows: pa.Table) -> None:
    pooled = sweep("bottleneck", GRID, seeds=2, duration=40.0, params=SMALL, executor=LocalPool(2))
    assert without_wall_time(pooled) == without_wall_time(serial_rows)


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_the_file_reads_back_as_the_table(tmp_path: Path, serial_rows: pa.Table, suffix: str) -> None:
    out = tmp_path / f"r{suffix}"
    table = sweep("bottleneck", GRID, seeds=2, duration=40.0, params=SMALL, executor="serial", out=out)
    assert without_wall_time(table) == without_wall_time(serial_rows)
    back = read_table(out, table.schema)
    assert back.schema == table.schema
    assert back.equals(table)
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left behind


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_a_second_sweep_resumes_the_file(tmp_path: Path, serial_rows: pa.Table, suffix: str) -> None:
    out = tmp_path / f"r{suffix}"
    sweep("bottleneck", GRID, seeds=[0], duration=40.0, params=SMALL, executor="serial", out=out)
    seen: list[tuple[int, int, int]] = []
    table = sweep(
        "bottleneck", GRID, seeds=2, duration=40.0, params=SMALL, executor="serial", out=out,
        progress=lambda done, total, failed: seen.append((done, total, failed)),
    )  # fmt: skip
    assert seen[-1] == (6, 6, 0)  # only seed 1's six runs were left to do
    assert without_wall_time(table) == without_wall_time(serial_rows)
    assert without_wall_time(read_table(out, table.schema)) == without_wall_time(serial_rows)
    again = plan("bottleneck", GRID, 2, 40.0, params=SMALL, out=out)
    assert again.todo == [] and len(again.runs) == 12
    fresh = plan("bottleneck", GRID, 2, 40.0, params=SMALL, out=out, overwrite=True)
    assert len(fresh.todo) == 12


def test_a_file_of_another_sweep_is_not_resumed(tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    sweep(FAILING, {"agents": "1,2"}, seeds=1, executor="serial", out=out)
    with pytest.raises(ParamError, match="--duration: 30 differs from the 20 virtual s of the runs in"):
        plan(FAILING, {"agents": "1,2"}, 2, 30.0, out=out)
    assert len(plan(FAILING, {"agents": "1,2"}, 2, 20.0, out=out).todo) == 2
    with pytest.raises(ParamError, match="holds runs of 'failing'"):
        plan("bottleneck", GRID, 1, 40.0, out=out)
    (tmp_path / "bad.parquet").write_text("not parquet")
    with pytest.raises(ParamError, match="cannot be read as a results table"):
        plan("bottleneck", GRID, 1, 40.0, out=tmp_path / "bad.parquet")
    with pytest.raises(ParamError, match=r"--out: .* ending in \.parquet or \.csv"):
        plan("bottleneck", GRID, 1, 40.0, out=tmp_path / "r.json")


def test_a_run_that_raises_is_a_failed_row_and_the_sweep_goes_on(tmp_path: Path) -> None:
    out = tmp_path / "r.parquet"
    table = sweep(FAILING, {"agents": "2,3"}, seeds=3, params={"fail": "build"}, executor="serial", out=out)
    rows = table.to_pylist()
    assert [(r["seed"], r["agents"], r["status"]) for r in rows] == [
        (0, 2, "ok"), (0, 3, "ok"), (1, 2, "failed"), (1, 3, "failed"), (2, 2, "ok"), (2, 3, "ok"),
    ]  # fmt: skip
    failed = rows[2]
    assert failed["error"] == "RuntimeError: build refused seed 1"
    assert failed["completed"] is None and failed["sim_time"] is None
    assert rows[0]["completed"] > 0 and rows[0]["error"] is None
    assert read_table(out).equals(table)


def test_failed_runs_before_any_success_still_give_the_metric_columns() -> None:
    table = sweep(FAILING, {"agents": "2"}, seeds=[1, 0], params={"fail": "build"}, executor="serial")
    assert table.column("status").to_pylist() == ["failed", "ok"]
    assert table.schema.field("rate").type == pa.float64()


def test_stopping_early_keeps_the_finished_rows(tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    the_plan = plan("bottleneck", GRID, 2, 40.0, params=SMALL, out=out)

    def interrupt_after_four(done: int, total: int, failed: int) -> None:
        if done == 4:
            raise KeyboardInterrupt

    outcome = execute(the_plan, Serial(), interrupt_after_four)
    assert outcome.interrupted and outcome.table.num_rows == 4
    kept = read_table(out, outcome.table.schema).to_pylist()
    pairs = [(r["slots"], r["think"]) for r in kept]
    assert pairs == [(1, "exp:1"), (1, "exp:2"), (2, "exp:1"), (2, "exp:2")]


def test_a_csv_file_is_appended_run_by_run_in_run_order(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("observatory.sweep.table.FLUSH_EVERY", 0.0)
    out = tmp_path / "r.csv"
    sweep("bottleneck", GRID, seeds=[0], duration=40.0, params=SMALL, executor="serial", out=out)
    first = out.stat().st_ino
    seen: list[tuple[int, int]] = []

    def look(done: int, total: int, failed: int) -> None:
        seen.append((done, read_table(out).num_rows))
        assert out.stat().st_ino == first  # appended in place, never rewritten

    table = sweep(
        "bottleneck", GRID, seeds=2, duration=40.0, params=SMALL, executor="serial", out=out, progress=look
    )
    assert seen == [(done, 6 + done) for done in range(7)]  # each finished run is in the file at once
    assert read_table(out, table.schema).equals(table)


def test_a_parquet_file_is_whole_after_each_sweep_and_the_batches_go_to_one_temporary(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr("observatory.sweep.table.FLUSH_EVERY", 0.0)
    out = tmp_path / "r.parquet"
    temporaries: list[set[str]] = []

    def look(done: int, total: int, failed: int) -> None:
        temporaries.append({p.name for p in tmp_path.iterdir() if p.name != out.name})

    table = sweep(
        "bottleneck", GRID, seeds=2, duration=40.0, params=SMALL, executor="serial", out=out, progress=look
    )
    assert temporaries[0] == set() and len(temporaries[-1]) == 1 and len(set.union(*temporaries)) == 1
    assert pq.ParquetFile(out).metadata.num_row_groups == 12  # one row group per batch
    assert read_table(out).equals(table)
    assert [p.name for p in tmp_path.iterdir()] == [out.name]


def test_theory_columns_are_the_exact_finite_source_queue() -> None:
    table = sweep(
        "bottleneck", {"slots": "2,4", "think": "exp:4,uniform:3,5"}, seeds=1, duration=5.0,
        params={"agents": 20, "service": "exp:1"}, executor="serial",
    )  # fmt: skip
    for row in table.to_pylist():
        if row["think"] == "exp:4":
            exact = machine_repairman(20, row["slots"], 4.0, 1.0)
            assert row["theory_throughput_per_s"] == pytest.approx(exact.throughput, rel=1e-12)
            assert row["theory_mean_wait_s"] == pytest.approx(exact.mean_wait, rel=1e-12)
        else:
            assert row["theory_throughput_per_s"] is None and row["theory_mean_wait_s"] is None


def test_long_runs_agree_with_their_theory_columns() -> None:
    table = sweep(
        "bottleneck", {"slots": "2"}, seeds=2, duration=4000.0,
        params={"agents": 10, "think": "exp:8", "service": "exp:1"}, executor="serial",
    )  # fmt: skip
    for row in table.to_pylist():
        assert row["throughput_per_s"] == pytest.approx(row["theory_throughput_per_s"], rel=0.04)
        assert row["mean_wait_s"] == pytest.approx(row["theory_mean_wait_s"], rel=0.15)


def test_a_record_with_failed_agents_makes_a_failed_row() -> None:
    from observatory.sweep.run import failure_of

    first = {"agent": 3, "name": "agent-3", "time": 2.5, "error": "ValueError: no"}
    assert failure_of({"agents_failed": 2, "first_failure": first}) == (
        "2 agent(s) failed; first: agent agent-3 at t = 2.5: ValueError: no"
    )
    assert failure_of({"agents_failed": 0, "first_failure": None}) is None
    assert failure_of({}) is None


def test_a_fifo_gets_the_whole_table_once_at_the_end(tmp_path: Path) -> None:
    import os
    import threading

    fifo = tmp_path / "r.csv"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    table = sweep("bottleneck", GRID, seeds=2, duration=40.0, params=SMALL, executor="serial", out=fifo)
    reader.join(timeout=30)
    lines = received[0].decode().splitlines()
    assert len(lines) == 1 + table.num_rows and lines[0].startswith('"scenario","seed"')


def test_a_run_whose_agents_fail_is_a_failed_row_with_its_metrics() -> None:
    table = sweep(FAILING, {"agents": "2"}, seeds=2, params={"fail": "agent"}, executor=LocalPool(2))
    ok, failed = table.to_pylist()
    assert ok["status"] == "ok" and ok["agents_failed"] == 0 and ok["error"] is None
    assert failed["status"] == "failed" and failed["agents_failed"] == 1 and failed["completed"] > 0
    assert failed["error"].startswith("1 agent(s) failed; first: agent agent-0 at t = ")
    assert failed["error"].endswith(": RuntimeError: this agent was told to fail")
