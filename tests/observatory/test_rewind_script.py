"""``--command`` in the TUI across rewinds: the script is part of the run, on every branch.

A seek back on ``main`` meets the scheduled commands again at their exact
times; a branch started by a change keeps the script's commands after its
instant; the run file holds each one as applied (and the script in its
header), and every branch replays alone to identical metrics.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from engine.commands import AppliedCommand, parse_command
from observatory import replay, runfile
from observatory.cli import main
from observatory.history import History
from observatory.rewind import replay_to
from observatory.runfile import RunWriter
from observatory.scheduled import parse_scheduled
from observatory.tui import ObservatoryApp
from observatory.tui.app import finish
from observatory.tui.branch_list import BranchList
from observatory.tui.branch_name import BranchName
from observatory.tui.compare import CompareScreen
from scenarios.registry import load
from tests.observatory.test_replay import TINY_FILE
from tests.observatory.test_rewind import SIZE, arrive, assert_same, snapshot
from tests.observatory.tiny_scenario import defaults

SCRIPT = ("12:concurrency task:work 3", "25:pause task:work 2")


def log(engine: Any) -> list[tuple[float, str]]:
    return [(a.time, a.command.text()) for a in engine.commands]


def scripted_app(tmp_path: Path, record: Path | None = None) -> tuple[ObservatoryApp, Any, RunWriter | None]:
    source = tmp_path / "tiny.py"
    source.write_text(TINY_FILE.read_text())
    scenario = load(str(source))  # a user scenario file, so a run file can be replayed
    params = defaults(agents=150, slots=5)
    script = [AppliedCommand(s.time, s.command) for s in parse_scheduled(SCRIPT, scenario, params)]
    writer = None if record is None else RunWriter(record, scenario, params, 3, script)
    history = History(recorder=writer, script=script)
    app = ObservatoryApp(scenario, params, seed=3, start_at=2.0, frame_rate=10, history=history)
    return app, scenario, writer


def end_recording(app: ObservatoryApp, writer: RunWriter | None, path: Path) -> list[dict[str, Any]]:
    """After the app quit: its ends written, the run file's lines."""
    finish(app)
    assert writer is not None
    writer.close()
    return [json.loads(x) for x in path.read_text().splitlines()]


def test_a_seek_back_on_main_meets_the_scheduled_commands_again_at_their_times(tmp_path: Path) -> None:
    app, _, _ = scripted_app(tmp_path)

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            app.rewinder.seek(30.0)
            await arrive(app, pilot)
            at_30 = snapshot(app)
            assert log(app.engine) == [(12.0, "concurrency task:work 3"), (25.0, "pause task:work 2")]
            app.rewinder.seek(5.0)
            await arrive(app, pilot)
            assert log(app.engine) == [] and app.world.limit.current(app.engine) == 5
            app.rewinder.seek(13.0)
            await arrive(app, pilot)
            assert log(app.engine) == [(12.0, "concurrency task:work 3")]
            app.rewinder.seek(30.0)
            await arrive(app, pilot)
            assert_same(snapshot(app), at_30)
            assert len(app.history.tree) == 1  # nothing of yours changed: no branch

    asyncio.run(run())


def test_a_branch_keeps_the_script_after_its_instant_and_each_branch_replays_alone(tmp_path: Path) -> None:
    record_file = tmp_path / "scripted.jsonl"
    app, scenario, writer = scripted_app(tmp_path, record_file)

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("right_square_bracket")  # main: slots 6 at t = 2, before the script's
            app.rewinder.seek(30.0)
            await arrive(app, pilot)
            app.rewinder.seek(10.0)
            await arrive(app, pilot)
            await pilot.press("right_curly_bracket")  # slots 16 at t = 10: branch b1
            assert app.history.branch == "b1"
            app.rewinder.seek(30.0)
            await arrive(app, pilot)
            assert log(app.engine) == [
                (2.0, "concurrency task:work 6"),
                (10.0, "concurrency task:work 16"),
                (12.0, "concurrency task:work 3"),  # the script, still applied on b1
                (25.0, "pause task:work 2"),
            ]
            reference = replay_to(scenario, app.params, 3, list(app.engine.commands), 30.0)
            assert (reference.world.metrics(), reference.engine.events_emitted) == (
                app.world.metrics(),
                app.engine.events_emitted,
            )
            await pilot.press("q")

    asyncio.run(run())
    lines = end_recording(app, writer, record_file)
    assert [c["time"] for c in lines[0]["scheduled"]] == [12.0, 25.0]
    assert [(x["kind"], x.get("branch"), x.get("time")) for x in lines[1:]] == [
        ("command", "main", 2.0),
        ("command", "main", 12.0),
        ("command", "main", 25.0),
        ("branch", None, None),
        ("command", "b1", 10.0),
        ("command", "b1", 12.0),  # written when applied on b1, once
        ("command", "b1", 25.0),
        ("end", "main", None),
        ("end", "b1", None),
    ]
    for branch in ("main", "b1"):
        out = tmp_path / f"{branch}.json"
        args = ["replay", str(record_file), "--headless", "--branch", branch, "--metrics-out", str(out)]
        assert main(args) == 0
        end = next(x for x in lines if x["kind"] == "end" and x["branch"] == branch)
        replayed, expected = json.loads(out.read_text()), dict(end["metrics"])
        replayed.pop("wall_time"), expected.pop("wall_time")
        assert replayed == expected


def test_a_run_file_brings_the_script_still_due_after_its_end_to_a_longer_replay(tmp_path: Path) -> None:
    record_file = tmp_path / "short.jsonl"
    app, _, writer = scripted_app(tmp_path, record_file)

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            app.rewinder.seek(15.0)  # the pause at 25 is not reached
            await arrive(app, pilot)
            await pilot.press("q")

    asyncio.run(run())
    commands = end_recording(app, writer, record_file)[1:]
    assert [(c["kind"], c.get("time")) for c in commands] == [("command", 12.0), ("end", None)]
    plan = replay.plan(str(record_file), until=30.0)
    assert [(a.time, a.command.text()) for a in plan.commands] == [
        (12.0, "concurrency task:work 3"),
        (25.0, "pause task:work 2"),
    ]
    assert replay.plan(str(record_file)).horizon == 15.0
    # A branch of the replayed run made after 12 keeps the pause at 25, due.
    history = History(runfile.read(record_file).tree)
    branch = history.tree.fork("main", 20.0)
    assert branch.commands == [AppliedCommand(25.0, parse_command("pause task:work 2"))]


def test_a_damaged_script_in_the_header_is_refused_naming_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.jsonl"
    head = runfile.header(load(str(TINY_FILE)), defaults(), 0)
    head["scheduled"] = [{"time": -1, "command": "pause", "args": {"scope": "task:work"}}]
    path.write_text(json.dumps(head) + "\n")
    assert main(["replay", str(path), "--headless"]) == 2
    assert capsys.readouterr().err == (
        f"observatory: error: {path}:1: damaged header: scheduled: "
        "command time -1 is not valid: use a number of virtual s >= 0\n"
    )


# -- naming a branch --------------------------------------------------------------------------


def test_a_branch_named_in_the_tui_is_listed_recorded_and_replayed_by_its_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record_file = tmp_path / "named.jsonl"
    app, _, writer = scripted_app(tmp_path, record_file)

    async def name(pilot: Any, text: str) -> str:
        """Type a name into the box; what it says under the name ('' when it closed)."""
        await pilot.press(*text, "enter")
        return "" if not isinstance(app.screen, BranchName) else str(app.screen.error.render())

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            app.rewinder.seek(20.0)
            await arrive(app, pilot)
            app.rewinder.seek(10.0)
            await arrive(app, pilot)
            await pilot.press("right_curly_bracket")  # b1 at 10
            app.action_name_branch()
            await pilot.pause()
            assert await name(pilot, "main") == "branch name 'main' is taken: give another"
            await pilot.press(*["backspace"] * 4)
            assert await name(pilot, "two words") == (
                "branch name 'two words' is not valid: use 1 to 32 letters, digits, '-', '_' or '.', "
                "starting with a letter or digit"
            )
            await pilot.press(*["backspace"] * 9)
            assert await name(pilot, "slots-15") == ""
            assert app.history.branch == "slots-15" and "slots-15" in app.rewinder.info().branch
            await pilot.press("b")
            assert isinstance(app.screen, BranchList)
            assert [(r.name, r.parent) for r in app.screen.rows] == [("main", None), ("slots-15", "main")]
            assert app.screen.rows[0].commands == (  # main was computed to t = 20
                "t=12.0 concurrency task:work 3",
                "t=25.0 pause task:work 2 (due)",
            )
            await pilot.press("up", "c")  # compare the highlighted branch with the one on screen
            assert isinstance(app.screen, CompareScreen)
            assert "compare main with slots-15" in app.screen.query_one("#comparison").render().plain
            await pilot.press("escape")
            app.rewinder.switch("main")
            await arrive(app, pilot)
            assert app.name_branch("other") == (
                "main keeps its name (replay's default): name a branch made from it"
            )
            await pilot.press("q")

    asyncio.run(run())
    lines = end_recording(app, writer, record_file)
    assert {"kind": "name", "branch": "b1", "name": "slots-15"} in lines
    assert runfile.read(record_file).tree["slots-15"].parent == "main"
    out = tmp_path / "named.json"
    args = ["replay", str(record_file), "--headless", "--branch", "slots-15", "--metrics-out", str(out)]
    assert main(args) == 0
    assert "metrics identical to the record" in capsys.readouterr().err
    assert main(["replay", str(record_file), "--headless", "--branch", "b1"]) == 2
    assert capsys.readouterr().err == (
        f"observatory: error: {record_file}: has no branch 'b1': use one of main, slots-15\n"
    )


def test_a_name_line_that_cannot_apply_is_refused_naming_the_line(tmp_path: Path) -> None:
    head = runfile.header(load(str(TINY_FILE)), defaults(), 0)
    for line, why in (
        ({"kind": "name", "branch": "b9", "name": "x"}, "needs a known branch and a name"),
        ({"kind": "name", "branch": "main", "name": "x"}, "main keeps its name"),
        ({"kind": "name", "branch": "b1", "name": "-x"}, "branch name '-x' is not valid"),
    ):
        path = tmp_path / "bad.jsonl"
        branch = {"kind": "branch", "name": "b1", "parent": "main", "at": 1.0}
        path.write_text("\n".join(json.dumps(x) for x in (head, branch, line)) + "\n")
        with pytest.raises(runfile.RunFileError, match=rf"^{path}:3: damaged name line: {why}"):
            runfile.read(path)
