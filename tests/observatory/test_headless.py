"""The headless runner: metrics records, determinism, stopping, artifacts, the metrics file."""

from __future__ import annotations

import json
import math
import pickle
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from engine import Agent, Engine
from observatory import metrics
from observatory.headless import resolve_duration, run_headless
from scenarios import ParamError, Scenario, State, World, param
from scenarios.bottleneck import SCENARIO as BOTTLENECK
from scenarios.framework import SERIES_POINTS

BOTTLENECK_KEYS = {
    "completed": int,
    "throughput_per_s": float,
    "mean_wait_s": float,
    "utilization": float,
    "max_running": int,
}
COMMON_KEYS = {
    "scenario": str,
    "seed": int,
    "params": dict,
    "params_final": dict,
    "sim_time": float,
    "wall_time": float,
    "events": int,
    "agents": int,
    "series": dict,
    "commands": list,
    "limits_final": list,
}


# With slices this small a 20 s run of BIG takes a few dozen of them.
BIG = {"agents": 300, "slots": 300}
SLICE = 500


def without_wall_time(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "wall_time"}


def test_record_has_the_common_and_the_scenario_keys() -> None:
    record = run_headless("bottleneck", {"agents": "50", "slots": 4}, seed=3, duration=5)
    for key, kind in {**COMMON_KEYS, **BOTTLENECK_KEYS}.items():
        assert isinstance(record[key], kind), key
    assert record["commands"] == []
    assert record["limits_final"] == [{"scope": "task:work", "kind": "concurrency", "setting": "limit 4"}]
    assert record["params"] == {
        "agents": 50,
        "slots": 4,
        "think": "uniform:0.5,1.5",
        "service": "uniform:0.1,0.3",
    }
    assert (record["scenario"], record["seed"], record["sim_time"], record["agents"]) == (
        "bottleneck",
        3,
        5.0,
        50,
    )
    assert record["interrupted"] is False
    assert record["events"] > 50
    json.dumps(record, allow_nan=False)


def test_same_seed_same_metrics_other_seed_other_metrics() -> None:
    runs = [run_headless(BOTTLENECK, {"agents": 300}, seed, 8.0) for seed in (5, 5, 6)]
    assert without_wall_time(runs[0]) == without_wall_time(runs[1])
    assert without_wall_time(runs[0]) != without_wall_time(runs[2])


def test_runs_in_another_process_from_picklable_inputs() -> None:
    args = ("bottleneck", {"agents": "100", "think": "exp:1"}, 2, 4.0)
    pickle.dumps(args)
    with ProcessPoolExecutor(max_workers=1) as pool:
        remote = pool.submit(run_headless, *args).result()
    assert without_wall_time(remote) == without_wall_time(run_headless(*args))


def test_slicing_does_not_change_the_run() -> None:
    sliced = run_headless(BOTTLENECK, BIG, 1, 20.0, slice_steps=SLICE)
    engine = Engine(1)
    world = BOTTLENECK.build(engine, BOTTLENECK.params(**BIG))
    assert engine.run(until=20.0) > 10 * SLICE
    assert {k: sliced[k] for k in BOTTLENECK_KEYS} == world.metrics()
    assert sliced["events"] == engine.events_emitted


def test_progress_reaches_the_end_and_stop_ends_early() -> None:
    seen: list[tuple[float, float | None]] = []
    run_headless(BOTTLENECK, BIG, 0, 20.0, progress=lambda t, f: seen.append((t, f)), slice_steps=SLICE)
    assert len(seen) > 2 and seen[-1] == (20.0, 1.0)
    assert [t for t, _ in seen] == sorted(t for t, _ in seen)
    assert all(f == pytest.approx(t / 20.0) for t, f in seen[:-1])

    calls: list[float] = []
    record = run_headless(
        BOTTLENECK,
        BIG,
        0,
        20.0,
        progress=lambda t, f: calls.append(t),
        stop=lambda: bool(calls),
        slice_steps=SLICE,
    )
    assert record["interrupted"] is True
    assert len(calls) == 1 and record["sim_time"] == calls[0] < 20.0


def test_keyboard_interrupt_keeps_the_metrics_so_far() -> None:
    def interrupt(now: float, fraction: float | None) -> None:
        raise KeyboardInterrupt

    record = run_headless(BOTTLENECK, BIG, 0, 20.0, progress=interrupt, slice_steps=SLICE)
    assert record["interrupted"] is True and 0 < record["sim_time"] < 20.0
    assert record["completed"] > 0


@dataclass(frozen=True)
class CountdownParams:
    agents: int = param(3, help="Agents", min=1)
    rounds: int = param(4, help="Rounds each agent lives", min=1)
    grid_out: str = param("", help="Save the final grid here (.npy)")


class CountdownWorld(World):
    legend = (State("alive", (255, 255, 255)), State("gone", (0, 0, 0)))

    def __init__(self, engine: Engine, params: CountdownParams) -> None:
        super().__init__(engine, 1, params.agents)
        self.left = params.agents

    @property
    def done(self) -> bool:
        return self.left == 0

    def artifacts(self) -> dict[str, np.ndarray]:
        return {"grid_out": self.state_grid().copy()}


async def countdown(ctx: Agent, world: CountdownWorld, rounds: int) -> None:
    for _ in range(rounds + ctx.id):
        await ctx.sleep(1.0)
    world.cells[ctx.id] = 1
    world.left -= 1


def build_countdown(engine: Engine, params: CountdownParams) -> CountdownWorld:
    world = CountdownWorld(engine, params)
    for _ in range(params.agents):
        engine.spawn(countdown, world, params.rounds)
    return world


COUNTDOWN = Scenario(
    "countdown", "Agents that end on their own", CountdownParams, build_countdown, stops_itself=True
)


def test_a_scenario_that_stops_itself_needs_no_duration(tmp_path: Path) -> None:
    out = tmp_path / "grid.npy"
    record = run_headless(COUNTDOWN, {"agents": 3, "rounds": 2, "grid_out": str(out)}, 0, None)
    assert record["sim_time"] == 4.0  # the last agent lives 2 + 2 rounds
    assert np.array_equal(np.load(out), np.ones((1, 3), dtype=np.uint8))
    assert run_headless(COUNTDOWN, {"rounds": 2}, 0, 3.0)["sim_time"] == 3.0
    assert list(tmp_path.iterdir()) == [out]


def test_resolve_duration() -> None:
    assert resolve_duration(BOTTLENECK, 2) == 2.0
    assert resolve_duration(COUNTDOWN, None) is None
    with_default = Scenario("d", "d", CountdownParams, build_countdown, default_duration=30.0)
    assert resolve_duration(with_default, None) == 30.0
    with pytest.raises(ParamError, match="--duration: a headless run of bottleneck needs it"):
        resolve_duration(BOTTLENECK, None)
    for bad in (0, -1.0, math.inf, math.nan, True):
        with pytest.raises(
            ParamError, match=r"--duration: .* is not valid: use a number of virtual seconds > 0"
        ):
            resolve_duration(BOTTLENECK, bad)


def test_metrics_file_is_written_whole_or_not_at_all(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    metrics.write({"a": np.int64(3), "b": [np.float32(0.5)]} | {"c": metrics.plain(math.nan)}, path)
    before = path.read_text()
    assert json.loads(before) == {"a": 3, "b": [0.5], "c": None}
    with pytest.raises(TypeError):
        metrics.write({"a": object()}, path)
    assert path.read_text() == before
    assert list(tmp_path.iterdir()) == [path]


def test_plain_makes_values_json_ready() -> None:
    value = {"x": np.arange(3), 1: (np.float64(math.inf), np.bool_(True)), "s": "t"}
    assert metrics.plain(value) == {"x": [0, 1, 2], "1": [None, True], "s": "t"}


def test_series_in_the_record_stay_bounded_and_end_at_the_last_sample() -> None:
    record = run_headless("fireflies", {"width": 3, "height": 3}, seed=1, duration=20_000)
    series = record["series"]
    assert set(series) == {"R", "flashing"}
    for points in series.values():
        assert SERIES_POINTS // 2 <= len(points) <= SERIES_POINTS
        assert points[0][0] == 0.0 and points[-1][0] == record["sim_time"] == 20_000.0
    assert series["R"][-1][1] == record["order_parameter_final"]
    assert record["order_parameter_series"] == series["R"]
