"""Constraint scopes: which tasks a constraint governs.

``global`` matches every task; ``task:<glob>`` matches on the task name and
``agent:<glob>`` on the agent name, with fnmatch globs (case-sensitive).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fnmatch import translate

SCOPE_FORMS = "'global', 'task:<glob>' or 'agent:<glob>'"


@dataclass(frozen=True)
class Scope:
    """A parsed scope; ``text`` is the canonical spelling used as its key."""

    kind: str
    pattern: str
    text: str
    _regex: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    def matches(self, agent_name: str, task_name: str) -> bool:
        """Does a task ``task_name`` run by ``agent_name`` fall in this scope?"""
        if self.kind == "global":
            return True
        subject = task_name if self.kind == "task" else agent_name
        assert self._regex is not None
        return self._regex.match(subject) is not None


def parse_scope(text: str) -> Scope:
    """Parse a scope string, raising ValueError naming the accepted forms."""
    if not isinstance(text, str):
        raise ValueError(f"scope {text!r} is not valid: use {SCOPE_FORMS}")
    stripped = text.strip()
    if stripped == "global":
        return Scope("global", "*", "global")
    kind, sep, pattern = stripped.partition(":")
    if not sep or kind not in ("task", "agent") or not pattern:
        raise ValueError(f"scope {text!r} is not valid: use {SCOPE_FORMS}")
    return Scope(kind, pattern, f"{kind}:{pattern}", re.compile(translate(pattern)))
