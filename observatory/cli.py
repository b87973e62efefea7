"""The ``observatory`` command: list scenarios, run one in the TUI or headless.

``observatory run`` is a group whose subcommands are the scenarios: asking
for one (by name or ``.py`` path) loads it and builds its command from its
params dataclass, so a new scenario needs no CLI code. Option values arrive
as text and go through ``ParamSpec.convert``, so every bad value gets our
one-line message. Every output path is checked before the world is built
(``observatory.outputs``). Exit codes: 0 done, 1 the run failed, 2 bad
usage, 130 / 143 / 129 interrupted by SIGINT / SIGTERM / SIGHUP.
"""

from __future__ import annotations

import gc
import inspect
import os
import signal
import sys
import traceback
from collections.abc import Sequence
from typing import Any

import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from engine.commands import AppliedCommand
from observatory import artifacts, metrics, runfile
from observatory.branches import MAIN
from observatory.checks import ScenarioFault
from observatory.failures import FailureLog, tell
from observatory.headless import resolve_duration, run_headless
from observatory.memory import TooBig, check_memory
from observatory.mqtt import control as mqtt_control
from observatory.mqtt import session as mqtt_session
from observatory.outputs import Output, OutputError, OutputsFailed, OutputWriteError, check_outputs
from observatory.recording import make_recorders, recording_options
from observatory.report import progress_bar, summary
from observatory.runfile import RunFileError, RunWriter
from observatory.scheduled import Scheduled, parse_scheduled
from observatory.signals import BuildInterrupted, StopSignals
from observatory.sweep.command import sweep_app
from scenarios.framework import Scenario
from scenarios.params import ParamError, ParamSpec, parse_params, specs
from scenarios.registry import ScenarioError, installed, load

# Typer vendors click in recent versions; its base exception is found, not imported.
_CLICK_ERROR = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


def _positive(text: str) -> float:
    """a number > 0"""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < float("inf"):
        raise ValueError(f"{text!r} is not valid: use a number > 0")
    return value


_SEED = ParamSpec("seed", int, 0, "Seed of the run: the same seed gives the same run", min=0)
_SPEED = ParamSpec("speed", float, 1.0, "Virtual seconds per wall second in the TUI", parse=_positive)
_DURATION = ParamSpec("duration", float, None, "Virtual seconds to run headless", parse=_positive)
_UNTIL = ParamSpec("until", float, None, "Virtual time to stop the replay at", parse=_positive)
RUNNER_OPTIONS = (
    "seed", "speed", "headless", "duration", "metrics_out", "events_out", "series_out", "record", "command",
)


class UsageProblem(Exception):
    """Bad usage that is not about one option's value (exit code 2)."""


class ScenarioGroup(TyperGroup):
    """``observatory run``: one subcommand per scenario, built on demand."""

    def list_commands(self, ctx: Any) -> list[str]:
        return [s.name for s in installed()]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        return scenario_command(load(cmd_name), cmd_name)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not args:
            known = ", ".join(self.list_commands(ctx))
            raise UsageProblem(f"missing SCENARIO: use one of {known}, or a path to a .py file")
        return super().parse_args(ctx, args)


app = typer.Typer(
    name="observatory",
    help="A terminal observatory for many concurrent agents under governance.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
run_app = typer.Typer(
    cls=ScenarioGroup,
    help="Run a scenario (an installed name or a path to a .py file) in the TUI or headless.",
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(run_app, name="run")
app.add_typer(sweep_app, name="sweep")
app.command("control", help="Steer runs over MQTT (retained constraints), or watch their telemetry.")(
    mqtt_control.control
)


@app.command("list")
def list_scenarios() -> None:
    """The installed scenarios and what they show."""
    table = Table(title="Scenarios", header_style="bold")
    table.add_column("name", style="bold")
    table.add_column("description")
    for scenario in installed():
        table.add_row(scenario.name, scenario.description)
    console = Console()
    console.print(table)
    console.print("Options of one: observatory run NAME --help")


@app.command("replay")
def replay(
    file: str = typer.Argument(..., metavar="FILE.jsonl", help="A run file written by run --record"),
    headless: bool = typer.Option(False, "--headless", help="Replay as fast as possible, no TUI"),
    metrics_out: str | None = typer.Option(
        None, "--metrics-out", metavar="FILE.json", help="Write the metrics here"
    ),
    until: str | None = typer.Option(
        None, "--until", metavar="SIM_SECONDS", help="Stop at this virtual time"
    ),
    branch: str | None = typer.Option(None, "--branch", metavar="NAME", help="The branch to replay (main)"),
    force: bool = typer.Option(False, "--force", help="Replay even if the scenario file changed"),
    speed: str = typer.Option("1", "--speed", metavar="NUMBER", help=_SPEED.help),
) -> int:
    """Run a recorded run again: the same commands at the same virtual times, the same results."""
    from observatory import replay as replaying

    until_value = None if until is None else _UNTIL.convert(until)
    speed_value = _SPEED.convert(speed)
    if metrics_out == "":
        raise OutputError("--metrics-out", "''", "give a file path")
    plan = replaying.plan(file, branch=branch, until=until_value, force=force)
    outputs = check_outputs([("--metrics-out", metrics_out), *artifacts.output_options(plan.params)])
    out = outputs.get("--metrics-out")
    for note in plan.notes:
        print(f"observatory: warning: {note}", file=sys.stderr)
    if not headless and sys.stdout.isatty():
        return _open_tui(plan.scenario, plan.params, plan.seed, speed_value, out, outputs, replay=plan)
    return _run_headless(
        plan.scenario, plan.params, plan.seed, plan.horizon, out, outputs,
        commands=plan.commands, expect=plan.expected,
    )


def scenario_command(scenario: Scenario, invoked_as: str) -> Any:
    """The click command for one scenario: its own options, then the runner's."""
    own = specs(scenario.params)
    clash = [s.option for s in own if s.name in RUNNER_OPTIONS]
    if clash:
        raise ScenarioError(f"scenario {scenario.name!r}: parameter {clash[0]} clashes with a runner option")
    parameters = [_scenario_option(s) for s in own] + _runner_options(scenario)
    parameters += mqtt_session.runner_options()

    def command(**values: Any) -> int:
        runner = {name: values.pop(name) for name in RUNNER_OPTIONS}
        mqtt = mqtt_session.parse_options({name: values.pop(name) for name in mqtt_session.OPTION_NAMES})
        return run_command(scenario, values, **runner, mqtt=mqtt)

    command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in parameters}
    single = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    single.command(name=invoked_as, help=scenario.description)(command)
    return typer.main.get_command(single)


def _scenario_option(spec: ParamSpec) -> inspect.Parameter:
    """A scenario parameter as a text option (booleans as --x/--no-x flags)."""
    help_text = f"{spec.help} ({spec.accepted()})" if spec.help else spec.accepted()
    if spec.type is bool:
        decl = f"{spec.option}/--no-{spec.option[2:]}"
        option = typer.Option(spec.default, decl, help=help_text)
        return inspect.Parameter(spec.name, inspect.Parameter.KEYWORD_ONLY, default=option, annotation=bool)
    # Optional numbers (``int | None``, e.g. fireflies' --limit) have no __name__.
    metavars = {int: "INTEGER", float: "NUMBER", str: "TEXT", int | None: "INTEGER", float | None: "NUMBER"}
    metavar = metavars.get(spec.type) or getattr(spec.type, "__name__", "VALUE").upper()
    shown = "none" if spec.default is None else True  # an optional value left out
    option = typer.Option(str(spec.default), spec.option, help=help_text, show_default=shown, metavar=metavar)
    return inspect.Parameter(spec.name, inspect.Parameter.KEYWORD_ONLY, default=option, annotation=str)


def _runner_options(scenario: Scenario) -> list[inspect.Parameter]:
    if scenario.stops_itself:
        duration_help = "Stop after this many virtual seconds (default: when the scenario ends)"
    elif scenario.default_duration is not None:
        duration_help = f"Virtual seconds to run headless (default {scenario.default_duration:g})"
    else:
        duration_help = "Virtual seconds to run headless (needed with --headless)"
    options: list[tuple[str, Any, Any]] = [
        ("seed", str, typer.Option("0", "--seed", metavar="INTEGER", help=_SEED.help, show_default=True)),
        ("speed", str, typer.Option("1", "--speed", metavar="NUMBER", help=_SPEED.help, show_default=True)),
        ("headless", bool, typer.Option(False, "--headless", help="Run as fast as possible, no TUI")),
        (
            "duration",
            str | None,
            typer.Option(None, "--duration", metavar="SIM_SECONDS", help=duration_help),
        ),
        (
            "metrics_out",
            str | None,
            typer.Option(
                None, "--metrics-out", metavar="FILE.json", help="Write the metrics here (headless)"
            ),
        ),
        *recording_options(),
        (
            "record",
            str | None,
            typer.Option(
                None, "--record", metavar="FILE.jsonl", help="Record the run (commands, branches) for replay"
            ),
        ),
        (
            "command",
            list[str] | None,
            typer.Option(
                None,
                "--command",
                metavar="T:TEXT",
                help="Apply a command at virtual time T, e.g. '30:pause task:work 5' (repeatable)",
            ),
        ),
    ]
    kind = inspect.Parameter.KEYWORD_ONLY
    return [inspect.Parameter(n, kind, default=opt, annotation=ann) for n, ann, opt in options]


def run_command(
    scenario: Scenario,
    values: dict[str, Any],
    *,
    seed: str,
    speed: str,
    headless: bool,
    duration: str | None,
    metrics_out: str | None,
    events_out: str | None = None,
    series_out: str | None = None,
    record: str | None = None,
    command: list[str] | None = None,
    mqtt: Any = None,
) -> int:
    """Validate everything, then run in the TUI or headless; returns the exit code."""
    params = parse_params(scenario.params, values)
    commands = parse_scheduled(command or (), scenario, params)
    seed_value = _SEED.convert(seed)
    speed_value = _SPEED.convert(speed)
    duration_value = None if duration is None else _DURATION.convert(duration)
    recorders = make_recorders(events_out, series_out)
    tui = not headless and sys.stdout.isatty()
    if recorders and (tui or mqtt is not None):
        raise UsageProblem(
            "--events-out and --series-out are for headless runs without --mqtt: add --headless"
        )
    horizon = None if tui else resolve_duration(scenario, duration_value)
    if metrics_out == "":
        raise OutputError("--metrics-out", "''", "give a file path")
    if record == "":
        raise OutputError("--record", "''", "give a file path")
    if record is not None and mqtt is not None and not tui:
        raise UsageProblem("--record: a headless run steered over --mqtt is not recorded yet: use the TUI")
    outputs = check_outputs([
        ("--metrics-out", metrics_out), ("--events-out", events_out), ("--series-out", series_out),
        ("--record", record), *artifacts.output_options(params),
    ])
    check_memory(scenario, params)
    out = outputs.get("--metrics-out")
    # The broker is reached last of the checks and before the world is built (exit 2 if it is not there).
    remote = None if mqtt is None else mqtt_session.open_remote(mqtt, scenario.name, seed_value, speed_value)
    writer = runfile.recorder(outputs.get("--record"), scenario, params, seed_value, commands)
    try:
        if tui:
            return _open_tui(scenario, params, seed_value, speed_value, out, outputs, remote, writer,
                             commands=commands)
        return _run_headless(
            scenario, params, seed_value, horizon, out, outputs, remote, speed_value, writer,
            recorders=recorders, commands=commands,
        )
    finally:
        if writer is not None:
            writer.close()


def _open_tui(
    scenario: Scenario,
    params: Any,
    seed: int,
    speed: float,
    out: Output | None,
    outputs: dict[str, Output],
    remote: Any = None,
    writer: RunWriter | None = None,
    replay: Any = None,
    commands: list[Scheduled] | None = None,
) -> int:
    try:
        from observatory.tui.session import run_tui
    except ImportError as error:
        raise UsageProblem(
            f"the TUI is not available ({error}): run with --headless --duration SIM_SECONDS"
        ) from None
    extra = {k: v for k, v in (("recorder", writer), ("replay", replay)) if v is not None}
    try:
        return run_tui(
            scenario, params, seed, speed, metrics_out=out, outputs=outputs, remote=remote,
            commands=commands or [], **extra
        )
    except BuildInterrupted as stopped:
        return _interrupted_build(stopped)


def _run_headless(
    scenario: Scenario,
    params: Any,
    seed: int,
    horizon: float | None,
    out: Output | None,
    outputs: dict[str, Output],
    remote: Any = None,
    speed: float = 1.0,
    writer: RunWriter | None = None,
    commands: Sequence[AppliedCommand | Scheduled] = (),
    expect: dict[str, Any] | None = None,
    recorders: list[Any] | None = None,
) -> int:
    err = Console(stderr=True)
    failures: list[OutputWriteError] = []

    def say_what_runs() -> None:
        if not err.is_terminal:
            # No live bar in a log: say once, when the world is built, what runs and how to stop it.
            until = f"t = {horizon:g} virtual s" if horizon is not None else "its end"
            print(
                f"{scenario.name}: running headless until {until} (Ctrl+C stops, keeps results)",
                file=sys.stderr,
                flush=True,
            )

    def say_stopping() -> None:
        # From a signal handler: one os.write, never a buffered stream it may have interrupted.
        os.write(2, b"\nobservatory: stopping; a second Ctrl+C stops at once, without files\n")

    log = FailureLog()
    with StopSignals(on_built=say_what_runs, on_request=say_stopping) as signals:
        try:
            with progress_bar(scenario.name, horizon, err) as update:
                if remote is not None:  # paced at --speed, so it can be steered (see observatory.mqtt)
                    record = mqtt_session.run_headless_steered(
                        remote, scenario, params, seed, horizon, speed, signals.stop, update, err, log,
                        commands=commands or [],
                    )
                else:
                    record = run_headless(
                        scenario,
                        params,
                        seed,
                        horizon,
                        progress=update,
                        stop=signals.stop,
                        failures=log,
                        outputs=outputs,
                        recorders=recorders or (),
                        commands=commands,
                        on_command=None if writer is None else writer.on_main,
                    )
        except OutputsFailed as failed:
            assert failed.record is not None
            record, failures = failed.record, list(failed.failures)
        except BuildInterrupted as stopped:
            return _interrupted_build(stopped)
        signals.finish()
        # The finished world is garbage in reference cycles; leave it to the exit, not a
        # full collection of a million objects between the stop and the exit.
        gc.freeze()
        if writer is not None:  # an interrupted run replays to where it stopped
            writer.end(MAIN, record, record["sim_time"] if record["interrupted"] else horizon)
        if out is not None:
            try:
                metrics.write(record, out)  # first: the file matters more than the screen
            except OutputWriteError as error:
                failures.insert(0, error)
        Console().print(summary(record))
        failed = tell(record, log, sys.stderr)  # agent failures, a stall, a livelock: exit 1
        if signals.stuck is not None:
            _fail(f"stopped inside a running agent: {signals.stuck}")
        for failure in failures:
            _fail(str(failure))
    if failures:
        return 1
    if record["interrupted"]:
        return signals.exit_code or 130
    if expect is not None:
        return _compare_with_record(record, expect) or failed
    return failed


def _interrupted_build(stopped: BuildInterrupted) -> int:
    """A stop signal during the build: nothing ran, no file is written; the exit code says which."""
    _fail(f"interrupted ({signal.Signals(stopped.signum).name}) while building the world: nothing ran")
    # Freeing a half-built world of a million agents takes seconds, and there is nothing to keep.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(128 + stopped.signum)


def _compare_with_record(record: dict[str, Any], expect: dict[str, Any]) -> int:
    """After a replay: say whether it reproduced the recorded metrics (exit 1 if not)."""
    from observatory.replay import differences

    differ = differences(record, expect)
    if differ:
        _fail(f"the replay differs from the record in {', '.join(differ)}")
        return 1
    print("replay: metrics identical to the record (except wall_time)", file=sys.stderr)
    return 0


def _fail(message: str) -> None:
    print(f"observatory: error: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``observatory`` console script and ``python -m observatory``."""
    command = typer.main.get_command(app)
    try:
        result = command.main(args=argv, prog_name="observatory", standalone_mode=False)
    except (ParamError, ScenarioError, UsageProblem, OutputError, TooBig, RunFileError) as error:
        _fail(str(error))
        return 2
    except _CLICK_ERROR as error:
        if type(error).__name__ == "NoArgsIsHelpError":
            print(error.format_message(), file=sys.stderr)
        else:
            _fail(error.format_message())
        return error.exit_code
    except typer.Abort:
        return 130
    except ScenarioFault as error:  # the scenario returned the wrong thing: its author's bug
        _fail(str(error))
        return 1
    except Exception as error:
        _fail(f"the run failed: {type(error).__name__}: {error}")
        if os.environ.get("OBSERVATORY_TRACEBACK"):
            traceback.print_exc()
        else:
            print("(set OBSERVATORY_TRACEBACK=1 to see where)", file=sys.stderr)
        return 1
    return result if isinstance(result, int) else 0
