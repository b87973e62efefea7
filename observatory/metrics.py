"""The metrics record of a run and the JSON file it is written to.

The record holds the keys every scenario shares (``COMMON_KEYS``, told in
the README's "Using the command line") followed by the world's own metrics. The file is written whole or
not at all: a temporary file in the same directory, renamed into place.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from engine import Engine
from observatory.checks import check_states, metrics_of
from observatory.failures import FailureLog
from observatory.outputs import Output, write_output
from scenarios.framework import Scenario, World
from scenarios.params import as_dict

COMMON_KEYS = (
    "scenario", "seed", "params", "params_final", "sim_time", "wall_time", "events", "agents", "commands",
    "limits_final", "series",
)


def collect(
    scenario: Scenario,
    params: Any,
    seed: int,
    engine: Engine,
    world: World,
    wall_time: float,
    interrupted: bool = False,
    failures: FailureLog | None = None,
) -> dict[str, Any]:
    """The metrics of a run so far: common keys, then the world's metrics.

    ``failures`` is the run's FailureLog (None: one made from the agents' errors, without times).
    """
    record: dict[str, Any] = {
        "scenario": scenario.name,
        "seed": seed,
        "params": as_dict(params),
        "params_final": params_final(params, engine),
        "sim_time": engine.now,
        "wall_time": wall_time,
        "events": engine.events_emitted,
        "agents": len(engine.agents),
        "interrupted": interrupted,
        **(failures or FailureLog.of_agents(engine)).metrics(),
        "commands": [applied.as_dict() for applied in engine.commands],
        "limits_final": [
            {"scope": c.scope, "kind": c.kind, "setting": c.setting} for c in engine.constraints()
        ],
    }
    check_states(scenario, world)
    for key, value in metrics_of(scenario, world).items():
        if key in record or key == "series":
            raise ValueError(f"scenario {scenario.name!r} metric {key!r} clashes with a common key")
        record[key] = plain(value)
    # Each series as [[time, value], ...]: at most SERIES_POINTS, thinned evenly (Series).
    record["series"] = {s.name: plain(s.pairs()) for s in world.series()}
    return record


def params_final(params: Any, engine: Engine) -> dict[str, Any]:
    """Every parameter's value in force at the end: ``params``, with the live ones as ``set`` left them.

    ``params`` stays what the run started with (with the seed and ``commands``
    it describes the run); this says where the live parameters ended up.
    """
    values = as_dict(params)
    for name, live in engine.live_parameters.items():
        if live.current is not None and name in values:
            value = live.current()
            values[name] = value if isinstance(value, bool | int | float | str | type(None)) else str(value)
    return values


def plain(value: Any) -> Any:
    """``value`` as JSON-ready Python: numpy scalars and arrays unwrapped, NaN/inf as None."""
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, np.generic):
        return plain(value.item())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def write(record: dict[str, Any], path: str | Path | Output) -> None:
    """Write the record as JSON, safely (see ``observatory.outputs``): whole or not at all."""
    text = json.dumps(plain(record), indent=2, allow_nan=False) + "\n"
    write_output(path, lambda out: out.write(text.encode("utf-8")), "--metrics-out")
