"""Fireflies' building blocks: the order parameter, glow colours, parameters."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scenarios.fireflies import SCENARIO, FirefliesParams
from scenarios.oscillators import glow_levels, glow_palette, order_parameter
from scenarios.params import ParamError, parse_params


def test_order_parameter_matches_theory() -> None:
    period = 5.0
    assert order_parameter(np.full(100, 1.7), period) == pytest.approx(1.0)
    assert order_parameter(np.arange(100) * period / 100, period) == pytest.approx(0.0, abs=1e-12)
    # Two equal clusters half a period apart cancel; a quarter apart give cos(pi/4).
    assert order_parameter(np.array([0.0, 2.5] * 50), period) == pytest.approx(0.0, abs=1e-12)
    assert order_parameter(np.array([0.0, 1.25] * 50), period) == pytest.approx(math.cos(math.pi / 4))
    # Phase 0 and phase = period are the same point on the circle.
    assert order_parameter(np.array([0.0, period]), period) == pytest.approx(1.0)
    # Independent uniform phases: E[R] is about sqrt(pi / (4 N)).
    rng = np.random.default_rng(7)
    n = 400
    mean_r = np.mean([order_parameter(rng.uniform(0, period, n), period) for _ in range(200)])
    assert mean_r == pytest.approx(math.sqrt(math.pi / (4 * n)), rel=0.1)


def test_glow_levels_fade_in_equal_steps_then_go_dark() -> None:
    age = np.array([0.0, 0.19, 0.2, 0.44, 0.45, 0.95, 1.19, 1.2, 7.0, np.inf])
    levels = glow_levels(age, flash=0.2, afterglow=1.0, levels=4)
    assert levels.tolist() == [0, 0, 1, 1, 2, 4, 4, 5, 5, 5]
    palette = glow_palette((255, 255, 255), (0, 0, 0), 4)
    assert palette.shape == (6, 3)
    assert palette[0].tolist() == [255, 255, 255] and palette[-1].tolist() == [0, 0, 0]
    assert np.all(np.diff(palette[:, 0].astype(int)) < 0)


def test_defaults_are_valid_and_limit_is_optional() -> None:
    params = parse_params(FirefliesParams, {})
    assert params == FirefliesParams()
    assert params.limit is None
    assert parse_params(FirefliesParams, {"limit": "7"}).limit == 7
    assert parse_params(FirefliesParams, {"limit": "none"}).limit is None
    assert parse_params(FirefliesParams, {"limit": 3}).limit == 3
    assert SCENARIO.params is FirefliesParams


@pytest.mark.parametrize(
    ("option", "raw", "accepted"),
    [
        ("period", "0", "a number from 0.1 to 3600"),
        ("nudge", "-1", "a number >= 0"),
        ("width", "0", "a whole number from 3 to 2000"),
        ("height", "2.5", "a whole number from 3 to 2000"),
        ("limit", "0", "a whole number >= 1, or leave --limit out for no limit"),
        ("limit", "-3", "a whole number >= 1"),
        ("limit", "many", "a whole number >= 1"),
        ("limit", 0, "a whole number >= 1"),
        ("neighbourhood", "hex", "one of moore, von-neumann"),
    ],
)
def test_bad_input_names_the_option_and_the_accepted_form(option: str, raw: object, accepted: str) -> None:
    with pytest.raises(ParamError) as caught:
        parse_params(FirefliesParams, {option: raw})
    message = str(caught.value)
    assert caught.value.option == "--" + option
    assert message.startswith(f"--{option}: ")
    assert accepted in message


@pytest.mark.parametrize("option", ["flash", "refractory", "nudge", "jitter"])
def test_durations_must_fit_inside_the_period(option: str) -> None:
    with pytest.raises(ParamError, match=f"--{option}: 5 is too large: use a number < --period"):
        parse_params(FirefliesParams, {"period": "4", option: "5"})
