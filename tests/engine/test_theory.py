"""The engine against queueing theory: a closed queue is a finite-source M/M/c system."""

from __future__ import annotations

import math

import pytest

from engine import Engine, TaskFinished, TaskStarted
from tests.theory import machine_repairman

WARM_UP = 100.0


def simulate(n: int, c: int, think: float, service: float, horizon: float) -> tuple[float, float]:
    """Throughput and mean wait of the closed queue over ``horizon`` after a warm-up."""
    engine = Engine(seed=1)
    engine.concurrency("task:work", c)
    end = WARM_UP + horizon
    waits: list[float] = []
    completed = 0

    def on_started(ev: TaskStarted) -> None:
        if WARM_UP < ev.time <= end:
            waits.append(ev.waited)

    def on_finished(ev: TaskFinished) -> None:
        nonlocal completed
        if WARM_UP < ev.time <= end:
            completed += 1

    engine.subscribe(TaskStarted, on_started)
    engine.subscribe(TaskFinished, on_finished)

    async def customer(ctx) -> None:
        rng = ctx.random
        while True:
            await ctx.sleep(rng.expovariate(1.0 / think))
            async with ctx.task("work"):
                await ctx.sleep(rng.expovariate(1.0 / service))

    for _ in range(n):
        engine.spawn(customer)
    engine.run(until=end)
    return completed / horizon, math.fsum(waits) / len(waits)


@pytest.mark.parametrize(
    ("n", "c", "think", "service", "horizon"),
    [
        (10, 2, 8.0, 1.0, 40_000.0),  # far from saturation: utilisation 0.54, wait a quarter service
        (20, 4, 4.0, 1.0, 30_000.0),  # near saturation: utilisation 0.89, wait 0.59 services
    ],
)
def test_closed_queue_matches_the_machine_repairman_model(
    n: int, c: int, think: float, service: float, horizon: float
) -> None:
    theory = machine_repairman(n, c, think, service)
    throughput, mean_wait = simulate(n, c, think, service, horizon)
    assert throughput == pytest.approx(theory.throughput, rel=0.02)
    assert mean_wait == pytest.approx(theory.mean_wait, rel=0.05)
    assert theory.mean_wait > 0.2 * service  # the wait is not trivially small


def test_theory_without_contention_is_a_plain_cycle() -> None:
    q = machine_repairman(5, 5, 4.0, 1.0)
    assert q.throughput == pytest.approx(5 / 5.0)
    assert q.mean_wait == 0.0 and q.mean_queue == 0.0
    assert machine_repairman(1, 1, 2.0, 0.5).throughput == pytest.approx(1 / 2.5)


def test_theory_obeys_littles_law_for_thinkers_and_sums_to_one() -> None:
    n, c, think, service = 50, 3, 10.0, 1.0
    q = machine_repairman(n, c, think, service)
    at_servers = sum(k * p for k, p in enumerate(q.probabilities))
    assert math.fsum(q.probabilities) == pytest.approx(1.0)
    assert q.throughput == pytest.approx((n - at_servers) / think)  # thinkers: L = X * Z
    assert q.utilization == pytest.approx(q.throughput * service / c)
    assert q.utilization > 0.99  # heavily saturated: almost always busy


def test_theory_handles_large_populations() -> None:
    q = machine_repairman(100_000, 50, 1.0, 0.2)
    assert q.throughput == pytest.approx(50 / 0.2)
    assert math.isfinite(q.mean_wait)
