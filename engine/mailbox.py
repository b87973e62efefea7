"""Mailboxes: an unbounded FIFO of messages per agent, with a wake-up threshold.

A receiver that parks says how many messages it wants (``want``); a sender
wakes it only when that many are there, so an agent waiting for eight
neighbours is resumed once, not eight times.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.agent import Agent
    from engine.kernel import Kernel


class _TimedOut:
    """The value ``recv`` returns when its timeout ran out first."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "TIMEOUT"

    def __bool__(self) -> bool:
        return False


TIMEOUT: Any = _TimedOut()


class WouldBlock(Exception):
    """``recv_nowait`` found the mailbox empty."""


@dataclass(frozen=True, slots=True)
class MailboxStatistics:
    """A snapshot of one mailbox."""

    pending: int
    waiting_for: int
    delivered: int


class Mailbox:
    """One agent's incoming messages."""

    __slots__ = ("delivered", "items", "kernel", "owner", "want")

    def __init__(self, owner: Agent, kernel: Kernel) -> None:
        self.owner = owner
        self.kernel = kernel
        self.items: deque[Any] = deque()
        self.want = 0
        self.delivered = 0

    def put(self, message: Any) -> None:
        """Deliver a message; wake the owner if it now has what it waits for (hot)."""
        items = self.items
        items.append(message)
        self.delivered += 1
        if self.want and len(items) >= self.want:
            self.want = 0
            self.kernel.wake(self.owner)

    def statistics(self) -> MailboxStatistics:
        return MailboxStatistics(len(self.items), self.want, self.delivered)


class Fanout:
    """The mailboxes of a fixed set of receivers, looked up once for many broadcasts.

    ``send`` is ``Mailbox.put`` inlined per receiver, so sending one message
    to each of eight neighbours costs eight appends and compares, not eight
    lookups and calls.
    """

    __slots__ = ("boxes",)

    def __init__(self, boxes: list[Mailbox]) -> None:
        self.boxes = tuple(boxes)

    def send(self, message: Any) -> None:
        """Put the same message in every receiver's mailbox (hot)."""
        for box in self.boxes:
            items = box.items
            items.append(message)
            box.delivered += 1
            want = box.want
            if want and len(items) >= want:
                box.want = 0
                box.kernel.wake(box.owner)
