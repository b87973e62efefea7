"""Neighbour exchange: rounds in which every member tells its neighbours one value.

Many models are a fixed graph whose members, round after round, each send
one value to all their neighbours and then need all their neighbours' values
of that round (cellular automata, diffusion, consensus). Through mailboxes
that is one full message per edge and a count check per wake-up. Here each
member's values land in per-receiver slots and the sender counts down the
receiver's missing values; the receiver is woken once, when its count hits
zero. Per neighbour a send is a slot store and a decrement.

The graph must be symmetric (whoever I hear from also hears from me) and a
member alternates ``publish`` and ``gather``. Then no neighbour is ever more
than one round ahead, so two slot buffers per receiver (even and odd rounds)
keep values that arrive early until their round, and nothing is lost.
"""

from __future__ import annotations

import types
from collections import Counter
from collections.abc import Generator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.agent import Agent
    from engine.engine import Engine


class Port:
    """One member's end of an exchange: ``publish(value)``, then ``await gather()``."""

    __slots__ = (
        "agent",
        "counts",
        "degree",
        "early",
        "exchange",
        "index",
        "parked",
        "published",
        "round",
        "slots",
        "targets",
    )

    def __init__(self, exchange: Exchange, member: int, degree: int) -> None:
        self.exchange = exchange
        self.agent: Agent | None = None
        self.counts = exchange.counts
        self.index = 2 * member  # counts[index + parity]: values still missing in that round
        self.degree = degree
        self.slots: tuple[list[Any], list[Any]] = ([None] * degree, [None] * degree)
        self.round = 0
        self.published = False
        self.parked = False
        self.early = 0  # values of the next round already in when this one completed
        # Per parity, where this member's value goes: (receiver's slot list, position, count index).
        self.targets: tuple[tuple[tuple[list[Any], int, int], ...], ...] = ((), ())

    def publish(self, value: Any) -> None:
        """Give ``value`` to every neighbour for this round (hot)."""
        if self.published:
            raise RuntimeError("publish twice in one round: gather the neighbours' values first")
        self.published = True
        counts = self.counts
        for slots, position, index in self.targets[self.round & 1]:
            slots[position] = value
            left = counts[index] - 1
            counts[index] = left
            if not left:
                self.exchange.complete(index)

    @types.coroutine
    def gather(self) -> Generator[None, None, list[Any]]:
        """The neighbours' values of this round, in neighbour order, once all are in (hot).

        The list is reused two rounds later: read it before the next ``publish``.
        """
        if not self.published:
            raise RuntimeError("gather before publish: neighbours would wait for this member forever")
        self.published = False
        parity = self.round & 1
        self.round += 1
        index = self.index + parity
        counts = self.counts
        if counts[index]:
            self.agent._wait = -2  # PARKED until the last neighbour's value wakes it
            self.parked = True
            try:
                yield
            finally:
                self.parked = False
        counts[index] = self.degree
        self.early += self.degree - counts[index ^ 1]
        return self.slots[parity]


class Exchange:
    """Round-by-round neighbour exchange over a symmetric graph of members 0 .. n-1.

    ``neighbours[m]`` lists member ``m``'s neighbours; ``join(ctx, m)`` gives
    agent ``ctx`` member ``m``'s port.
    """

    def __init__(self, engine: Engine, neighbours: Sequence[Sequence[int]]) -> None:
        self.kernel = engine.kernel
        count = len(neighbours)
        heard = [Counter(ns) for ns in neighbours]
        for member, ns in enumerate(neighbours):
            for other in ns:
                if not 0 <= other < count:
                    raise ValueError(
                        f"member {member} names neighbour {other!r}: members are 0 .. {count - 1}"
                    )
                if heard[other][member] != heard[member][other]:
                    raise ValueError(
                        f"neighbours are not symmetric: {other} is a neighbour of {member} "
                        f"{heard[member][other]} time(s), {member} of {other} {heard[other][member]}"
                    )
        self.counts = [len(ns) for ns in neighbours for _ in (0, 1)]
        self.ports = [Port(self, member, len(ns)) for member, ns in enumerate(neighbours)]
        # positions[r][s]: where sender s's values go among r's slots (more than one for a repeated edge).
        positions: list[dict[int, list[int]]] = [{} for _ in range(count)]
        for receiver, ns in enumerate(neighbours):
            for position, sender in enumerate(ns):
                positions[receiver].setdefault(sender, []).append(position)
        for sender, ns in enumerate(neighbours):
            # In the sender's own neighbour order, which is also the order receivers are woken in.
            targets = [(r, positions[r][sender].pop(0)) for r in ns]
            self.ports[sender].targets = tuple(
                tuple((self.ports[r].slots[parity], pos, 2 * r + parity) for r, pos in targets)
                for parity in (0, 1)
            )

    def join(self, agent: Agent, member: int) -> Port:
        """Bind ``agent`` to member ``member`` and return its port."""
        port = self.ports[member]
        if port.agent is not None and port.agent is not agent:
            raise ValueError(f"member {member} already belongs to {port.agent!r}")
        port.agent = agent
        return port

    def complete(self, index: int) -> None:
        """A receiver has all its values of a round: wake it if it waits for them."""
        port = self.ports[index >> 1]
        if port.parked:
            port.parked = False
            self.kernel.wake(port.agent)
