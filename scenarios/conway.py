"""conway: the Game of Life computed by message-passing agents, checked live.

One agent per cell of a torus. Each generation a cell tells its 8
neighbours its state, waits until it has heard all 8 for that generation
(through the engine's ``SumExchange``), then applies the rule (``--rule``, any
Life-like rule; by default the pattern file's, else B3/S23) as a governed task
``compute`` of ``--compute-time`` virtual seconds whose result counts when
the task ends. A numpy automaton of the same rule runs beside it and judges
every generation the agents complete (``scenarios.life.Validator``). Faults:
``--loss`` drops neighbour messages; a cell that has waited ``--patience`` for
a neighbour carries on with the state it last heard from it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from engine import Agent, Engine
from engine.exchange import SumExchange
from scenarios import patterns
from scenarios.framework import Limit, Scenario, Series, State, World
from scenarios.life import Check, Validator
from scenarios.live import LiveValues
from scenarios.neighbours import grid_neighbours
from scenarios.params import ParamError, limit_param, param
from scenarios.rules import LIFE, Rule, parse_rule

# Virtual seconds one compute task takes; a binary fraction, so times add up exactly.
COMPUTE_TIME = 0.125
# A generation's observed grid starts out with this in every cell, then agents report.
_UNREPORTED = b"\x02"
# Legend index of the first error state; below it, dead (0) and alive (1).
_FIRST_ERROR = 2


def parse_pattern(text: str) -> str:
    """a .rle or .cells file, or a bundled pattern name"""
    text = text.strip()
    if text:
        patterns.load(text)  # a PatternError is a ValueError naming the file and line
    return text


def parse_rule_option(text: str) -> str:
    """a Life-like rule in B/S notation (B3/S23, b36/s23) or S/B digits (23/3), or one of life, highlife, seeds, day-and-night"""  # noqa: E501
    return parse_rule(text).name if text.strip() else ""


@dataclass
class ConwayParams:
    width: int = param(64, min=3, max=4096, help="grid width in cells (the edges wrap)")
    height: int = param(48, min=3, max=4096, help="grid height in cells (the edges wrap)")
    generations: int = param(500, min=1, help="generations to compute; headless runs stop there")
    density: float = param(0.35, min=0, max=1, help="share of live cells in the random soup")
    pattern: str = param(
        "",
        parse=parse_pattern,
        help="start from a pattern instead of a soup: a .rle or .cells file, or one of "
        + ", ".join(patterns.bundled_names()),
    )
    rule: str = param(
        "",
        parse=parse_rule_option,
        help="the rule the cells follow (default: the pattern file's rule, else B3/S23)",
    )
    loss: float = param(
        0.0, min=0, max=1, help="probability that each neighbour message is lost", live=True, step=0.05
    )
    patience: float = param(
        1.0,
        min=0,
        help="with --loss: virtual seconds a cell waits before using last known states",
        live=True,
        step=0.25,
    )
    compute_time: float = param(
        COMPUTE_TIME,
        min=0,
        help="virtual seconds one compute task takes (0: pure Life, generations take no virtual time)",
    )
    # Optional[int], not int | None: the CLI names an option's metavar after the type's __name__.
    limit: Optional[int] = limit_param(  # noqa: UP045
        "at most N compute tasks at once (timing only)", live=True
    )
    grid_out: str = param("", help="save the final grid to this .npy file (height x width, 1 = alive)")

    def validate(self) -> None:
        """Checks that need several parameters, or values given already typed."""
        if self.rule:
            try:
                parse_rule(self.rule)
            except ValueError as error:
                raise ParamError("rule", str(error)) from None
        if self.pattern:
            initial_grid(self, None)
            the_rule(self)
        # grid_out, like every *_out path, is checked by the runner with the other outputs.


async def cell(ctx: Agent, world: ConwayWorld, targets: list[int], alive: int) -> None:
    """One cell: tell the neighbours my state, hear theirs, apply the rule; repeat.

    Where nothing is lost the states travel through a ``SumExchange``: the
    rule needs only the count of live neighbours, so each state is added
    into the receivers' counts (all states sent in one instant at once, at
    its end), and a cell is woken once, when its last neighbour's state is in.
    """
    if world.loss:
        await lossy_cell(ctx, world, targets, alive)
        return
    # Hot: every agent-generation of a lossless run goes through this loop.
    me = ctx.id
    port = world.exchange.join(ctx, me)
    publish, gather, work = port.publish, port.gather, ctx.work
    pending, duration = world.pending, world.compute_time
    next_states = world.next_states  # next_states[alive][live neighbours]
    for gen in range(1, world.generations + 1):
        if gen == world.lossy_from:  # ``set loss`` made messages lossy: mailboxes from here on
            await lossy_cell(ctx, world, targets, alive, start=gen - 1)
            return
        publish(alive)
        await gather()
        live = port.heard  # the sum of the neighbours' states
        # The compute task: the rule takes ``duration``; its result counts once the task is done.
        new = next_states[alive][live]
        await work("compute", duration)
        alive = new
        # world.report(me, gen, alive), inlined: a call costs as much as the rest of it.
        entry = pending.get(gen) or world.open(gen)
        entry[1][me] = alive
        entry[0] -= 1
        if not entry[0]:
            world.judge(gen)


async def lossy_cell(
    ctx: Agent, world: ConwayWorld, targets: list[int], alive: int, start: int = 0
) -> None:
    """A cell whose messages may be lost: it waits ``patience`` at most, then uses what it knows.

    ``loss`` and ``patience`` are read each generation (both are live). A cell
    that switches here from the exchange (``start`` > 0, after ``set loss``)
    sends its first generation whole and waits for all of it, so it knows
    every neighbour's state before messages start to get lost.
    """
    me, rng = ctx.id, ctx.random
    items = ctx.mailbox.items
    next_states = world.next_states
    known = dict.fromkeys(targets, 0)  # last state heard from each neighbour; never heard = dead
    early: list[tuple[int, int, int]] = []
    for gen in range(start, world.generations):
        whole = gen == start > 0
        loss = 0.0 if whole else world.loss
        kept = [t for t in targets if rng.random() >= loss] if loss else targets
        world.lost += len(targets) - len(kept)
        ctx.broadcast(kept, (gen, alive, me))
        backlog, early = early, []
        heard = _hear(backlog, gen, known, early)
        deadline = math.inf if whole else ctx.now + world.patience
        while heard < 8:
            remaining = deadline - ctx.now
            # Even with no patience left, messages sent at this very instant still count.
            arrived = remaining >= 0 and await ctx.wait_messages(8 - heard, remaining)
            kept_before = len(early)
            heard += _hear(items, gen, known, early)
            world.lossy_early += len(early) - kept_before
            items.clear()
            if not arrived:
                break
        async with ctx.task("compute"):
            if world.compute_time:
                await ctx.sleep(world.compute_time)
            live = sum(known.values())
            alive = next_states[alive][live]
        world.report(me, gen + 1, alive)


def _hear(messages: Any, gen: int, known: dict[int, int], early: list[tuple[int, int, int]]) -> int:
    """Take in messages: keep later generations' for later, remember the rest; count ``gen``'s."""
    heard = 0
    for message in messages:
        sent_at, state, sender = message
        if sent_at > gen:
            early.append(message)
        else:
            # One sender's messages arrive in order, so this is the newest state heard from it.
            known[sender] = state
            heard += sent_at == gen
    return heard


class ConwayWorld(World):
    """The cells, the validator judging each completed generation, and what the screen shows.

    ``state`` shows the last verdict's errors, and every other cell's latest
    computed state: an error stays on screen until the next verdict, so
    errors can be seen while cells run ahead. It is brought up to date when
    it is read (``refresh``), so a headless run pays nothing for a screen.
    """

    legend = (
        State("dead", (24, 26, 38), "dead, as it should be"),
        State("alive", (235, 235, 225), "alive, as it should be"),
        State("logic +", (230, 50, 50), "alive, but the rule on the last observed grid says dead"),
        State("logic -", (60, 110, 240), "dead, but the rule on the last observed grid says alive"),
        State("drift +", (245, 165, 40), "alive, but dead on the true trajectory"),
        State("drift -", (60, 200, 190), "dead, but alive on the true trajectory"),
    )

    def __init__(self, engine: Engine, params: ConwayParams, initial: np.ndarray) -> None:
        super().__init__(engine, params.height, params.width)
        self.params = params
        self.generations = params.generations
        self.loss = params.loss
        self.patience = params.patience
        # Lossless cells change to mailboxes at this generation (after ``set loss``); never by default.
        self.lossy_from = params.generations + 1
        self.limit = Limit("limit", "task:compute", params.limit)
        self.rule = the_rule(params)
        self.next_states = self.rule.next_states()
        self.validator = Validator(initial, self.rule)
        self.observed = self.validator.observed
        self.lost = 0  # neighbour messages dropped by --loss
        self.compute_time = params.compute_time
        self.lossy_early = 0  # lossy cells' messages that arrived while their receiver was behind
        # The lossless cells' neighbour exchange (lossy cells use mailboxes).
        self.exchange = (
            None if params.loss else SumExchange(engine, grid_neighbours(params.height, params.width))
        )
        self.last_check: Check | None = None
        self.verdict = initial.astype(np.uint8).ravel()  # the last judged generation's cell codes
        self.state[:] = self.verdict
        # generation -> [reports missing, its observed grid as a bytearray], in generation order
        self.pending: dict[int, list[Any]] = {}
        population = int(np.count_nonzero(initial))
        self.population = Series("population", [0.0], [float(population)])
        self.logic = Series("logic errors", [0.0], [0.0])
        self.drift = Series("drift errors", [0.0], [0.0])

    def set_loss(self, loss: float) -> None:
        """``set loss``: cells read it each generation; lossless cells change to mailboxes first.

        They change at the first generation no cell has begun (the exchange
        and mailboxes cannot mix within one generation); setting 0 again
        before then calls the change off.
        """
        self.loss = loss
        if self.exchange is None:
            return
        first_free = max(self.pending, default=self.validator.generation) + 2
        if loss and self.lossy_from > self.generations:
            self.lossy_from = first_free
        elif not loss and self.lossy_from >= first_free:
            self.lossy_from = self.generations + 1

    def report(self, agent: int, gen: int, alive: int) -> None:
        """An agent computed its state for generation ``gen`` (lossless cells inline this)."""
        entry = self.pending.get(gen) or self.open(gen)
        entry[1][agent] = alive
        entry[0] -= 1
        if not entry[0]:
            self.judge(gen)

    def open(self, gen: int) -> list[Any]:
        """The first report of ``gen``: [reports missing, the generation's observed grid]."""
        entry = self.pending[gen] = [len(self.cells), bytearray(_UNREPORTED * len(self.cells))]
        return entry

    def judge(self, gen: int) -> None:
        """Every agent reported ``gen``: check it and show its errors."""
        grid = self.pending.pop(gen)[1]
        assert gen == self.validator.generation + 1, "generations complete in order"
        check = self.validator.check(np.frombuffer(grid, dtype=np.uint8))
        self.observed = self.validator.observed
        self.last_check = check
        self.verdict = check.cells.ravel()
        now = self.engine.now
        self.population.append(now, check.population)
        self.logic.append(now, check.logic_errors)
        self.drift.append(now, check.drift_errors)
        if gen >= self.generations:
            self.engine.stop()  # done: the run ends at this event

    def refresh(self) -> None:
        """``state``: the last verdict, with every cell that is not in error at its latest state."""
        state = self.state
        state[:] = self.verdict
        settled = self.verdict < _FIRST_ERROR
        for _, grid in self.pending.values():  # oldest generation first
            reported = np.frombuffer(grid, dtype=np.uint8)
            np.copyto(state, reported, where=settled & (reported != _UNREPORTED[0]))

    @property
    def early(self) -> int:
        """Neighbour states of a later generation that came in before their receiver had all of its own."""
        ports = self.exchange.ports if self.exchange is not None else ()
        return self.lossy_early + sum(port.early for port in ports)

    @property
    def done(self) -> bool:
        return self.validator.generation >= self.generations

    def progress(self) -> float:
        """The share of the generations judged so far."""
        return self.validator.generation / self.generations

    def title(self) -> str:
        return self.rule.name

    def describe_progress(self) -> str:
        return f"{self.validator.generation} of {self.generations} generations"

    def metrics(self) -> dict[str, Any]:
        return {
            "rule": self.rule.name,
            "generations": self.validator.generation,
            "population_final": int(self.population.values[-1]),
            "logic_errors": self.validator.logic_errors,
            "drift_errors": self.validator.drift_errors,
            "messages_lost": self.lost,
            "messages_early": self.early,
        }

    def series(self) -> list[Series]:
        return [self.population, self.logic, self.drift]

    def artifacts(self) -> dict[str, np.ndarray]:
        return {"grid_out": self.observed.copy()}

    def reached(self, agent: int) -> int:
        """The last generation an agent has computed."""
        ahead = [gen for gen, (_, grid) in self.pending.items() if grid[agent] != _UNREPORTED[0]]
        return max(ahead, default=self.validator.generation)

    def describe_agent(self, agent: int) -> dict[str, str]:
        self.refresh()  # the inspector shows the cell's row and column itself
        return {"state": self.legend[self.state[agent]].name, "generation": str(self.reached(agent))}


def initial_grid(params: ConwayParams, engine: Engine | None) -> np.ndarray:
    """The generation-0 grid: the pattern, placed, or a soup from the engine's seeded stream."""
    if params.pattern:
        try:
            return patterns.place(patterns.load(params.pattern), params.width, params.height)
        except patterns.PatternError as error:
            raise ParamError("pattern", str(error)) from None
    assert engine is not None
    rng = np.random.default_rng(engine.random.getrandbits(64))
    return (rng.random((params.height, params.width)) < params.density).astype(np.uint8)


def the_rule(params: ConwayParams) -> Rule:
    """``--rule``, else the rule the pattern file's header names, else B3/S23."""
    if params.rule:
        return parse_rule(params.rule)
    header = patterns.load(params.pattern).rule if params.pattern else None
    if header is None:
        return LIFE
    try:
        return parse_rule(header)
    except ValueError as error:
        raise ParamError(
            "pattern",
            f"{params.pattern!r}: its header's {error}; or give --rule to run it under another rule",
        ) from None


def build(engine: Engine, params: ConwayParams) -> ConwayWorld:
    """Spawn one cell agent per grid cell, row by row."""
    initial = initial_grid(params, engine)
    world = ConwayWorld(engine, params, initial)
    if params.limit is not None:
        world.limit.set(engine, params.limit)
    live = LiveValues(engine, params)
    live.limit("limit", world.limit)
    live.on("loss", world.set_loss)
    live.on("patience", lambda value: setattr(world, "patience", value))
    width = params.width
    for agent, (targets, alive) in enumerate(
        zip(grid_neighbours(params.height, width), initial.ravel().tolist(), strict=True)
    ):
        engine.spawn(cell, world, targets, alive, name=f"cell-{agent // width}-{agent % width}")
    return world


# Memory per cell at its peak, measured on a 300 x 300 torus: 3.0 kB through the
# neighbour exchange, 7.8 kB with --loss (mailboxes and messages).
CELL_BYTES, LOSSY_CELL_BYTES = 3_200, 8_000


def footprint(params: ConwayParams) -> tuple[int, str]:
    """The memory a run needs, roughly: it grows with the cells."""
    per_cell = LOSSY_CELL_BYTES if params.loss else CELL_BYTES
    return params.width * params.height * per_cell, f"--width {params.width} --height {params.height}"


SCENARIO = Scenario(
    name="conway",
    description="Game of Life as message-passing agents, checked live against numpy",
    params=ConwayParams,
    build=build,
    stops_itself=True,
    footprint=footprint,
    headline=("population_final", "logic_errors", "drift_errors"),
)
