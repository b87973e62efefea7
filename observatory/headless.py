"""Headless runs: scenario + parameters + seed -> metrics, as fast as the CPU allows.

``run_headless`` is a plain function of picklable inputs with no global
state, so sweeps can call it from other processes. It runs the engine in
slices of a fixed number of steps — fixed, so where a run stops never
depends on the wall clock — and between slices reports progress and checks
whether it was asked to stop.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from time import perf_counter
from typing import Any, Protocol

from engine import Engine
from engine.commands import AppliedCommand
from observatory import artifacts, metrics
from observatory.checks import checked_world
from observatory.failures import FailureLog
from observatory.gc_policy import survivors_frozen
from observatory.memory import check_memory
from observatory.outputs import Output, OutputsFailed, check_outputs
from observatory.scheduled import Scheduled, parse_scheduled, schedule
from observatory.watchdog import Watchdog
from scenarios.framework import Scenario, World
from scenarios.params import ParamError, parse_params
from scenarios.registry import load

# Engine steps per slice: small enough that Ctrl+C and the progress bar react
# within a fraction of a second, large enough that slicing costs nothing.
SLICE_STEPS = 20_000

Progress = Callable[[float, float | None], None]


def run_headless(
    scenario: Scenario | str,
    params: Any = None,
    seed: int = 0,
    duration: float | None = None,
    progress: Progress | None = None,
    stop: Callable[[], bool] | None = None,
    slice_steps: int = SLICE_STEPS,
    failures: FailureLog | None = None,
    outputs: dict[str, Output] | None = None,
    recorders: Sequence[Recorder] = (),
    commands: Sequence[str | Scheduled | AppliedCommand] = (),
    on_command: Callable[[AppliedCommand], None] | None = None,
) -> dict[str, Any]:
    """Run one scenario to its end and return its metrics record.

    ``scenario`` may be a Scenario or its name or file path; ``params`` a
    params instance or a mapping of option values (text or typed), so every
    input can cross a process boundary. The run lasts ``duration`` virtual
    seconds, or until the world is done for scenarios that stop themselves.
    ``progress(sim_time, fraction)`` is called after each slice; when
    ``stop()`` turns true (or on KeyboardInterrupt) the run ends early and the
    record says ``interrupted``. ``slice_steps`` bounds the engine steps
    between those checks. Agent failures go to ``failures`` (a fresh
    FailureLog if None; pass one to report them) and into the record; a
    stall or livelock ends the run with its line in ``run_error``. Artifact
    files the parameters ask for (``*_out`` parameters, checked before the
    world is built unless ``outputs`` holds them checked already) are
    written at the end either way, and so are the ``recorders``' files
    (``--events-out``, ``--series-out``): each is started before the world
    is built, told after each slice, and finished after the run. If some
    artifact cannot be written, ``OutputsFailed`` carries the record.
    ``commands`` are outside commands applied at their virtual times:
    ``"T:TEXT"`` texts (like ``--command``), or already read (a replayed
    record's); ``on_command`` sees each command as it is applied (a run
    file's writer).
    """
    if isinstance(scenario, str):
        scenario = load(scenario)
    if params is None or isinstance(params, Mapping):
        params = parse_params(scenario.params, params or {})
    horizon = resolve_duration(scenario, duration)
    if outputs is None:
        outputs = check_outputs(artifacts.output_options(params))
    check_memory(scenario, params)
    texts = [c for c in commands if isinstance(c, str)]
    scheduled = [c for c in commands if not isinstance(c, str)] + parse_scheduled(texts, scenario, params)
    engine = Engine(seed)
    failures = (failures or FailureLog()).attach(engine)
    for recorder in recorders:
        recorder.start(engine)
    try:
        world = checked_world(scenario, scenario.build(engine, params))
    except BaseException as error:
        _abort(recorders)
        if isinstance(error, Exception):
            engine.close()  # a failed build leaves no unawaited coroutines behind
        raise
    if on_command is not None:
        engine.watch_commands(on_command)
    schedule(engine, scheduled)
    watchdog = Watchdog(scenario, engine, world)
    started = perf_counter()
    interrupted = False
    try:
        with survivors_frozen():  # no full collections that rescan the live world mid-run
            while True:
                if stop is not None and stop():
                    interrupted = True
                    break
                steps = engine.run(until=horizon, max_steps=slice_steps)
                finished = steps < slice_steps or (scenario.stops_itself and world.done)
                stuck = watchdog.check(steps) is not None  # a stall or livelock: the run ends, failed
                if progress is not None:
                    ended = finished and not stuck
                    fraction = _fraction(scenario, world.progress(), engine.now, horizon, ended)
                    progress(engine.now, fraction)
                for recorder in recorders:
                    recorder.after_slice()
                if finished or stuck:
                    break
    except KeyboardInterrupt:
        interrupted = True
    except BaseException:
        _abort(recorders)
        raise
    wall_time = perf_counter() - started
    try:
        record = metrics.collect(scenario, params, seed, engine, world, wall_time, interrupted, failures)
        record["run_error"] = watchdog.problem
        for recorder in recorders:
            recorder.finish(engine, world)
        try:
            artifacts.save(world, params, outputs)
        except OutputsFailed as failed:
            failed.record = record
            raise
    finally:
        engine.close()
    return record


class Recorder(Protocol):
    """Something that writes a file from a run as it goes (see observatory.event_file)."""

    def start(self, engine: Engine) -> None: ...
    def after_slice(self) -> None: ...
    def finish(self, engine: Engine, world: World) -> None: ...
    def abort(self) -> None: ...


def _abort(recorders: Sequence[Recorder]) -> None:
    for recorder in recorders:
        recorder.abort()


def resolve_duration(scenario: Scenario, duration: float | None) -> float | None:
    """The virtual time a headless run stops at (None: when the world is done)."""
    if duration is not None:
        if isinstance(duration, bool) or not isinstance(duration, int | float) or not 0 < duration < math.inf:
            raise ParamError("duration", f"{duration!r} is not valid: use a number of virtual seconds > 0")
        return float(duration)
    if scenario.stops_itself:
        return None
    if scenario.default_duration is not None:
        return scenario.default_duration
    raise ParamError(
        "duration",
        f"a headless run of {scenario.name} needs it: use --duration SIM_SECONDS (a number > 0)",
    )


def _fraction(
    scenario: Scenario, own: float | None, now: float, horizon: float | None, finished: bool
) -> float | None:
    if finished:
        return 1.0
    if scenario.stops_itself and own is not None:
        return own
    return now / horizon if horizon else None
