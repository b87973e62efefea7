"""Stalls and livelocks end the run with one line and exit 1; a done world ends at its event."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine import Engine
from observatory import watchdog
from observatory.headless import run_headless
from scenarios.bottleneck import SCENARIO as BOTTLENECK
from scenarios.bottleneck import BottleneckParams
from scenarios.distributions import Distribution
from tests.observatory.failing_scenarios import DONE_AT_FIVE, write
from tests.observatory.test_cli import observatory


def test_a_conway_that_can_no_longer_progress_stalls_with_the_line(tmp_path: Path) -> None:
    out = tmp_path / "m.json"
    args = ("--generations", "3", "--patience", "inf", "--loss", "0.5", "--metrics-out", str(out))
    done = observatory("run", "conway", "--headless", *args)
    assert done.returncode == 1
    line = "conway stalled at t=0.125: 0 of 3 generations (no events left)"
    assert done.stderr.splitlines()[-1] == line
    record = json.loads(out.read_text())
    assert (record["generations"], record["sim_time"], record["run_error"]) == (0, 0.125, line)


def test_compute_tasks_that_never_end_stall_at_t_0() -> None:
    record = run_headless("conway", {"width": "8", "height": "8", "generations": "3", "compute_time": "inf"})
    assert record["run_error"] == "conway stalled at t=0: 0 of 3 generations (no events left)"


def test_churning_at_one_instant_is_a_livelock_naming_agents_and_task(tmp_path: Path) -> None:
    out = tmp_path / "m.json"
    args = ("--agents", "3", "--think", "const:0", "--service", "const:0", "--metrics-out", str(out))
    done = observatory("run", "bottleneck", "--headless", "--duration", "10", *args)
    assert done.returncode == 1
    line = (
        "bottleneck livelocked at t=0: 1,020,000 engine steps without virtual time advancing "
        "(bound 1,000,000); looping: agents agent-0, agent-1, agent-2 in task work"
    )
    assert done.stderr.splitlines()[-1] == line
    assert json.loads(out.read_text())["run_error"] == line


def test_many_looping_agents_are_counted_and_the_bound_grows_with_agents(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(watchdog, "LIVELOCK_STEPS", 1_000)
    monkeypatch.setattr(watchdog, "LIVELOCK_STEPS_PER_AGENT", 100)
    zero = Distribution.parse("const:0")
    record = run_headless(
        BOTTLENECK, BottleneckParams(agents=40, think=zero, service=zero), duration=5.0, slice_steps=500
    )
    assert record["run_error"] == (
        "bottleneck livelocked at t=0: 4,500 engine steps without virtual time advancing "
        "(bound 4,000); looping: 40 agents (agent-0, agent-1, agent-2 and 37 more) in task work"
    )


def test_pure_life_computes_every_generation_at_t_0_and_is_no_livelock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(watchdog, "LIVELOCK_STEPS", 100)  # far fewer than the whole run's steps at t=0
    monkeypatch.setattr(watchdog, "LIVELOCK_STEPS_PER_AGENT", 0)
    params = {"width": "8", "height": "8", "generations": "40", "compute_time": "0"}
    record = run_headless("conway", params, slice_steps=50)
    assert (record["generations"], record["sim_time"], record["run_error"]) == (40, 0.0, None)


@pytest.mark.parametrize("stop", ["True", "False"])
def test_a_self_stopping_world_ends_at_the_instant_that_made_it_done(tmp_path: Path, stop: str) -> None:
    path = write(tmp_path, "ticks", DONE_AT_FIVE.replace("STOP", stop))
    # Slices of 30 steps end at t=9: with or without stop() the run ends at t=5, where done became true.
    record = run_headless(str(path), {}, slice_steps=30)
    assert (record["sim_time"], record["ticks"], record["run_error"]) == (5.0, 15, None)


def test_conway_stops_at_its_last_generation_in_the_middle_of_a_slice() -> None:
    record = run_headless("conway", {"width": "8", "height": "8", "generations": "5"}, slice_steps=10**9)
    assert (record["generations"], record["sim_time"]) == (5, 0.625)


def test_the_watchdog_bound_is_generous_for_big_worlds() -> None:
    engine = Engine(0)
    world = BOTTLENECK.build(engine, BottleneckParams(agents=2_000))
    assert watchdog.Watchdog(BOTTLENECK, engine, world).bound == 2_000_000
    engine.close()
