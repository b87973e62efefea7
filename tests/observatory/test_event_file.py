"""--events-out and --series-out: every engine event as a row, in order; every plotted series, long format."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from engine import Engine, Event
from observatory import event_file
from observatory.cli import main
from observatory.event_file import SCHEMA, EventRecorder, in_order
from observatory.headless import run_headless
from observatory.tabular import read_table
from scenarios.bottleneck import SCENARIO, BottleneckParams

FAILING = str(Path(__file__).with_name("failing_scenario.py"))


def expected_rows(seed: int, agents: int, until: float) -> list[dict]:
    """The events of a run, each turned into a row by hand from its own fields."""
    engine = Engine(seed)
    seen: list[Event] = []
    engine.subscribe(Event, seen.append)
    SCENARIO.build(engine, BottleneckParams(agents=agents, slots=2))
    engine.run(until=until)
    rows = []
    for ev in seen:
        row = dict.fromkeys(SCHEMA.names)
        row["kind"] = type(ev).__name__
        for f in dataclasses.fields(ev):
            row["constraint" if f.name == "kind" else f.name] = getattr(ev, f.name)
        rows.append(row)
    return rows


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_every_event_is_a_row_in_the_order_it_happened(tmp_path: Path, suffix: str, monkeypatch) -> None:
    monkeypatch.setattr(event_file, "BATCH_ROWS", 50)  # many batches, so their seams are tested too
    out = tmp_path / f"events{suffix}"
    record = run_headless(
        "bottleneck", {"agents": 6, "slots": 2}, 3, 20.0, slice_steps=40, recorders=[EventRecorder(out)]
    )
    table = read_table(out, SCHEMA)
    assert table.schema == SCHEMA
    assert table.num_rows == record["events"]
    assert table.to_pylist() == expected_rows(3, 6, 20.0)
    kinds = set(table.column("kind").to_pylist())
    assert {"ConstraintChanged", "AgentStarted", "TaskBlocked", "TaskStarted", "TaskFinished"} <= kinds
    assert [p.name for p in tmp_path.iterdir()] == [out.name]


def test_a_failed_agent_is_a_row_with_its_error(tmp_path: Path) -> None:
    out = tmp_path / "events.parquet"
    run_headless(FAILING, {"fail": "agent", "fail_seed": 0}, 0, 10.0, recorders=[EventRecorder(out)])
    rows = [r for r in read_table(out).to_pylist() if r["kind"] == "AgentFailed"]
    assert len(rows) == 1 and rows[0]["agent"] == 0
    assert rows[0]["error"] == "RuntimeError: this agent was told to fail"


def test_event_types_added_later_keep_their_matching_fields() -> None:
    @dataclasses.dataclass(slots=True)
    class Noted(Event):
        value: object
        status: str

    table = in_order([Noted(1.5, 2, "t", ("a", 1), "ok"), Noted(2.0, -1, "", None, "late")])
    assert table.to_pylist()[0] == {
        **dict.fromkeys(SCHEMA.names), "time": 1.5, "agent": 2, "task": "t", "kind": "Noted",
        "value": "('a', 1)", "status": "ok",
    }  # fmt: skip


def test_the_cli_writes_events_and_series(tmp_path: Path, capsys) -> None:
    events, series, metrics = tmp_path / "e.csv", tmp_path / "s.parquet", tmp_path / "m.json"
    args = [
        "run",
        "bottleneck",
        "--agents",
        "20",
        "--headless",
        "--duration",
        "5",
        "--metrics-out",
        str(metrics),
    ]
    assert main([*args, "--events-out", str(events), "--series-out", str(series)]) == 0
    record = json.loads(metrics.read_text())
    assert read_table(events, SCHEMA).num_rows == record["events"]
    rows = read_table(series).to_pylist()
    assert [r["time"] for r in rows if r["series"] == "throughput /s"] == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert {r["series"] for r in rows} == {"throughput /s", "blocked"}


@pytest.mark.parametrize("option", ["--events-out", "--series-out"])
def test_bad_paths_are_refused_before_the_run(tmp_path: Path, capsys, option: str) -> None:
    base = ["run", "bottleneck", "--headless", "--duration", "5"]
    assert main([*base, option, str(tmp_path / "e.json")]) == 2
    assert f"{option}: " in capsys.readouterr().err
    assert main([*base, option, str(tmp_path / "missing" / "e.csv")]) == 2
    assert list(tmp_path.iterdir()) == []
