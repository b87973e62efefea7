"""Sweeps: many headless runs over a parameter grid, on a process pool or a Dask cluster.

``sweep(scenario, grid, seeds, duration, executor=...)`` returns one row per
run as a ``pyarrow.Table``; ``observatory sweep`` is the same from the shell.
"""

from observatory.sweep.executors import DaskCluster, LocalPool, Serial
from observatory.sweep.runner import sweep

__all__ = ["DaskCluster", "LocalPool", "Serial", "sweep"]
