"""Invariants over random workloads with random live constraint changes (hypothesis).

The concurrency invariant, stated on slots: a concurrency constraint ``c``
counts its slot holders in ``held`` (tasks that passed ``c``; a holder may
still wait for a later constraint such as a rate limit, so running <= held).
A slot is only taken while ``held < limit`` or handed from a finishing
holder to a waiter, so ``held`` never rises above ``limit``; after a cut
``held`` may exceed the new limit, and then it only falls. A new constraint
counts the matching tasks already running as holders.
"""

from __future__ import annotations

from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from engine import Engine, Event, TaskBlocked, TaskFinished, TaskStarted
from engine.constraints import Concurrency
from tests.engine.conftest import Recorder

SCOPES = ["global", "task:a", "task:b", "agent:agent-1", "agent:agent-[0-2]"]
KINDS = ["concurrency", "rate_limit", "pause"]
QUARTERS = st.integers(0, 8).map(lambda q: q / 4)  # ties in time are common on purpose
END = 20.0  # after every change: the test lifts all constraints so everything drains

job = st.tuples(QUARTERS, QUARTERS, st.sampled_from("ab"))
agents_st = st.lists(st.lists(job, min_size=1, max_size=4), min_size=1, max_size=8)
op = st.one_of(
    st.tuples(st.just("limit"), st.sampled_from(SCOPES), st.integers(1, 3)),
    st.tuples(st.just("rate"), st.sampled_from(SCOPES), st.sampled_from(["1/s", "2/s", "4/s"])),
    st.tuples(st.just("pause"), st.sampled_from(SCOPES)),
    st.tuples(st.just("resume"), st.sampled_from(SCOPES)),
    st.tuples(st.just("remove"), st.sampled_from(SCOPES), st.sampled_from(KINDS)),
    st.tuples(st.just("cancel"), st.integers(0, 7)),
    st.tuples(st.just("ttl"), st.sampled_from(SCOPES), st.integers(1, 2), QUARTERS.map(lambda t: t + 0.25)),
)
ops_st = st.lists(st.tuples(st.integers(0, 24).map(lambda q: q / 4), op), max_size=12)


async def worker(ctx, jobs: list) -> None:
    for think, hold, name in jobs:
        await ctx.sleep(think)
        async with ctx.task(name):
            await ctx.sleep(hold)


def apply(engine: Engine, change: tuple) -> None:
    """One outside command, as a person at the keyboard might give it."""
    kind, *args = change
    if kind == "limit":
        engine.concurrency(args[0], args[1])
    elif kind == "rate":
        engine.rate_limit(args[0], args[1], burst=1)
    elif kind == "pause":
        engine.pause(args[0])
    elif kind == "resume":
        engine.resume(args[0])
    elif kind == "remove":
        engine.remove(args[0], args[1])
    elif kind == "cancel":
        if args[0] < len(engine.agents):
            engine.cancel(args[0])
    else:
        engine.concurrency(args[0], args[1], ttl=args[2])


def lift_all(engine: Engine) -> None:
    for scope in SCOPES:
        for kind in KINDS:
            engine.remove(scope, kind)


def build(agents: list, ops: list, seed: int = 0) -> tuple[Engine, Recorder]:
    engine = Engine(seed=seed)
    rec = Recorder(engine)
    for jobs in agents:
        engine.spawn(worker, jobs)
    for when, change in ops:
        engine.call_at(when, lambda change=change: apply(engine, change))
    engine.call_at(END, lambda: lift_all(engine))
    return engine, rec


class SlotChecker:
    """Checks the concurrency invariant after every event."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.running: set[tuple[int, str]] = set()
        # Keyed by the constraint itself, which keeps it alive: an id() could be
        # reused by a constraint created after this one was removed.
        self.last_held: dict[Concurrency, int] = {}
        engine.subscribe(Event, self.check)

    def check(self, ev: Event) -> None:
        if isinstance(ev, TaskStarted):
            self.running.add((ev.agent, ev.task))
        elif isinstance(ev, TaskFinished):
            self.running.discard((ev.agent, ev.task))
        agents = self.engine.agents
        for c in self.engine.governor._constraints.values():
            if not isinstance(c, Concurrency):
                continue
            matching = sum(c.scope.matches(agents[a].name, t) for a, t in self.running)
            assert matching <= c.held, (ev, c, matching)
            previous = self.last_held.get(c)
            if previous is not None and c.held > previous:
                assert c.held <= c.limit, (ev, c)
            self.last_held[c] = c.held


def check_lifecycles(rec: Recorder, agents: int) -> None:
    """Nothing lost: every agent ends; each task is blocked -> started -> finished, or cancelled."""
    ended = [r[2] for r in rec.rows("ended", "failed")]
    assert sorted(ended) == list(range(agents))
    assert rec.rows("failed") == []
    per_agent: dict[int, list[tuple]] = defaultdict(list)
    for r in rec.tasks():
        per_agent[r[2]].append(r)
    for rows in per_agent.values():
        state = "idle"
        for r in rows:
            kind = r[0]
            if kind == "blocked":
                assert state == "idle"
                state = "blocked"
            elif kind == "started":
                assert state in ("idle", "blocked")
                state = "running"
            else:
                # A blocked task may only end by cancellation.
                assert state == "running" or (state == "blocked" and r[4] == "cancelled")
                state = "idle"
        assert state == "idle"


@settings(max_examples=120, deadline=None)
@given(agents=agents_st, ops=ops_st)
def test_random_live_changes_keep_the_invariants(agents: list, ops: list) -> None:
    engine, rec = build(agents, ops)
    SlotChecker(engine)
    engine.run()
    assert engine.kernel.idle
    check_lifecycles(rec, len(agents))
    assert engine.constraints() == []
    # The same inputs give the same trace.
    again, rec_again = build(agents, ops)
    again.run()
    assert rec_again.rows() == rec.rows()


single_op = st.one_of(
    st.tuples(st.just("set"), st.integers(1, 3)),
    st.tuples(st.just("cancel"), st.integers(0, 7)),
)


@settings(max_examples=80, deadline=None)
@given(
    agents=agents_st,
    changes=st.lists(st.tuples(st.integers(0, 24).map(lambda q: q / 4), single_op), max_size=8),
    kind=st.sampled_from(["concurrency", "rate_limit", "pause"]),
)
def test_waiters_of_one_constraint_start_in_fifo_order(agents: list, changes: list, kind: str) -> None:
    engine = Engine()
    rec = Recorder(engine)
    if kind == "concurrency":
        engine.concurrency("global", 1)
    elif kind == "rate_limit":
        engine.rate_limit("global", "1/s", burst=1)
    else:
        engine.pause("global")
    for jobs in agents:
        engine.spawn(worker, jobs)

    def change(c: tuple) -> None:
        if c[0] == "cancel":
            if c[1] < len(engine.agents):
                engine.cancel(c[1])
        elif kind == "concurrency":
            engine.concurrency("global", c[1])
        elif kind == "rate_limit":
            engine.rate_limit("global", f"{c[1]}/s", burst=1)
        else:
            (engine.resume if c[1] == 1 else engine.pause)("global")

    for when, c in changes:
        engine.call_at(when, lambda c=c: change(c))
    engine.call_at(END, lambda: engine.remove("global", kind))
    engine.run()
    queue: list[int] = []
    for ev in rec.events:
        if isinstance(ev, TaskBlocked):
            queue.append(ev.agent)
        elif isinstance(ev, TaskStarted) and ev.agent in queue:
            assert queue[0] == ev.agent  # the longest waiter goes first
            queue.pop(0)
        elif isinstance(ev, TaskFinished) and ev.status == "cancelled" and ev.agent in queue:
            queue.remove(ev.agent)
    assert queue == []
    check_lifecycles(rec, len(agents))
