"""Scenarios: small modules that build a world of agents on an engine.

Here is the authoring API, all a scenario author needs besides ``engine``:
``Scenario``, ``World``, ``State``, ``Series``, ``Limit``, ``param``,
``ParamError`` (a parse hook's refusal) and ``Distribution``. What runs
scenarios finds them in ``scenarios.registry`` (``load``, ``installed``,
``ScenarioError``) and reads their parameters with ``scenarios.params``
(``parse_params``, ``specs``).
"""

from scenarios.distributions import Distribution
from scenarios.framework import Limit, Scenario, Series, State, World
from scenarios.params import ParamError, param

__all__ = [
    "Distribution",
    "Limit",
    "ParamError",
    "Scenario",
    "Series",
    "State",
    "World",
    "param",
]
