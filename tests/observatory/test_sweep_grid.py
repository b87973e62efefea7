"""Sweep grids: values parsed as the scenario's options, ranges, the full grid, interleaved order."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from observatory.sweep.grid import make_grid, parse_values, seed_list, split_assignment
from scenarios.bottleneck import SCENARIO as BOTTLENECK
from scenarios.fireflies import SCENARIO as FIREFLIES
from scenarios.params import ParamError, specs

SPEC = {s.name: s for s in specs(BOTTLENECK.params)}
FIREFLY = {s.name: s for s in specs(FIREFLIES.params)}


def test_lists_take_values_as_the_option_does() -> None:
    assert parse_values(SPEC["slots"], "5,10,20,40") == [5, 10, 20, 40]
    think = parse_values(SPEC["think"], "exp:1,uniform:0.5,1.5,const:2")
    assert [str(d) for d in think] == ["exp:1", "uniform:0.5,1.5", "const:2"]
    assert parse_values(FIREFLY["limit"], "none,100,20") == [None, 100, 20]


def test_ranges_include_the_end_when_it_falls_on_a_step() -> None:
    assert parse_values(SPEC["slots"], "5:40:5") == [5, 10, 15, 20, 25, 30, 35, 40]
    assert parse_values(SPEC["slots"], "5:42:5") == [5, 10, 15, 20, 25, 30, 35, 40]
    assert parse_values(FIREFLY["nudge"], "0:0.3:0.1") == [0.0, 0.1, 0.2, 0.3]
    assert parse_values(FIREFLY["limit"], "10:30:10") == [10, 20, 30]


@pytest.mark.parametrize(
    ("name", "text", "words"),
    [
        ("slots", "10:5:1", "--slots: 10:5:1 is an empty range"),
        ("slots", "1:5:0", "--slots: 1:5:0 is an empty range"),
        ("slots", "0,5", "--slots: 0 is out of range"),
        ("slots", "1.5:3:0.5", "--slots: '1.5' is not valid: use a whole number >= 1"),
        ("think", "exp:1,bogus", "--think: 'bogus' is not a valid distribution"),
        ("think", "", "--think: '' is not a valid distribution"),
    ],
)
def test_bad_values_are_refused_with_the_options_message(name: str, text: str, words: str) -> None:
    with pytest.raises(ParamError) as caught:
        parse_values(SPEC[name], text)
    assert str(caught.value).startswith(words)


def test_unknown_and_doubled_parameters_are_refused() -> None:
    with pytest.raises(ParamError, match="'slotz' is not a parameter of bottleneck"):
        make_grid(BOTTLENECK, {"slotz": "1,2"})
    with pytest.raises(ParamError, match="--slots: given both as a plain option and in --param"):
        make_grid(BOTTLENECK, {"slots": "1,2"}, {"slots": "3"})
    with pytest.raises(ParamError, match="--param: 'slots' is not valid"):
        split_assignment("slots")
    assert split_assignment("--grid-out=a") == ("grid_out", "a")


def test_the_grid_is_the_full_product_with_fixed_options_in_every_point() -> None:
    grid = make_grid(BOTTLENECK, {"slots": "5,10", "think": "exp:1,exp:2"}, {"agents": "200"})
    points = grid.points()
    pairs = [(p["slots"], p["think"]) for p in points]
    assert pairs == [(5, "exp:1"), (5, "exp:2"), (10, "exp:1"), (10, "exp:2")]
    assert {p["agents"] for p in points} == {200}
    assert {p["service"] for p in points} == {"uniform:0.1,0.3"}  # not given: the default


def test_runs_are_interleaved_every_point_once_per_seed() -> None:
    runs = make_grid(BOTTLENECK, {"slots": "1:3:1"}).runs([7, 3])
    assert [(r.index, r.seed, r.values["slots"]) for r in runs] == [
        (0, 7, 1), (1, 7, 2), (2, 7, 3), (3, 3, 1), (4, 3, 2), (5, 3, 3),
    ]  # fmt: skip


@given(points=st.integers(1, 6), seeds=st.integers(1, 6), cut=st.integers(0, 36))
def test_any_prefix_of_the_order_covers_the_points_evenly(points: int, seeds: int, cut: int) -> None:
    runs = make_grid(BOTTLENECK, {"slots": f"1:{points}:1"}).runs(seed_list(seeds))
    prefix = runs[: min(cut, len(runs))]
    per_point = [sum(r.point == p for r in prefix) for p in range(points)]
    assert max(per_point) - min(per_point) <= 1


def test_seeds_are_a_count_or_a_list_without_repeats() -> None:
    assert seed_list(3) == [0, 1, 2]
    assert seed_list([3, 7, 11]) == [3, 7, 11]
    for bad in (0, [1, 1], [-1], []):
        with pytest.raises(ParamError):
            seed_list(bad)


def test_points_are_validated_as_a_whole_before_any_run() -> None:
    with pytest.raises(ParamError, match="--nudge: 6 is too large"):
        make_grid(FIREFLIES, {"nudge": "0.1,6"}).points()
