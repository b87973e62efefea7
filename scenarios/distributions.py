"""Random durations written as text: ``uniform:A,B``, ``exp:MEAN``, ``const:X``."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scenarios.params import param

FORMS = "uniform:A,B (0 <= A <= B), exp:MEAN (MEAN > 0) or const:X (X >= 0), finite numbers"


@dataclass(frozen=True)
class Distribution:
    """A non-negative duration distribution that samples from a given stream."""

    kind: str
    a: float
    b: float = 0.0

    @classmethod
    def parse(cls, text: str) -> Distribution:
        """uniform:A,B, exp:MEAN or const:X"""
        kind, sep, rest = text.strip().partition(":")
        try:
            numbers = [float(x) for x in rest.split(",")] if sep else []
        except ValueError:
            numbers = []
        if not all(math.isfinite(x) for x in numbers):
            # inf would make agents sleep forever (const, uniform) or divide by zero (exp).
            raise ValueError(f"{text!r} is not valid: numbers must be finite; use {FORMS}")
        if kind == "uniform" and len(numbers) == 2 and 0 <= numbers[0] <= numbers[1]:
            return cls("uniform", numbers[0], numbers[1])
        if kind == "exp" and len(numbers) == 1 and numbers[0] > 0:
            return cls("exp", numbers[0])
        if kind == "const" and len(numbers) == 1 and numbers[0] >= 0:
            return cls("const", numbers[0])
        raise ValueError(f"{text!r} is not a valid distribution: use {FORMS}")

    @property
    def mean(self) -> float:
        return (self.a + self.b) / 2 if self.kind == "uniform" else self.a

    def sampler(self, rng: random.Random) -> Callable[[], float]:
        """A fast zero-argument function drawing from ``rng``."""
        if self.kind == "uniform":
            a, b, uniform = self.a, self.b, rng.uniform
            return lambda: uniform(a, b)
        if self.kind == "exp":
            rate, expovariate = 1.0 / self.a, rng.expovariate
            return lambda: expovariate(rate)
        value = self.a
        return lambda: value

    def __str__(self) -> str:
        if self.kind == "uniform":
            return f"uniform:{self.a:g},{self.b:g}"
        return f"{self.kind}:{self.a:g}"


def duration(default: str, *, help: str, live: bool = False) -> Any:
    """Declare a scenario parameter that is a distribution of durations, e.g. ``"exp:0.5"``.

    ``live=True``: ``set NAME VALUE`` may change it while the run goes (``scenarios.live``).
    """
    return param(Distribution.parse(default), help=help, parse=Distribution.parse, live=live)
