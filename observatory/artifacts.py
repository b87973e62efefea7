"""Files a scenario produces at the end of a run (such as conway's final grid).

``World.artifacts()`` names each array by the parameter that holds its file
path; an empty path means the user did not ask for that file. Every text
parameter whose name ends in ``_out`` is an output path: the runner checks
it with the others before the world is built.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np

from observatory.outputs import Output, OutputsFailed, OutputWriteError, write_output
from scenarios.framework import World


def option_of(name: str) -> str:
    """A parameter's CLI spelling: grid_out -> --grid-out."""
    return "--" + name.replace("_", "-")


def output_options(params: Any) -> list[tuple[str, str]]:
    """(option, path) for each output-path parameter (``*_out``) of a params instance."""
    return [
        (option_of(f.name), getattr(params, f.name))
        for f in dataclasses.fields(params)
        if f.name.endswith("_out") and isinstance(getattr(params, f.name), str)
    ]


def save(world: World, params: Any, checked: dict[str, Output] | None = None) -> list[Path]:
    """``numpy.save`` each artifact whose path parameter is set; return the paths written.

    Every artifact is tried; if some fail, ``OutputsFailed`` lists them after
    the others are written.
    """
    written, failures = [], []
    for name, array in world.artifacts().items():
        path = getattr(params, name, "")
        if not path:
            continue
        option = option_of(name)
        data = np.asarray(array)
        where = (checked or {}).get(option, path)
        try:
            written.append(write_output(where, lambda out, data=data: np.save(out, data), option))
        except OutputWriteError as error:
            failures.append(error)
    if failures:
        raise OutputsFailed(failures)
    return written
