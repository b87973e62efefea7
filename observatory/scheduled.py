"""Commands scheduled from the command line: ``--command "T:TEXT"`` (T in virtual seconds).

Each is read and checked before the world is built — its text as everywhere
(``engine.commands``), and a ``set``'s value exactly as its option would be
on the command line, the params' cross-checks included — so a bad one ends
the run before it starts with one line naming ``--command``. The engine
then applies each at the end of its instant through ``Engine.schedule``, and
logs it like a command given live.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from typing import Any

from engine import Engine
from engine.commands import AppliedCommand, Command, CommandError, parse_command
from scenarios.framework import Scenario
from scenarios.params import ParamError, specs

FORM = "T:TEXT with T a virtual time in seconds >= 0, e.g. '30:pause task:work 5'"


@dataclasses.dataclass(frozen=True)
class Scheduled:
    """One command and the virtual time it is due at."""

    time: float
    command: Command


def parse_scheduled(texts: Iterable[str], scenario: Scenario, params: Any) -> list[Scheduled]:
    """Read every ``T:TEXT`` and check it against the scenario (raises ParamError for ``--command``).

    ``set`` values are checked in time order, each against the parameters as
    the earlier ones leave them, as they will be when it applies.
    """
    found = [_parse_one(text) for text in texts]
    live = {spec.name: spec for spec in specs(scenario.params) if spec.live}
    now = params
    for item, text in sorted(zip(found, texts, strict=True), key=lambda pair: pair[0].time):
        if item.command.name == "set":
            now = _check_set(item.command, live, now, text)
    return found


def schedule(engine: Engine, scheduled: Sequence[Scheduled | AppliedCommand]) -> None:
    """Hand each command to the engine for its time (on a freshly built world).

    A logged command that was applied at the start (``at_start``) is applied
    at once, before the first step, as it was in the run it comes from.
    """
    for item in scheduled:
        if getattr(item, "at_start", False):
            if engine.started:
                raise CommandError(f"{item.command.text()!r} applies at the start, but the run has started")
            engine.submit(item.command)
        else:
            engine.schedule(item.time, item.command)


def _parse_one(text: str) -> Scheduled:
    stamp, sep, rest = text.partition(":")
    try:
        time = float(stamp)
    except ValueError:
        time = math.nan
    if not sep or not 0 <= time < math.inf:
        raise ParamError("command", f"{_short(text)} is not valid: use {FORM}")
    try:
        return Scheduled(time, parse_command(rest))
    except CommandError as error:
        raise ParamError("command", f"{_short(text)}: {error}") from None


def _check_set(command: Command, live: dict[str, Any], params: Any, text: str) -> Any:
    name, value = command.args["name"], command.args["value"]
    spec = live.get(name)
    if spec is None:
        known = ", ".join(live) or "none in this scenario"
        raise ParamError("command", f"{_short(text)}: {name!r} is not a live parameter: use one of {known}")
    try:
        converted = spec.convert(value)
        changed = dataclasses.replace(params, **{name: converted})
        validate = getattr(changed, "validate", None)
        if validate is not None:
            validate()
    except ValueError as error:
        raise ParamError("command", f"{_short(text)}: {error}") from None
    return changed


def _short(text: str) -> str:
    shown = repr(text)
    return shown if len(shown) <= 60 else shown[:56] + "...'"
