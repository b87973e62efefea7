"""The runs of a sweep: parameter values parsed as the scenario parses them, crossed, then seeded.

A swept parameter is given as ``NAME=V1,V2,...`` or, for numbers, as an
inclusive range ``NAME=A:B:STEP``. Every value goes through the
parameter's own ``ParamSpec.convert``, so a sweep accepts exactly what
``observatory run`` accepts and refuses the rest with the same message.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from scenarios.framework import Scenario
from scenarios.params import ParamError, ParamSpec, as_dict, parse_params, specs

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_RANGE = re.compile(rf"^\s*({_NUMBER}):({_NUMBER}):({_NUMBER})\s*$")
_NUMERIC = (int, float, int | None, float | None)


@dataclass(frozen=True)
class Run:
    """One run of a sweep: its place in the order, its parameter point and its seed."""

    index: int
    point: int
    values: dict[str, Any]  # every parameter's value in its plain (as_dict) form
    seed: int


def split_assignment(text: str) -> tuple[str, str]:
    """``NAME=VALUES`` as (name, values); NAME may be written as the option (``--name``, dashes)."""
    name, sep, values = text.partition("=")
    name = name.strip().lstrip("-").replace("-", "_")
    if not sep or not name:
        raise ParamError("param", f"{text!r} is not valid: use NAME=V1,V2,... or NAME=A:B:STEP")
    return name, values


def parse_values(spec: ParamSpec, text: str) -> list[Any]:
    """The values a ``--param`` text stands for, each checked by the parameter itself."""
    match = _RANGE.match(text)
    if match and spec.type in _NUMERIC:
        return [spec.convert(v) for v in expand_range(spec, *match.groups())]
    values = _split_list(spec, text)
    if not values:
        raise ParamError(spec.name, f"{text!r} holds no value: use V1,V2,... or A:B:STEP")
    return values


def expand_range(spec: ParamSpec, start: str, stop: str, step: str) -> list[str]:
    """``A:B:STEP`` as value texts from A up to B inclusive (when B falls on a step).

    Decimal arithmetic keeps 0.1:0.3:0.1 at 0.1, 0.2, 0.3 (no 0.30000000000000004).
    """
    try:
        a, b, s = Decimal(start), Decimal(stop), Decimal(step)
    except InvalidOperation:  # the pattern only lets numbers through; kept for safety
        raise ParamError(spec.name, f"{start}:{stop}:{step} is not a range: use A:B:STEP") from None
    if s <= 0 or b < a:
        raise ParamError(
            spec.name, f"{start}:{stop}:{step} is an empty range: use A:B:STEP with A <= B and STEP > 0"
        )
    count = int((b - a) / s) + 1
    return [_plain_text(a + i * s) for i in range(count)]


def _plain_text(value: Decimal) -> str:
    """A decimal as a whole number when it is one (``5``, not ``5.0``), so int options take it."""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def _split_list(spec: ParamSpec, text: str) -> list[Any]:
    """Comma-separated values; a value that itself holds commas (``uniform:0.5,1.5``) is kept whole.

    From each position the shortest run of pieces the parameter accepts is one value.
    """
    pieces = text.split(",")
    values, start = [], 0
    while start < len(pieces):
        first_error: ParamError | None = None
        for end in range(start + 1, len(pieces) + 1):
            try:
                values.append(spec.convert(",".join(pieces[start:end]).strip()))
            except ParamError as error:
                first_error = first_error or error
                continue
            start = end
            break
        else:
            raise first_error if first_error else ParamError(spec.name, f"{text!r} is not valid")
    return values


@dataclass(frozen=True)
class Grid:
    """The swept parameters (name -> values, in the order given) and the fixed ones."""

    scenario: Scenario
    swept: dict[str, list[Any]]
    fixed: dict[str, Any]

    def points(self) -> list[dict[str, Any]]:
        """Every parameter point of the full grid, each with every parameter in plain form.

        Each point is validated as a whole (``validate`` of the params class) before any run.
        """
        names = list(self.swept)
        out = []
        for combo in itertools.product(*(self.swept[n] for n in names)):
            values = {**self.fixed, **dict(zip(names, combo, strict=True))}
            out.append(as_dict(parse_params(self.scenario.params, values)))
        return out

    def runs(self, seeds: Sequence[int]) -> list[Run]:
        """Interleaved: every point with the first seed, then every point with the next, and so on."""
        points = self.points()
        order = ((s, p) for s in seeds for p in range(len(points)))
        return [Run(i, p, points[p], s) for i, (s, p) in enumerate(order)]


def make_grid(scenario: Scenario, swept: Mapping[str, Any], fixed: Mapping[str, Any] | None = None) -> Grid:
    """A grid from values given as text (``"5:40:5"``, ``"exp:1,exp:2"``) or as lists of values."""
    by_name = {s.name: s for s in specs(scenario.params)}
    known = ", ".join(by_name)
    parsed: dict[str, list[Any]] = {}
    for name, given in swept.items():
        spec = by_name.get(name)
        if spec is None:
            raise ParamError("param", f"{name!r} is not a parameter of {scenario.name}: use one of {known}")
        values = parse_values(spec, given) if isinstance(given, str) else [spec.convert(v) for v in given]
        if not values:
            raise ParamError(spec.name, "no value to sweep: give at least one")
        parsed[name] = values
    fixed_values = dict(fixed or {})
    both = sorted(set(parsed) & set(fixed_values))
    if both:
        raise ParamError(both[0], "given both as a plain option and in --param: use one")
    unknown = sorted(set(fixed_values) - set(by_name))
    if unknown:
        raise ParamError(unknown[0], f"unknown option of {scenario.name}: use one of {known}")
    fixed_checked = {n: by_name[n].convert(v) for n, v in fixed_values.items()}
    return Grid(scenario, parsed, fixed_checked)


def seed_list(seeds: int | Iterable[int]) -> list[int]:
    """``N`` as seeds 0..N-1, or the given seeds (whole numbers >= 0, no repeats)."""
    if isinstance(seeds, int) and not isinstance(seeds, bool):
        if seeds < 1:
            raise ParamError("seeds", f"{seeds!r} is not valid: use a whole number >= 1")
        return list(range(seeds))
    out = list(seeds)
    bad = [s for s in out if isinstance(s, bool) or not isinstance(s, int) or s < 0]
    if bad or not out:
        raise ParamError(
            "seed_list", f"{bad[0] if bad else 'nothing'!r} is not valid: use whole numbers >= 0"
        )
    if len(set(out)) != len(out):
        raise ParamError("seed_list", "a seed is repeated: give each seed once")
    return out
