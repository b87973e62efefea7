"""The scenario framework: parameters, distributions, the world's grid, the registry."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from engine import Engine
from scenarios import Distribution, ParamError, Scenario, ScenarioError, State, World, param, parse_params
from scenarios.params import as_dict, check_limit, limit_param, parse_limit, specs
from scenarios.registry import installed, load


@dataclass(frozen=True)
class Knobs:
    count: int = param(10, help="How many", min=1, max=10_000_000)
    ratio: float = param(0.5, help="A share", min=0.0, max=1.0)
    mode: str = param("fast", help="How", choices=("fast", "slow"))
    loud: bool = param(False, help="Shout")
    wait: Distribution = param(Distribution.parse("const:1"), help="Wait", parse=Distribution.parse)  # noqa: RUF009


def test_parse_params_converts_text_and_keeps_defaults() -> None:
    knobs = parse_params(Knobs, {"count": "3", "ratio": "1", "loud": "yes", "wait": "exp:2"})
    assert knobs == Knobs(count=3, ratio=1.0, mode="fast", loud=True, wait=Distribution("exp", 2.0))
    assert as_dict(knobs) == {"count": 3, "ratio": 1.0, "mode": "fast", "loud": True, "wait": "exp:2"}


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"count": "0"}, "--count: 0 is out of range: use a whole number from 1 to 10000000"),
        ({"count": "2.5"}, "--count: '2.5' is not valid: use a whole number from 1 to 10000000"),
        ({"ratio": "nan"}, "--ratio: nan is not valid: use a number from 0 to 1"),
        ({"mode": "medium"}, "--mode: 'medium' is not valid: use one of fast, slow"),
        ({"loud": "maybe"}, "--loud: 'maybe' is not valid: use true or false"),
        ({"wait": "uniform:2,1"}, "--wait: 'uniform:2,1' is not a valid distribution: use uniform:A,B"),
        ({"colour": "red"}, "--colour: unknown option; known: --count, --ratio, --mode, --loud, --wait"),
    ],
)
def test_parse_params_errors_name_the_option_and_the_form(values: dict, message: str) -> None:
    with pytest.raises(ParamError) as caught:
        parse_params(Knobs, values)
    assert str(caught.value).startswith(message)


def test_specs_read_the_declarations() -> None:
    count, *_, wait = specs(Knobs)
    assert (count.option, count.default, count.help, count.min) == ("--count", 10, "How many", 1)
    assert wait.accepted() == "uniform:A,B, exp:MEAN or const:X"


@pytest.mark.parametrize(
    ("text", "mean"), [("uniform:0.5,1.5", 1.0), ("exp:2", 2.0), ("const:0", 0.0), (" const:3 ", 3.0)]
)
def test_distributions_parse_print_and_sample(text: str, mean: float) -> None:
    dist = Distribution.parse(text)
    assert Distribution.parse(str(dist)) == dist
    assert dist.mean == mean
    draw = dist.sampler(random.Random(1))
    draws = [draw() for _ in range(4000)]
    assert min(draws) >= 0
    assert np.mean(draws) == pytest.approx(mean, abs=0.1 * max(mean, 1))


@pytest.mark.parametrize(
    "text", ["banana", "exp:-1", "exp:0", "uniform:1", "const:-2", "uniform:a,b", "exp:1,2"]
)
def test_bad_distributions_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="is not a valid distribution"):
        Distribution.parse(text)


class TwoStates(World):
    legend = (State("off", (0, 0, 50)), State("on", (250, 250, 0)))


def test_world_pads_the_grid_beyond_its_agents() -> None:
    engine = Engine(0)
    world = TwoStates(engine, 2, 3, used=5)
    world.cells[4] = 1
    assert world.state[4] == 1  # state is a view of cells
    colors = world.colors()
    assert colors.shape == (2, 3, 3) and colors.dtype == np.uint8
    assert tuple(colors[1, 1]) == (250, 250, 0)
    assert tuple(colors[1, 2]) == World.EMPTY_COLOR
    assert world.counts() == {"off": 4, "on": 1}
    assert world.cell_of(4) == (1, 1)
    assert world.describe_agent(4) == {"state": "on"}


def test_registry_finds_installed_scenarios_and_suggests_names() -> None:
    assert "bottleneck" in [s.name for s in installed()]
    assert load("bottleneck").name == "bottleneck"
    with pytest.raises(ScenarioError, match=r"unknown scenario 'botleneck' \(did you mean bottleneck\?\)"):
        load("botleneck")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("x = 1\n", "defines no scenario: it needs a module-level SCENARIO = Scenario("),
        ("def broken(:\n", "failed to import: "),
        ("SCENARIO = 'bottleneck'\n", "defines no scenario"),
    ],
)
def test_registry_explains_files_that_are_not_scenarios(tmp_path: Path, source: str, message: str) -> None:
    path = tmp_path / "mine.py"
    path.write_text(source)
    with pytest.raises(ScenarioError, match=message.replace("(", r"\(")):
        load(str(path))


def test_registry_loads_a_scenario_file(tmp_path: Path) -> None:
    path = tmp_path / "tiny.py"
    path.write_text(
        "from dataclasses import dataclass\n"
        "from scenarios import Scenario, World, param\n"
        "@dataclass(frozen=True)\n"
        "class P:\n"
        "    n: int = param(1, help='n', min=1)\n"
        "SCENARIO = Scenario('tiny', 'A tiny one', P, lambda engine, p: World(engine, 1, p.n))\n"
    )
    scenario = load(str(path))
    assert isinstance(scenario, Scenario) and scenario.name == "tiny"
    with pytest.raises(ScenarioError, match="does not exist"):
        load(str(tmp_path / "missing.py"))


@dataclass(frozen=True)
class _Limited:
    limit: int | None = limit_param("at most this many at once")


@pytest.mark.parametrize(
    ("raw", "expected"), [("7", 7), (" 12 ", 12), ("none", None), ("", None), (3, 3), (None, None)]
)
def test_a_limit_param_takes_a_whole_number_or_none(raw: object, expected: int | None) -> None:
    assert parse_params(_Limited, {"limit": raw}).limit == expected
    assert parse_params(_Limited, {}).limit is None


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("0", "--limit: 0 is out of range: use a whole number >= 1, or leave --limit out for no limit"),
        ("-2", "--limit: -2 is out of range"),
        ("many", "--limit: 'many' is not valid: use a whole number >= 1"),
        ("2.5", "--limit: '2.5' is not valid"),
        (0, "--limit: 0 is out of range"),
        (True, "--limit: True is not valid"),
        (2.0, "--limit: 2.0 is not valid"),
    ],
)
def test_a_bad_limit_names_the_option_and_the_accepted_form(raw: object, message: str) -> None:
    with pytest.raises(ParamError) as caught:
        parse_params(_Limited, {"limit": raw})
    assert str(caught.value) == message or str(caught.value).startswith(message)
    with pytest.raises(ValueError, match=r"is out of range|is not valid"):
        parse_limit(str(raw)) if isinstance(raw, str) else check_limit(raw)
