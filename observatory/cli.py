"""The ``observatory`` command: list scenarios, run one in the TUI or headless.

``observatory run`` is a group whose subcommands are the scenarios: asking
for one (by name or ``.py`` path) loads it and builds its command from its
params dataclass, so a new scenario needs no CLI code. Option values arrive
as text and go through ``ParamSpec.convert``, so every bad value gets our
one-line message. Exit codes: 0 done, 1 runtime error, 2 bad usage,
130 interrupted.
"""

from __future__ import annotations

import inspect
import os
import sys
import traceback
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from observatory import metrics
from observatory.checks import ScenarioFault
from observatory.failures import FailureLog, tell
from observatory.headless import interrupt_flag, resolve_duration, run_headless
from observatory.mqtt import control as mqtt_control
from observatory.mqtt import session as mqtt_session
from observatory.report import progress_bar, summary
from observatory.scheduled import Scheduled, parse_scheduled
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
RUNNER_OPTIONS = ("seed", "speed", "headless", "duration", "metrics_out", "command")


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
    command: list[str] | None = None,
    mqtt: Any = None,
) -> int:
    """Validate everything, then run in the TUI or headless; returns the exit code."""
    params = parse_params(scenario.params, values)
    commands = parse_scheduled(command or (), scenario, params)
    seed_value = _SEED.convert(seed)
    speed_value = _SPEED.convert(speed)
    duration_value = None if duration is None else _DURATION.convert(duration)
    out = _metrics_path(metrics_out)
    tui = not headless and sys.stdout.isatty()
    horizon = None if tui else resolve_duration(scenario, duration_value)
    # The broker is reached last of the checks and before the world is built (exit 2 if it is not there).
    remote = None if mqtt is None else mqtt_session.open_remote(mqtt, scenario.name, seed_value, speed_value)
    if tui:
        return _open_tui(scenario, params, seed_value, speed_value, out, remote, commands)
    return _run_headless(scenario, params, seed_value, horizon, out, remote, speed_value, commands)


def _metrics_path(text: str | None) -> Path | None:
    if text is None:
        return None
    path = Path(text)
    if not text or path.is_dir() or not (path.parent if str(path.parent) else Path(".")).is_dir():
        raise ParamError(
            "metrics_out", f"{text!r} is not valid: use a file path FILE.json in an existing directory"
        )
    return path


def _open_tui(
    scenario: Scenario,
    params: Any,
    seed: int,
    speed: float,
    out: Path | None,
    remote: Any = None,
    commands: list[Scheduled] | None = None,
) -> int:
    try:
        from observatory.tui.app import run_tui
    except ImportError as error:
        raise UsageProblem(
            f"the TUI is not available ({error}): run with --headless --duration SIM_SECONDS"
        ) from None
    return run_tui(scenario, params, seed, speed, metrics_out=out, remote=remote, commands=commands or [])


def _run_headless(
    scenario: Scenario, params: Any, seed: int, horizon: float | None, out: Path | None,
    remote: Any = None, speed: float = 1.0, commands: list[Scheduled] | None = None,
) -> int:
    err = Console(stderr=True)
    with interrupt_flag() as stop:
        if not err.is_terminal:
            # No live bar in a log: say once what runs and how to stop it (Ctrl+C is handled from here on).
            until = f"t = {horizon:g} virtual s" if horizon is not None else "its end"
            print(
                f"{scenario.name}: running headless until {until} (Ctrl+C stops, keeps results)",
                file=sys.stderr,
            )
        with progress_bar(scenario.name, horizon, err) as update:
            log = FailureLog()
            if remote is not None:  # paced at --speed, so it can be steered (see observatory.mqtt)
                record = mqtt_session.run_headless_steered(
                    remote, scenario, params, seed, horizon, speed, stop.is_set, update, err, log,
                    commands=commands or [],
                )
            else:
                record = run_headless(
                    scenario, params, seed, horizon, progress=update, stop=stop.is_set, failures=log,
                    commands=commands or [],
                )
    if out is not None:
        metrics.write(record, out)  # first: the file matters more than the screen
    Console().print(summary(record))
    failed = tell(record, log, sys.stderr)  # agent failures, a stall, a livelock: exit 1
    return 130 if record["interrupted"] else failed


def _fail(message: str) -> None:
    print(f"observatory: error: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``observatory`` console script and ``python -m observatory``."""
    command = typer.main.get_command(app)
    try:
        result = command.main(args=argv, prog_name="observatory", standalone_mode=False)
    except (ParamError, ScenarioError, UsageProblem) as error:
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
