"""retry-storm: an exact small timeline, the backoff strategies, and the storm at fixed seeds."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine import Engine
from scenarios.live import LiveValues
from scenarios.params import parse_params
from scenarios.retry_storm import JITTERS, SCENARIO, RetryStormParams, backoff
from tests.engine.conftest import Recorder

ROOT = Path(__file__).resolve().parents[2]
STATES = ("idle", "waiting", "served", "backing off", "gave up")


def build(seed: int = 0, **values: object):
    engine = Engine(seed)
    world = SCENARIO.build(engine, parse_params(RetryStormParams, values))
    return engine, world


ONE = {"clients": 1, "slots": 1, "think": "const:1", "service": "const:0.1", "timeout": 0.5,
       "backoff": 0.2, "cap": 1.0, "outage": 2.0, "outage_at": 0.5}  # fmt: skip


def test_one_client_through_an_outage_exactly() -> None:
    engine, world = build(**ONE)
    rec = Recorder(engine)
    seen = []
    for t in (1.2, 1.6, 2.0, 2.4, 2.65):
        engine.run(until=t)
        seen.append(STATES[world.state[0]])
    # Calls at 1.0 and 1.7 wait on the pause (0.5 .. 2.5) and time out; the one at 2.6 is served.
    assert seen == ["waiting", "backing off", "waiting", "backing off", "served"]
    engine.run(until=3.0)
    assert rec.tasks() == [
        ("blocked", 1.0, 0, "call"),
        ("finished", 1.5, 0, "call", "timeout", 0.0),
        ("blocked", 1.7, 0, "call"),
        ("finished", 2.2, 0, "call", "timeout", 0.0),
        ("started", 2.6, 0, "call", 0.0),
        ("finished", 2.7, 0, "call", "ok", 0.1),
    ]
    assert world.metrics() == {
        "sent": 3,
        "served": 1,
        "timed_out": 2,
        "gave_up": 0,
        "calls_per_success": 3.0,
        "goodput_per_s": 1 / 3.0,
        "mean_latency_s": pytest.approx(1.7, abs=1e-12),
        "recovery_s": 0.5,  # so far: not yet a whole second without a timeout since 2.5
        "recovered": False,
    }
    engine.run(until=4.0)
    assert (world.metrics()["recovery_s"], world.metrics()["recovered"]) == (0.0, True)


def test_a_client_out_of_retries_gives_up_then_thinks() -> None:
    engine, world = build(**{**ONE, "retries": 1})
    engine.run(until=2.3)  # timed out at 1.5 and, on its one retry, at 2.2
    assert STATES[world.state[0]] == "gave up"
    assert world.metrics()["gave_up"] == 1
    engine.run(until=3.25)  # thought for 1 s, then a new request is served at once
    assert STATES[world.state[0]] == "served"
    assert world.metrics()["sent"] == 3


def test_recovery_waits_for_a_whole_second_without_a_timeout() -> None:
    engine, world = build(**ONE)
    engine.close()  # never run: the client coroutines are discarded
    world.outage_end = world.quiet_since = 0.0  # as if an outage had ended at 0
    for t in (0.5, 1.2, 1.9, 3.5):
        world.timed_out(t)
    # 0.5, 1.2 and 1.9 follow each other within a second; 3.5 comes after a quiet second.
    assert world.recovery() == (1.9, True)
    world.timed_out(5.0)  # later timeouts no longer count
    assert world.recovery() == (1.9, True)


def test_no_outage_means_nothing_to_recover_from() -> None:
    engine, world = build(outage=0, clients=50)
    engine.run(until=20)
    assert engine.constraint("task:call", "pause") is None
    assert (world.metrics()["recovery_s"], world.metrics()["recovered"]) == (0.0, True)


@given(
    jitter=st.sampled_from(JITTERS),
    base=st.floats(0.01, 2.0),
    cap=st.floats(0.01, 20.0),
    retry=st.integers(0, 12),
    previous=st.floats(0.01, 20.0),
    seed=st.integers(0, 1000),
)
def test_backoffs_stay_within_their_strategy(jitter, base, cap, retry, previous, seed) -> None:
    params = parse_params(RetryStormParams, {"backoff": base, "cap": cap, "jitter": jitter})
    settings = LiveValues(Engine(0), params).values  # what the clients read
    wait = backoff(settings, retry, previous, random.Random(seed).uniform)
    ceiling = min(cap, base * 2.0**retry)
    if jitter == "none":
        assert wait == ceiling
    elif jitter == "full":
        assert 0.0 <= wait <= ceiling
    elif jitter == "equal":
        assert ceiling / 2 <= wait <= ceiling
    else:
        assert min(cap, base) <= wait <= min(cap, max(base, 3 * previous))


def test_settings_are_read_at_each_use() -> None:
    engine, world = build(seed=3, clients=200)
    engine.run(until=11.0)  # inside the outage, 10 .. 13
    world.settings.retries = 0  # from now on every timeout is the last
    engine.run(until=13.0)
    gave_up = world.metrics()["gave_up"]
    assert gave_up > 0
    assert world.counts()["gave up"] > 0 and world.counts()["backing off"] < 200


def test_same_seed_same_run() -> None:
    runs = []
    for _ in range(2):
        engine, world = build(seed=5, clients=300)
        engine.run(until=20)
        runs.append((world.metrics(), [s.pairs() for s in world.series()], engine.events_emitted))
    assert runs[0] == runs[1]


def storm(seed: int, jitter: str) -> dict:
    """A default run of 40 s; the peak-to-mean of sent_per_s after the outage (13 .. 40 s) added."""
    engine, world = build(seed, jitter=jitter)
    engine.run(until=40.0)
    sent, waiting = world.series()
    assert (sent.name, waiting.name) == ("sent_per_s", "waiting")
    assert sent.times[:3] == [0.25, 0.5, 0.75]
    after = [v for t, v in sent.pairs() if t > 13.0]
    return {**world.metrics(), "peak_to_mean": max(after) / (sum(after) / len(after))}


@pytest.fixture(scope="module")
def storms() -> dict[str, list[dict]]:
    return {jitter: [storm(seed, jitter) for seed in (0, 1, 2)] for jitter in ("none", "full")}


def mean(runs: list[dict], key: str) -> float:
    return sum(r[key] for r in runs) / len(runs)


def test_without_jitter_the_retries_come_back_in_sharper_waves(storms) -> None:
    # Measured: 2.54, 2.40, 2.66 without jitter; 1.84, 1.64, 1.92 with full jitter.
    assert mean(storms["none"], "peak_to_mean") > 1.25 * mean(storms["full"], "peak_to_mean")
    for run in storms["none"] + storms["full"]:
        assert run["timed_out"] > 300 and run["recovered"]  # the outage did its harm, and it ended


def test_full_jitter_does_not_save_calls_in_this_model(storms) -> None:
    """Timed-out requests leave the queue and cost the server nothing, so the waves cost little;
    full jitter halves the mean backoff, so clients retry more often into the outage."""
    for none, full in zip(storms["none"], storms["full"], strict=True):
        assert none["calls_per_success"] < full["calls_per_success"]
        assert none["timed_out"] < full["timed_out"]
    # Measured: 1.44, 1.50, 1.42 s without jitter; 2.47, 2.33, 1.20 s with full jitter.
    assert mean(storms["none"], "recovery_s") < mean(storms["full"], "recovery_s")


def test_the_command_line_run_shows_the_storm(tmp_path: Path) -> None:
    out = tmp_path / "m.json"
    done = subprocess.run(
        [sys.executable, "-m", "observatory", "run", "retry-storm", "--headless", "--duration", "20",
         "--clients", "300", "--metrics-out", str(out)],
        capture_output=True, text=True, cwd=tmp_path, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    record = json.loads(out.read_text())
    assert record["scenario"] == "retry-storm" and record["params"]["jitter"] == "none"
    for key in ("sent", "served", "timed_out", "gave_up", "calls_per_success", "goodput_per_s",
                "mean_latency_s", "recovery_s"):  # fmt: skip
        assert isinstance(record[key], int | float), key
    assert record["timed_out"] > 0 and record["sent"] > record["served"]


def test_a_bad_jitter_is_refused_before_the_run(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "observatory", "run", "retry-storm", "--headless", "--jitter", "wild"],
        capture_output=True, text=True, cwd=tmp_path, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert done.returncode == 2
    assert "--jitter" in done.stderr and "none, full, equal, decorrelated" in done.stderr
    assert "Traceback" not in done.stderr
