"""The frame clock, on made-up times."""

from __future__ import annotations

import asyncio
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from observatory.tui.clock import MIN_GAP, FrameClock, FrameTicker


def run(clock: FrameClock, start: float, work: list[float]) -> list[float]:
    """Frame start times when frame i takes work[i] seconds and the next waits until due."""
    now, times = start, []
    clock.start(start)
    for cost in work:
        times.append(now)
        clock.tick(now)
        now = max(now + cost, clock.due)
    return times


def test_frames_keep_to_the_grid_of_times_however_long_each_takes() -> None:
    clock = FrameClock(0.1)
    times = run(clock, 5.0, [0.03, 0.07, 0.01, 0.09, 0.05])
    assert times == pytest.approx([5.0, 5.1, 5.2, 5.3, 5.4])
    # A frame longer than the interval delays the next, then the clock catches up.
    times = run(FrameClock(0.1), 0.0, [0.15, 0.01, 0.01, 0.01])
    assert times == pytest.approx([0.0, 0.15, 0.2, 0.3])


def test_a_late_frame_makes_the_next_come_sooner() -> None:
    clock = FrameClock(0.1)
    clock.start(0.0)
    assert clock.tick(0.0) == pytest.approx(0.1)
    # The second frame started 0.04 late: the third is still due at 0.2.
    assert clock.tick(0.14) == pytest.approx(0.06)


def test_after_a_stall_at_most_three_missed_frames_run_at_once() -> None:
    clock = FrameClock(0.1)
    clock.start(0.0)
    clock.tick(0.0)
    # Stalled until 2.0: frames due at 0.1 ... 1.9 were missed.
    waits = [clock.tick(2.0) for _ in range(5)]
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert waits[3] == pytest.approx(0.0)  # the frame due at 2.0 itself
    assert waits[4] == pytest.approx(0.1)


@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=50))
def test_never_more_than_three_frames_owed_nor_a_wait_longer_than_one_interval(delays: list[float]) -> None:
    clock = FrameClock(0.05)
    now = 0.0
    clock.start(now)
    for delay in delays:
        now = max(now, clock.due) + delay  # a frame never starts before it is due
        wait = clock.tick(now)
        assert wait >= 0.0
        assert clock.due >= now - 3 * 0.05 - 1e-9
        assert wait <= 0.05 + 1e-9


def test_a_new_rate_starts_no_later_than_one_new_interval_from_now() -> None:
    clock = FrameClock(0.1)  # paused heartbeat
    clock.start(0.0)
    clock.tick(0.0)
    clock.set_interval(1 / 60, 0.01)
    assert clock.due == pytest.approx(0.01 + 1 / 60)
    clock.set_interval(0.1, 0.02)
    assert clock.due == pytest.approx(0.01 + 1 / 60)  # the frame already due soon still comes


def test_the_interval_must_be_positive() -> None:
    with pytest.raises(ValueError):
        FrameClock(0.0)


def test_the_ticker_calls_frames_until_one_fails_and_a_frame_may_re_pace() -> None:
    """In a real loop, with a tiny interval; only the order of calls is asserted."""
    calls: list[str] = []
    errors: list[Exception] = []

    async def run() -> None:
        done = asyncio.Event()

        def frame() -> None:
            calls.append("frame")
            if len(calls) == 2:
                ticker.pace(0.002)  # a frame that changes the rate goes on at the new one
            if len(calls) == 4:
                raise RuntimeError("drawing failed")

        def on_error(error: Exception) -> None:
            errors.append(error)
            done.set()

        ticker = FrameTicker(frame, on_error)
        ticker.pace(0.001)
        await asyncio.wait_for(done.wait(), timeout=10)
        await asyncio.sleep(0.02)  # no frame after the failure

    asyncio.run(run())
    assert calls == ["frame"] * 4
    assert [str(e) for e in errors] == ["drawing failed"]


def test_a_late_frame_leaves_the_event_loop_a_gap_before_the_next() -> None:
    """Keys pass through several message queues; a late frame must not run between each two."""
    seen: list[float] = []

    async def run() -> None:
        loop = asyncio.get_running_loop()
        done = asyncio.Event()
        ends: list[float] = []

        def frame() -> None:
            time.sleep(0.003)  # longer than the interval: every frame is late
            ends.append(loop.time())
            loop.call_soon(inspect)

        def inspect() -> None:
            handle = ticker._handle
            assert handle is not None
            seen.append(handle.when() - ends[-1])
            if len(seen) == 3:
                ticker.stop()
                done.set()

        ticker = FrameTicker(frame, lambda error: None)
        ticker.pace(0.001)
        await asyncio.wait_for(done.wait(), timeout=10)

    asyncio.run(run())
    assert len(seen) == 3 and all(gap >= MIN_GAP for gap in seen)
