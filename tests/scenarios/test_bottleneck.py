"""The bottleneck scenario: exact small runs, queueing theory, invariants, a golden trace."""

from __future__ import annotations

import hashlib
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import Engine, Event
from scenarios.bottleneck import SCENARIO, BottleneckParams
from scenarios.params import parse_params

THINKING, BLOCKED, RUNNING = 0, 1, 2  # the legend's order


def build(seed: int = 0, **values: object):
    engine = Engine(seed)
    world = SCENARIO.build(engine, parse_params(BottleneckParams, values))
    return engine, world


def repairman(agents: int, slots: int, think: float, service: float) -> tuple[float, float, float]:
    """Exact finite-source M/M/c (machine repairman): throughput, mean queue wait, utilization.

    A birth-death chain on n = agents at the station: births (agents - n) / think,
    deaths min(n, slots) / service. The mean wait follows from Little's law.
    """
    p = [1.0]
    for n in range(1, agents + 1):
        p.append(p[-1] * (agents - n + 1) / think / (min(n, slots) / service))
    total = sum(p)
    p = [x / total for x in p]
    throughput = sum(pn * min(n, slots) / service for n, pn in enumerate(p))
    queued = sum(pn * max(n - slots, 0) for n, pn in enumerate(p))
    busy = sum(pn * min(n, slots) for n, pn in enumerate(p)) / slots
    return throughput, queued / throughput, busy


def test_three_agents_one_slot_exact() -> None:
    engine, world = build(agents=3, slots=1, think="const:1", service="const:0.5")
    engine.run(until=1.2)
    assert list(world.state[:3]) == [RUNNING, BLOCKED, BLOCKED]
    assert world.counts() == {"thinking": 0, "blocked": 2, "running": 1}
    engine.run(until=2.4)
    # Work runs back to back from t=1: agent 0 [1, 1.5], agent 1 [1.5, 2], agent 2 [2, 2.5].
    assert list(world.state[:3]) == [THINKING, THINKING, RUNNING]
    assert world.metrics() == {
        "completed": 2,
        "throughput_per_s": 2 / 2.4,
        "mean_wait_s": (0.0 + 0.5 + 1.0) / 3,
        "utilization": pytest.approx(1.4 / 2.4, rel=1e-12),
        "max_running": 1,
    }
    assert world.describe_agent(1) == {"state": "thinking", "completed": "1", "mean wait": "0.500 s"}


def test_utilization_follows_live_limit_changes() -> None:
    engine, world = build(agents=2, slots=2, think="const:100", service="const:10")
    engine.run(until=105)
    world.limit.set(engine, 4)  # both run 100..110: 5 s at 2/2, then 5 s at 2/4
    engine.run(until=120)
    assert world.utilization() == pytest.approx((5 * 2 / 2 + 5 * 2 / 4) / 120, rel=1e-12)
    assert world.limit.value == 4


@pytest.mark.parametrize(
    ("agents", "slots", "think", "service", "duration"),
    [(20, 2, 1.0, 0.1, 3000.0), (30, 3, 0.5, 0.2, 1500.0)],
    ids=["moderate-load", "saturated"],
)
def test_matches_finite_source_mmc_theory(
    agents: int, slots: int, think: float, service: float, duration: float
) -> None:
    engine, world = build(agents=agents, slots=slots, think=f"exp:{think}", service=f"exp:{service}")
    engine.run(until=duration)
    metrics = world.metrics()
    throughput, wait, busy = repairman(agents, slots, think, service)
    assert metrics["throughput_per_s"] == pytest.approx(throughput, rel=0.02)
    assert metrics["mean_wait_s"] == pytest.approx(wait, rel=0.05)
    assert metrics["utilization"] == pytest.approx(busy, rel=0.02)
    assert metrics["max_running"] == slots


def test_saturated_defaults_fill_every_slot() -> None:
    engine, world = build()
    engine.run(until=10)
    assert world.metrics()["max_running"] == 20
    assert world.counts()["running"] == 20
    assert world.counts()["blocked"] == world.waiting > 0


@settings(max_examples=25, deadline=None)
@given(
    agents=st.integers(1, 40),
    slots=st.integers(1, 8),
    think=st.sampled_from(["const:0.3", "uniform:0,1", "exp:0.5"]),
    service=st.sampled_from(["const:0.2", "uniform:0.1,0.4", "exp:0.3"]),
    seed=st.integers(0, 2**32),
)
def test_invariants(agents: int, slots: int, think: str, service: str, seed: int) -> None:
    engine, world = build(seed, agents=agents, slots=slots, think=think, service=service)
    engine.run(until=15)
    counts = world.counts()
    metrics = world.metrics()
    assert sum(counts.values()) == agents
    assert counts["running"] == world.running <= slots
    assert counts["blocked"] == world.waiting
    assert metrics["max_running"] <= min(slots, agents)
    assert metrics["completed"] == sum(world.done_by) <= world.started
    assert 0.0 <= metrics["utilization"] <= 1.0
    assert metrics["mean_wait_s"] >= 0.0
    # Each sample counts the completions of its own one-second window.
    throughput = world.series()[0]
    assert len(throughput.values) == 15
    assert sum(throughput.values) <= metrics["completed"]


def test_series_sample_every_virtual_second() -> None:
    engine, world = build(agents=50, slots=5)
    engine.run(until=10.5)
    throughput, blocked = world.series()
    assert throughput.times == [float(t) for t in range(1, 11)]
    assert blocked.times == throughput.times
    assert sum(throughput.values) <= world.completed
    assert all(0 <= b <= 50 for b in blocked.values)


@pytest.mark.parametrize("agents", [1, 2, 5, 500, 1000, 1001])
def test_grid_is_near_square_and_covers_the_agents(agents: int) -> None:
    engine, world = build(agents=agents)
    engine.run(until=0)  # every agent takes its first step
    rows, cols = world.shape
    assert cols == math.ceil(math.sqrt(agents))
    assert rows * cols >= agents > (rows - 1) * cols
    assert world.agent_at(*world.cell_of(agents - 1)) == agents - 1
    if rows * cols > agents:
        assert world.agent_at(rows - 1, cols - 1) is None
        assert tuple(world.colors()[rows - 1, cols - 1]) == world.EMPTY_COLOR
    assert sum(world.counts().values()) == agents


def test_golden_trace() -> None:
    """Changes to the model or the engine's ordering show up here; update on purpose."""
    engine = Engine(7)
    lines: list[str] = []
    engine.subscribe(Event, lambda ev: lines.append(f"{type(ev).__name__} {ev.time!r} {ev.agent}"))
    SCENARIO.build(engine, parse_params(BottleneckParams, {"agents": "12", "slots": "3"}))
    engine.run(until=6)
    digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    assert (len(lines), digest[:16]) == (GOLDEN_COUNT, GOLDEN_DIGEST)


GOLDEN_COUNT = 143
GOLDEN_DIGEST = "91a51887f5a12fc4"
