"""The run's garbage-collection policy: survivors are frozen, nothing is left behind."""

from __future__ import annotations

import asyncio
import gc
import weakref

import pytest

from observatory.gc_policy import survivors_frozen
from observatory.headless import run_headless
from observatory.tui import ObservatoryApp
from tests.observatory.tiny_scenario import SCENARIO, defaults


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def cycle() -> weakref.ref:
    """A reference cycle nobody holds: only the collector can free it."""
    a, b = Node(), Node()
    a.other, b.other = b, a
    return weakref.ref(a)


@pytest.mark.parametrize("generation", [1, 2])
def test_survivors_of_a_collection_are_frozen_and_all_is_unfrozen_after(generation: int) -> None:
    callbacks = list(gc.callbacks)
    with survivors_frozen(generation):
        assert gc.get_freeze_count() > 0  # what was alive at the start
        kept = [Node() for _ in range(100)]
        before = gc.get_freeze_count()
        gc.collect(generation)
        assert gc.get_freeze_count() >= before + len(kept)
        young = cycle()
        gc.collect(0)  # garbage made after the freeze is still collected
        assert young() is None
    assert gc.get_freeze_count() == 0
    assert gc.callbacks == callbacks


def test_a_younger_collection_freezes_nothing_when_only_full_ones_do() -> None:
    with survivors_frozen(2):
        before = gc.get_freeze_count()
        kept = [Node() for _ in range(100)]
        gc.collect(1)
        assert gc.get_freeze_count() == before
        assert len(kept) == 100


def test_nested_use_keeps_one_callback_and_the_outer_one_unfreezes() -> None:
    with survivors_frozen(1):
        count = len(gc.callbacks)
        with survivors_frozen(2):
            assert len(gc.callbacks) == count
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


def test_a_headless_run_leaves_the_collector_as_it_found_it() -> None:
    callbacks = list(gc.callbacks)
    record = run_headless("bottleneck", {"agents": 50, "slots": 5}, duration=5.0)
    assert record["sim_time"] == 5.0
    assert gc.get_freeze_count() == 0 and gc.callbacks == callbacks


def test_the_screen_freezes_survivors_while_it_runs_and_not_after() -> None:
    callbacks = list(gc.callbacks)
    app = ObservatoryApp(SCENARIO, defaults(), seed=1)

    async def watch() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            assert gc.get_freeze_count() > 0
            assert len(gc.callbacks) == len(callbacks) + 1
            await pilot.press("q")

    asyncio.run(watch())
    assert gc.get_freeze_count() == 0 and gc.callbacks == callbacks


def test_a_run_collects_the_young_generation_less_often_and_restores_the_thresholds() -> None:
    thresholds = gc.get_threshold()
    with survivors_frozen():
        assert gc.get_threshold()[0] >= 20_000
        assert gc.get_threshold()[1:] == thresholds[1:]
    assert gc.get_threshold() == thresholds
