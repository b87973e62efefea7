"""A TUI session from the command line: signals, quit keys, and the files written at the end.

``run_tui`` opens the app under ``StopSignals``: SIGINT, SIGTERM and SIGHUP
quit like ``q``; the engine's slices run through ``StopSignals.slice`` so a
quit while an agent never yields interrupts that agent; whatever ends the
app, the terminal is restored and the outputs are written.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from engine.commands import AppliedCommand
from observatory import artifacts, metrics
from observatory.failures import tell
from observatory.history import History
from observatory.mqtt.remote import Remote
from observatory.outputs import Output, OutputsFailed, OutputWriteError
from observatory.replay import ReplayPlan
from observatory.runfile import RunWriter
from observatory.scheduled import Scheduled
from observatory.signals import StopSignals
from observatory.tui.app import ObservatoryApp, finish
from observatory.tui.terminal import restore
from observatory.tui.textual_private import driver_of
from scenarios import Scenario


def run_tui(
    scenario: Scenario,
    params: Any,
    seed: int,
    speed: float,
    metrics_out: Path | Output | None = None,
    outputs: dict[str, Output] | None = None,
    remote: Remote | None = None,
    recorder: RunWriter | None = None,
    replay: ReplayPlan | None = None,
    commands: Sequence[Scheduled] = (),
) -> int:
    """Open the TUI on a scenario run (or a replayed one); returns the exit code when the user quits.

    SIGINT, SIGTERM and SIGHUP quit like ``q`` (exit 130 / 143 / 129); a quit
    while an agent never yields interrupts that agent (exit 1, named on
    stderr). On the way out, however the app ends, the terminal is restored,
    the current run's metrics go to ``metrics_out`` (if given) and the files
    its parameters ask for are saved, and every branch's end goes to the run
    file (``recorder``); one that cannot be written is named
    and makes the exit code 1. Agent failures, a stall or a livelock are
    told on stderr then (exit code 1).
    """
    holder: list[ObservatoryApp] = []

    def quit_app() -> None:
        try:
            asyncio.get_running_loop().call_soon_threadsafe(holder[0].exit)
        except (RuntimeError, IndexError):  # not in the app's loop (yet)
            if holder:
                holder[0].quit_when_mounted = True

    def stuck(_: BaseException) -> None:
        holder[0].exit()

    signals = StopSignals(
        on_request=quit_app, on_stuck=stuck, on_hard_exit=lambda: holder and restore(driver_of(holder[0]))
    )
    with signals:
        # --command: the run's script, part of its description (every branch applies it).
        history = History(recorder=recorder, script=[AppliedCommand(c.time, c.command) for c in commands])
        if replay is not None:  # the branches of a run file (its script too); the one replayed on screen
            history = History(replay.tree, replay.branch, recorder)
        app = ObservatoryApp(scenario, params, seed, speed, remote=remote, history=history)
        holder.append(app)
        signals.built()
        app.run_slice = signals.slice
        app.on_quit_key = signals.request
        try:
            app.run()
        finally:
            signals.finish()
            if remote is not None:
                remote.close()
            stopped = signals.exit_code is not None or signals.stuck is not None
            failures = _save(app, scenario, params, metrics_out, outputs or {}, stopped)
    if app.fault is not None:
        raise app.fault
    failed = tell({"run_error": app.watchdog.problem}, app.failures, sys.stderr)  # exit 1 if any
    if signals.stuck is not None:
        print(f"observatory: error: stopped inside a running agent: {signals.stuck}", file=sys.stderr)
    for failure in failures:
        print(f"observatory: error: {failure}", file=sys.stderr)
    if failures or signals.stuck is not None:
        return 1
    return signals.exit_code or failed


def _save(
    app: ObservatoryApp,
    scenario: Scenario,
    params: Any,
    out: Path | Output | None,
    outputs: dict[str, Output],
    interrupted: bool,
) -> list[OutputWriteError]:
    """Write the metrics file and the scenario's files; the ones that failed."""
    failures: list[OutputWriteError] = []
    app.settle()  # a run ends, and is recorded, at the end of an instant
    record = finish(app, interrupted)
    if out is not None:
        try:
            metrics.write(record, out)
        except OutputWriteError as error:
            failures.append(error)
    try:
        artifacts.save(app.world, params, outputs)
    except OutputsFailed as failed:
        failures.extend(failed.failures)
    return failures
