"""Exact figures of the closed queue bottleneck models, for its theory columns.

With exponential think and service times, bottleneck is the finite-source
M/M/c queue (the machine-repairman model): ``n`` customers, ``c`` servers.
The number ``k`` of customers at the servers is a birth-death chain (birth
rate ``(n - k) / think``, death rate ``min(k, c) / service``), and its
stationary distribution gives throughput and mean wait exactly.
"""

from __future__ import annotations

import math
from typing import Any

from scenarios.framework import Theory

_RESCALE = 1e200  # relative weights are scaled down past this, so large n cannot overflow


def stationary(n: int, c: int, think: float, service: float) -> list[float]:
    """P(k customers at the servers) for k = 0..n."""
    weights = [1.0]
    for k in range(1, n + 1):
        weights.append(weights[-1] * (n - k + 1) * service / (think * min(k, c)))
        if weights[-1] > _RESCALE:
            weights = [w / _RESCALE for w in weights]
    total = math.fsum(weights)
    return [w / total for w in weights]


def closed_queue(n: int, c: int, think: float, service: float) -> tuple[float, float]:
    """(throughput, mean wait before service) of the finite-source M/M/c queue, in steady state."""
    p = stationary(n, c, think, service)
    throughput = math.fsum(pk * min(k, c) for k, pk in enumerate(p)) / service
    waiting = math.fsum(pk * (k - c) for k, pk in enumerate(p) if k > c)
    return throughput, waiting / throughput


def closed_queue_exact(params: Any) -> dict[str, float] | None:  # bottleneck's theory
    """bottleneck's exact figures (params with agents, slots, think, service), for exp think and service."""
    if params.think.kind != "exp" or params.service.kind != "exp":
        return None
    throughput, wait = closed_queue(params.agents, params.slots, params.think.mean, params.service.mean)
    return {"throughput_per_s": throughput, "mean_wait_s": wait}


QUEUE_THEORY = Theory(metrics=("throughput_per_s", "mean_wait_s"), exact=closed_queue_exact)
