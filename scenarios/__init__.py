"""Scenarios: small modules that build a world of agents on an engine.

A scenario author needs ``Scenario``, ``World`` (or ``TaskStateWorld``),
``State``, ``Series``, ``Limit``, ``param``, ``Distribution`` and
``duration`` from here, and ``engine``; ``Theory`` (scenarios.framework)
declares exact values of metrics, as ``QUEUE_THEORY`` does for closed queues.
"""

from scenarios.distributions import Distribution, duration
from scenarios.framework import Limit, Scenario, Series, State, World
from scenarios.params import ParamError, param, parse_params, specs
from scenarios.queueing import QUEUE_THEORY
from scenarios.registry import ScenarioError, installed, load
from scenarios.task_states import TaskStateWorld

__all__ = [
    "QUEUE_THEORY",
    "Distribution",
    "Limit",
    "ParamError",
    "Scenario",
    "ScenarioError",
    "Series",
    "State",
    "TaskStateWorld",
    "World",
    "duration",
    "installed",
    "load",
    "param",
    "parse_params",
    "specs",
]
