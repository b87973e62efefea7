"""Rate limits, pauses, TTLs, scopes, last write wins, change events and bad input."""

from __future__ import annotations

import pytest

from engine import ConstraintStatistics, Engine, TaskBlocked
from tests.engine.conftest import Recorder, starts, worker


def test_rate_limit_two_per_second_burst_one_spaces_starts_exactly(engine: Engine, rec: Recorder) -> None:
    engine.rate_limit("task:work", "2/s", burst=1)
    for _ in range(4):
        engine.spawn(worker, 0.0, 0.1)
    engine.run()
    assert starts(rec) == [(0.0, 0), (0.5, 1), (1.0, 2), (1.5, 3)]
    reasons = {e.reason for e in rec.events if isinstance(e, TaskBlocked)}
    assert reasons == {"rate_limit task:work rate 2/s burst 1"}


def test_rate_limit_burst_then_steady_rate_and_refill_while_idle(engine: Engine, rec: Recorder) -> None:
    engine.rate_limit("task:work", "1/s", burst=3)
    for _ in range(5):
        engine.spawn(worker, 0.0, 0.1)
    engine.spawn(worker, 10.0, 0.1)  # the bucket refilled meanwhile: starts at once
    engine.spawn(worker, 10.0, 0.1)
    engine.run()
    assert starts(rec) == [(0.0, 0), (0.0, 1), (0.0, 2), (1.0, 3), (2.0, 4), (10.0, 5), (10.0, 6)]


def test_rate_limit_default_burst_and_other_units(engine: Engine, rec: Recorder) -> None:
    c = engine.rate_limit("task:work", "3/m")
    assert c.setting() == "rate 3/m burst 3"
    for _ in range(4):
        engine.spawn(worker, 0.0, 0.1)
    engine.run()
    assert starts(rec)[-1] == (20.0, 3)
    assert engine.rate_limit("task:work", 0.5).setting() == "rate 0.5/s burst 1"


def test_changing_the_rate_keeps_earned_tokens_and_reschedules(engine: Engine, rec: Recorder) -> None:
    engine.rate_limit("task:work", "1/s", burst=1)
    for _ in range(4):
        engine.spawn(worker, 0.0, 0.1)
    engine.call_at(0.5, lambda: engine.rate_limit("task:work", "4/s", burst=1))
    engine.run()
    # At 0.5 half a token is earned; at 4/s the other half takes 0.125 s.
    assert starts(rec) == [(0.0, 0), (0.625, 1), (0.875, 2), (1.125, 3)]


def test_pause_and_resume_release_waiters_fifo(engine: Engine, rec: Recorder) -> None:
    engine.pause("task:work")
    for i in range(3):
        engine.spawn(worker, 0.5 * i, 1.0)
    engine.spawn(worker, 0.0, 1.0, "rest")
    engine.call_at(2.0, lambda: engine.resume("task:work"))
    engine.run()
    assert starts(rec) == [(0.0, 3), (2.0, 0), (2.0, 1), (2.0, 2)]
    assert {e.reason for e in rec.events if isinstance(e, TaskBlocked)} == {"pause task:work paused"}
    assert engine.resume("task:work") is False


def test_paused_tasks_hold_no_slot(engine: Engine, rec: Recorder) -> None:
    engine.concurrency("global", 1)
    engine.pause("task:work")
    engine.spawn(worker, 0.0, 1.0)
    engine.spawn(worker, 0.0, 1.0, "rest")
    engine.run()
    assert starts(rec) == [(0.0, 1)]
    assert engine.constraint("global", "concurrency").statistics() == ConstraintStatistics(
        "concurrency", "global", "limit 1", 0, 0
    )


def test_ttl_expiry_lifts_a_constraint(engine: Engine, rec: Recorder) -> None:
    engine.pause("global", ttl=3.0)
    engine.concurrency("task:work", 1, ttl=1.5)
    engine.spawn(worker, 0.0, 1.0)
    engine.spawn(worker, 0.0, 1.0)
    engine.run()
    assert starts(rec) == [(3.0, 0), (3.0, 1)]
    assert rec.rows("changed") == [
        ("changed", 0.0, "pause", "global", "set", "paused until 3"),
        ("changed", 0.0, "concurrency", "task:work", "set", "limit 1 until 1.5"),
        ("changed", 1.5, "concurrency", "task:work", "expired", "limit 1 until 1.5"),
        ("changed", 3.0, "pause", "global", "expired", "paused until 3"),
    ]
    assert engine.constraints() == []


def test_setting_again_without_ttl_keeps_the_constraint(engine: Engine) -> None:
    engine.pause("global", ttl=1.0)
    engine.pause("global")
    engine.run(until=5.0)
    assert engine.constraint("global", "pause") is not None


@pytest.mark.parametrize(
    ("scope", "names", "started_at_once"),
    [
        ("global", [("a-1", "work"), ("b-1", "rest")], []),
        ("task:w*", [("a-1", "work"), ("b-1", "rest"), ("c-1", "walk")], [1]),
        ("task:work", [("a-1", "work"), ("b-1", "workers")], [1]),
        ("agent:a-?", [("a-1", "work"), ("a-10", "work"), ("b-1", "work")], [1, 2]),
        ("agent:agent-[ab]", [("agent-a", "x"), ("agent-c", "x")], [1]),
    ],
)
def test_scopes_match_task_and_agent_globs(scope: str, names: list, started_at_once: list[int]) -> None:
    engine = Engine()
    rec = Recorder(engine)
    engine.pause(scope)
    for agent_name, task_name in names:
        engine.spawn(worker, 0.0, 1.0, task_name, name=agent_name)
    engine.run()
    assert [a for _, a in starts(rec)] == started_at_once


def test_last_write_wins_per_scope_and_kind(engine: Engine) -> None:
    first = engine.concurrency("task:work", 1)
    again = engine.concurrency(" task:work ", 4)
    engine.rate_limit("task:work", "5/s")
    engine.rate_limit("task:work", "10/s", burst=2)
    assert first is again and first.limit == 4
    assert [(s.kind, s.scope, s.setting) for s in engine.constraints()] == [
        ("concurrency", "task:work", "limit 4"),
        ("rate_limit", "task:work", "rate 10/s burst 2"),
    ]


def test_constraint_log_records_every_change_with_its_time(engine: Engine, rec: Recorder) -> None:
    engine.concurrency("task:work", 2)
    engine.call_at(1.0, lambda: engine.rate_limit("agent:agent-*", "5/s"))
    engine.call_at(2.0, lambda: engine.pause())
    engine.call_at(3.0, lambda: engine.resume())
    engine.call_at(4.0, lambda: engine.remove("task:work", "concurrency"))
    engine.run()
    assert engine.constraint_log == [
        (0.0, "set", "concurrency", "task:work", "limit 2"),
        (1.0, "set", "rate_limit", "agent:agent-*", "rate 5/s burst 5"),
        (2.0, "set", "pause", "global", "paused"),
        (3.0, "removed", "pause", "global", "paused"),
        (4.0, "removed", "concurrency", "task:work", "limit 2"),
    ]
    log = engine.constraint_log
    assert [r[1:] for r in rec.rows("changed")] == [(t, k, s, a, v) for t, a, k, s, v in log]
    assert {e.agent for e in rec.events} == {-1}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda e: e.concurrency("task:work", 0),
            "concurrency limit 0 is not valid: use a whole number >= 1",
        ),
        (lambda e: e.concurrency("task:work", 2.5), "concurrency limit 2.5 is not valid"),
        (lambda e: e.concurrency("task:work", True), "concurrency limit True is not valid"),
        (lambda e: e.rate_limit("task:work", "ten/s"), "rate 'ten/s' is not valid: use '<count>/<unit>'"),
        (lambda e: e.rate_limit("task:work", "5/x"), "rate '5/x' is not valid: use '<count>/<unit>'"),
        (lambda e: e.rate_limit("task:work", "0/s"), "rate '0/s' is not valid: count and period must be > 0"),
        (lambda e: e.rate_limit("task:work", -2), "rate -2 is not valid: it must be > 0"),
        (lambda e: e.rate_limit("task:work", "5/s", burst=0), "burst 0 is not valid: use a number >= 1"),
        (lambda e: e.pause("tasks:work"), "scope 'tasks:work' is not valid: use 'global', 'task:<glob>'"),
        (lambda e: e.pause("task:"), "scope 'task:' is not valid"),
        (lambda e: e.concurrency("everything", 3), "scope 'everything' is not valid"),
        (lambda e: e.pause("global", ttl=0), "ttl 0 is not valid: use a number of virtual seconds > 0"),
        (lambda e: e.remove("global", "limit"), "constraint kind 'limit' is not valid: use one of pause,"),
    ],
)
def test_bad_input_names_the_value_and_the_accepted_form(call, message: str) -> None:
    engine = Engine()
    with pytest.raises(ValueError) as info:
        call(engine)
    assert str(info.value).startswith(message)
    assert engine.constraints() == [] and engine.constraint_log == []


def test_statistics_show_running_and_waiting(engine: Engine) -> None:
    engine.concurrency("task:work", 2)
    engine.rate_limit("task:rest", "1/s", burst=1)
    for _ in range(5):
        engine.spawn(worker, 0.0, 10.0)
    for _ in range(3):
        engine.spawn(worker, 0.0, 10.0, "rest")
    engine.run(until=1.0)
    assert engine.constraints() == [
        ConstraintStatistics("concurrency", "task:work", "limit 2", 2, 3),
        ConstraintStatistics("rate_limit", "task:rest", "rate 1/s burst 1", 0, 1),
    ]
