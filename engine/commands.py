"""Outside commands: every change to a run that does not come from the model itself.

Keys, the palette, the ``:`` command line, ``--command``, a run file being
replayed and MQTT all change a run the same way: they build a ``Command``
(from its text with ``parse_command``, or directly) and hand it to
``Engine.submit`` or ``Engine.schedule``. The engine checks it, applies it at
a virtual instant and logs it, so a run is fully described by its scenario,
parameters, seed and this log — which is what replay and rewind rely on.

Command texts, the same everywhere::

    set NAME VALUE                  a parameter the scenario declared live
    concurrency SCOPE N [ttl=S]     at most N matching tasks at once
    rate-limit SCOPE RATE [BURST] [ttl=S]
    pause SCOPE [TTL]               matching tasks do not start (for TTL virtual s)
    resume SCOPE                    lift a pause
    clear SCOPE [KIND]              remove the constraints of a scope (or one kind)

A command applies at the *end* of its instant: after everything else that
is due at that virtual time. That place is the same whether the command
came from a key press between two slices of a live run or from a record
being replayed, so both runs see the same events in the same order.

A command given before the run's first step (a broker's retained
constraints when a run connects) applies at once, *at the start*: before
any agent moves. It is logged with time 0 and ``"at": "start"``, and a
replay applies it there again (``Engine.submit`` before the first step).

A ``set`` value is converted once, when the command is submitted or
scheduled, and applied as that value. Its cross-check against the other
parameters runs again when it applies, against the values in force then;
one that fails there is *refused* (reported to ``on_refused`` or the
engine's refusal watchers, not logged): it changes nothing and never
raises out of ``Engine.run``.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine.constraints import RATE_FORM, parse_rate
from engine.scope import parse_scope

COMMAND_FORMS = (
    "set NAME VALUE",
    "concurrency SCOPE N",
    "rate-limit SCOPE RATE [BURST]",
    "pause SCOPE [TTL]",
    "resume SCOPE",
    "clear SCOPE [KIND]",
)
COMMAND_NAMES = ("set", "concurrency", "rate-limit", "pause", "resume", "clear")
# The constraint kinds, in the order ``clear SCOPE`` removes them.
KINDS = ("pause", "concurrency", "rate_limit")
_KIND_SPELLINGS = {"concurrency": "concurrency", "rate-limit": "rate_limit", "rate_limit": "rate_limit",
                   "pause": "pause"}
# The ``at`` of a command applied before the run's first step.
START = "start"
# Longest value echoed in an error message; longer ones are cut.
_ECHO = 60


class CommandError(ValueError):
    """A command that cannot be applied: bad text, an unknown parameter, a bad value.

    The message is one line, fit to show as it is.
    """


@dataclass(frozen=True)
class Command:
    """One outside change: its name (``concurrency``, ``set`` ...) and JSON-ready arguments."""

    name: str
    args: dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        """The command as it would be typed; ``parse_command(c.text()) == c``."""
        a = self.args
        words = [self.name]
        if self.name == "set":
            words += [a["name"], str(a["value"])]
        else:
            words.append(a["scope"])
            if self.name == "concurrency":
                words.append(str(a["limit"]))
            elif self.name == "rate-limit":
                words.append(str(a["rate"]))
                if "burst" in a:
                    words.append(_number(a["burst"]))
            elif self.name == "clear" and "kind" in a:
                words.append(a["kind"].replace("_", "-"))  # as typed: rate-limit
            if "ttl" in a:
                words.append(_number(a["ttl"]) if self.name == "pause" else f"ttl={_number(a['ttl'])}")
        return " ".join(words)


@dataclass(frozen=True)
class AppliedCommand:
    """A command as logged: the virtual instant it was applied at, and what it was.

    ``at_start``: applied before the run's first step (time 0), not at the
    end of an instant.
    """

    time: float
    command: Command
    at_start: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The metrics file's and run file's form: ``{time, command, args}``, plus ``"at": "start"`` if so."""
        data = {"time": self.time, "command": self.command.name, "args": dict(self.command.args)}
        if self.at_start:
            data["at"] = START
        return data

    @classmethod
    def from_dict(cls, data: Any) -> AppliedCommand:
        """Read the ``as_dict`` form back, checking its shape (raises CommandError)."""
        keys = {"time", "command", "args"}
        if not isinstance(data, dict) or not keys <= set(data) <= keys | {"at"}:
            raise CommandError("a command needs exactly the keys time, command and args (and maybe at)")
        time, name, args = data["time"], data["command"], data["args"]
        if isinstance(time, bool) or not isinstance(time, int | float) or not 0 <= time < math.inf:
            raise CommandError(f"command time {_echo(time)} is not valid: use a number of virtual s >= 0")
        if not isinstance(args, dict):
            raise CommandError(f"command args {_echo(args)} are not valid: use an object")
        at_start = "at" in data
        if at_start and (data["at"] != START or time != 0):
            raise CommandError(f"command at {_echo(data['at'])} is not valid: only \"start\", at time 0")
        return cls(float(time), check_command(Command(name, args)), at_start)


@dataclass(frozen=True)
class LiveParameter:
    """A parameter that ``set`` may change while the run goes.

    ``convert`` turns the value's text into the value (raising ValueError with
    a one-line message, as on the command line); ``check`` cross-checks a
    converted value against the run's other values in force now (raising
    ValueError), and runs again when the command applies; ``apply`` makes the
    run use it; ``current`` tells the value in force now (for panels and
    end-of-run records).
    """

    name: str
    convert: Callable[[str], Any]
    apply: Callable[[Any], None]
    help: str = ""
    current: Callable[[], Any] | None = None
    check: Callable[[Any], None] | None = None


def parse_command(text: str) -> Command:
    """Read a command text (see the module docstring); raises CommandError naming the form."""
    if not isinstance(text, str) or not text.strip():
        raise CommandError("empty command: use one of " + "; ".join(COMMAND_FORMS))
    words = text.split()
    name, rest = words[0].lower(), words[1:]
    if name not in COMMAND_NAMES:
        raise CommandError(f"unknown command {_echo(words[0])}: use one of " + ", ".join(COMMAND_NAMES))
    if name == "set":
        if len(rest) < 2:
            raise CommandError("set needs a parameter and a value: set NAME VALUE")
        return check_command(Command("set", {"name": rest[0], "value": " ".join(rest[1:])}))
    form = COMMAND_FORMS[COMMAND_NAMES.index(name)]
    ttl = None
    if rest and rest[-1].lower().startswith("ttl="):
        ttl = _ttl(rest.pop()[4:])
    if not rest:
        raise CommandError(f"{name} needs a scope: {form}")
    args: dict[str, Any] = {"scope": rest[0]}
    extra = rest[1:]
    if name == "concurrency":
        if len(extra) != 1:
            raise CommandError(f"concurrency takes a scope and a limit: {form}")
        args["limit"] = _limit(extra[0])
    elif name == "rate-limit":
        if len(extra) not in (1, 2):
            raise CommandError(f"rate-limit takes a scope, a rate and maybe a burst: {form}")
        args["rate"] = extra[0]
        if len(extra) == 2:
            args["burst"] = _burst(extra[1])
    elif name == "pause":
        if len(extra) > 1 or (extra and ttl is not None):
            raise CommandError(f"pause takes a scope and maybe a TTL: {form}")
        if extra:
            ttl = _ttl(extra[0])
    elif name == "resume":
        if extra:
            raise CommandError(f"resume takes a scope only: {form}")
    elif name == "clear":
        if len(extra) > 1:
            raise CommandError(f"clear takes a scope and maybe a kind: {form}")
        if extra:
            args["kind"] = extra[0]
    if ttl is not None:
        if name not in ("concurrency", "rate-limit", "pause"):
            raise CommandError(f"{name} takes no ttl: {form}")
        args["ttl"] = ttl
    return check_command(Command(name, args))


def check_command(command: Command) -> Command:
    """The command with its arguments checked and in canonical form (raises CommandError).

    ``set`` is checked only for its shape here; its value is checked by the
    engine against the live parameter it names.
    """
    name, args = command.name, command.args
    if name not in COMMAND_NAMES:
        raise CommandError(f"unknown command {_echo(name)}: use one of " + ", ".join(COMMAND_NAMES))
    allowed = {
        "set": {"name", "value"},
        "concurrency": {"scope", "limit", "ttl"},
        "rate-limit": {"scope", "rate", "burst", "ttl"},
        "pause": {"scope", "ttl"},
        "resume": {"scope"},
        "clear": {"scope", "kind"},
    }[name]
    required = {"name", "value"} if name == "set" else {"scope"}
    if name == "concurrency":
        required = {"scope", "limit"}
    elif name == "rate-limit":
        required = {"scope", "rate"}
    if not required <= set(args) <= allowed:
        raise CommandError(
            f"{name} takes {', '.join(sorted(required))}"
            + (f" and maybe {', '.join(sorted(allowed - required))}" if allowed - required else "")
        )
    if name == "set":
        if not isinstance(args["name"], str) or not args["name"]:
            raise CommandError(f"set: parameter name {_echo(args['name'])} is not valid")
        return Command("set", {"name": args["name"].replace("-", "_"), "value": str(args["value"])})
    out: dict[str, Any] = {"scope": _scope(args["scope"])}
    if name == "concurrency":
        out["limit"] = _limit(args["limit"])
    elif name == "rate-limit":
        rate = args["rate"]
        try:
            parse_rate(rate)
        except ValueError:
            raise CommandError(f"rate {_echo(rate)} is not valid: use {RATE_FORM}") from None
        out["rate"] = rate if isinstance(rate, str) else f"{rate:g}/s"
        if "burst" in args:
            out["burst"] = _burst(args["burst"])
    elif name == "clear" and "kind" in args:
        kind = _KIND_SPELLINGS.get(str(args["kind"]).lower())
        if kind is None:
            raise CommandError(
                f"kind {_echo(args['kind'])} is not valid: use concurrency, rate-limit or pause"
            )
        out["kind"] = kind
    if "ttl" in args:
        out["ttl"] = _ttl(args["ttl"])
    return Command(name, out)


def _scope(value: Any) -> str:
    try:
        return parse_scope(value).text
    except ValueError as error:
        raise CommandError(str(error).replace(repr(value), _echo(value))) from None


def _limit(value: Any) -> int:
    number = value
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            number = int(value)
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise CommandError(f"limit {_echo(value)} is not valid: use a whole number >= 1")
    return number


def _burst(value: Any) -> float:
    number = _float(value)
    if number is None or not 1 <= number < math.inf:
        raise CommandError(f"burst {_echo(value)} is not valid: use a number >= 1")
    return number


def _ttl(value: Any) -> float:
    number = _float(value)
    if number is None or not 0 < number < math.inf:
        raise CommandError(f"ttl {_echo(value)} is not valid: use a number of virtual seconds > 0")
    return number


def _float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return float(value) if isinstance(value, int | float) else None


def _number(value: float) -> str:
    return f"{value:g}" if float(value) == round(float(value), 6) else repr(float(value))


def _echo(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _ECHO else text[: _ECHO - 4] + "...'"
