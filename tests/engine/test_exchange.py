"""Neighbour exchange: values arrive in neighbour order, early rounds are kept, one wake-up per round."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import Engine
from engine.exchange import Exchange, SumExchange

RING4 = [[3, 1], [0, 2], [1, 3], [2, 0]]


async def member(ctx, exchange: Exchange, rounds: int, delays: list[float], log: list) -> None:
    """Publish (id, round), sleep this round's delay, gather; log what was heard and when."""
    port = exchange.join(ctx, ctx.id)
    for r in range(rounds):
        port.publish((ctx.id, r))
        await ctx.sleep(delays[r % len(delays)])
        await port.gather()
        log.append((ctx.now, ctx.id, r, list(port.heard)))


def test_a_ring_hears_its_neighbours_in_order_once_the_slowest_is_in(engine: Engine) -> None:
    exchange = Exchange(engine, RING4)
    log: list = []
    # Member 0 is slow in round 0 only; the others take 1 s each round.
    for delays in ([3.0, 1.0], [1.0], [1.0], [1.0]):
        engine.spawn(member, exchange, 2, delays, log)
    engine.run()
    assert log == [
        (1.0, 1, 0, [(0, 0), (2, 0)]),  # 0 published before its long sleep: nobody waits for it
        (1.0, 2, 0, [(1, 0), (3, 0)]),
        (1.0, 3, 0, [(2, 0), (0, 0)]),
        (2.0, 2, 1, [(1, 1), (3, 1)]),
        (3.0, 0, 0, [(3, 0), (1, 0)]),
        # 0's round-1 value completes 1 and 3, woken in member order.
        (3.0, 1, 1, [(0, 1), (2, 1)]),
        (3.0, 3, 1, [(2, 1), (0, 1)]),
        (4.0, 0, 1, [(3, 1), (1, 1)]),
    ]
    # Round-1 values in when a member took round 0: 0 had both (delivered at 1.0, while it
    # slept until 3.0); the others took theirs at 1.0, before that instant's delivery.
    assert [port.early for port in exchange.ports] == [2, 0, 0, 0]


async def gatherer(ctx, exchange: Exchange, rounds: int, resumes: list[int]) -> None:
    port = exchange.join(ctx, ctx.id)
    for _ in range(rounds):
        port.publish(ctx.id)
        await port.gather()
        resumes[ctx.id] += 1
        assert sorted(port.heard) == sorted(RING4[ctx.id])


def test_a_member_is_resumed_once_per_round_however_many_neighbours_it_has(engine: Engine) -> None:
    exchange = Exchange(engine, RING4)
    resumes = [0] * 4
    for _ in range(4):
        engine.spawn(gatherer, exchange, 10, resumes)
    steps = engine.run()
    assert resumes == [10] * 4
    # A start per member, then one resumption per member and round at most, and one delivery per round.
    assert steps <= 4 + 4 * 10 + 10
    assert engine.now == 0.0


def test_the_graph_must_be_symmetric_and_its_members_known(engine: Engine) -> None:
    with pytest.raises(ValueError, match="not symmetric: 1 is a neighbour of 0 1 time"):
        Exchange(engine, [[1], []])
    with pytest.raises(ValueError, match="member 0 names neighbour 5"):
        Exchange(engine, [[5], [0]])
    with pytest.raises(ValueError, match="not symmetric"):
        Exchange(engine, [[1, 1], [0]])  # a repeated edge must be repeated both ways


def test_publish_and_gather_must_alternate_and_a_member_has_one_agent(engine: Engine) -> None:
    exchange = Exchange(engine, [[1], [0]])
    errors: list[str] = []

    async def misuse(ctx) -> None:
        port = exchange.join(ctx, 0)
        for call in (port.gather, lambda: (port.publish(1), port.publish(2))):
            try:
                call()
            except RuntimeError as error:
                errors.append(str(error).split(":")[0])

    async def intruder(ctx) -> None:
        with pytest.raises(ValueError, match="member 0 already belongs"):
            exchange.join(ctx, 0)
        errors.append("intruder refused")

    engine.spawn(misuse)
    engine.spawn(intruder)
    engine.run()
    assert errors == ["gather before publish", "publish twice in one round", "intruder refused"]


def test_a_member_without_neighbours_never_waits_and_repeated_edges_count_twice(engine: Engine) -> None:
    exchange = Exchange(engine, [[], [2, 2], [1, 1]])
    log: list = []
    for _ in range(3):
        engine.spawn(member, exchange, 2, [0.5], log)
    engine.run()
    assert sorted(log) == [
        (0.5, 0, 0, []),
        (0.5, 1, 0, [(2, 0), (2, 0)]),
        (0.5, 2, 0, [(1, 0), (1, 0)]),
        (1.0, 0, 1, []),
        (1.0, 1, 1, [(2, 1), (2, 1)]),
        (1.0, 2, 1, [(1, 1), (1, 1)]),
    ]


@st.composite
def graphs_and_delays(draw: st.DrawFn) -> tuple[list[list[int]], list[list[float]], int]:
    n = draw(st.integers(1, 7))
    edges = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=14))
    neighbours: list[list[int]] = [[] for _ in range(n)]
    for a, b in edges:
        neighbours[a].append(b)
        if a != b:
            neighbours[b].append(a)
    for ns in neighbours:
        draw(st.randoms()).shuffle(ns)
    rounds = draw(st.integers(1, 6))
    delays = [
        draw(st.lists(st.sampled_from([0.0, 0.25, 1.0]), min_size=rounds, max_size=rounds)) for _ in range(n)
    ]
    return neighbours, delays, rounds


@settings(max_examples=60, deadline=None)
@given(graphs_and_delays())
def test_every_member_hears_exactly_its_neighbours_values_of_each_round(
    case: tuple[list[list[int]], list[list[float]], int],
) -> None:
    neighbours, delays, rounds = case
    engine = Engine(seed=1)
    exchange = Exchange(engine, neighbours)
    log: list = []
    for d in delays:
        engine.spawn(member, exchange, rounds, d, log)
    engine.run()
    assert all(agent.error is None and agent.done for agent in engine.agents)
    heard = {(m, r): values for _, m, r, values in log}
    assert len(heard) == len(neighbours) * rounds
    for (m, r), values in heard.items():
        assert values == [(n, r) for n in neighbours[m]]
    # A round completes when the member is through its delay and every neighbour has published,
    # which a neighbour does as soon as it completed the round before.
    finish: dict[tuple[int, int], float] = {(m, r): t for t, m, r, _ in log}
    for (m, r), t in finish.items():
        ready = [finish.get((m, r - 1), 0.0) + delays[m][r]]
        ready += [finish.get((n, r - 1), 0.0) for n in neighbours[m]]
        assert t == max(ready)


async def summer(ctx, exchange: SumExchange, rounds: int, delays: list[float], top: int, log: list) -> None:
    """Publish a value of (id, round), sleep this round's delay, gather; log the total heard."""
    port = exchange.join(ctx, ctx.id)
    for r in range(rounds):
        port.publish((ctx.id * 7 + r) % (top + 1))
        await ctx.sleep(delays[r % len(delays)])
        await port.gather()
        log.append((ctx.now, ctx.id, r, port.heard))


Case = tuple[list[list[int]], list[list[float]], int]  # neighbours, delays per member, rounds


def run_exchange(
    kind: type[Exchange], case: Case, top: int, batch: int | None = None
) -> tuple[list, list[int], int]:
    """One run of ``member`` (Exchange) or ``summer`` (SumExchange) agents: log, early counts, steps."""
    neighbours, delays, rounds = case
    engine = Engine(seed=1)
    if kind is SumExchange:
        exchange: Exchange = SumExchange(engine, neighbours, top, batch=batch)
    else:
        exchange = Exchange(engine, neighbours, batch=batch)
    log: list = []
    for d in delays:
        if kind is SumExchange:
            engine.spawn(summer, exchange, rounds, d, top, log)
        else:
            engine.spawn(member, exchange, rounds, d, log)
    engine.run()
    assert all(agent.error is None and agent.done for agent in engine.agents)
    return log, [port.early for port in exchange.ports], engine.kernel.steps


@settings(max_examples=60, deadline=None)
@given(graphs_and_delays(), st.integers(0, 40))
def test_a_sum_exchange_gives_each_member_its_neighbours_sum_when_a_value_exchange_would(
    case: tuple[list[list[int]], list[list[float]], int], top: int
) -> None:
    values, early, _ = run_exchange(Exchange, case, top)
    sums, sum_early, _ = run_exchange(SumExchange, case, top)
    # The same wake-ups in the same order, the same early values.
    assert [(t, m, r) for t, m, r, _ in values] == [(t, m, r) for t, m, r, _ in sums]
    assert early == sum_early
    for _, m, r, total in sums:
        assert total == sum((n * 7 + r) % (top + 1) for n in case[0][m])


def test_a_sum_exchange_takes_whole_numbers_up_to_its_top(engine: Engine) -> None:
    with pytest.raises(ValueError, match="top -1 is not valid"):
        SumExchange(engine, [[1], [0]], top=-1)
    exchange = SumExchange(engine, [[1], [0]], top=3)
    errors: list[str] = []
    heard: list[tuple[int, int]] = []

    async def misuse(ctx) -> None:
        port = exchange.join(ctx, ctx.id)
        for value in (4, -1, 1.0, True, np.int64(2), "1"):  # (as in ``why`` below)
            try:
                port.publish(value)
            except ValueError as error:
                errors.append(str(error))
        port.publish(3)  # a refused value changed nothing: the round goes on as usual
        await port.gather()
        heard.append((ctx.id, port.heard))

    engine.spawn(misuse)
    engine.spawn(misuse)
    engine.run()
    why = [
        (4, "out of range"),
        (-1, "out of range"),
        (1.0, "a float, not an int"),
        (True, "a bool, not a number: publish int(flag)"),
        (np.int64(2), "a int64, not an int"),
        ("1", "a str, not an int"),
    ]
    expected = [
        f"SumExchange member {m} published {v!r} ({w}): it carries whole numbers in 0 .. 3"
        for m in (0, 1)
        for v, w in why
    ]
    assert errors == expected
    assert heard == [(0, 3), (1, 3)]
    with pytest.raises(ValueError, match=r"member 2 is not valid: members are 0 \.\. 1"):
        exchange.join(engine.agents[0], 2)


@settings(max_examples=60, deadline=None)
@given(graphs_and_delays(), st.integers(0, 3))
def test_numpy_and_python_deliveries_give_the_same_run(
    case: tuple[list[list[int]], list[list[float]], int], top: int
) -> None:
    for kind in (Exchange, SumExchange):
        by_value = run_exchange(kind, case, top, batch=10**9)  # every delivery value by value
        assert run_exchange(kind, case, top, batch=1) == by_value  # every one through numpy
        # From 2 values on through numpy: the counts change form back and forth.
        assert run_exchange(kind, case, top, batch=2) == by_value


def test_values_published_in_one_instant_are_delivered_together_at_its_end(engine: Engine) -> None:
    exchange = SumExchange(engine, [[1, 2], [0, 2], [0, 1]], top=5)
    order: list[tuple[int, float, int]] = []

    async def triangle(ctx) -> None:
        port = exchange.join(ctx, ctx.id)
        await ctx.sleep(ctx.id * 0.5)
        port.publish(ctx.id + 1)
        await port.gather()
        order.append((ctx.id, ctx.now, port.heard))

    async def late(ctx) -> None:
        await ctx.sleep(1.0)
        order.append((-1, ctx.now, -1))

    for _ in range(3):
        engine.spawn(triangle)
    engine.spawn(late)
    engine.run()
    # 2 publishes last, at 1.0, and already has its neighbours' values (delivered at 0 and 0.5).
    # 0 and 1 hear 2's value at the delivery closing 1.0: after the late agent, due at 1.0 already.
    assert order == [(2, 1.0, 3), (-1, 1.0, -1), (0, 1.0, 5), (1, 1.0, 4)]


def test_members_that_publish_bools_each_fail_with_the_reason_not_silently(engine: Engine) -> None:
    from engine import AgentFailed

    exchange = SumExchange(engine, RING4)
    failed: list[tuple[int, str]] = []
    engine.subscribe(AgentFailed, lambda ev: failed.append((ev.agent, str(ev.error))))

    async def cell(ctx) -> None:
        port = exchange.join(ctx, ctx.id)
        port.publish(ctx.id % 2 == 0)  # the classic slip: a comparison's bool, not 0 or 1
        await port.gather()

    for _ in range(4):
        engine.spawn(cell)
    engine.run()
    assert failed == [
        (
            m,
            f"SumExchange member {m} published {m % 2 == 0} (a bool, not a number: publish int(flag)): "
            "it carries whole numbers in 0 .. 1",
        )
        for m in range(4)
    ]
