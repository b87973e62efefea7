"""Rewinding: the state shown at t after a seek is exactly the state shown at t before it."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from engine.commands import AppliedCommand, parse_command
from observatory import metrics, rewind
from observatory.cli import main
from observatory.history import History
from observatory.rewind import Lines, replay_to
from observatory.runfile import RunWriter, sha256_of
from observatory.tui import ObservatoryApp, rewinder
from observatory.tui.app import finish
from observatory.tui.branch_list import BranchList
from observatory.tui.compare import CompareScreen
from scenarios.registry import load
from tests.observatory.test_replay import TINY_FILE
from tests.observatory.tiny_scenario import SCENARIO, defaults

SIZE = (140, 44)


def snapshot(app: ObservatoryApp) -> dict[str, Any]:
    """Everything the screen shows of the run: cell states, counts, metrics, series."""
    record = metrics.collect(app.scenario, app.params, app.seed, app.engine, app.world, 0.0)
    return {
        "time": app.engine.now,
        "grid": app.world.state_grid().copy(),
        "colors": app.world.colors().copy(),
        "counts": app.world.counts(),
        "metrics": record,
        "series": [(s.name, s.pairs()) for s in app.world.series()],
    }


def assert_same(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert a["time"] == b["time"]
    assert np.array_equal(a["grid"], b["grid"]) and np.array_equal(a["colors"], b["colors"])
    assert a["counts"] == b["counts"]
    assert a["metrics"] == b["metrics"]
    assert a["series"] == b["series"]


async def arrive(app: ObservatoryApp, pilot: Any) -> None:
    while app.rewinder.seeking:
        await pilot.pause(0.02)


def test_seeking_back_and_forth_across_limit_changes_shows_exactly_the_same_states() -> None:
    app = ObservatoryApp(SCENARIO, defaults(agents=150, slots=5), seed=3, start_at=2.0, frame_rate=10)

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("right_square_bracket")  # slots 6 at t = 2
            await pilot.press("greater_than_sign")
            await arrive(app, pilot)
            at_12 = snapshot(app)
            assert at_12["time"] == 12.0
            await pilot.press("greater_than_sign")
            await arrive(app, pilot)
            await pilot.press("right_curly_bracket")  # slots 16 at t = 22
            await pilot.press("greater_than_sign")
            await arrive(app, pilot)
            at_32 = snapshot(app)
            assert [c["args"]["limit"] for c in at_32["metrics"]["commands"]] == [6, 16]
            # Back to 12 (recomputed from the description), then forward again through the future.
            app.rewinder.seek(12.0)
            await arrive(app, pilot)
            assert_same(snapshot(app), at_12)
            await pilot.press("home")
            await arrive(app, pilot)
            assert app.engine.now == 0.0 and app.world.limit.current(app.engine) == 5
            for _ in range(3):
                await pilot.press("greater_than_sign")
                await arrive(app, pilot)
            app.rewinder.seek(32.0)
            await arrive(app, pilot)
            assert_same(snapshot(app), at_32)  # the command at 22 came back at 22: no branch
            assert len(app.history.tree) == 1
            app.rewinder.seek(20.0)
            await arrive(app, pilot)
            await pilot.press("full_stop", "full_stop")  # steps through the computed future
            assert len(app.history.tree) == 1 and app.pacer.paused
            await pilot.press("less_than_sign", "less_than_sign", "less_than_sign")
            await arrive(app, pilot)
            assert app.engine.now == 0.0  # not below 0

    asyncio.run(run())


def test_escape_cancels_a_seek_and_the_screen_stays_where_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rewinder, "SEEK_SLICE", 1e-6)  # one slice of steps per frame: many frames
    monkeypatch.setattr(rewind, "STEPS", 200)
    app = ObservatoryApp(SCENARIO, defaults(agents=150), seed=1, start_at=30.0, frame_rate=10)

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            before = snapshot(app)
            app.rewinder.seek(25.0)
            assert app.rewinder.seeking
            await pilot.pause(0.1)
            assert app.rewinder.seeking and 0 < app.rewinder.job.fraction < 1
            assert "seeking t = 25.0 s" in app.timeline.render().plain
            await pilot.press("escape")
            assert not app.rewinder.seeking
            assert_same(snapshot(app), before)

    asyncio.run(run())


def test_a_command_after_a_rewind_starts_a_branch_and_the_old_future_is_kept() -> None:
    app = ObservatoryApp(SCENARIO, defaults(agents=150, slots=5), seed=3, start_at=2.0, frame_rate=10)

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("right_square_bracket")
            app.rewinder.seek(30.0)
            await arrive(app, pilot)
            at_30 = snapshot(app)
            app.rewinder.seek(10.0)
            await arrive(app, pilot)
            await pilot.press("right_curly_bracket")  # slots 16 at t = 10: a what-if
            tree = app.history.tree
            assert app.history.branch == "b1"
            b1 = tree["b1"]
            assert (b1.parent, b1.at) == ("main", 10.0)
            limits = [(c.time, c.command.args["limit"]) for c in tree.commands_of("b1")]
            assert limits == [(2.0, 6), (10.0, 16)]
            assert [c.command.args["limit"] for c in tree.commands_of("main")] == [6]
            assert tree["main"].record is not None and tree["main"].record["sim_time"] == 30.0
            app.rewinder.seek(30.0)
            await arrive(app, pilot)
            assert snapshot(app)["metrics"]["completed"] != at_30["metrics"]["completed"]
            app.rewinder.switch("main")
            await arrive(app, pilot)
            assert app.history.branch == "main"
            assert_same(snapshot(app), at_30)

    asyncio.run(run())


def test_a_seek_from_a_checkpoint_reaches_the_state_a_run_from_zero_reaches(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rewind, "CHECKPOINT_COST", 1e-4)  # a checkpoint wherever a slice ends
    params = defaults(agents=120, slots=4)
    commands = [
        AppliedCommand(3.0, parse_command("concurrency task:work 9")),
        AppliedCommand(7.5, parse_command("pause task:work 1")),
    ]
    lines = Lines(SCENARIO, params, 2)
    first = lines.fresh(commands)
    rewind.Seek(first, 12.0, lines.measure).advance(float("inf"))
    while lines.idle(commands, 12.0, budget=0.01):
        pass
    assert len(lines.parked) >= 3
    times = sorted(x.now for x in lines.parked)
    for target in (times[1] + 0.3, 8.0, 11.0):
        start = lines.start_for(commands, target)
        assert 0 < start.now <= target  # a checkpoint, not a fresh engine
        rewind.Seek(start, target).advance(float("inf"))
        reference = replay_to(SCENARIO, params, 2, commands, target)
        assert np.array_equal(start.world.state, reference.world.state)
        assert start.engine.events_emitted == reference.engine.events_emitted
        assert start.world.metrics() == reference.world.metrics()
        assert start.engine.commands == reference.engine.commands
        lines.park(start)
    # Another branch's past differs after 3.0: only checkpoints before it fit.
    other = [AppliedCommand(3.0, parse_command("concurrency task:work 2"))]
    assert all(x.now < 3.0 for x in lines.parked if x.fits(other))
    lines.close()


def test_every_branch_goes_to_the_record_and_each_replays_alone(tmp_path: Path) -> None:
    source = tmp_path / "tiny.py"
    source.write_text(TINY_FILE.read_text())
    scenario = load(str(source))  # a user scenario file, so the record names it
    record_file = tmp_path / "branches.jsonl"
    params = defaults(agents=150, slots=5)
    writer = RunWriter(record_file, scenario, params, 3)
    app = ObservatoryApp(
        scenario, params, seed=3, start_at=2.0, frame_rate=10, history=History(recorder=writer)
    )

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("right_square_bracket")  # main: slots 6 at 2
            app.rewinder.seek(40.0)
            await arrive(app, pilot)
            app.rewinder.seek(20.0)
            await arrive(app, pilot)
            await pilot.press("right_curly_bracket")  # b1: slots 16 from 20
            app.rewinder.seek(30.0)
            await arrive(app, pilot)
            await pilot.press("c")
            assert isinstance(app.screen, CompareScreen)
            text = app.screen.query_one("#comparison").render().plain
            assert "compare main with b1" in text and "running" in text and "b1 − main" in text
            await pilot.press("escape", "b")
            assert isinstance(app.screen, BranchList)
            rows = {r.name: r for r in app.screen.rows}
            assert rows["b1"].current and rows["b1"].parent == "main" and rows["b1"].at == 20.0
            assert rows["b1"].commands == ("t=20.0 concurrency task:work 16",)
            assert rows["main"].metrics["sim_time"] == 40.0
            await pilot.press("up", "enter")  # switch to main: at its furthest instant, 40
            await arrive(app, pilot)
            assert app.history.branch == "main" and app.engine.now == 40.0
            await pilot.press("q")

    asyncio.run(run())
    finish(app)
    writer.close()
    lines = [json.loads(x) for x in record_file.read_text().splitlines()]
    assert [x["kind"] for x in lines] == ["header", "command", "branch", "command", "end", "end"]
    assert lines[2] == {"kind": "branch", "name": "b1", "parent": "main", "at": 20.0}
    ends = {x["branch"]: x for x in lines if x["kind"] == "end"}
    assert (ends["main"]["sim_time"], ends["b1"]["sim_time"]) == (40.0, 30.0)
    assert lines[0]["sha256"] == sha256_of(source)
    for branch in ("main", "b1"):
        out = tmp_path / f"{branch}.json"
        assert (
            main(["replay", str(record_file), "--headless", "--branch", branch, "--metrics-out", str(out)])
            == 0
        )
        replayed = json.loads(out.read_text())
        replayed.pop("wall_time")
        expected = dict(ends[branch]["metrics"])
        expected.pop("wall_time")
        assert replayed == expected


def test_big_worlds_park_fewer_engines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rewind, "MAX_PARKED_AGENTS", 250)
    lines = Lines(SCENARIO, defaults(agents=120), 2)
    for t in (1.0, 2.0, 3.0):
        line = lines.fresh([])
        rewind.Seek(line, t).advance(float("inf"))
        lines.park(line)
    assert lines.room() == 2 and sorted(x.now for x in lines.parked) in ([1.0, 3.0], [2.0, 3.0])
    lines.close()


def test_q_quits_during_a_seek_and_the_record_is_of_the_instant_on_screen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rewinder, "SEEK_SLICE", 1e-6)  # one slice of steps per frame: many frames
    monkeypatch.setattr(rewind, "STEPS", 200)
    app = ObservatoryApp(SCENARIO, defaults(agents=150), seed=1, start_at=30.0, frame_rate=10)

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            app.rewinder.seek(25.0)
            await pilot.pause(0.1)
            assert app.rewinder.seeking and app.return_code is None
            await pilot.press("q")
            await pilot.pause(0.1)
            assert app.return_code == 0  # exiting, the seek not awaited

    asyncio.run(run())
    assert finish(app)["sim_time"] == 30.0
