"""Garbage collection during a run: what survives the collector is not scanned again.

A run keeps many objects alive for a while (agents' coroutines, tasks
waiting in queues or running, messages in mailboxes). CPython's collector
promotes such survivors to its oldest generation and rescans all of it each
time that generation has grown by a quarter: on a large run a pause of a
few hundred milliseconds every few seconds, spent finding next to nothing
(the engine makes almost no reference cycles). While ``survivors_frozen``
is active, what survives a full collection (or, for the screen, one of the
middle generation) is frozen (``gc.freeze``): it is still freed as usual
when its last reference goes, but no collection scans it again. Cycles
that form among frozen objects wait for the end of the run, when all is
unfrozen.

The young generation is also made large (``YOUNG``): in a run, objects are
made in bursts (every agent parks with a fresh task and timer entry in the
same instant) and mostly freed by reference counting soon after, so CPython's
default of a collection per 700 new objects scans a whole burst several
times over, finding it all alive (a fifth of a 64 x 64 conway run's time).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# New objects (allocations less deallocations) between two young collections during a run.
YOUNG = 20_000


class _FreezeSurvivors:
    """A collector callback: after a collection of ``generation`` or older, freeze the survivors."""

    def __init__(self, generation: int) -> None:
        self.generation = generation

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "stop" and info["generation"] >= self.generation:
            gc.freeze()


def collect_and_freeze() -> None:
    """Collect everything, then freeze what is left (after start-up, or a restart)."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


@contextmanager
def survivors_frozen(generation: int = 2) -> Iterator[None]:
    """The collector's policy for a run: survivors frozen, a large young generation.

    What is alive now is frozen, and what survives each collection of
    ``generation`` from here on. 2 (full collections) costs least in all; 1
    (the middle generation too) also keeps the middle collections short, for
    a screen that must not stall.
    """
    nested = any(isinstance(fn, _FreezeSurvivors) for fn in gc.callbacks)
    collect_and_freeze()
    if nested:
        yield
        return
    callback = _FreezeSurvivors(generation)
    gc.callbacks.append(callback)
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], YOUNG), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.callbacks.remove(callback)
        gc.unfreeze()
