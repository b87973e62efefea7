"""Files a scenario produces at the end of a run (such as conway's final grid).

``World.artifacts()`` names each array by the parameter that holds its file
path; an empty path means the user did not ask for that file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from scenarios.framework import World


def save(world: World, params: Any) -> list[Path]:
    """``numpy.save`` each artifact whose path parameter is set; return the paths written."""
    written = []
    for name, array in world.artifacts().items():
        path = getattr(params, name, "")
        if not path:
            continue
        target = Path(path)
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                np.save(out, np.asarray(array))
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        written.append(target)
    return written
