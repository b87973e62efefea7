"""Life-like rules: which neighbour counts give birth and which let a cell survive.

An outer-totalistic rule on the Moore neighbourhood says, for each number of
live neighbours (0 to 8), whether a dead cell is born and whether a live one
survives. It is written ``B3/S23`` (birth digits, then survival digits, in
any case and either order) or in the older survival/birth digits form
``23/3``. Rules of other kinds, which a count of 8 neighbours cannot
compute, are refused with a message saying what they are: other
neighbourhoods (a ``V`` or ``H`` suffix, Larger than Life), Hensel's
non-totalistic letters (``B2a/S12``), Generations (a third part, ``/3`` or
``C3``), bounded grids (``:T64,64``) and MAP strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

ACCEPTED = (
    "a Life-like rule in B/S notation (B3/S23, b36/s23) or S/B digits (23/3), "
    "or one of life, highlife, seeds, day-and-night"
)

_DIGITS = "[0-8]*"
_BS = re.compile(rf"^b({_DIGITS})/?s({_DIGITS})$")
_SB = re.compile(rf"^s({_DIGITS})/?b({_DIGITS})$")
_OLD = re.compile(rf"^({_DIGITS})/({_DIGITS})$")
# B/S (or S/B) whose parts hold letters as well: Hensel's non-totalistic notation.
_HENSEL = re.compile(r"^(b[0-8a-z-]*/?s[0-8a-z-]*|s[0-8a-z-]*/?b[0-8a-z-]*)$")
# A few rules by the names people know them by.
NAMED = {"life": "B3/S23", "highlife": "B36/S23", "seeds": "B2/S", "day-and-night": "B3678/S34678"}


@dataclass(frozen=True)
class Rule:
    """A Life-like rule: the neighbour counts at which a cell is born and survives."""

    birth: frozenset[int]
    survival: frozenset[int]

    @property
    def name(self) -> str:
        """The rule in B/S notation, digits in order: ``B36/S23``."""
        return "B" + "".join(map(str, sorted(self.birth))) + "/S" + "".join(map(str, sorted(self.survival)))

    def __str__(self) -> str:
        return self.name

    def next_states(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """``next_states()[alive][live neighbours]``: a cell's next state, as plain ints."""
        dead = tuple(int(n in self.birth) for n in range(9))
        alive = tuple(int(n in self.survival) for n in range(9))
        return dead, alive

    def table(self) -> np.ndarray:
        """The same as a (2, 9) uint8 array, for stepping a whole grid at once."""
        return np.array(self.next_states(), dtype=np.uint8)


LIFE = Rule(frozenset({3}), frozenset({2, 3}))


def parse_rule(text: str) -> Rule:
    """a Life-like rule in B/S notation (B3/S23, b36/s23) or S/B digits (23/3), or one of life, highlife, seeds, day-and-night"""  # noqa: E501
    cleaned = "".join(text.split()).lower()
    cleaned = NAMED.get(cleaned.replace("_", "-").replace("&", "-and-"), cleaned).lower()
    for pattern, birth_first in ((_BS, True), (_SB, False), (_OLD, False)):
        match = pattern.match(cleaned)
        if match is not None:
            first, second = match.groups()
            birth, survival = (first, second) if birth_first else (second, first)
            return Rule(frozenset(map(int, birth)), frozenset(map(int, survival)))
    raise ValueError(f"rule {text.strip()!r} {_why_not(cleaned)}: use {ACCEPTED}")


def _why_not(rule: str) -> str:
    """What kind of rule this is that a Moore-neighbourhood count cannot compute."""
    if not rule:
        return "is empty"
    if rule.startswith("map"):
        return "is a MAP rule (a table over every neighbourhood), not a Life-like rule"
    if ":" in rule:
        return "names a bounded or special grid (after ':'); the grid here is always a torus"
    if rule.startswith("r") and "," in rule:
        return "is a Larger than Life rule (a range beyond the 8 nearest neighbours)"
    if rule.endswith(("v", "h")) and any(c.isdigit() for c in rule):
        kind = "von Neumann" if rule.endswith("v") else "hexagonal"
        return f"is for the {kind} neighbourhood; only the Moore neighbourhood (8 neighbours) is computed"
    if rule.count("/") >= 2 or re.search(r"(^|/)[cg]\d", rule):
        return "is a Generations rule (cells with more than two states), not a Life-like rule"
    if _HENSEL.match(rule) and re.search(r"[ceaiknjqrtwyz-]", rule.lstrip("bs")):
        return "is non-totalistic (Hensel letters); only the number of live neighbours is computed"
    if "9" in rule:
        return "counts 9 neighbours; the Moore neighbourhood has 8"
    return "is not in B/S notation"
