"""Checks that a scenario keeps its side of the contract: a World, legend states, mapping metrics.

A scenario file is user code; when it returns the wrong thing, the person
running it gets one line naming the scenario and what was expected (exit
code 1), not an AttributeError from deep inside the runner or the TUI.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from scenarios.framework import Scenario, World


class ScenarioFault(Exception):
    """A scenario broke its contract with the runner (exit code 1, one line)."""


def checked_world(scenario: Scenario, world: Any) -> World:
    """``world`` if ``build`` returned a usable World; else ScenarioFault."""
    if not isinstance(world, World):
        raise ScenarioFault(
            f"scenario {scenario.name!r}: build() returned {_what(world)}; "
            "expected a World (scenarios.World) holding the agents' cells"
        )
    if not isinstance(type(world).done, property):
        raise ScenarioFault(
            f"scenario {scenario.name!r}: {type(world).__name__}.done is {_what(type(world).done)}; "
            "expected a property (@property def done(self) -> bool)"
        )
    check_states(scenario, world)
    return world


def check_states(scenario: Scenario, world: World) -> None:
    """Every cell's state must be an index into the world's legend."""
    legend = world.legend
    if not legend:
        return
    state = world.state
    if not isinstance(state, np.ndarray) or state.dtype != np.uint8:
        raise ScenarioFault(
            f"scenario {scenario.name!r}: world.state is {_what(state)}; "
            "expected the uint8 array World.__init__ makes (write world.cells[i] = k)"
        )
    bad = np.flatnonzero(state[: world.used] >= len(legend))
    if bad.size:
        cell = int(bad[0])
        raise ScenarioFault(
            f"scenario {scenario.name!r}: cell {cell} has state {int(state[cell])}; "
            f"expected a legend index 0 to {len(legend) - 1} ({', '.join(s.name for s in legend)})"
        )


def metrics_of(scenario: Scenario, world: World) -> Mapping[str, Any]:
    """``world.metrics()``, which must be a mapping of metric names to values."""
    values = world.metrics()
    if not isinstance(values, Mapping):
        raise ScenarioFault(
            f"scenario {scenario.name!r}: metrics() returned {_what(values)}; "
            "expected a dict of metric names to values"
        )
    return values


def _what(value: Any) -> str:
    if value is None:
        return "None"
    return f"a {type(value).__module__}.{type(value).__qualname__}".replace("a builtins.", "a ")
