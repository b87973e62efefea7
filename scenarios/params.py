"""Scenario parameters: one dataclass per scenario, fields declared with ``param``.

Each field carries its default, help text and bounds. The CLI builds its
options from these declarations and ``parse_params`` turns option text into
validated values, with errors that name the option and the accepted form.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, get_type_hints

# How much of a bad value an error message shows: a 100 kB value is not echoed whole.
SHOWN_CHARS = 60


def shown(value: Any) -> str:
    """A value as an error message quotes it (``repr``), cut to ``SHOWN_CHARS`` characters."""
    text = repr(value)
    if len(text) <= SHOWN_CHARS:
        return text
    return f"{text[: SHOWN_CHARS - 15]}... ({len(str(value))} characters)"


class ParamError(ValueError):
    """A parameter value is not acceptable; ``option`` is its CLI spelling."""

    def __init__(self, name: str, message: str) -> None:
        self.name = name
        self.option = "--" + name.replace("_", "-")
        super().__init__(f"{self.option}: {message}")


@dataclass(frozen=True)
class ParamSpec:
    """What a parameter accepts, read from a field's metadata."""

    name: str
    type: Any
    default: Any
    help: str
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] | None = None
    parse: Callable[[str], Any] | None = None
    live: bool = False
    step: float | None = None

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")

    def accepted(self) -> str:
        """The accepted form, in words, for help and error messages."""
        if self.choices:
            return "one of " + ", ".join(self.choices)
        own = getattr(self.parse, "__doc__", None)  # a parse function's docstring says what it takes
        kind = own or {int: "a whole number", float: "a number", str: "text", bool: "true or false"}.get(
            self.type, "a value"
        )
        low, high = _number(self.min), _number(self.max)
        if low and high:
            return f"{kind} from {low} to {high}"
        if low:
            return f"{kind} >= {low}"
        if high:
            return f"{kind} <= {high}"
        return kind

    def convert(self, raw: Any) -> Any:
        """Turn text (or an already typed value) into a checked value."""
        value = raw
        try:
            if isinstance(raw, str):
                if self.parse is not None:
                    value = self.parse(raw)
                elif self.type is bool:
                    lowered = raw.strip().lower()
                    if lowered not in ("true", "false", "1", "0", "yes", "no"):
                        raise ValueError
                    value = lowered in ("true", "1", "yes")
                elif self.type in (int, float):
                    value = self.type(raw)
            elif self.type is float and isinstance(raw, int) and not isinstance(raw, bool):
                value = float(raw)
        except ValueError as error:
            detail = str(error)
            if detail and self.parse is not None:
                if isinstance(raw, str) and len(raw) > SHOWN_CHARS:  # the parser quoted it whole
                    detail = detail.replace(repr(raw), shown(raw)).replace(raw, shown(raw))
                raise ParamError(self.name, self._named(detail)) from None
            raise ParamError(self.name, f"{shown(raw)} is not valid: use {self.accepted()}") from None
        except Exception as error:  # a scenario's own parse failed some other way: still bad usage
            why = f"{type(error).__name__}: {error}"
            raise ParamError(self.name, f"{shown(raw)} is not valid ({why}): use {self.accepted()}") from None
        self.check(value)
        return value

    def _named(self, detail: str) -> str:
        """A limit's message names its own option, whatever the parameter is called."""
        return detail.replace("--limit", self.option) if self.parse is parse_limit else detail

    def check(self, value: Any) -> None:
        if self.parse is parse_limit:  # a limit given already typed: what its text would allow
            try:
                check_limit(value)
            except ValueError as error:
                raise ParamError(self.name, self._named(str(error))) from None
            return
        if self.type in (int, float):
            if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
                raise ParamError(self.name, f"{shown(value)} is not valid: use {self.accepted()}")
            if self.type is int and not isinstance(value, int):
                raise ParamError(self.name, f"{shown(value)} is not valid: use {self.accepted()}")
            if (self.min is not None and value < self.min) or (self.max is not None and value > self.max):
                raise ParamError(self.name, f"{shown(value)} is out of range: use {self.accepted()}")
        if self.choices and value not in self.choices:
            raise ParamError(self.name, f"{shown(value)} is not valid: use {self.accepted()}")


def _number(bound: float | None) -> str:
    """A bound as people write it: 10000000, not 1e+07."""
    if bound is None:
        return ""
    return str(int(bound)) if float(bound).is_integer() else f"{bound:g}"


def param(
    default: Any,
    *,
    help: str,
    min: float | None = None,
    max: float | None = None,
    choices: tuple[str, ...] | None = None,
    parse: Callable[[str], Any] | None = None,
    live: bool = False,
    step: float | None = None,
) -> Any:
    """Declare a scenario parameter as a dataclass field.

    ``live=True``: ``set NAME VALUE`` may change it while the run goes (see
    ``scenarios.live``); ``step`` is how far the controls panel's arrows move it.
    """
    meta = {"help": help, "min": min, "max": max, "choices": choices, "parse": parse}
    meta.update(live=live, step=step)
    return dataclasses.field(default=default, metadata={"observatory": meta})


LIMIT_FORM = "a whole number >= 1, or leave --limit out for no limit"


def parse_limit(text: str) -> int | None:
    """a whole number >= 1, or leave --limit out for no limit"""
    cleaned = text.strip().lower()
    if cleaned in ("", "none"):
        return None
    try:
        value = int(cleaned)
    except ValueError:
        raise ValueError(f"{text!r} is not valid: use {LIMIT_FORM}") from None
    check_limit(value)
    return value


def check_limit(value: Any) -> None:
    """Refuse a limit that is neither None nor a whole number >= 1 (a bool is not a number)."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{value!r} is not valid: use {LIMIT_FORM}")
    if value < 1:
        raise ValueError(f"{value} is out of range: use {LIMIT_FORM}")


def limit_param(help: str, *, live: bool = False) -> Any:
    """Declare the scenario's optional limit: None (no limit, the default) or a whole number >= 1.

    Text goes through ``parse_limit``; a value given already typed is checked the same way.
    ``live=True``: ``set NAME VALUE`` may change it while the run goes.
    """
    return param(None, help=help, parse=parse_limit, live=live)


def specs(params_cls: type) -> list[ParamSpec]:
    """The parameter declarations of a scenario's params dataclass, in order."""
    hints = get_type_hints(params_cls)
    out = []
    for f in dataclasses.fields(params_cls):
        meta = f.metadata.get("observatory", {})
        out.append(ParamSpec(f.name, hints[f.name], f.default, meta.get("help", ""), **_limits(meta)))
    return out


def _limits(meta: Mapping[str, Any]) -> dict[str, Any]:
    found = {k: meta.get(k) for k in ("min", "max", "choices", "parse", "step")}
    return {**found, "live": bool(meta.get("live", False))}


def parse_params(params_cls: type, values: Mapping[str, Any]) -> Any:
    """Build a params instance from option values (text or typed), validating each.

    Unknown names are an error; missing ones take their defaults.
    """
    by_name = {s.name: s for s in specs(params_cls)}
    unknown = sorted(set(values) - set(by_name))
    if unknown:
        raise ParamError(
            unknown[0], f"unknown option; known: {', '.join(s.option for s in by_name.values())}"
        )
    converted = {name: by_name[name].convert(raw) for name, raw in values.items()}
    for name, spec in by_name.items():
        if name not in converted:
            spec.check(spec.default)
    instance = params_cls(**converted)
    validate = getattr(instance, "validate", None)
    if validate is not None:
        validate()
    return instance


def as_dict(params: Any) -> dict[str, Any]:
    """Every parameter's value in a JSON-friendly form (for the metrics file)."""
    out = {}
    for f in dataclasses.fields(params):
        value = getattr(params, f.name)
        out[f.name] = value if isinstance(value, bool | int | float | str | type(None)) else str(value)
    return out
