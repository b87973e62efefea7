"""Files a scenario produces at the end of a run (such as conway's final grid).

``World.artifacts()`` names each array by the parameter that holds its file
path; an empty path means the user did not ask for that file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from observatory.files import write_atomically
from scenarios.framework import World


def save(world: World, params: Any) -> list[Path]:
    """``numpy.save`` each artifact whose path parameter is set; return the paths written."""
    written = []
    for name, array in world.artifacts().items():
        path = getattr(params, name, "")
        if not path:
            continue
        data = np.asarray(array)
        target = write_atomically(path, lambda out, data=data: np.save(out, data))
        written.append(target)
    return written
