"""Where the runs of a sweep go: this process, a local process pool, or a Dask cluster.

Each executor takes the runs in order and yields ``(index, row)`` as runs
finish. They all call the same plain function (``run.run_one``), so the
rows do not depend on the executor. Only the Dask one needs Dask
(``pip install observatory[dask]``); it is imported when asked for.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
from collections.abc import Iterator, Sequence
from typing import Any

from observatory.sweep.run import commands_column, run_one
from scenarios.params import ParamError
from scenarios.registry import load

DASK_TIMEOUT = 3.0  # seconds to reach a Dask scheduler before the sweep gives up (exit 2)

# index, scenario, values, seed, duration, --command texts
Task = tuple[int, Any, dict[str, Any], int, float | None, tuple[str, ...]]


def call(task: Task) -> tuple[int, dict[str, Any]]:
    """Run one task; module-level so that every executor can pickle it."""
    index, scenario, values, seed, duration, commands = task
    return index, run_one(scenario, values, seed, duration, commands)


def lost(task: Task, error: BaseException) -> tuple[int, dict[str, Any]]:
    """The failed row of a run whose worker never gave its row back."""
    index, scenario, values, seed, _, commands = task
    name = scenario if isinstance(scenario, str) else scenario.name
    with contextlib.suppress(Exception):
        name = load(scenario).name if isinstance(scenario, str) else name
    row = {"scenario": name, "seed": seed, **values, **commands_column(commands), "status": "failed"}
    row["error"] = f"the run was lost: {type(error).__name__}: {error}"
    return index, row


def cores() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Serial:
    """Every run in this process, one after another (for small sweeps, debugging and baselines)."""

    name = "this process"

    def results(self, tasks: Sequence[Task]) -> Iterator[tuple[int, dict[str, Any]]]:
        for task in tasks:
            yield call(task)

    def cancel(self) -> None:
        """Nothing runs in the background."""

    def close(self) -> None:
        """Nothing to release."""


def _ignore_sigint() -> None:
    # Ctrl+C reaches the whole process group: the parent decides, workers carry on or are ended.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class LocalPool:
    """A pool of worker processes on this machine, one per core unless told."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or cores()
        self.name = f"{self.workers} local worker process{'es' if self.workers != 1 else ''}"
        self._pool: Any = None

    def results(self, tasks: Sequence[Task]) -> Iterator[tuple[int, dict[str, Any]]]:
        self._pool = multiprocessing.get_context().Pool(self.workers, initializer=_ignore_sigint)
        yield from self._pool.imap_unordered(call, tasks, chunksize=1)

    def cancel(self) -> None:
        """End the workers now: runs in flight are dropped."""
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None


class DaskCluster:
    """Runs submitted to a Dask scheduler (``address``), or to a LocalCluster started for the sweep.

    The connection is made at once, with a timeout, so an unreachable
    address is bad usage found before any run.
    """

    def __init__(self, address: str, workers: int | None = None, timeout: float = DASK_TIMEOUT) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ParamError("dask", "needs Dask: pip install 'observatory[dask]'") from None
        self.cluster = None
        self._futures: list[Any] = []
        if address == "local":
            count = workers or cores()
            self.cluster = LocalCluster(
                n_workers=count, threads_per_worker=1, processes=True, dashboard_address=None
            )
            self.client = Client(self.cluster)
            self.name = f"a Dask LocalCluster of {count} worker process{'es' if count != 1 else ''}"
            return
        try:
            self.client = Client(address, timeout=timeout)
        except (OSError, ValueError, TypeError) as error:
            raise ParamError(
                "dask",
                f"cannot reach a Dask scheduler at {address!r} within {timeout:g} s ({error}): "
                "use tcp://HOST:PORT of a running `dask scheduler`, or local",
            ) from None
        self.name = f"the Dask scheduler at {address}"

    def results(self, tasks: Sequence[Task]) -> Iterator[tuple[int, dict[str, Any]]]:
        from distributed import as_completed

        # Earlier runs first (higher priority), so the interleaved order holds on the cluster too.
        self._futures = [self.client.submit(call, t, pure=False, priority=-t[0]) for t in tasks]
        task_of = {f.key: t for f, t in zip(self._futures, tasks, strict=True)}
        for future in as_completed(self._futures):
            try:
                yield future.result()
            except Exception as error:  # the run never returned (a worker died, the cluster lost it)
                yield lost(task_of[future.key], error)

    def cancel(self) -> None:
        if self._futures:
            self.client.cancel(self._futures)
            self._futures = []

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def executor_for(dask: str | None, workers: int | None) -> Serial | LocalPool | DaskCluster:
    """The executor the command line asks for."""
    if dask is not None:
        return DaskCluster(dask, workers)
    return LocalPool(workers)
