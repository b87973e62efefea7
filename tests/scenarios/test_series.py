"""Series stay bounded on long runs: thinned evenly, the first and the latest sample kept."""

from hypothesis import given
from hypothesis import strategies as st

from scenarios.framework import SERIES_POINTS, Series


@given(st.integers(0, 3000), st.sampled_from([2, 4, 6, 8, 64, 100]))
def test_a_series_keeps_every_stride_th_sample_and_the_latest(samples: int, capacity: int) -> None:
    series = Series("x", capacity=capacity)
    for k in range(samples):
        series.append(k * 0.5, float(k))
        assert series.values[-1] == k and len(series.values) <= capacity
    stride = series.stride
    kept = [k for k in range(samples) if k % stride == 0]
    if samples and (samples - 1) % stride:
        kept.append(samples - 1)
    assert series.values == [float(k) for k in kept]
    assert series.times == [k * 0.5 for k in kept]
    assert series.samples == samples
    # Thinned only as much as needed: with half the stride it would not fit.
    assert stride == 1 or len(range(0, samples, stride // 2)) >= capacity


def test_a_series_given_initial_points_continues_from_them() -> None:
    series = Series("population", [0.0], [5.0])
    series.append(1.0, 6.0)
    assert series.pairs() == [[0.0, 5.0], [1.0, 6.0]] and series.capacity == SERIES_POINTS
