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
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


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
    """Freeze what is alive now, and what survives each collection of ``generation`` from here on.

    2 (full collections) costs least in all; 1 (the middle generation too) also
    keeps the middle collections short, for a screen that must not stall.
    """
    nested = any(isinstance(fn, _FreezeSurvivors) for fn in gc.callbacks)
    collect_and_freeze()
    if nested:
        yield
        return
    callback = _FreezeSurvivors(generation)
    gc.callbacks.append(callback)
    try:
        yield
    finally:
        gc.callbacks.remove(callback)
        gc.unfreeze()
