"""Sweeps on a real Dask LocalCluster of worker processes give the local pool's rows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

from observatory.sweep import DaskCluster, LocalPool, sweep
from observatory.tabular import read_table

distributed = pytest.importorskip("distributed")

GRID = {"slots": "2,4", "think": "exp:1,uniform:0.5,1.5"}
SMALL = {"agents": 16}


@pytest.fixture(scope="module")
def cluster() -> Iterator[object]:
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as local:
        yield local


def without_wall_time(table: pa.Table) -> list[dict]:
    return table.drop_columns(["wall_time"]).to_pylist()


def test_the_cluster_runs_in_worker_processes(cluster) -> None:
    with distributed.Client(cluster.scheduler_address) as client:
        import os

        pids = set(client.run(os.getpid).values())
    assert len(pids) == 2 and os.getpid() not in pids


def test_rows_on_the_cluster_equal_the_local_pools(cluster, tmp_path: Path) -> None:
    out = tmp_path / "r.parquet"
    on_dask = sweep(
        "bottleneck", GRID, seeds=2, duration=30.0, params=SMALL, executor=cluster.scheduler_address, out=out
    )
    local = sweep("bottleneck", GRID, seeds=2, duration=30.0, params=SMALL, executor=LocalPool(2))
    assert on_dask.num_rows == 8
    assert without_wall_time(on_dask) == without_wall_time(local)
    assert read_table(out).equals(on_dask)


def test_an_executor_made_by_the_caller_is_left_open(cluster) -> None:
    executor = DaskCluster(cluster.scheduler_address)
    try:
        first = sweep("bottleneck", {"slots": "2"}, seeds=1, duration=10.0, params=SMALL, executor=executor)
        again = sweep("bottleneck", {"slots": "2"}, seeds=1, duration=10.0, params=SMALL, executor=executor)
    finally:
        executor.close()
    assert without_wall_time(first) == without_wall_time(again)
