"""Bad input is refused before the run (exit 2); a scenario breaking its contract gets one line (exit 1)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from observatory.checks import ScenarioFault
from observatory.tui import ObservatoryApp
from scenarios.distributions import Distribution
from scenarios.registry import load
from tests.observatory.failing_scenarios import BROKEN, write
from tests.observatory.test_cli import observatory

FORMS = "uniform:A,B (0 <= A <= B), exp:MEAN (MEAN > 0) or const:X (X >= 0), finite numbers"


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--think", "exp:inf"),
        ("--think", "const:inf"),
        ("--service", "uniform:0,inf"),
        ("--service", "exp:nan"),
        ("--think", "uniform:-inf,1"),
    ],
)
def test_distributions_that_never_end_or_divide_by_zero_are_refused(option: str, value: str) -> None:
    done = observatory("run", "bottleneck", "--headless", "--duration", "1", option, value)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"observatory: error: {option}: {value!r} is not valid: numbers must be finite; use {FORMS}"
    ]


def test_finite_distributions_still_parse() -> None:
    assert str(Distribution.parse("uniform:0,1e300")) == "uniform:0,1e+300"
    assert Distribution.parse("exp:0.5").mean == 0.5


def test_a_parse_function_that_raises_any_exception_is_bad_usage_of_its_option(tmp_path: Path) -> None:
    path = write(tmp_path, "broken", BROKEN.replace("MODE", "fine"))
    done = observatory("run", str(path), "--headless", "--mode", "sideways")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "observatory: error: --mode: 'sideways' is not valid (KeyError: 'sideways'): "
        "use none, states, metrics or fine"
    ]


@pytest.mark.parametrize(
    ("mode", "line"),
    [
        (
            "none",
            "scenario 'broken': build() returned None; "
            "expected a World (scenarios.World) holding the agents' cells",
        ),
        ("states", "scenario 'broken': cell 0 has state 7; expected a legend index 0 to 1 (a, b)"),
        (
            "metrics",
            "scenario 'broken': metrics() returned a list; expected a dict of metric names to values",
        ),
    ],
)
def test_a_scenario_that_breaks_its_contract_gets_one_line_and_exit_1(
    tmp_path: Path, mode: str, line: str
) -> None:
    path = write(tmp_path, "broken", BROKEN.replace("MODE", mode))
    done = observatory("run", str(path), "--headless")
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == f"observatory: error: {line}"
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("mode", ["states", "metrics"])
def test_the_tui_ends_with_the_same_line_and_no_traceback(tmp_path: Path, mode: str) -> None:
    scenario = load(str(write(tmp_path, "broken", BROKEN.replace("MODE", mode))))

    async def run() -> ObservatoryApp:
        app = ObservatoryApp(scenario, scenario.params(), speed=64.0, clock_figures=False, frame_rate=20)
        await asyncio.wait_for(app.run_async(headless=True, size=(100, 30)), timeout=30)  # ends by itself
        return app

    app = asyncio.run(run())
    assert isinstance(app.fault, ScenarioFault)
    assert app.return_code == 1
    assert str(app.fault).startswith("scenario 'broken': ")


def test_a_build_returning_none_in_the_tui_is_the_same_fault(tmp_path: Path) -> None:
    scenario = load(str(write(tmp_path, "broken", BROKEN.replace("MODE", "none"))))
    with pytest.raises(ScenarioFault, match=r"^scenario 'broken': build\(\) returned None; expected a World"):
        ObservatoryApp(scenario, scenario.params())
