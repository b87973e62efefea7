"""The three kinds of constraint: concurrency, rate limit and pause.

A constraint admits a task (``try_acquire``) or queues it FIFO. When it can
admit a waiter later it hands the admission straight to the first waiter
(``Governor.granted``), so a released slot never goes up for grabs.
"""

from __future__ import annotations

import contextlib
import re
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.scope import Scope

if TYPE_CHECKING:
    from engine.governor import Governor
    from engine.kernel import Timer
    from engine.tasks import Task

# Float slack when a token bucket refills to exactly one token.
_TOKEN_EPS = 1e-9
_RATE_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0}
_RATE_RE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*/\s*(\d+(?:\.\d*)?)?\s*([smh])\s*$")
RATE_FORM = "'<count>/<unit>' with unit s, m or h, e.g. '50/s', '3/m' or '1/2s'"


def parse_rate(rate: str | float) -> tuple[float, float]:
    """Parse ``'50/s'`` into (tokens per second, count per period)."""
    if isinstance(rate, int | float) and not isinstance(rate, bool):
        if rate > 0:
            return float(rate), float(rate)
        raise ValueError(f"rate {rate!r} is not valid: it must be > 0")
    match = _RATE_RE.match(rate) if isinstance(rate, str) else None
    if match is None:
        raise ValueError(f"rate {rate!r} is not valid: use {RATE_FORM}")
    count = float(match.group(1))
    period = float(match.group(2) or 1.0) * _RATE_UNITS[match.group(3)]
    if count <= 0 or period <= 0:
        raise ValueError(f"rate {rate!r} is not valid: count and period must be > 0")
    return count / period, count


@dataclass(frozen=True, slots=True)
class ConstraintStatistics:
    """A snapshot of one constraint for status panels and inspectors."""

    kind: str
    scope: str
    setting: str
    running: int
    waiting: int


class Constraint:
    """Base: a FIFO of waiting tasks and a scope."""

    __slots__ = ("expires_at", "governor", "reason", "scope", "ttl_timer", "waiters")
    kind = "constraint"

    def __init__(self, governor: Governor, scope: Scope) -> None:
        self.governor = governor
        self.scope = scope
        self.waiters: deque[Task] = deque()
        self.expires_at: float | None = None
        self.ttl_timer: Timer | None = None
        self.reason = ""

    def try_acquire(self) -> bool:
        """Admit a task now, or return False; the caller then queues it in ``waiters``."""
        raise NotImplementedError

    def release(self) -> None:
        """Give back what a finished task held (nothing, unless overridden)."""

    def discard(self, task: Task) -> None:
        """Forget a waiter that was cancelled."""
        with contextlib.suppress(ValueError):
            self.waiters.remove(task)

    def setting(self) -> str:
        raise NotImplementedError

    def describe(self) -> str:
        """One line naming the constraint; kept in ``reason`` for TaskBlocked."""
        self.reason = f"{self.kind} {self.scope.text} {self.setting()}"
        return self.reason

    def running(self) -> int:
        return 0

    def statistics(self) -> ConstraintStatistics:
        return ConstraintStatistics(
            self.kind, self.scope.text, self.setting(), self.running(), len(self.waiters)
        )

    def grant_all(self) -> None:
        """Admit every waiter (used when the constraint goes away)."""
        waiters = self.waiters
        granted = self.governor.granted
        while waiters:
            granted(waiters.popleft(), self)


class Concurrency(Constraint):
    """At most ``limit`` matching tasks run at once.

    ``held`` counts the slots taken (running tasks, and tasks that passed this
    limit but wait for a later constraint); ``max_held`` is its peak.
    """

    __slots__ = ("held", "limit", "max_held")
    kind = "concurrency"

    def __init__(self, governor: Governor, scope: Scope, limit: int) -> None:
        super().__init__(governor, scope)
        self.limit = limit
        self.held = 0
        self.max_held = 0

    def try_acquire(self) -> bool:
        # Hot (Governor.begin inlines it for a lone limit). Waiters imply
        # held >= limit, so a free slot is never taken past a waiter.
        if self.held < self.limit and not self.waiters:
            self.held += 1
            if self.held > self.max_held:
                self.max_held = self.held
            return True
        return False

    def release(self) -> None:
        # Hot: called once per task end. A free slot goes to the first waiter.
        if self.waiters and self.held <= self.limit:
            self.governor.granted(self.waiters.popleft(), self)
        else:
            self.held -= 1

    def set_limit(self, limit: int) -> None:
        """Change the limit; a raise admits waiters at once, a cut lets runners finish."""
        self.limit = limit
        self.admit()

    def admit(self) -> None:
        """Hand free slots to waiters, first come first served."""
        waiters = self.waiters
        granted = self.governor.granted
        while waiters and self.held < self.limit:
            self.held += 1
            if self.held > self.max_held:
                self.max_held = self.held
            granted(waiters.popleft(), self)

    def grant_all(self) -> None:
        # The constraint is going away; its waiters still count as holders
        # so that their later release balances.
        self.held += len(self.waiters)
        super().grant_all()

    def setting(self) -> str:
        return f"limit {self.limit}"

    def running(self) -> int:
        return self.held


class RateLimit(Constraint):
    """A token bucket in virtual time: ``rate`` tokens per second, at most ``burst``."""

    __slots__ = ("burst", "rate", "stamp", "text", "timer", "tokens")
    kind = "rate_limit"

    def __init__(self, governor: Governor, scope: Scope, rate: float, burst: float, text: str) -> None:
        super().__init__(governor, scope)
        self.rate = rate
        self.burst = burst
        self.text = text
        self.tokens = burst
        self.stamp = governor.kernel.now
        self.timer: Timer | None = None

    def _refill(self) -> None:
        now = self.governor.kernel.now
        if now > self.stamp:
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now

    def try_acquire(self) -> bool:
        if not self.waiters:
            self._refill()
            if self.tokens >= 1.0 - _TOKEN_EPS:
                self.tokens -= 1.0
                return True
        if self.timer is None:
            self._schedule()
        return False

    def _schedule(self) -> None:
        kernel = self.governor.kernel
        self._refill()
        wait = max(0.0, (1.0 - self.tokens) / self.rate)
        self.timer = kernel.call_at(kernel.now + wait, self._on_timer)

    def _on_timer(self) -> None:
        self.timer = None
        self._refill()
        waiters = self.waiters
        while waiters and self.tokens >= 1.0 - _TOKEN_EPS:
            self.tokens -= 1.0
            self.governor.granted(waiters.popleft(), self)
        if waiters:
            self._schedule()

    def set_rate(self, rate: float, burst: float, text: str) -> None:
        """Change rate and burst, keeping the tokens already earned."""
        self._refill()
        self.rate, self.burst, self.text = rate, burst, text
        self.tokens = min(self.tokens, burst)
        if self.timer is not None:
            self.timer.cancel()
            self._schedule()

    def cancel_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def setting(self) -> str:
        return f"rate {self.text} burst {self.burst:g}"


class Pause(Constraint):
    """While it exists, matching tasks do not start; resuming removes it."""

    __slots__ = ()
    kind = "pause"

    def try_acquire(self) -> bool:
        return False

    def setting(self) -> str:
        return "paused"
