"""Outside commands: their texts, checks, the instant they apply at, and their log."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import Engine
from engine.commands import (
    AppliedCommand,
    Command,
    CommandError,
    LiveParameter,
    check_command,
    parse_command,
)
from tests.engine.conftest import Recorder, worker


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("concurrency task:work 5", Command("concurrency", {"scope": "task:work", "limit": 5})),
        ("CONCURRENCY  global 1 ttl=2.5",
         Command("concurrency", {"scope": "global", "limit": 1, "ttl": 2.5})),
        ("rate-limit task:* 10/s", Command("rate-limit", {"scope": "task:*", "rate": "10/s"})),
        ("rate-limit agent:a-? 3/m 4",
         Command("rate-limit", {"scope": "agent:a-?", "rate": "3/m", "burst": 4.0})),
        ("pause task:work", Command("pause", {"scope": "task:work"})),
        ("pause task:work 5", Command("pause", {"scope": "task:work", "ttl": 5.0})),
        ("resume global", Command("resume", {"scope": "global"})),
        ("clear task:work", Command("clear", {"scope": "task:work"})),
        ("clear task:work rate-limit", Command("clear", {"scope": "task:work", "kind": "rate_limit"})),
        ("set think exp:2", Command("set", {"name": "think", "value": "exp:2"})),
        ("set grid-size 3 4", Command("set", {"name": "grid_size", "value": "3 4"})),
    ],
)
def test_texts_parse_to_canonical_commands_and_back(text: str, command: Command) -> None:
    assert parse_command(text) == command
    assert parse_command(command.text()) == command


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty command"),
        ("limit task:work 3", "unknown command 'limit'"),
        ("concurrency task:work", "takes a scope and a limit"),
        ("concurrency task:work 0", "limit '0' is not valid: use a whole number >= 1"),
        ("concurrency work 3", "scope 'work' is not valid"),
        ("rate-limit task:work fast", "rate 'fast' is not valid"),
        ("rate-limit task:work 1/s 0.5", "burst '0.5' is not valid"),
        ("pause task:work -1", "ttl '-1' is not valid"),
        ("pause task:work 5 ttl=3", "pause takes a scope and maybe a TTL"),
        ("resume task:work now", "resume takes a scope only"),
        ("clear task:work everything", "kind 'everything' is not valid"),
        ("set think", "set needs a parameter and a value"),
        ("concurrency task:work 3 ttl=inf", "ttl 'inf' is not valid"),
    ],
)
def test_bad_texts_are_refused_with_one_line_naming_the_problem(text: str, message: str) -> None:
    with pytest.raises(CommandError, match=r"^[^\n]*$") as caught:
        parse_command(text)
    assert message in str(caught.value)


def test_a_long_bad_value_is_cut_in_the_message() -> None:
    with pytest.raises(CommandError) as caught:
        parse_command("concurrency task:work " + "9x" * 50_000)
    assert len(str(caught.value)) < 200


def test_the_logged_form_reads_back_and_is_checked() -> None:
    applied = AppliedCommand(1.5, Command("pause", {"scope": "global", "ttl": 2.0}))
    assert applied.as_dict() == {"time": 1.5, "command": "pause", "args": {"scope": "global", "ttl": 2.0}}
    assert AppliedCommand.from_dict(applied.as_dict()) == applied
    for bad in (
        {"time": 1, "command": "pause"},
        {"time": -1, "command": "pause", "args": {"scope": "global"}},
        {"time": 1, "command": "explode", "args": {}},
        {"time": 1, "command": "pause", "args": {"scope": "global", "limit": 3}},
        {"time": "1", "command": "pause", "args": {"scope": "global"}},
    ):
        with pytest.raises(CommandError):
            AppliedCommand.from_dict(bad)
    with pytest.raises(CommandError):
        check_command(Command("concurrency", {"scope": "global", "limit": True}))


def test_a_command_applies_at_the_end_of_its_instant_after_everything_else_due_then() -> None:
    engine = Engine(seed=1)
    rec = Recorder(engine)
    engine.concurrency("task:work", 1)
    for _ in range(3):
        engine.spawn(worker, 1.0, 1.0)
    # Scheduled before the agents park their t=1 timers, it still lands after them.
    engine.schedule(1.0, parse_command("concurrency task:work 3"))
    engine.run()
    assert rec.rows("blocked", "started", "changed")[:6] == [
        ("changed", 0.0, "concurrency", "task:work", "set", "limit 1"),
        ("started", 1.0, 0, "work", 0.0),
        ("blocked", 1.0, 1, "work"),
        ("blocked", 1.0, 2, "work"),
        ("changed", 1.0, "concurrency", "task:work", "set", "limit 3"),
        ("started", 1.0, 1, "work", 0.0),
    ]
    assert [a.as_dict() for a in engine.commands] == [
        {"time": 1.0, "command": "concurrency", "args": {"scope": "task:work", "limit": 3}}
    ]


def test_submit_applies_at_once_when_the_instant_is_complete_and_waits_otherwise() -> None:
    engine = Engine(seed=1)
    engine.spawn(worker, 1.0, 1.0)
    engine.run(until=0.0, max_steps=0)  # started, but the agent is still ready at t=0
    assert engine.submit(parse_command("pause task:work")) is None
    assert engine.constraint("task:work", "pause") is None
    engine.run(until=0.5)
    assert engine.constraint("task:work", "pause") is not None
    applied = engine.submit(parse_command("resume task:work"))
    assert applied is not None and applied.time == 0.5
    assert engine.constraint("task:work", "pause") is None
    assert [(a.time, a.command.name, a.at_start) for a in engine.commands] == [
        (0.0, "pause", False), (0.5, "resume", False)
    ]


def test_a_command_submitted_before_the_first_step_applies_before_any_agent_moves() -> None:
    engine = Engine(seed=1)
    rec = Recorder(engine)
    for _ in range(2):
        engine.spawn(worker, 0.0, 1.0)  # both want the slot at t=0
    applied = engine.submit(parse_command("pause task:work"))
    assert applied is not None and applied.at_start and applied.time == 0.0
    assert applied.as_dict() == {
        "time": 0.0, "command": "pause", "args": {"scope": "task:work"}, "at": "start"
    }
    engine.schedule(2.0, parse_command("resume task:work"))
    engine.run(until=4.0)
    assert rec.rows("blocked", "started", "changed") == [
        ("changed", 0.0, "pause", "task:work", "set", "paused"),
        ("blocked", 0.0, 0, "work"),
        ("blocked", 0.0, 1, "work"),
        ("changed", 2.0, "pause", "task:work", "removed", "paused"),
        ("started", 2.0, 0, "work", 2.0),
        ("started", 2.0, 1, "work", 2.0),
    ]
    assert AppliedCommand.from_dict(applied.as_dict()) == applied


def test_the_start_marker_reads_back_only_as_start_at_time_0() -> None:
    old = {"time": 0.0, "command": "pause", "args": {"scope": "global"}}
    assert AppliedCommand.from_dict(old).at_start is False  # files without the marker read as before
    for bad in ({**old, "at": "end"}, {**old, "time": 1.0, "at": "start"}):
        with pytest.raises(CommandError, match="only \"start\", at time 0"):
            AppliedCommand.from_dict(bad)


def _pair(engine: Engine) -> dict[str, int]:
    """Two live parameters with a cross-check (low < high), as a scenario's params have."""
    values = {"low": 1, "high": 10}

    def check(name: str):
        def cross(value: int) -> None:
            low, high = (value, values["high"]) if name == "low" else (values["low"], value)
            if not low < high:
                raise ValueError(f"--{name}: {value} is not valid: low must stay below high")
        return cross

    for name in values:
        engine.live(LiveParameter(name, int, lambda v, n=name: values.__setitem__(n, v), check=check(name)))
    return values


def test_a_set_whose_cross_check_fails_only_when_it_applies_is_refused_not_raised() -> None:
    engine = Engine(seed=1)
    values = _pair(engine)
    refused: list[tuple[float, str, str]] = []
    engine.watch_refusals(lambda t, c, e: refused.append((t, c.text(), str(e))))
    engine.spawn(worker, 1.0, 1.0)
    engine.run(until=0.5)
    engine.schedule(1.0, parse_command("set low 5"))
    engine.schedule(1.0, parse_command("set high 3"))  # fine against low=1 now; not after low=5
    mine: list[str] = []
    engine.schedule(2.0, parse_command("set high 4"), on_refused=lambda c, e: mine.append(str(e)))
    engine.run(until=3.0)  # never raises out of run
    assert values == {"low": 5, "high": 10}
    assert [a.command.text() for a in engine.commands] == ["set low 5"]
    assert refused == [(1.0, "set high 3", "--high: 3 is not valid: low must stay below high")]
    assert mine == ["--high: 4 is not valid: low must stay below high"]


def test_a_set_value_is_converted_once_and_applied_as_that_value() -> None:
    engine = Engine(seed=1)
    calls: list[str] = []
    applied: list[float] = []

    def convert(text: str) -> float:
        calls.append(text)
        return float(text)

    engine.live(LiveParameter("rate", convert, applied.append))
    engine.spawn(worker, 1.0, 1.0)
    engine.schedule(1.0, parse_command("set rate 2.5"))
    engine.run(until=2.0)
    assert calls == ["2.5"] and applied == [2.5]


def test_a_refused_command_changes_nothing_and_is_not_logged() -> None:
    engine = Engine(seed=1)
    with pytest.raises(CommandError, match="not a live parameter: use one of none"):
        engine.submit(parse_command("set think exp:1"))
    with pytest.raises(CommandError, match="time -1 is not valid"):
        engine.schedule(-1, parse_command("pause global"))
    assert engine.commands == [] and engine.constraints() == []


def test_set_converts_through_the_live_parameter_and_applies_its_value() -> None:
    engine = Engine(seed=1)
    seen: list[float] = []

    def convert(text: str) -> float:
        value = float(text)
        if value <= 0:
            raise ValueError(f"--rate: {text!r} is not valid: use a number > 0")
        return value

    engine.live(LiveParameter("rate", convert, seen.append))
    with pytest.raises(CommandError, match=r"^--rate: '-2' is not valid: use a number > 0$"):
        engine.submit(parse_command("set rate -2"))
    engine.submit(parse_command("set rate 2.5"))
    assert seen == [2.5]
    assert engine.commands[0].as_dict() == {
        "time": 0.0, "command": "set", "args": {"name": "rate", "value": "2.5"}, "at": "start"
    }


def test_clear_removes_every_kind_on_the_scope_or_only_the_one_named() -> None:
    engine = Engine(seed=1)
    for text in ("concurrency task:w 2", "rate-limit task:w 5/s", "pause task:w"):
        engine.submit(parse_command(text))
    engine.submit(parse_command("clear task:w concurrency"))
    assert sorted(c.kind for c in engine.constraints()) == ["pause", "rate_limit"]
    engine.submit(parse_command("clear task:w"))
    assert engine.constraints() == []


def test_watchers_hear_each_applied_command() -> None:
    engine = Engine(seed=1)
    heard: list[AppliedCommand] = []
    stop = engine.watch_commands(heard.append)
    engine.submit(parse_command("pause global 3"))
    stop()
    engine.submit(parse_command("resume global"))
    assert [a.command.name for a in heard] == ["pause"]


def _trace(seed: int, commands: list[tuple[float, str]], live: bool) -> tuple[list[tuple], list[dict]]:
    """A small contended run steered by commands, given live between slices or scheduled up front."""
    engine = Engine(seed=seed)
    rec = Recorder(engine)
    engine.concurrency("task:work", 2)
    for i in range(6):
        engine.spawn(worker, 0.25 * (i % 3), 0.5 + 0.25 * (i % 2))
    if not live:
        for time, text in commands:
            engine.schedule(time, parse_command(text))
        engine.run(until=6.0)
    else:
        pending = sorted(commands, key=lambda c: c[0])
        while pending:
            time, text = pending.pop(0)
            # A live run reaches the instant (possibly mid-way, by a step budget) and submits.
            engine.run(until=time, max_steps=3)
            while engine.now < time:
                engine.run(until=time, max_steps=3)
            engine.submit(parse_command(text))
        engine.run(until=6.0)
    return rec.rows(), [a.as_dict() for a in engine.commands]


_TEXTS = st.sampled_from(
    ["concurrency task:work 1", "concurrency task:work 4", "pause task:work", "resume task:work",
     "pause task:work 0.5", "rate-limit task:work 2/s", "clear task:work", "clear task:work pause"]
)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 5),
    commands=st.lists(st.tuples(st.sampled_from([0.0, 0.25, 0.5, 1.0, 1.25, 2.0, 3.5]), _TEXTS), max_size=6),
)
def test_commands_given_live_and_the_same_commands_scheduled_give_the_same_run(seed, commands) -> None:
    commands = sorted(commands, key=lambda c: c[0])
    assert _trace(seed, commands, live=True) == _trace(seed, commands, live=False)
