"""What the controls panel and the command line show and send, read from the engine.

Pure functions of the engine and the scenario: the panel's rows (each live
parameter, then each live constraint, with the command texts its keys
send), the status panel's constraint lines, what completes a typed command,
and whether a blocked agent is held by a pause. The widgets stay dumb; the
app hands them what these return.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine import Engine
from engine.commands import COMMAND_NAMES
from engine.constraints import Constraint
from scenarios.framework import Scenario, World
from scenarios.live import stepped
from scenarios.params import specs

# ``clear SCOPE KIND`` spells the kinds as the commands do.
KIND_WORDS = ("concurrency", "rate-limit", "pause")
_KIND_WORD = {"concurrency": "concurrency", "rate_limit": "rate-limit", "pause": "pause"}


@dataclass(frozen=True)
class ControlRow:
    """One row of the controls panel and the commands its keys send (None: that key does nothing)."""

    label: str
    value: str
    detail: str = ""
    prefix: str = ""  # Enter edits the value in place; the command is prefix + the new value
    initial: str = ""  # the text the edit starts from
    down: str | None = None  # left
    up: str | None = None  # right
    clear: str | None = None  # delete
    parameter: bool = True


def control_rows(engine: Engine, scenario: Scenario) -> list[ControlRow]:
    """The live parameters (declaration order), then the live constraints (creation order)."""
    by_name = {spec.name: spec for spec in specs(scenario.params)}
    rows = []
    for name, live in engine.live_parameters.items():
        value = live.current() if live.current is not None else None
        spec = by_name.get(name)
        down = up = None
        if spec is not None:
            down, up = (stepped(spec, value, d, none_as=len(engine.agents)) for d in (-1, 1))
        rows.append(
            ControlRow(
                name,
                "none" if value is None else str(value),
                live.help,
                prefix=f"set {name} ",
                initial="" if value is None else str(value),
                down=None if down is None else f"set {name} {down}",
                up=None if up is None else f"set {name} {up}",
            )
        )
    for stats in engine.constraints():
        constraint = engine.constraint(stats.scope, stats.kind)
        rows.append(_constraint_row(engine, constraint, stats.waiting))
    return rows


def _constraint_row(engine: Engine, constraint: Constraint | None, waiting: int) -> ControlRow:
    assert constraint is not None
    scope, word = constraint.scope.text, _KIND_WORD.get(constraint.kind, constraint.kind)
    detail = [f"{waiting:,} waiting"]
    left = ttl_left(engine, constraint)
    if left is not None:
        detail.append(f"ttl {left:.3g} s")
    setting = constraint.setting()
    down = up = None
    initial = ""  # what Enter starts from: the limit, the rate and burst, or a pause's TTL
    if constraint.kind == "concurrency":
        limit = constraint.limit  # type: ignore[attr-defined]
        initial = str(limit)
        down, up = f"concurrency {scope} {max(1, limit - 1)}", f"concurrency {scope} {limit + 1}"
    elif constraint.kind == "rate_limit":
        initial = setting.removeprefix("rate ").replace(" burst ", " ")
    return ControlRow(
        scope,
        setting,
        "  ".join(detail),
        prefix=f"{word} {scope} ",
        initial=initial,
        down=down,
        up=up,
        clear=f"resume {scope}" if constraint.kind == "pause" else f"clear {scope} {word}",
        parameter=False,
    )


def ttl_left(engine: Engine, constraint: Constraint) -> float | None:
    """Virtual seconds until a constraint with a TTL expires (None: it has none)."""
    if constraint.expires_at is None:
        return None
    return max(0.0, constraint.expires_at - engine.now)


def constraint_lines(engine: Engine) -> tuple[str, ...]:
    """One short line per live constraint for the status panel: scope, setting, TTL left.

    The controls panel shows the rest (how many wait on each).
    """
    out = []
    for stats in engine.constraints():
        constraint = engine.constraint(stats.scope, stats.kind)
        text = f"{stats.scope} {stats.setting}"  # the setting names the kind: limit, rate, paused
        left = None if constraint is None else ttl_left(engine, constraint)
        if left is not None:
            text += f"  ttl {left:.3g} s"
        out.append(text)
    return tuple(out)


def pause_holding(engine: Engine, agent: int, task: str | None = None) -> tuple[str, str] | None:
    """The task of an agent a pause holds and the pause's reason, if one does.

    The task stands in a constraint's queue (found there, so it need not have
    been seen blocking) and a pause covers it: it cannot start while paused.
    """
    name = engine.agents[agent].name
    live = [engine.constraint(s.scope, s.kind) for s in engine.constraints()]
    pauses = [c for c in live if c is not None and c.kind == "pause"]
    if not pauses:
        return None
    for constraint in live:
        for waiter in constraint.waiters if constraint is not None else ():
            if waiter.agent.id == agent:
                task = waiter.name
                break
    if task is None:
        return None
    held = [p for p in pauses if p.scope.matches(name, task)]
    if not held:
        return None
    left = ttl_left(engine, held[0])
    return task, held[0].describe() + ("" if left is None else f" ({left:.3g} s left)")


def paused_scopes(engine: Engine) -> str:
    """The grid's note of what is paused now ("" when nothing is)."""
    paused = []
    for stats in engine.constraints():
        if stats.kind == "pause":
            constraint = engine.constraint(stats.scope, "pause")
            left = None if constraint is None else ttl_left(engine, constraint)
            paused.append(stats.scope + ("" if left is None else f" ({left:.3g} s left)"))
    return "paused " + ", ".join(paused) if paused else ""


# -- completion --------------------------------------------------------------------------


def scopes(engine: Engine, world: World) -> list[str]:
    """Scopes worth offering: global, the scenario's limit, every scope a constraint has had."""
    found = ["global"]
    if world.limit is not None:
        found.append(world.limit.scope)
    found.extend(entry[3] for entry in engine.constraint_log)
    found.extend(["task:*", "agent:*"])
    return list(dict.fromkeys(found))


def candidates(text: str, engine: Engine, world: World) -> list[str]:
    """The words that may come next where ``text`` ends (the last word being typed)."""
    words = text.split()
    if text.endswith(" ") or not words:
        words.append("")
    position, command = len(words) - 1, words[0].lower()
    if position == 0:
        return list(COMMAND_NAMES)
    if command not in COMMAND_NAMES:
        return []
    if command == "set":
        return list(engine.live_parameters) if position == 1 else []
    if position == 1:
        return scopes(engine, world)
    if command == "clear" and position == 2:
        return list(KIND_WORDS)
    return []


def complete(text: str, engine: Engine, world: World) -> str:
    """``text`` with its last word completed as far as the candidates agree (a space after a whole word)."""
    words = text.split()
    last = "" if text.endswith(" ") or not words else words[-1]
    matches = [c for c in candidates(text, engine, world) if c.lower().startswith(last.lower())]
    if not matches:
        return text
    common = matches[0]
    for match in matches[1:]:
        while not match.lower().startswith(common.lower()):
            common = common[:-1]
    head = text[: len(text) - len(last)]
    return head + common + (" " if len(matches) == 1 else "")
