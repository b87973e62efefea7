"""Constraint payloads <-> engine commands.

A constraints topic holds, retained, the constraint a controller wants on
one scope::

    {"id": "concurrency-task:work", "scope": "task:work", "type": "concurrency",
     "params": {"limit": 5}, "expires_at": null}

``type`` is ``concurrency`` (params ``{"limit": N}``), ``rate_limit``
(``{"rate": "10/s", "burst": B?}``) or ``pause`` (``{}``). ``expires_at``
is a wall-clock time (epoch seconds); a run turns what is left of it into
virtual seconds through its requested speed when the message arrives, so
the constraint ends about then in wall time and the logged command carries
a virtual TTL that replays exactly. Our own ``ttl`` (virtual seconds) may
stand instead. A constraint that has already expired lifts that kind on the
scope (``resume`` for a pause), so a stale retained message never brings a
constraint back. An empty payload clears every constraint on the scope.
Unknown keys are ignored, for controllers that send more.
"""

from __future__ import annotations

import functools
import json
import math
from typing import Any

from engine.commands import Command, CommandError, check_command

MAX_PAYLOAD = 64 * 1024
TYPES = ("concurrency", "rate_limit", "pause")
_COMMAND_OF_TYPE = {"concurrency": "concurrency", "rate_limit": "rate-limit", "pause": "pause"}


class PayloadError(ValueError):
    """A message that cannot become a command; the message is one line, fit to show."""


def check_size(payload: bytes) -> None:
    if len(payload) > MAX_PAYLOAD:
        raise PayloadError(f"payload of {len(payload):,} bytes is larger than 64 KB")


def constraint_command(scope: str, payload: bytes, *, wall_now: float, speed: float) -> Command:
    """The command a payload on the constraints topic of ``scope`` asks for (raises PayloadError)."""
    check_size(payload)
    scope = _checked_scope(scope, "its topic")
    if not payload.strip():
        return Command("clear", {"scope": scope})
    try:
        data = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise PayloadError("payload is not JSON: send a constraint object or nothing to clear") from None
    if not isinstance(data, dict):
        raise PayloadError("payload is not a JSON object: send {id, scope, type, params, expires_at}")
    if "scope" in data and _checked_scope(data["scope"], "scope") != scope:
        raise PayloadError(f"scope {_short(data['scope'])} does not match its topic's scope {scope!r}")
    kind = data.get("type")
    if kind not in TYPES:
        raise PayloadError(f"unknown type {_short(kind)}: use concurrency, rate_limit or pause")
    params = data.get("params", {})
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise PayloadError(f"params {_short(params)} is not an object")
    ttl = _ttl(data, wall_now, speed)
    if ttl == 0.0:  # expired already: the kind is lifted
        if kind == "pause":
            return Command("resume", {"scope": scope})
        return Command("clear", {"scope": scope, "kind": kind})
    args: dict[str, Any] = {"scope": scope}
    if kind == "concurrency":
        if "limit" not in params:
            raise PayloadError('a concurrency constraint needs params {"limit": N}')
        args["limit"] = params["limit"]
        if isinstance(args["limit"], str):  # "5" is a wrong type in JSON, not a limit
            raise PayloadError(f"limit {_short(args['limit'])} is not valid: use a whole number >= 1")
    elif kind == "rate_limit":
        if "rate" not in params:
            raise PayloadError('a rate_limit constraint needs params {"rate": "10/s"}')
        args["rate"] = params["rate"]
        if params.get("burst") is not None:
            args["burst"] = params["burst"]
    if ttl is not None:
        args["ttl"] = ttl
    try:
        return check_command(Command(_COMMAND_OF_TYPE[kind], args))
    except CommandError as error:
        raise PayloadError(str(error)) from None


def command_text(payload: bytes) -> str:
    """The text of a message on a commands topic (raises PayloadError)."""
    check_size(payload)
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        raise PayloadError("command is not UTF-8 text: send e.g. 'concurrency task:work 5'") from None


def constraint_payload(
    kind: str, scope: str, params: dict[str, Any], ttl: float | None = None, expires_at: float | None = None
) -> bytes:
    """The retained payload that asks for one constraint (what ``observatory control`` publishes)."""
    data: dict[str, Any] = {
        "id": f"{kind}-{scope}",
        "scope": scope,
        "type": kind,
        "params": params,
        "expires_at": expires_at,
    }
    if ttl is not None:
        data["ttl"] = ttl
    return json.dumps(data, separators=(",", ":")).encode()


def _ttl(data: dict[str, Any], wall_now: float, speed: float) -> float | None:
    """Virtual seconds the constraint lasts: None for ever, 0.0 when it has expired already."""
    expires_at, ttl = data.get("expires_at"), data.get("ttl")
    if expires_at is not None and ttl is not None:
        raise PayloadError("give expires_at or ttl, not both")
    if ttl is not None:
        if not _finite(ttl) or ttl <= 0:
            raise PayloadError(f"ttl {_short(ttl)} is not valid: use a number of virtual seconds > 0")
        return float(ttl)
    if expires_at is None:
        return None
    if not _finite(expires_at):
        raise PayloadError(f"expires_at {_short(expires_at)} is not valid: use epoch seconds or null")
    left = float(expires_at) - wall_now
    return left * speed if left > 0 else 0.0


def _checked_scope(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise PayloadError(f"bad scope ({what}): {_short(value)} is not a scope text")
    return _scope_text(value, what)


@functools.lru_cache(maxsize=256)
def _scope_text(value: str, what: str) -> str:
    """A scope's canonical text; cached, since a burst names the same few scopes again and again."""
    try:
        return check_command(Command("clear", {"scope": value})).args["scope"]
    except CommandError as error:
        raise PayloadError(f"bad scope ({what}): {error}") from None


def _finite(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)


def _short(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:56] + "..."
