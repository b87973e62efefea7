"""Life-like rules: their notations, what is refused, and conway's agents running them."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from engine import Engine
from scenarios import conway, life
from scenarios.conway import COMPUTE_TIME, ConwayParams
from scenarios.params import ParamError, parse_params
from scenarios.rules import LIFE, Rule, parse_rule

# HighLife's replicator: after 12 generations it is two copies of itself, 2 cells up-left
# and 2 cells down-right of where it was, and nothing else.
REPLICATOR = np.array(
    [[0, 0, 1, 1, 1], [0, 1, 0, 0, 1], [1, 0, 0, 0, 1], [1, 0, 0, 1, 0], [1, 1, 1, 0, 0]], dtype=np.uint8
)
REPLICATOR_RLE = "#N Replicator\nx = 5, y = 5, rule = B36/S23\n2b3o$bo2bo$o3bo$o2bo$3o!\n"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("B3/S23", "B3/S23"),
        ("b36/s23", "B36/S23"),
        ("B63/S32", "B36/S23"),
        ("S23/B3", "B3/S23"),
        ("23/3", "B3/S23"),
        ("23/36", "B36/S23"),
        ("/2", "B2/S"),
        ("B2/S", "B2/S"),
        ("b3s23", "B3/S23"),
        (" B3678 / S34678 ", "B3678/S34678"),
        ("HighLife", "B36/S23"),
        ("seeds", "B2/S"),
        ("Day&Night", "B3678/S34678"),
        ("B0/S8", "B0/S8"),
    ],
)
def test_both_notations_in_any_case_give_the_rule(text: str, name: str) -> None:
    assert parse_rule(text).name == name


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("B2/S013V", "von Neumann neighbourhood"),
        ("B2/S34H", "hexagonal neighbourhood"),
        ("B2a/S12", "non-totalistic (Hensel letters)"),
        ("B3/S23-q", "non-totalistic (Hensel letters)"),
        ("B2/S/C3", "Generations rule"),
        ("/2/3", "Generations rule"),
        ("345/2/4", "Generations rule"),
        ("R2,C0,M1,S2..3,B3..3,NM", "Larger than Life"),
        ("B3/S23:T64,64", "bounded or special grid"),
        (
            "MAPARYXfhZofugWaH7oaIDogBZofuhogOiAaIDogIAAgAAWaH7oaIDogGiA6ICAAIAAaIDogIAAgACAAIAAAAAAAA",
            "MAP rule",
        ),
        ("B39/S23", "counts 9 neighbours"),
        ("life2", "not in B/S notation"),
        ("", "is empty"),
    ],
)
def test_rules_a_neighbour_count_cannot_compute_are_refused_naming_what_they_are(text: str, why: str) -> None:
    with pytest.raises(ValueError, match="use a Life-like rule in B/S notation") as caught:
        parse_rule(text)
    assert why in str(caught.value) and repr(text.strip()) in str(caught.value)


counts = st.frozensets(st.integers(0, 8))


@given(counts, counts)
def test_every_life_like_rule_reads_back_in_both_notations(
    birth: frozenset[int], survival: frozenset[int]
) -> None:
    rule = Rule(birth, survival)
    assert parse_rule(rule.name) == rule
    assert parse_rule(rule.name.lower()) == rule
    digits = "".join(map(str, sorted(survival))) + "/" + "".join(map(str, sorted(birth)))
    assert parse_rule(digits) == rule


def direct_step(grid: np.ndarray, rule: Rule) -> np.ndarray:
    """One generation on a torus, cell by cell, straight from the rule's wording."""
    height, width = grid.shape
    out = np.zeros_like(grid)
    for r in range(height):
        for c in range(width):
            live = sum(
                int(grid[(r + dr) % height, (c + dc) % width])
                for dr in (-1, 0, 1)
                for dc in (-1, 0, 1)
                if (dr, dc) != (0, 0)
            )
            out[r, c] = live in (rule.survival if grid[r, c] else rule.birth)
    return out


grids = st.tuples(st.integers(3, 9), st.integers(3, 9)).flatmap(
    lambda shape: arrays(np.uint8, shape, elements=st.integers(0, 1))
)


@settings(max_examples=60, deadline=None)
@given(grids, counts, counts)
def test_the_vectorised_step_follows_any_rule_cell_by_cell(
    grid: np.ndarray, birth: frozenset[int], survival: frozenset[int]
) -> None:
    rule = Rule(birth, survival)
    assert np.array_equal(life.step(grid, rule), direct_step(grid, rule))


@settings(max_examples=30, deadline=None)
@given(grids)
def test_day_and_night_treats_dead_and_alive_alike(grid: np.ndarray) -> None:
    # B3678/S34678 is its own complement: inverting the grid inverts its whole future.
    rule = parse_rule("day-and-night")
    assert np.array_equal(life.run(1 - grid, 5, rule), 1 - life.run(grid, 5, rule))


def build(**values: Any) -> tuple[Engine, conway.ConwayWorld]:
    engine = Engine(seed=3)
    return engine, conway.build(engine, parse_params(ConwayParams, values))


def test_highlife_replicator_from_its_rle_header_copies_itself_in_12_generations(tmp_path) -> None:
    path = tmp_path / "replicator.rle"
    path.write_text(REPLICATOR_RLE)
    engine, world = build(pattern=str(path), width=21, height=21, generations=12)
    engine.run()
    assert world.rule.name == "B36/S23" and world.title() == "B36/S23"
    expected = np.zeros((21, 21), dtype=np.uint8)
    expected[6:11, 6:11] = REPLICATOR  # placed at (8, 8): copies at (6, 6) and (10, 10)
    expected[10:15, 10:15] |= REPLICATOR
    assert np.array_equal(world.observed, expected)
    metrics = world.metrics()
    assert metrics["rule"] == "B36/S23" and (metrics["logic_errors"], metrics["drift_errors"]) == (0, 0)
    # The same pattern under plain Life, asked for on the command line, does no such thing.
    engine, world = build(pattern=str(path), width=21, height=21, generations=12, rule="B3/S23")
    engine.run()
    assert world.rule == LIFE and not np.array_equal(world.observed, expected)


@pytest.mark.parametrize("loss", [0.0, 1e-9])
def test_a_seeds_soup_follows_a_direct_computation_generation_by_generation(loss: float) -> None:
    # With a loss probability too small to lose anything, the lossy cells run the rule too.
    engine, world = build(rule="seeds", width=11, height=9, density=0.2, generations=8, loss=loss)
    grid = world.validator.true.copy()
    seeds = Rule(frozenset({2}), frozenset())
    for gen in range(1, 9):
        engine.run(until=gen * COMPUTE_TIME)
        grid = direct_step(grid, seeds)
        assert world.validator.generation == gen
        assert np.array_equal(world.observed, grid), f"generation {gen}"
    assert world.done and world.metrics()["messages_lost"] == 0


def test_a_bad_rule_or_an_unrunnable_header_rule_is_a_param_error(tmp_path) -> None:
    with pytest.raises(ParamError, match=r"--rule: rule 'B2/S/C3' is a Generations rule"):
        parse_params(ConwayParams, {"rule": "B2/S/C3"})
    with pytest.raises(ParamError, match="--rule: rule 'B3/S23V' is for the von Neumann"):
        ConwayParams(rule="B3/S23V").validate()
    path = tmp_path / "brain.rle"
    path.write_text("x = 3, y = 1, rule = B2/S/C3\n3o!\n")
    with pytest.raises(
        ParamError, match=r"--pattern: .*brain.rle'.* header's rule 'B2/S/C3' is a Generations"
    ):
        parse_params(ConwayParams, {"pattern": str(path)})
    # Another rule given on the command line runs the pattern under that rule.
    assert parse_params(ConwayParams, {"pattern": str(path), "rule": "b2/s"}).rule == "B2/S"


@settings(max_examples=20, deadline=None)
@given(
    st.integers(3, 6),
    st.integers(3, 6),
    st.integers(0, 2**16),
    counts,
    counts,
    st.sampled_from([0.0, 1e-9]),
)
def test_the_agents_follow_any_rule_as_the_direct_computation_does(
    width: int, height: int, seed: int, birth: frozenset[int], survival: frozenset[int], loss: float
) -> None:
    rule = Rule(birth, survival)
    engine = Engine(seed=seed)
    values = {"width": width, "height": height, "generations": 4, "rule": rule.name, "loss": loss}
    world = conway.build(engine, parse_params(ConwayParams, values))
    grid = world.validator.true.copy()
    engine.run()
    for _ in range(4):
        grid = direct_step(grid, rule)
    assert world.done and np.array_equal(world.observed, grid)
    assert (world.validator.logic_errors, world.validator.drift_errors) == (0, 0)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="bsBSvVhHcCrRmM0123456789/:,.-a ", max_size=14))
def test_any_text_is_a_rule_or_one_line_saying_why_not(text: str) -> None:
    try:
        rule = parse_rule(text)
    except ValueError as error:
        message = str(error)
        assert message.startswith(f"rule {text.strip()!r} ") and "\n" not in message
        assert message.endswith("or one of life, highlife, seeds, day-and-night")
    else:
        assert parse_rule(rule.name) == rule and all(0 <= n <= 8 for n in rule.birth | rule.survival)
