"""The two awaitables the engine's hot paths hand to agents, both without a Python frame.

``PARK``: the agent has already registered itself where it will be woken
(a timer, a queue); awaiting yields to the kernel once. ``DONE``: nothing
to wait for; awaiting completes at once with None. Both ``__await__`` are
C-level callables, so an await builds no frame; a cancellation is raised at
the agent's ``await``.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable


class _Park:
    __slots__ = ()
    __await__ = (None,).__iter__  # a fresh iterator over one item per await


class _Done:
    __slots__ = ()
    # One iterator, already exhausted, handed out again on every await: it stays exhausted,
    # so each await ends at once, without even allocating an iterator.
    __await__ = itertools.repeat(iter(())).__next__


PARK: Awaitable[None] = _Park()  # type: ignore[assignment]
DONE: Awaitable[None] = _Done()  # type: ignore[assignment]
