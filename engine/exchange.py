"""Neighbour exchange: rounds in which every member tells its neighbours one value.

Many models are a fixed graph whose members, round after round, each send
one value to all their neighbours and then need all their neighbours' values
of that round (cellular automata, diffusion, consensus). Through mailboxes
that is one full message per edge and a count check per wake-up. Here a
value goes straight into its slot in the receiver's region of one flat list
and the sender counts down the receiver's missing values; the receiver is
woken once, when its count reaches zero. Per neighbour a send is a slot
store and a decrement, in two flat lists that neighbours share, so it
touches little memory (with thousands of members, cache misses cost more
than the operations).

The graph must be symmetric (whoever I hear from also hears from me) and a
member alternates ``publish`` and ``gather``. Then no neighbour is ever more
than one round ahead, so two lists per receiver (even and odd rounds) keep
values that arrive early until their round, and nothing is lost.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.agent import Agent
    from engine.engine import Engine


class _Park:
    """Awaited by a member that must wait: yields once to the kernel, with no Python frame."""

    __slots__ = ()
    __await__ = (None,).__iter__


class _Done:
    """Awaited by a member whose values are all in: completes at once."""

    __slots__ = ()
    __await__ = ().__iter__


_PARK = _Park()
_DONE = _Done()


class Port:
    """One member's end of an exchange.

    Each round: ``publish(value)``, ``await gather()``, then read ``heard``:
    the neighbours' values of the round, in neighbour order.
    """

    __slots__ = (
        "agent",
        "counts",
        "degree",
        "early",
        "heard",
        "index",
        "parked",
        "ports",
        "published",
        "ready",
        "round",
        "shift",
        "targets",
        "values",
    )

    def __init__(self, exchange: Exchange, member: int, degree: int) -> None:
        self.agent: Agent | None = None
        self.ready = exchange.kernel._ready
        self.values = exchange.values
        self.counts = exchange.counts
        self.shift = exchange.shift
        self.index = 2 * member  # counts[index + parity]: values still missing in that round
        self.degree = degree
        self.heard: list[Any] = []
        self.round = 0
        self.published = False
        self.parked = False
        self.ports: list[Port] = []
        self.early = 0  # values of the next round already in when this one completed
        # Per parity, this member's slot in each neighbour's region of ``values``.
        self.targets: tuple[tuple[int, ...], ...] = ((), ())

    def publish(self, value: Any) -> None:
        """Give ``value`` to every neighbour for this round (hot)."""
        if self.published:
            raise RuntimeError("publish twice in one round: gather the neighbours' values first")
        self.published = True
        values, counts, shift = self.values, self.counts, self.shift
        for slot in self.targets[self.round & 1]:
            values[slot] = value
            index = slot >> shift
            left = counts[index] - 1
            counts[index] = left
            if not left and self.ports[index >> 1].parked:
                self.ports[index >> 1].complete(index)

    def gather(self) -> Any:
        """An awaitable that completes when all neighbours' values of this round are in (hot).

        A plain method returning a C-level awaitable, so a round costs no
        generator frame. Then ``heard`` holds the values.
        """
        if not self.published:
            raise RuntimeError("gather before publish: neighbours would wait for this member forever")
        self.published = False
        index = self.index + (self.round & 1)
        self.round += 1
        if not self.counts[index]:
            self.complete(index)
            return _DONE
        # PARKED until the last neighbour's value completes the round. A member cancelled
        # here leaves the exchange: its neighbours would wait for it forever anyway.
        self.agent._wait = -2
        self.parked = True
        return _PARK

    def complete(self, index: int) -> None:
        """All values of a round are in: hand them over, re-arm the count, wake the member."""
        start = index << self.shift
        degree = self.degree
        self.heard = self.values[start : start + degree]
        counts = self.counts
        counts[index] = degree
        self.early += degree - counts[index ^ 1]
        if self.parked:
            self.parked = False
            agent = self.agent
            if agent._wait != -1:  # kernel.wake, inlined
                agent._wait = -1
                self.ready.append(agent)


class Exchange:
    """Round-by-round neighbour exchange over a symmetric graph of members 0 .. n-1.

    ``neighbours[m]`` lists member ``m``'s neighbours; ``join(ctx, m)`` gives
    agent ``ctx`` member ``m``'s port. A sender's values go out, and wake
    receivers, in the order of its own neighbour list.
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
        # All members' slots and counts in two flat lists, so a publish touches little memory:
        # member m's values of parity p sit at (2m + p) << shift onwards, its count at 2m + p.
        self.shift = max((len(ns) for ns in neighbours), default=0).bit_length()
        self.counts = [len(ns) for ns in neighbours for _ in (0, 1)]
        self.values: list[Any] = [None] * (len(self.counts) << self.shift)
        self.ports: list[Port] = [Port(self, member, len(ns)) for member, ns in enumerate(neighbours)]
        for port in self.ports:
            port.ports = self.ports
        # positions[r][s]: where sender s's values go among r's slots (several for a repeated edge).
        positions: list[dict[int, list[int]]] = [{} for _ in range(count)]
        for receiver, ns in enumerate(neighbours):
            for position, sender in enumerate(ns):
                positions[receiver].setdefault(sender, []).append(position)
        for sender, ns in enumerate(neighbours):
            # In the sender's own neighbour order, which is also the order receivers are woken in.
            targets = [(r, positions[r][sender].pop(0)) for r in ns]
            self.ports[sender].targets = tuple(
                tuple(((2 * r + parity) << self.shift) + pos for r, pos in targets) for parity in (0, 1)
            )

    def join(self, agent: Agent, member: int) -> Port:
        """Bind ``agent`` to member ``member`` and return its port."""
        port = self.ports[member]
        if port.agent is not None and port.agent is not agent:
            raise ValueError(f"member {member} already belongs to {port.agent!r}")
        port.agent = agent
        return port
