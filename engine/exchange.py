"""Neighbour exchange: rounds in which every member tells its neighbours one value.

Many models are a fixed graph whose members, round after round, each send
one value to all their neighbours and then need all their neighbours' values
of that round (cellular automata, diffusion, consensus). Through mailboxes
that is one full message per edge and a count check per wake-up. Here a
sender stores its value once, in its own slot of one flat list, and each
receiver keeps a count of the values it still misses; a receiver is woken
once, when its count reaches zero, and then reads its neighbours' slots in
one C-level call. A ``SumExchange`` adds the values into the receivers'
counts instead, for members that need only their neighbours' sum.

Values are delivered together: a publish only notes the sender, and at the
end of the instant (a timer at the current time, after everything already
due then) one delivery updates the counts of every value published since.
A big delivery is a few numpy operations over all its edges, so a value
sent to 8 neighbours costs a few array elements instead of 8 Python steps;
a small one loops in Python. Members whose round a delivery completes are
woken in member order, whichever way it ran.

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

import numpy as np

from engine.awaitables import DONE, PARK
from engine.kernel import Timer

if TYPE_CHECKING:
    from engine.agent import Agent
    from engine.engine import Engine

# A delivery of fewer than max(16, members / 256) values is cheaper value by value than in
# numpy (measured on a 64 x 64 torus: the two break even near 16 values).
_BATCH_SMALLEST = 16
_BATCH_SHARE = 1 / 256


class Port:
    """One member's end of an exchange.

    Each round: ``publish(value)``, ``await gather()``, then read ``heard``:
    the neighbours' values of the round, in neighbour order (in a
    ``SumExchange``, their sum).
    """

    __slots__ = (
        "agent",
        "deliver",
        "early",
        "exchange",
        "heard",
        "member",
        "outbox",
        "parity",
        "parked",
        "pending",
        "positions",
        "published",
        "stash",
    )

    def __init__(self, exchange: Exchange, member: int) -> None:
        self.agent: Agent | None = None
        self.exchange = exchange
        self.member = member
        self.parity = 0  # of the round under way: which of my two slots and counts it uses
        self.published = False
        self.parked = -1  # the count position whose round I wait for, or -1
        self.heard: Any = ()
        self.early = 0  # values of the next round already in when I took one of mine
        self.outbox = exchange.outbox
        self.stash = exchange.stash
        self.pending = exchange.pending
        self.deliver = exchange.schedule
        # My value of a round sits at outbox[positions[parity]], my count of it at
        # counts[positions[parity]]: 2 * member + parity, as the exchange's shared int objects.
        self.positions = exchange.at[2 * member : 2 * member + 2]

    def publish(self, value: Any) -> None:
        """Give ``value`` to every neighbour for this round (hot)."""
        if self.published:
            raise RuntimeError("publish twice in one round: gather the neighbours' values first")
        self.published = True
        position = self.positions[self.parity]
        self.outbox[position] = value
        pending = self.pending
        pending.append(position)
        if len(pending) == 1:  # the first value since the last delivery
            self.deliver()

    def gather(self) -> Any:
        """An awaitable that completes when all neighbours' values of this round are in (hot).

        A plain method returning a C-level awaitable, so a round costs no
        generator frame. Then ``heard`` holds the values (their sum).
        """
        if not self.published:
            raise RuntimeError("gather before publish: neighbours would wait for this member forever")
        self.published = False
        position = self.positions[self.parity]
        self.parity ^= 1
        stash = self.stash
        got = stash[position]
        if got is not None:  # the round completed before I asked
            exchange = self.exchange
            if exchange.degree_list[self.member]:  # (a member without neighbours: always complete)
                stash[position] = None
            self.heard = got
            self.early += exchange.ahead(position ^ 1)
            return DONE
        # PARKED until a delivery completes the round. A member cancelled here leaves the
        # exchange: its neighbours would wait for it forever anyway.
        self.parked = position
        self.agent._wait = -2
        return PARK


class SumPort(Port):
    """One member's end of a ``SumExchange``: after ``gather``, ``heard`` is the neighbours' sum."""

    __slots__ = ("span", "top")

    def __init__(self, exchange: SumExchange, member: int) -> None:
        super().__init__(exchange, member)
        self.span = exchange.span
        self.top = exchange.top

    def publish(self, value: int) -> None:
        """Add ``value`` (a whole number in 0 .. top) to every neighbour's sum of this round (hot)."""
        if self.published:
            raise RuntimeError("publish twice in one round: gather the neighbours' values first")
        if value.__class__ is not int or not 0 <= value <= self.top:
            raise ValueError(_bad_value(value, self.member, self.top))
        self.published = True
        pending = self.pending
        pending.append(value * self.span + self.positions[self.parity])  # value and position
        if len(pending) == 1:  # the first value since the last delivery
            self.deliver()


def _bad_value(value: Any, member: int, top: int) -> str:
    """Why a SumExchange refuses ``value``: it names the value, the member and what is allowed."""
    kind = value.__class__.__name__
    if kind == "bool":
        why = "a bool, not a number: publish int(flag)"
    elif kind == "int":
        why = "out of range"
    else:
        why = f"a {kind}, not an int"
    return f"SumExchange member {member} published {value!r} ({why}): it carries whole numbers in 0 .. {top}"


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
    agent ``ctx`` member ``m``'s port. Deliveries go through numpy from the
    first one of at least ``batch_high`` values (a sixteenth of the members,
    at least ``batch``) for as long as they have at least ``batch`` values
    (default: one per 256 members, at least 16); smaller ones loop in Python.
    """

    port_class: type[Port] = Port
    reads_values = True  # hands over the neighbours' values (a SumExchange: only their sum)
    scale = 1  # a count is (values missing) * scale (+ their sum so far, in a SumExchange)

    def __init__(self, engine: Engine, neighbours: Sequence[Sequence[int]], batch: int | None = None) -> None:
        self.kernel = engine.kernel
        _check_symmetric(neighbours)
        count = len(neighbours)
        size = 2 * count  # one count and one outbox slot per member and parity
        scale = self.scale
        degrees = np.array([len(ns) for ns in neighbours], dtype=np.int64)
        self.degrees = degrees
        # counts[2m + p]: member m's count for its rounds of parity p; the last element takes
        # the padding of uneven degrees. Kept as a list while deliveries are small (Python
        # indexes a list fastest) and as a numpy array while they are big; a delivery changes
        # the form only when its size is well past the threshold (``batch``, ``batch_high``),
        # so runs whose deliveries sit near it do not convert back and forth.
        self.full = np.repeat(degrees * scale, 2)
        self.full_list = self.full.tolist()
        self.degree_list = degrees.tolist()
        self.span = size + 1  # a pending value is coded as value * span + position
        self.counts: list[int] | None = [*self.full_list, 0]
        self.view: np.ndarray | None = None
        self.outbox: list[Any] = [None] * size
        # stash[position]: a completed round's values (or sum), kept until its member gathers.
        self.stash: list[Any] = [None] * size
        self.pending: list[int] = []  # values published since the last delivery, coded
        self.timer = Timer(self.deliver)
        # Per sender position: the receivers' count positions, in the sender's neighbour order
        # (a symmetric graph: also the positions of the values a member reads). One int object
        # per position, shared: fewer objects to keep and to miss in the cache.
        at = self.at = list(range(size + 1))
        self.each = [tuple(at[2 * r + parity] for r in ns) for ns in neighbours for parity in (0, 1)]
        self.targets = _rows(self.each, padding=size)
        if self.reads_values:
            self.readers = [_reader(list(receivers)) for receivers in self.each]
        self.batch = max(_BATCH_SMALLEST, int(count * _BATCH_SHARE)) if batch is None else batch
        self.batch_high = max(self.batch, count // 16)
        for member in np.flatnonzero(degrees == 0).tolist():  # nothing to wait for, ever
            for position in (2 * member, 2 * member + 1):
                self.stash[position] = () if self.reads_values else 0
        self.ports = [self.port_class(self, member) for member in range(count)]
        self.port_of = [port for port in self.ports for _ in (0, 1)]  # by count position

    def join(self, agent: Agent, member: int) -> Port:
        """Bind ``agent`` to member ``member`` and return its port."""
        if isinstance(member, bool) or not isinstance(member, int) or not 0 <= member < len(self.ports):
            raise ValueError(f"member {member!r} is not valid: members are 0 .. {len(self.ports) - 1}")
        port = self.ports[member]
        if port.agent is not None and port.agent is not agent:
            raise ValueError(f"member {member} already belongs to {port.agent!r}")
        port.agent = agent
        return port

    def schedule(self) -> None:
        """Deliver at the end of this instant: after everything already due now."""
        kernel = self.kernel
        kernel.park_until(self.timer, kernel.now)

    def deliver(self) -> None:
        """Count in every value published since the last delivery; hand over completed rounds."""
        pending = self.pending
        size = len(pending)
        if size >= (self.batch if self.counts is None else self.batch_high):
            hits, counts, ahead = self._deliver_batch(np.fromiter(pending, np.int64, size))
        else:
            hits, counts, ahead = self._deliver_each(pending)
        pending.clear()
        self._hand_over(hits, counts, ahead)

    def _deliver_each(self, pending: list[int]) -> tuple[list[int], list[int], list[int]]:
        """A small delivery, value by value. See ``_deliver_batch`` for what it returns."""
        counts = self.counts
        if counts is None:  # from the numpy form
            counts = self.counts = self.view.tolist()
            self.view = None
        each, scale, span = self.each, self.scale, self.span
        hits = []
        for code in pending:
            delta = code // span - scale
            for index in each[code % span]:
                left = counts[index] + delta
                counts[index] = left
                if left < scale:
                    hits.append(index)
        hits.sort()
        done = [counts[index] for index in hits]
        degrees = self.degree_list
        ahead = [degrees[index >> 1] - counts[index ^ 1] // scale for index in hits]
        full = self.full_list
        for index in hits:
            counts[index] = full[index]
        return hits, done, ahead

    def _deliver_batch(self, codes: np.ndarray) -> tuple[list[int], list[int], list[int]]:
        """A big delivery, every edge at once in numpy.

        Returns the count positions whose round it completed, in order, their
        counts, and how many values of each one's next round were in by then.
        """
        view = self.view
        if view is None:  # from the list form
            view = self.view = np.array(self.counts, dtype=np.int64)
            self.counts = None
        scale, span = self.scale, self.span
        receivers = self.targets[codes % span]
        np.add.at(view, receivers.ravel(), np.repeat(codes // span - scale, receivers.shape[1]))
        view[-1] = 0  # the padding's count
        hits = np.flatnonzero(view[:-1] < scale)
        done = view[hits]
        ahead = self.degrees[hits >> 1] - view[hits ^ 1] // scale
        view[hits] = self.full[hits]
        return hits.tolist(), done.tolist(), ahead.tolist()

    def results(self, hits: list[int], counts: list[int]) -> list[Any]:
        """What each completed round hands over: its neighbours' values, read out of the outbox."""
        outbox, readers = self.outbox, self.readers
        return [readers[index](outbox) for index in hits]

    def _hand_over(self, hits: list[int], counts: list[int], ahead: list[int]) -> None:
        """Give each completed round to its member: at once if it waits for it, else at its gather."""
        results = self.results(hits, counts) if self.reads_values else counts
        port_of, stash = self.port_of, self.stash
        ready = self.kernel._ready
        for index, heard, early in zip(hits, results, ahead, strict=True):
            port = port_of[index]
            if port.parked == index:
                port.parked = -1
                port.heard = heard
                if early:
                    port.early += early
                agent = port.agent
                if agent._wait != -1:  # kernel.wake, inlined
                    agent._wait = -1
                    ready.append(agent)
            else:
                stash[index] = heard

    def ahead(self, position: int) -> int:
        """How many values of the round at count ``position`` are in."""
        if self.stash[position] is not None:
            return self.degree_list[position >> 1]
        counts = self.counts
        count = counts[position] if counts is not None else int(self.view[position])
        return self.degree_list[position >> 1] - count // self.scale


def _rows(each: list[tuple[int, ...]], padding: int) -> np.ndarray:
    """``each`` as a 2-d array for numpy; shorter rows are filled up with ``padding``."""
    width = max(map(len, each), default=0)
    if all(len(row) == width for row in each):
        return np.array(each, dtype=np.int64).reshape(len(each), width)
    rows = np.full((len(each), width), padding, dtype=np.int64)
    for position, row in enumerate(each):
        rows[position, : len(row)] = row
    return rows


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
    scale + sum, so delivering a value is one addition per neighbour, and
    the receiver reads the sum as ``heard`` without gathering the values (totalistic
    automata, diffusion, vote counts).
    """

    port_class = SumPort
    reads_values = False

    def __init__(
        self, engine: Engine, neighbours: Sequence[Sequence[int]], top: int = 1, batch: int | None = None
    ) -> None:
        if isinstance(top, bool) or not isinstance(top, int) or top < 0:
            raise ValueError(f"top {top!r} is not valid: use a whole number >= 0")
        self.top = top
        self.scale = max(map(len, neighbours), default=0) * top + 1
        super().__init__(engine, neighbours, batch)
