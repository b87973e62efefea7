"""Scheduled commands (``--command "T:TEXT"``): checked before the run, applied at their exact instants.

And the identity replay relies on: a run steered live, and a fresh run given
its logged commands as a schedule, emit the same events and end with the same
metrics, for every kind of command.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engine import Engine, Event
from engine.commands import AppliedCommand
from observatory import metrics
from observatory.cli import main
from observatory.headless import run_headless
from observatory.scheduled import parse_scheduled, schedule
from scenarios.params import parse_params
from scenarios.registry import load
from tests.engine.conftest import row

EVERY_KIND = [
    "2:set think exp:0.4",
    "3:concurrency task:work 4",
    "4.5:rate-limit task:work 6/s 2",
    "6:pause task:work 1.5",
    "9:pause global",
    "9.25:resume global",
    "11:clear task:work rate-limit",
    "12:set slots 9",
    "13:set service const:0.2",
    "14:clear task:work",
]


def test_every_kind_of_scheduled_command_lands_at_its_time_in_the_metrics() -> None:
    record = run_headless("bottleneck", {"agents": "80"}, seed=2, duration=16, commands=EVERY_KIND)
    assert [(c["time"], c["command"]) for c in record["commands"]] == [
        (2.0, "set"), (3.0, "concurrency"), (4.5, "rate-limit"), (6.0, "pause"), (9.0, "pause"),
        (9.25, "resume"), (11.0, "clear"), (12.0, "set"), (13.0, "set"), (14.0, "clear"),
    ]
    assert record["commands"][2]["args"] == {"scope": "task:work", "rate": "6/s", "burst": 2.0}
    assert record["limits_final"] == []
    assert record["params"]["slots"] == 20
    assert record["params_final"] == {**record["params"], "slots": None, "think": "exp:0.4",
                                      "service": "const:0.2"}


def test_a_scheduled_change_applies_after_everything_else_at_its_instant() -> None:
    scenario = load("bottleneck")
    params = parse_params(scenario.params, {"agents": "40", "slots": "3"})
    engine = Engine(5)
    scenario.build(engine, params)
    events: list[Event] = []
    engine.subscribe(Event, events.append)
    schedule(engine, parse_scheduled(["6:pause task:work 1.5"], scenario, params))
    engine.run(until=10.0)
    rows = [row(ev) for ev in events]
    changes = [r for r in rows if r[0] == "changed"]
    assert changes == [
        ("changed", 6.0, "pause", "task:work", "set", "paused until 7.5"),
        ("changed", 7.5, "pause", "task:work", "expired", "paused until 7.5"),
    ]
    at_six = [r for r in rows if r[1] == 6.0]
    assert at_six[-1][0] == "changed"  # last of its instant
    during = [r for r in rows if r[0] == "started" and 6.0 < r[1] < 7.5]
    assert during == []  # nothing starts while paused
    assert any(r[0] == "started" and r[1] == 7.5 for r in rows)  # waiters start as it expires


def test_the_cli_runs_scheduled_commands_headless(tmp_path: Path) -> None:
    out = tmp_path / "m.json"
    code = main([
        "run", "bottleneck", "--headless", "--duration", "10", "--metrics-out", str(out),
        "--command", "3:set slots 5", "--command", "1.5:pause task:work 1",
    ])
    assert code == 0
    record = json.loads(out.read_text())
    assert record["commands"] == [
        {"time": 1.5, "command": "pause", "args": {"scope": "task:work", "ttl": 1.0}},
        {"time": 3.0, "command": "set", "args": {"name": "slots", "value": "5"}},
    ]
    assert record["limits_final"] == [{"scope": "task:work", "kind": "concurrency", "setting": "limit 5"}]


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("pause global", "'pause global' is not valid: use T:TEXT with T a virtual time in seconds >= 0"),
        ("-1:pause global", "'-1:pause global' is not valid: use T:TEXT"),
        ("inf:pause global", "'inf:pause global' is not valid: use T:TEXT"),
        ("3:halt global", "'3:halt global': unknown command 'halt'"),
        ("3:concurrency task:work 0", "'3:concurrency task:work 0': limit '0' is not valid"),
        ("3:set slots many", "'3:set slots many': --slots: 'many' is not valid: use a whole number >= 1"),
        ("3:set agents 4", "'3:set agents 4': 'agents' is not a live parameter: use one of slots, think"),
        ("3:pause work", "'3:pause work': scope 'work' is not valid"),
    ],
)
def test_a_bad_command_exits_2_with_one_line_before_the_run(
    given: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "bottleneck", "--headless", "--duration", "5", "--command", given]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"observatory: error: --command: {message}" + captured.err.split(message, 1)[1]
    assert captured.err.count("\n") == 1 and captured.out == ""


def test_set_values_are_cross_checked_in_time_order() -> None:
    scenario = load("fireflies")
    params = parse_params(scenario.params, {})
    # Each alone is fine; refractory 4.9 with the period 5 too. The order of the flags does not matter.
    assert len(parse_scheduled(["9:set refractory 4.9", "1:set nudge 0.1"], scenario, params)) == 2
    with pytest.raises(ValueError, match=r"^--command: '1:set nudge 5': --nudge: 5 is too large"):
        parse_scheduled(["1:set nudge 5"], scenario, params)


# -- replay identity -----------------------------------------------------------------------


def steered(name: str, values: dict[str, str], texts: list[str], until: float) -> tuple[list, dict, list]:
    """A run steered live: the engine runs to each command's time and the command is submitted then."""
    scenario = load(name)
    params = parse_params(scenario.params, values)
    engine = Engine(4)
    world = scenario.build(engine, params)
    events: list[tuple] = []
    engine.subscribe(Event, lambda ev: events.append(row(ev)))
    for item in sorted(parse_scheduled(texts, scenario, params), key=lambda s: s.time):
        engine.run(until=item.time)
        engine.submit(item.command)
    engine.run(until=until)
    record = _record(scenario, params, engine, world)
    log = json.loads(json.dumps([a.as_dict() for a in engine.commands]))  # as a file holds it
    return events[:], record, log


def replayed(name: str, values: dict[str, str], log: list[dict[str, Any]], until: float) -> tuple[list, dict]:
    """A fresh run given the logged commands as a schedule."""
    scenario = load(name)
    params = parse_params(scenario.params, values)
    engine = Engine(4)
    world = scenario.build(engine, params)
    events: list[tuple] = []
    engine.subscribe(Event, lambda ev: events.append(row(ev)))
    for entry in log:
        applied = AppliedCommand.from_dict(entry)
        engine.schedule(applied.time, applied.command)
    engine.run(until=until)
    record = _record(scenario, params, engine, world)
    return events[:], record


def _record(scenario: Any, params: Any, engine: Engine, world: Any) -> dict[str, Any]:
    record = metrics.collect(scenario, params, 4, engine, world, wall_time=0.0)
    return json.loads(json.dumps(metrics.plain(record)))


@pytest.mark.parametrize(
    ("name", "values", "texts", "until"),
    [
        ("bottleneck", {"agents": "120"}, EVERY_KIND, 16.0),
        ("fireflies", {"width": "10", "height": "10"},
         ["3:set nudge 0.1", "5:set limit 4", "8:set refractory 0.4", "9:pause task:flash 2",
          "12:set limit none", "13:rate-limit task:flash 20/s"], 20.0),
        ("retry-storm", {"clients": "150"},
         ["2:set jitter full", "3:set timeout 0.4", "4:set outage 2", "7:set slots 5",
          "9:rate-limit task:call 30/s"], 20.0),
        ("conway", {"width": "12", "height": "10", "generations": "80", "loss": "0"},
         ["2:set loss 0.2", "3:set patience 0.3", "4:set limit 15", "6:concurrency global 50",
          "7:clear global"], 30.0),
    ],
)
def test_a_steered_run_and_its_log_replayed_are_identical(
    name: str, values: dict[str, str], texts: list[str], until: float
) -> None:
    events, record, log = steered(name, values, texts, until)
    assert len(log) == len(texts)
    again, replay_record = replayed(name, values, log, until)
    assert again == events
    assert replay_record == record
    assert record["commands"] == log
