"""Scenarios: small modules that build a world of agents on an engine.

A scenario author needs ``Scenario``, ``World`` (or ``TaskStateWorld``),
``State``, ``Series``, ``Limit``, ``param`` (``limit_param`` for an optional
limit, ``duration`` for a distribution), ``Distribution`` and
``grid_neighbours`` from here, and ``engine``.
"""

from scenarios.distributions import Distribution, duration
from scenarios.framework import Limit, Scenario, Series, State, World
from scenarios.live import LiveValues
from scenarios.neighbours import NEIGHBOURHOODS, grid_neighbours
from scenarios.params import ParamError, limit_param, param, parse_limit, parse_params, specs
from scenarios.registry import ScenarioError, installed, load
from scenarios.task_states import TaskStateWorld

__all__ = [
    "NEIGHBOURHOODS",
    "Distribution",
    "Limit",
    "LiveValues",
    "ParamError",
    "Scenario",
    "ScenarioError",
    "Series",
    "State",
    "TaskStateWorld",
    "World",
    "duration",
    "grid_neighbours",
    "installed",
    "limit_param",
    "load",
    "param",
    "parse_limit",
    "parse_params",
    "specs",
]
