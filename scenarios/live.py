"""Live parameters: values a run's agents read at each use, changed by ``set NAME VALUE``.

A scenario declares which parameters may change while it runs
(``param(..., live=True)``); its build makes ``live = LiveValues(engine,
params)`` and hands ``live`` to its agents, which read ``live.values.think``
(or draw from ``live.sampler("think", rng)``) at each use instead of a copy
taken when they started. ``LiveValues`` registers one
``engine.LiveParameter`` per declared parameter, so the change is an outside
command like any other: checked, applied at a virtual instant, logged,
replayed. A value is converted and checked exactly as on the command line
(the same one-line message); the params' own cross-checks run against the
values in force when it is given and again when it applies (see
``engine.commands``); then it is stored here and the world's reactions to it
run (``on``, ``limit``).
Parameters that shape the world (agent counts, grid sizes) are not live.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from engine import Engine
from engine.commands import LiveParameter
from scenarios.distributions import Distribution
from scenarios.framework import Limit
from scenarios.params import ParamSpec, specs

# A distribution steps by this factor (its mean and spread scale together).
DISTRIBUTION_STEP = 1.25


class LiveValues:
    """Every parameter's value in force now; the live ones change while the run goes.

    ``values`` holds them as attributes (``live.values.nudge``), apart from
    the methods so that any parameter name fits. ``declared`` lists the live
    parameters' specs in declaration order. ``limits`` names parameters that are
    a scope's concurrency limit (see ``limit``).
    """

    def __init__(self, engine: Engine, params: Any, *, limits: dict[str, Limit] | None = None) -> None:
        self._engine = engine
        self._params = params
        self._reactions: dict[str, list[Callable[[Any], None]]] = {}
        self._readers: dict[str, Callable[[], Any]] = {}
        self.declared: list[ParamSpec] = [s for s in specs(type(params)) if s.live]
        self.values = SimpleNamespace(**{f.name: getattr(params, f.name) for f in dataclasses.fields(params)})
        for spec in self.declared:
            engine.live(
                LiveParameter(
                    spec.name,
                    convert=spec.convert,
                    apply=self._applier(spec.name),
                    help=spec.help,
                    current=self._reader(spec.name),
                    check=self._checker(spec.name),
                )
            )
        for name, limit in (limits or {}).items():
            self.limit(name, limit)

    def on(self, name: str, react: Callable[[Any], None]) -> None:
        """Call ``react(value)`` after each change of ``name`` (the world reacting to it)."""
        self._check_live(name)
        self._reactions.setdefault(name, []).append(react)

    def limit(self, name: str, limit: Limit) -> None:
        """``name`` is the scope's concurrency limit: setting it sets the limit, reading it reads the limit.

        So a limit changed by a ``concurrency`` command (the ``[`` ``]`` keys)
        shows as the parameter's value too.
        """
        self.on(name, lambda value: limit.set(self._engine, value))
        self._readers[name] = lambda: limit.current(self._engine)

    def value(self, name: str) -> Any:
        """The value in force now."""
        reader = self._readers.get(name)
        return reader() if reader is not None else getattr(self.values, name)

    def params_now(self) -> Any:
        """The params with every live value in force now (for cross-checks and records)."""
        return dataclasses.replace(self._params, **{s.name: self.value(s.name) for s in self.declared})

    def sampler(self, name: str, rng: Any) -> Callable[[], float]:
        """Draws from the distribution ``name`` in force, from ``rng``; a change counts at the next draw."""
        values = self.values.__dict__
        current: Distribution = values[name]
        draw = current.sampler(rng)

        def sample() -> float:
            # Hot: one call per draw. The sampler is remade only after a change.
            nonlocal current, draw
            if values[name] is not current:
                current = values[name]
                draw = current.sampler(rng)
            return draw()

        return sample

    def _check_live(self, name: str) -> None:
        if name not in {s.name for s in self.declared}:
            raise ValueError(f"parameter {name!r} is not declared live (param(..., live=True))")

    def _checker(self, name: str) -> Callable[[Any], None]:
        """The params' own cross-checks, with ``name`` at a new value and the rest as in force now."""

        def check(value: Any) -> None:
            validate = getattr(dataclasses.replace(self.params_now(), **{name: value}), "validate", None)
            if validate is not None:
                validate()

        return check

    def _applier(self, name: str) -> Callable[[Any], None]:
        def apply(value: Any) -> None:
            setattr(self.values, name, value)
            for react in self._reactions.get(name, ()):
                react(value)

        return apply

    def _reader(self, name: str) -> Callable[[], Any]:
        return lambda: self.value(name)


def stepped(spec: ParamSpec, value: Any, direction: int, *, none_as: int | None = None) -> str | None:
    """The text of ``value`` moved one step up (direction > 0) or down, within the spec's bounds.

    Numbers move by ``spec.step`` (whole numbers by 1, others by a tenth of
    their order of magnitude); a choice or a flag cycles; a distribution
    scales by ``DISTRIBUTION_STEP``. ``none_as`` stands for an unset optional
    number (a limit that is off) when lowering it. None: nothing to step.
    """
    if spec.choices:
        choices = list(spec.choices)
        index = choices.index(value) if value in choices else 0
        return choices[(index + direction) % len(choices)]
    if isinstance(value, bool):
        return "false" if value else "true"
    if isinstance(value, Distribution):
        factor = DISTRIBUTION_STEP if direction > 0 else 1 / DISTRIBUTION_STEP
        return str(Distribution(value.kind, value.a * factor, value.b * factor))
    if value is None:  # no limit: lowering starts from ``none_as``, raising has nothing to raise
        if none_as is None or direction > 0:
            return None
        value = none_as
    if isinstance(value, int):
        step = int(spec.step or 1)
        return str(_clamped(spec, value + direction * step))
    if isinstance(value, float):
        step = spec.step or _magnitude(value)
        return f"{_clamped(spec, round(value + direction * step, 9)):.10g}"
    return None


def _magnitude(value: float) -> float:
    if value == 0 or not math.isfinite(value):
        return 0.1
    return 10.0 ** math.floor(math.log10(abs(value)))


def _clamped(spec: ParamSpec, value: float) -> Any:
    if spec.min is not None and value < spec.min:
        value = type(value)(spec.min)
    if spec.max is not None and value > spec.max:
        value = type(value)(spec.max)
    return value
