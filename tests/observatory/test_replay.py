"""Run files: a recorded run replays to identical metrics; damaged or changed inputs are refused."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest

from engine.commands import AppliedCommand, parse_command
from observatory.branches import MAIN
from observatory.cli import main
from observatory.headless import run_headless
from observatory.history import History
from observatory.runfile import RunWriter, read
from observatory.tui import ObservatoryApp
from observatory.tui.app import finish
from scenarios.params import parse_params
from scenarios.registry import installed, load
from tests.observatory.tiny_scenario import SCENARIO as TINY
from tests.observatory.tiny_scenario import defaults

TINY_FILE = Path(__file__).with_name("tiny_scenario.py")
# Small, quick runs of every bundled scenario, each with commands given along the way.
RUNS = {
    "bottleneck": ({"agents": "200"}, 12.0),
    "fireflies": ({"width": "12", "height": "10"}, 12.0),
    "conway": ({"width": "16", "height": "12", "generations": "40"}, None),
    "retry-storm": ({}, 12.0),
}
COMMANDS = ["pause global 1.5", "rate-limit global 40/s", "concurrency global 7", "clear global"]


def metrics_of(path: Path) -> dict:
    record = json.loads(path.read_text())
    record.pop("wall_time")
    return record


def recorded_end(path: Path, branch: str = MAIN) -> dict:
    [end] = [json.loads(x) for x in path.read_text().splitlines() if '"kind": "end"' in x]
    assert end["branch"] == branch
    end["metrics"].pop("wall_time")
    return end["metrics"]


def scheduled(times: list[float]) -> list[AppliedCommand]:
    return [AppliedCommand(t, parse_command(text)) for t, text in zip(times, COMMANDS, strict=True)]


@pytest.mark.parametrize("name", [s.name for s in installed()])
def test_a_headless_record_of_every_bundled_scenario_replays_to_identical_metrics(
    name: str, tmp_path: Path
) -> None:
    values, duration = RUNS.get(name, ({}, 10.0))
    scenario = load(name)
    params = parse_params(scenario.params, values)
    record_file = tmp_path / "run.jsonl"
    writer = RunWriter(record_file, scenario, params, 5)
    commands = scheduled([1.0, 2.5, 2.5, 6.0])
    record = run_headless(scenario, params, 5, duration, commands=commands, on_command=writer.on_main)
    writer.end(MAIN, record, duration)
    writer.close()
    assert len(record["commands"]) == 4
    out = tmp_path / "replayed.json"
    assert main(["replay", str(record_file), "--headless", "--metrics-out", str(out)]) == 0
    assert metrics_of(out) == recorded_end(record_file)
    assert metrics_of(out)["commands"] == [c.as_dict() for c in commands]


def test_the_cli_records_a_headless_run_and_replays_it(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    record_file, first, again = tmp_path / "r.jsonl", tmp_path / "a.json", tmp_path / "b.json"
    run = ["run", "bottleneck", "--agents", "50", "--slots", "3", "--seed", "9", "--headless"]
    assert main([*run, "--duration", "7", "--record", str(record_file), "--metrics-out", str(first)]) == 0
    lines = [json.loads(x) for x in record_file.read_text().splitlines()]
    head = lines[0]
    assert (head["kind"], head["format"], head["version"], head["scenario"]) == (
        "header",
        "observatory-run",
        1,
        "bottleneck",
    )
    assert head["params"] == {
        "agents": 50,
        "slots": 3,
        "think": "uniform:0.5,1.5",
        "service": "uniform:0.1,0.3",
    }
    assert (head["seed"], head["path"], head["sha256"]) == (9, None, None)
    assert [x["kind"] for x in lines] == ["header", "end"]
    assert (lines[1]["sim_time"], lines[1]["until"]) == (7.0, 7.0)
    assert main(["replay", str(record_file), "--headless", "--metrics-out", str(again)]) == 0
    assert metrics_of(again) == metrics_of(first)
    assert "replay: metrics identical to the record" in capsys.readouterr().err
    # --until stops elsewhere: nothing to compare with, the run just goes there.
    assert main(["replay", str(record_file), "--headless", "--until", "3", "--metrics-out", str(again)]) == 0
    assert json.loads(again.read_text())["sim_time"] == 3.0


def test_a_user_scenario_file_replays_and_a_changed_one_is_refused_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    source = tmp_path / "mine.py"
    shutil.copy(TINY_FILE, source)
    record_file, first, again = tmp_path / "r.jsonl", tmp_path / "a.json", tmp_path / "b.json"
    args = ["--agents", "40", "--headless", "--duration", "6"]
    assert main(["run", str(source), *args, "--record", str(record_file), "--metrics-out", str(first)]) == 0
    head = read(record_file).header
    assert head["path"] == str(source.resolve()) and len(head["sha256"]) == 64
    assert main(["replay", str(record_file), "--headless", "--metrics-out", str(again)]) == 0
    assert metrics_of(again) == metrics_of(first)
    capsys.readouterr()
    source.write_text(source.read_text() + "\n# changed after the run\n")
    assert main(["replay", str(record_file), "--headless"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(source) in err and "--force" in err
    assert main(["replay", str(record_file), "--headless", "--force", "--metrics-out", str(again)]) == 0
    assert "warning" in capsys.readouterr().err
    assert metrics_of(again) == metrics_of(first)  # only a comment changed


def test_a_tui_run_driven_by_the_pilot_replays_headless_to_identical_metrics(tmp_path: Path) -> None:
    record_file, out = tmp_path / "tui.jsonl", tmp_path / "replayed.json"
    params = defaults(agents=120, slots=6)
    writer = RunWriter(record_file, TINY, params, 4)
    app = ObservatoryApp(TINY, params, 4, speed=4.0, frame_rate=10, history=History(recorder=writer))

    async def run() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("right_square_bracket")  # at t = 0, paused or not
            await pilot.pause(0.3)
            await pilot.press("right_curly_bracket")  # while running: maybe in mid-instant
            await pilot.pause(0.3)
            await pilot.press("space", "left_square_bracket", "full_stop", "full_stop")
            await pilot.press("left_curly_bracket", "space")
            await pilot.pause(0.2)
            await pilot.press("q")

    asyncio.run(run())
    record = finish(app)
    writer.close()
    assert len(record["commands"]) == 4
    assert [c["args"]["limit"] for c in record["commands"]] == [7, 17, 16, 6]
    assert record["sim_time"] > 0
    tiny = tmp_path / "tiny.py"
    shutil.copy(TINY_FILE, tiny)
    # The app ran the imported module; replay needs a file: point the header at a copy.
    lines = record_file.read_text().splitlines()
    head = json.loads(lines[0])
    assert head["scenario"] == "tiny" and head["path"] is None
    from observatory.runfile import sha256_of

    head.update(path=str(tiny), sha256=sha256_of(tiny))
    record_file.write_text("\n".join([json.dumps(head), *lines[1:]]) + "\n")
    assert main(["replay", str(record_file), "--headless", "--metrics-out", str(out)]) == 0
    expected = dict(record)
    expected.pop("wall_time")
    assert metrics_of(out) == json.loads(json.dumps(expected))


def good_lines(tmp_path: Path) -> list[str]:
    record_file = tmp_path / "good.jsonl"
    assert (
        main(
            [
                "run",
                "bottleneck",
                "--agents",
                "20",
                "--headless",
                "--duration",
                "2",
                "--record",
                str(record_file),
            ]
        )
        == 0
    )
    return record_file.read_text().splitlines()


COMMAND_LINE = (
    '{"kind": "command", "branch": "main", "time": 1.0, "command": "pause", "args": {"scope": "global"}}'
)


@pytest.mark.parametrize(
    ("damage", "line", "words"),
    [
        (lambda lines: [], 1, "empty"),
        (lambda lines: ['{"kind": "header", "format": "something-else"}'], 1, "not an observatory run file"),
        (lambda lines: ["not json at all"], 1, "not a JSON line"),
        (lambda lines: [lines[0], COMMAND_LINE[:40]], 2, "not a JSON line"),
        (lambda lines: [lines[0], COMMAND_LINE.replace("pause", "explode")], 2, "unknown command"),
        (lambda lines: [lines[0], COMMAND_LINE.replace('"main"', '"b7"')], 2, "unknown branch"),
        (lambda lines: [lines[0], COMMAND_LINE, COMMAND_LINE.replace("1.0", "0.5")], 3, "is before"),
        (lambda lines: [lines[0], '{"kind": "mystery"}'], 2, "unknown line kind"),
        (lambda lines: [lines[0], "[1, 2]"], 2, "must be a JSON object"),
        (lambda lines: [lines[0].replace('"version": 1', '"version": 9')], 1, "newer"),
        (lambda lines: [lines[0].replace('"seed": 0', '"seed": "x"')], 1, "seed"),
        (lambda lines: [lines[0].replace('"slots": 20', '"slots": 0')], 1, "--slots"),
        (lambda lines: [lines[0].replace('"bottleneck"', '"nowhere"', 1)], 1, "unknown scenario"),
        (lambda lines: [lines[0], '{"kind": "branch", "name": "b1", "parent": "zz", "at": 1}'], 2, "parent"),
        (lambda lines: [lines[0], '{"kind": "end", "branch": "main"}'], 2, "needs sim_time"),
    ],
)
def test_a_damaged_or_foreign_run_file_is_refused_naming_the_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture, damage, line: int, words: str
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("".join(x + "\n" for x in damage(good_lines(tmp_path))))
    capsys.readouterr()
    assert main(["replay", str(bad), "--headless"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"{bad}:{line}:" in err and words in err


def test_a_missing_or_binary_run_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["replay", str(tmp_path / "none.jsonl"), "--headless"]) == 2
    assert "none.jsonl: cannot be read" in capsys.readouterr().err
    binary = tmp_path / "b.jsonl"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    assert main(["replay", str(binary), "--headless"]) == 2
    assert "b.jsonl: cannot be read" in capsys.readouterr().err


def test_a_record_path_is_checked_before_the_run(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    for bad in (str(tmp_path), str(tmp_path / "no" / "r.jsonl")):
        assert main(["run", "bottleneck", "--headless", "--duration", "1", "--record", bad]) == 2
        err = capsys.readouterr().err
        assert err.startswith("observatory: error: --record:") and err.count("\n") == 1


def test_a_killed_run_leaves_its_commands_and_replays_to_its_last_one(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    record_file = tmp_path / "r.jsonl"
    scenario = load("bottleneck")
    params = parse_params(scenario.params, {"agents": "30"})
    writer = RunWriter(record_file, scenario, params, 2)
    run_headless(
        scenario, params, 2, 5.0, commands=scheduled([1.0, 2.0, 3.0, 4.0]), on_command=writer.on_main
    )
    # No end line and no close: as a run killed after its last command leaves it (lines are flushed).
    assert len(record_file.read_text().splitlines()) == 5
    out = tmp_path / "m.json"
    assert main(["replay", str(record_file), "--headless", "--metrics-out", str(out)]) == 0
    assert "no end line" in capsys.readouterr().err
    assert json.loads(out.read_text())["sim_time"] == 4.0
    writer.close()


@pytest.mark.parametrize(
    ("scenario", "options", "commands"),
    [
        (
            "bottleneck",
            ["--agents", "60", "--duration", "20"],
            ["2:set think exp:2", "4:concurrency task:work 5", "6:rate-limit task:work 20/s 3",
             "8:pause task:work 2", "9:resume task:work", "11:clear task:work rate-limit",
             "13:set slots 30", "15:set service exp:0.2"],
        ),
        ("retry-storm", ["--clients", "80", "--duration", "20"],
         ["3:set jitter full", "5:set outage 2", "7:set timeout 0.5", "9:set slots 4"]),
        ("fireflies", ["--width", "8", "--height", "8", "--duration", "30"],
         ["5:set nudge 0.2", "10:set limit 4", "15:set refractory 0.5", "20:clear task:flash"]),
    ],
)
def test_a_run_steered_by_every_kind_of_command_replays_from_its_file_to_identical_metrics(
    tmp_path: Path, scenario: str, options: list[str], commands: list[str]
) -> None:
    record_file, first, again = tmp_path / "r.jsonl", tmp_path / "a.json", tmp_path / "b.json"
    steering = [arg for text in commands for arg in ("--command", text)]
    run = ["run", scenario, *options, "--headless", "--record", str(record_file), "--metrics-out", str(first)]
    assert main([*run, *steering]) == 0
    logged = json.loads(first.read_text())["commands"]
    assert [f"{c['time']:g}" for c in logged] == [text.split(":")[0] for text in commands]
    assert main(["replay", str(record_file), "--headless", "--metrics-out", str(again)]) == 0
    assert metrics_of(again) == metrics_of(first)
