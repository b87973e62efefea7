"""Neighbour exchange: rounds in which every member tells its neighbours one value.

Many models are a fixed graph whose members, round after round, each send
one value to all their neighbours and then need all their neighbours' values
of that round (cellular automata, diffusion, consensus). Through mailboxes
that is one full message per edge and a count check per wake-up. Here a
sender stores its value once, in its own slot of one flat list, and counts
down each receiver's missing values; the receiver is woken once, when its
count reaches zero, and then reads its neighbours' slots in one C-level
call. Per neighbour a send is one decrement in a flat list that neighbours
share, so it touches little memory (with thousands of members, cache misses
cost more than the operations). A ``SumExchange`` adds the value into the
receiver's count instead, for members that need only their neighbours' sum:
no slots to read at all.

The graph must be symmetric (whoever I hear from also hears from me) and a
member alternates ``publish`` and ``gather``. Then no neighbour is ever more
than one round ahead, so two slots per sender (even and odd rounds) keep a
value that is early for some receiver until its round, and nothing is lost.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from engine.awaitables import DONE, PARK

if TYPE_CHECKING:
    from engine.agent import Agent
    from engine.engine import Engine


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
        "getters",
        "heard",
        "index",
        "outbox",
        "parked",
        "ports",
        "published",
        "ready",
        "round",
        "scale",
        "targets",
    )

    def __init__(self, exchange: Exchange, member: int, neighbours: Sequence[int]) -> None:
        self.agent: Agent | None = None
        self.ready = exchange.kernel._ready
        self.outbox = exchange.outbox
        self.counts = exchange.counts
        # outbox[index + parity]: my value of a round; counts[index + parity]: values I still miss.
        self.index = 2 * member
        self.degree = len(neighbours)
        self.scale = exchange.scale  # a count is (values missing) * scale (+ a sum, see SumExchange)
        self.heard: Sequence[Any] = ()
        self.round = 0
        self.published = False
        self.parked = False
        self.ports: list[Port] = []
        self.early = 0  # values of the next round already in when this one completed
        # Per parity: the receivers' count positions, in my neighbour order (one per edge).
        # The position ints are the exchange's shared ones: neighbours use the same objects.
        at = exchange.positions
        self.targets = tuple(tuple(at[2 * r + parity] for r in neighbours) for parity in (0, 1))
        # Per parity: reads my neighbours' values of a round out of the outbox, in neighbour order.
        self.getters = tuple(_reader([at[2 * s + parity] for s in neighbours]) for parity in (0, 1))

    def publish(self, value: Any) -> None:
        """Give ``value`` to every neighbour for this round (hot)."""
        if self.published:
            raise RuntimeError("publish twice in one round: gather the neighbours' values first")
        self.published = True
        parity = self.round & 1
        self.outbox[self.index + parity] = value
        counts = self.counts
        for index in self.targets[parity]:
            left = counts[index] - 1
            counts[index] = left
            if not left:
                port = self.ports[index >> 1]
                if port.parked:  # port.complete(index), inlined: once per member and round
                    port.heard = port.getters[parity](self.outbox)
                    degree = port.degree
                    counts[index] = degree
                    port.early += degree - counts[index ^ 1]
                    port.parked = False
                    agent = port.agent
                    if agent._wait != -1:  # kernel.wake, inlined
                        agent._wait = -1
                        self.ready.append(agent)

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
        if self.counts[index] < self.scale:  # no value missing
            self.complete(index)
            return DONE
        # PARKED until the last neighbour's value completes the round. A member cancelled
        # here leaves the exchange: its neighbours would wait for it forever anyway.
        self.agent._wait = -2
        self.parked = True
        return PARK

    def complete(self, index: int) -> None:
        """All values of a round were in when it was gathered: hand them over, re-arm the count.

        (When the last value comes in while the member waits, ``publish`` does
        this itself and wakes the member.)
        """
        self.heard = self.getters[index & 1](self.outbox)
        counts = self.counts
        degree = self.degree
        counts[index] = degree
        self.early += degree - counts[index ^ 1]


class SumPort(Port):
    """One member's end of a ``SumExchange``: after ``gather``, ``total`` is the neighbours' sum."""

    __slots__ = ("top", "total")

    def __init__(self, exchange: SumExchange, member: int, neighbours: Sequence[int]) -> None:
        super().__init__(exchange, member, neighbours)
        self.top = exchange.top
        self.total = 0

    def publish(self, value: int) -> None:
        """Add ``value`` (an int in 0 .. top) to every neighbour's total of this round (hot)."""
        if self.published:
            raise RuntimeError("publish twice in one round: gather the neighbours' values first")
        if not 0 <= value <= self.top:
            raise ValueError(f"value {value!r} is not valid: use a whole number in 0 .. {self.top}")
        self.published = True
        parity = self.round & 1
        # A count is (values missing) * scale + (sum so far): one value takes one scale, adds itself.
        scale = self.scale
        delta = value - scale
        counts = self.counts
        for index in self.targets[parity]:
            left = counts[index] + delta
            counts[index] = left
            if left < scale:
                port = self.ports[index >> 1]
                if port.parked:  # port.complete(index), inlined: once per member and round
                    port.total = left
                    degree = port.degree
                    counts[index] = degree * scale
                    port.early += degree - counts[index ^ 1] // scale
                    port.parked = False
                    agent = port.agent
                    if agent._wait != -1:  # kernel.wake, inlined
                        agent._wait = -1
                        self.ready.append(agent)

    def complete(self, index: int) -> None:
        """``Port.complete`` for sums: the total is the count itself, once no value is missing."""
        counts = self.counts
        self.total = counts[index]
        degree = self.degree
        scale = self.scale
        counts[index] = degree * scale
        self.early += degree - counts[index ^ 1] // scale


def _reader(positions: list[int]) -> Callable[[list[Any]], tuple[Any, ...]]:
    """A C-level read of ``positions`` out of a list, always as a tuple."""
    if len(positions) > 1:
        return itemgetter(*positions)
    if positions:
        single = positions[0]
        return lambda values: (values[single],)
    return lambda values: ()


class Exchange:
    """Round-by-round neighbour exchange over a symmetric graph of members 0 .. n-1.

    ``neighbours[m]`` lists member ``m``'s neighbours; ``join(ctx, m)`` gives
    agent ``ctx`` member ``m``'s port. A sender's values go out, and wake
    receivers, in the order of its own neighbour list.
    """

    port_class: type[Port] = Port
    scale = 1  # a count is (values missing) * scale

    def __init__(self, engine: Engine, neighbours: Sequence[Sequence[int]]) -> None:
        self.kernel = engine.kernel
        _check_symmetric(neighbours)
        # All members' values and counts in two flat lists, so a publish touches little memory:
        # member m's value and count of parity p sit at 2m + p.
        scale = self.scale
        self.counts = [len(ns) * scale for ns in neighbours for _ in (0, 1)]
        self.outbox: list[Any] = [None] * len(self.counts)
        # One int object per position, shared by every port that names it: a publish then
        # reads ints its neighbours just touched instead of eight of its own (fewer cache misses).
        self.positions = list(range(len(self.counts)))
        port = self.port_class
        self.ports: list[Port] = [port(self, member, ns) for member, ns in enumerate(neighbours)]
        for port in self.ports:
            port.ports = self.ports

    def join(self, agent: Agent, member: int) -> Port:
        """Bind ``agent`` to member ``member`` and return its port."""
        port = self.ports[member]
        if port.agent is not None and port.agent is not agent:
            raise ValueError(f"member {member} already belongs to {port.agent!r}")
        port.agent = agent
        return port


def _check_symmetric(neighbours: Sequence[Sequence[int]]) -> None:
    """Whoever I hear from must hear from me, as many times: else a count never reaches zero."""
    count = len(neighbours)
    heard = [Counter(ns) for ns in neighbours]
    for member, ns in enumerate(neighbours):
        for other in ns:
            if not 0 <= other < count:
                raise ValueError(f"member {member} names neighbour {other!r}: members are 0 .. {count - 1}")
            if heard[other][member] != heard[member][other]:
                raise ValueError(
                    f"neighbours are not symmetric: {other} is a neighbour of {member} "
                    f"{heard[member][other]} time(s), {member} of {other} {heard[other][member]}"
                )


class SumExchange(Exchange):
    """An exchange whose members need only the sum of their neighbours' values of a round.

    Values are whole numbers in ``0 .. top``. A member's count of a round
    holds its missing values and the sum so far in one int, (missing) *
    scale + sum, so a send is still one addition per neighbour, and the
    receiver reads its total without gathering the values (totalistic
    automata, diffusion, vote counts). While ``max degree * top`` stays
    small, the counts stay among the ints Python keeps ready (no allocation).
    """

    port_class = SumPort

    def __init__(self, engine: Engine, neighbours: Sequence[Sequence[int]], top: int = 1) -> None:
        if isinstance(top, bool) or not isinstance(top, int) or top < 0:
            raise ValueError(f"top {top!r} is not valid: use a whole number >= 0")
        self.top = top
        self.scale = max(map(len, neighbours), default=0) * top + 1
        super().__init__(engine, neighbours)
