"""Exact queueing results that simulation tests are checked against.

``machine_repairman`` is the closed, finite-source M/M/c queue: ``n``
customers each think for an exponential time (mean ``think``), then ask for
one of ``c`` servers and hold it for an exponential service time (mean
``service``), waiting FIFO if all are busy. The number ``k`` of customers at
the servers (in service or waiting) is a birth-death chain with birth rate
``(n - k) / think`` and death rate ``min(k, c) / service``; its stationary
distribution gives everything else.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class ClosedQueue:
    """Stationary figures of a machine-repairman system (times in the model's unit)."""

    throughput: float  # X: services completed per unit time
    mean_wait: float  # Wq: mean time from asking for a server to getting one (0 if at once)
    mean_queue: float  # Lq: mean number waiting for a server
    utilization: float  # mean busy servers / c
    probabilities: tuple[float, ...]  # p[k]: probability that k customers are at the servers


def machine_repairman(n: int, c: int, think: float, service: float) -> ClosedQueue:
    """Exact stationary figures of the finite-source M/M/c queue."""
    if n < 1 or c < 1 or think <= 0 or service <= 0:
        raise ValueError("need n >= 1, c >= 1, think > 0 and service > 0")
    # Unnormalised log-probabilities from detailed balance, kept in logs so large n cannot overflow.
    logs = [0.0]
    for k in range(1, n + 1):
        birth = (n - k + 1) / think
        death = min(k, c) / service
        logs.append(logs[-1] + math.log(birth / death))
    top = max(logs)
    weights = [math.exp(x - top) for x in logs]
    total = math.fsum(weights)
    p = tuple(w / total for w in weights)
    busy = math.fsum(pk * min(k, c) for k, pk in enumerate(p))
    throughput = busy / service
    mean_queue = math.fsum(pk * (k - c) for k, pk in enumerate(p) if k > c)
    return ClosedQueue(
        throughput=throughput,
        mean_wait=mean_queue / throughput,
        mean_queue=mean_queue,
        utilization=busy / c,
        probabilities=p,
    )
