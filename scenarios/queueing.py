"""Exact figures of the closed queue bottleneck models, for its theory columns.

With exponential think and service times, bottleneck is the finite-source
M/M/c queue (the machine-repairman model): ``n`` customers, ``c`` servers.
The number ``k`` of customers at the servers is a birth-death chain (birth
rate ``(n - k) / think``, death rate ``min(k, c) / service``), and its
stationary distribution gives throughput and mean wait exactly.
"""

from __future__ import annotations

import math

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
