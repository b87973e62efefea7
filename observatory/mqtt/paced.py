"""Headless runs steered over MQTT: paced at ``--speed`` so a controller has time to steer.

Without a broker a headless run goes as fast as the CPU allows; with one it
follows the wall clock (``speed`` virtual seconds per wall second) for its
duration or until it is stopped. Between slices it applies what the broker
sent and publishes its telemetry; what happens in the run still depends
only on the seed and the logged commands, never on the pacing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from engine import Engine
from observatory import artifacts, metrics
from observatory.checks import checked_world
from observatory.failures import FailureLog
from observatory.gc_policy import survivors_frozen
from observatory.headless import Progress
from observatory.mqtt.remote import POLL_BUDGET, Remote
from observatory.outputs import OutputsFailed
from observatory.scheduled import Scheduled, schedule
from observatory.watchdog import Watchdog
from scenarios.framework import Scenario

# Wall seconds between slices: the run answers the broker within this.
SLICE_WALL = 0.02
# Engine steps between wall-clock checks inside a slice.
SLICE_STEPS = 2_000
# A run that cannot keep up forgets backlog beyond this many wall seconds of virtual time.
MAX_BACKLOG = 0.5


def run_paced(
    scenario: Scenario,
    params: Any,
    seed: int,
    horizon: float | None,
    speed: float,
    remote: Remote,
    progress: Progress | None = None,
    stop: Callable[[], bool] | None = None,
    failures: FailureLog | None = None,
    commands: Sequence[Scheduled] = (),
) -> dict[str, Any]:
    """Run until ``horizon`` (or the world's end) at ``speed``; returns the metrics record.

    Agent failures, stalls and livelocks are watched as in ``run_headless``;
    ``commands`` (``--command``) are scheduled on the fresh world.
    """
    engine = Engine(seed)
    failures = (failures or FailureLog()).attach(engine)
    world = checked_world(scenario, scenario.build(engine, params))
    schedule(engine, commands)
    watchdog = Watchdog(scenario, engine, world)
    remote.attach(engine, world, speed)
    started = perf = time.perf_counter()
    anchor_wall, anchor_virtual = perf, 0.0
    interrupted = False
    try:
        with survivors_frozen():
            while True:
                if stop is not None and stop():
                    interrupted = True
                    break
                remote.poll(speed, POLL_BUDGET)
                now_wall = time.perf_counter()
                target = anchor_virtual + (now_wall - anchor_wall) * speed
                if horizon is not None:
                    target = min(target, horizon)
                deadline = now_wall + SLICE_WALL
                steps = 0
                while engine.now < target and time.perf_counter() < deadline:
                    steps += engine.run(until=target, max_steps=SLICE_STEPS)
                    if scenario.stops_itself and world.done:
                        break
                stuck = watchdog.check(steps) is not None  # a stall or livelock: the run ends, failed
                if target - engine.now > MAX_BACKLOG * speed:
                    anchor_wall, anchor_virtual = time.perf_counter(), engine.now + MAX_BACKLOG * speed
                remote.tick(speed)
                finished = (horizon is not None and engine.now >= horizon) or (
                    scenario.stops_itself and world.done
                ) or (horizon is None and engine.kernel.idle)
                if progress is not None:
                    ended = finished and not stuck
                    fraction = 1.0 if ended else (engine.now / horizon if horizon else world.progress())
                    progress(engine.now, fraction)
                if finished or stuck:
                    break
                time.sleep(max(0.0, deadline - time.perf_counter()))
    except KeyboardInterrupt:
        interrupted = True
    wall_time = time.perf_counter() - started
    try:
        record = metrics.collect(scenario, params, seed, engine, world, wall_time, interrupted, failures)
        record["run_error"] = watchdog.problem
        record["mqtt_rejected"] = remote.rejected
        try:
            artifacts.save(world, params)
        except OutputsFailed as failed:  # the caller still writes the metrics file
            failed.record = record
            raise
    finally:
        engine.close()
    return record
