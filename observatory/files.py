"""Writing output files whole or not at all (kept for callers of ``write_atomically``).

The checks and the writer live in ``observatory.outputs``; new code should
call ``check_outputs`` before the run and ``write_output`` at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO

from observatory.outputs import write_output


def write_atomically(path: str | Path, fill: Callable[[IO[bytes]], None], option: str = "output") -> Path:
    """Write ``path`` safely (see ``observatory.outputs.write_output``); returns the file written."""
    return write_output(path, fill, option)
