"""Scenarios: small modules that build a world of agents on an engine.

Here is the authoring API, all a scenario author needs besides ``engine``:
``Scenario``, ``World`` (or ``TaskStateWorld``), ``State``, ``Series``,
``Limit``, ``param`` (``limit_param`` for an optional limit, ``parse_limit``
to read one, ``duration`` for a distribution), ``ParamError`` (a parse
hook's refusal), ``parse_params`` (to try parameters in a test),
``Distribution`` and ``grid_neighbours``. What runs scenarios finds them
in ``scenarios.registry`` (``load``, ``installed``, ``ScenarioError``) and
lists their parameters with ``scenarios.params.specs``.
``Theory`` (scenarios.framework) declares exact values of metrics, as
``QUEUE_THEORY`` does for closed queues.
"""

from scenarios.distributions import Distribution, duration
from scenarios.framework import Limit, Scenario, Series, State, World
from scenarios.live import LiveValues
from scenarios.neighbours import NEIGHBOURHOODS, grid_neighbours
from scenarios.params import ParamError, limit_param, param, parse_limit, parse_params
from scenarios.queueing import QUEUE_THEORY
from scenarios.task_states import TaskStateWorld

__all__ = [
    "NEIGHBOURHOODS",
    "QUEUE_THEORY",
    "Distribution",
    "Limit",
    "LiveValues",
    "ParamError",
    "Scenario",
    "Series",
    "State",
    "TaskStateWorld",
    "World",
    "duration",
    "grid_neighbours",
    "limit_param",
    "param",
    "parse_limit",
    "parse_params",
]
