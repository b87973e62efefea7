"""Scenarios: small modules that build a world of agents on an engine.

A scenario author needs ``Scenario``, ``World``, ``State``, ``Series``,
``Limit``, ``param`` and ``Distribution`` from here, and ``engine``.
"""

from scenarios.distributions import Distribution
from scenarios.framework import Limit, Scenario, Series, State, World
from scenarios.params import ParamError, param, parse_params, specs
from scenarios.registry import ScenarioError, installed, load

__all__ = [
    "Distribution",
    "Limit",
    "ParamError",
    "Scenario",
    "ScenarioError",
    "Series",
    "State",
    "World",
    "installed",
    "load",
    "param",
    "parse_params",
    "specs",
]
