"""Fireflies: pulse-coupled oscillators on a torus fall into step — unless a flash limit interferes.

Each firefly's phase runs from 0 to ``period``. At the end it flashes (a
governed task ``flash``), signals its neighbours and starts a new phase. A
signal that arrives outside the refractory time advances the phase by
``nudge``; a phase pushed past the period flashes at once. The firefly waits
with ``recv(timeout=time to flash)``, so signals and its own clock race
exactly in virtual time (signals that come while it flashes are judged when
the flash ends). ``--limit N`` lets at most N flash at once: the others are
blocked (red) and flash late.

A firefly's phase at time t is ``t - ref`` where ``ref`` is the virtual time
its phase was last zero (pushed back by each nudge), so the order parameter
is computed exactly at any sample time. A blocked firefly is held at its
threshold: its phase counts as ``period`` until it flashes.

Ties: a phase that reaches the period exactly flashes at once, a signal sent
exactly when the refractory time ends counts, and the signals of a firefly's own
instant (its avalanche) do not, even with ``--refractory 0``. Times reached along
different float paths (a phase nudged k times, a timer set at another ``now``) can
differ by a few ulps where the model has an exact tie, and avalanches make such
ties common; so times closer than ``TIE`` virtual seconds are one instant.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine import TIMEOUT, Agent, Engine, TaskBlocked
from scenarios.framework import Limit, Scenario, Series, State, World
from scenarios.live import LiveValues
from scenarios.neighbours import NEIGHBOURHOODS, grid_neighbours
from scenarios.oscillators import glow_levels, glow_palette, order_parameter
from scenarios.params import ParamError, limit_param, param

TIE = 1e-9  # virtual seconds: nearer times are one instant (see the module docstring)


@dataclass(frozen=True)
class FirefliesParams:
    """What a fireflies run is made of; times are virtual seconds."""

    width: int = param(30, help="columns of the torus", min=3, max=2000)
    height: int = param(30, help="rows of the torus", min=3, max=2000)
    neighbourhood: str = param(
        "moore",
        help="who sees a flash: the 8 around (moore) or the 4 beside (von-neumann)",
        choices=NEIGHBOURHOODS,
    )
    period: float = param(5.0, help="seconds from flash to flash when nobody signals", min=0.1, max=3600)
    # flash, refractory, nudge and jitter must each be below --period (checked in validate).
    flash: float = param(
        0.2, help="how long a flash lasts (a governed task 'flash'); below --period", min=0.0
    )
    refractory: float = param(
        1.0, help="seconds after a flash during which signals are ignored; below --period", min=0.0,
        live=True, step=0.1,
    )
    nudge: float = param(
        0.3, help="seconds a neighbour's flash advances the phase; below --period", min=0.0,
        live=True, step=0.05,
    )
    jitter: float = param(
        0.02, help="a new phase starts up to this many seconds early (seeded noise); below --period", min=0.0
    )
    limit: int | None = limit_param("at most this many flash at once", live=True)

    def validate(self) -> None:
        """Checks that tie parameters together."""
        for name in ("flash", "refractory", "nudge", "jitter"):
            value = getattr(self, name)
            if value >= self.period:
                raise ParamError(name, f"{value:g} is too large: use a number < --period ({self.period:g})")


# -- the agent ---------------------------------------------------------------------


async def firefly(ctx: Agent, swarm: Swarm, ref: float) -> None:
    """One oscillator: charge until its clock or its neighbours say flash, then flash."""
    i = ctx.id
    p, live = swarm.params, swarm.live.values
    period, flash, jitter = p.period, p.flash, p.jitter
    # Tie rules (module docstring): a phase within TIE of the period has reached it; a
    # signal within TIE of the end of the refractory time is outside it.
    tie = TIE
    # This phase's refractory time, measured from ref. Live values: the nudge in force
    # when a signal counts, the refractory time in force when the phase starts.
    deaf = live.refractory - tie
    uniform = ctx.random.random
    neighbours = swarm.neighbours[i]
    refs = swarm.refs
    pending = ctx.mailbox.items
    recv = ctx.recv
    while True:
        # Hot. A signal is its send time. Those sent before the refractory
        # window of this phase closed change nothing; in step, a whole
        # neighbourhood's signals arrive during the flash and go in one sweep.
        if pending and pending[-1] - ref < deaf:
            pending.clear()
        wait = ref + period - ctx.now
        while wait > tie:
            signal = await recv(timeout=wait)
            if signal is TIMEOUT:
                break
            if signal - ref >= deaf:
                ref -= live.nudge
                refs[i] = ref
            wait = ref + period - ctx.now
        async with ctx.task("flash"):
            now = ctx.now
            ref = now - jitter * uniform() if jitter else now
            refs[i] = ref
            # The signals of its own avalanche (sent at this instant) never count, even
            # with no refractory time: which of them come after the flash is scheduling.
            deaf = max(live.refractory - tie, now - ref + tie)
            swarm.flashed(i, now)
            ctx.broadcast(neighbours, now)
            await ctx.sleep(flash)
            swarm.dimmed(i)


# -- the world ---------------------------------------------------------------------

CHARGING, FLASHING, BLOCKED = 0, 1, 2
GLOW_LEVELS = 4
SAMPLES_PER_PERIOD = 4


class Swarm(World):
    """Fireflies on a torus: phases, flash times, counters and the R series."""

    legend = (
        State("charging", (14, 18, 38), "dark, phase running towards the next flash"),
        State("flashing", (255, 236, 110), "flashing now; the afterglow fades with virtual time"),
        State("blocked", (220, 40, 40), "wants to flash but the limit is full"),
    )

    def __init__(self, engine: Engine, params: FirefliesParams, phases: np.ndarray) -> None:
        super().__init__(engine, params.height, params.width)
        self.params = params
        self.live = LiveValues(engine, params)
        self.neighbours = grid_neighbours(params.height, params.width, params.neighbourhood)
        # Phase of agent i at time t is t - refs[i]; the agent writes it on every change.
        self.refs = engine.now - phases.astype(float)
        self.last_flash = np.full(phases.size, -np.inf)
        self.flashes = 0
        self.blocked_flashes = 0
        self.flashing = 0
        self.max_flashing = 0
        self.order = Series("R")
        self.flashing_series = Series("flashing")
        self._glow_palette = glow_palette(
            self.legend[FLASHING].color, self.legend[CHARGING].color, GLOW_LEVELS
        )
        engine.subscribe(TaskBlocked, self._blocked)

    # -- called by the agents (hot) ------------------------------------------------

    def flashed(self, agent: int, now: float) -> None:
        """A flash starts (hot)."""
        self.cells[agent] = FLASHING
        self.last_flash[agent] = now
        self.flashes += 1
        flashing = self.flashing = self.flashing + 1
        if flashing > self.max_flashing:
            self.max_flashing = flashing

    def dimmed(self, agent: int) -> None:
        """A flash ends (hot)."""
        self.cells[agent] = CHARGING
        self.flashing -= 1

    def _blocked(self, event: TaskBlocked) -> None:
        if event.task == "flash":
            self.cells[event.agent] = BLOCKED
            self.blocked_flashes += 1

    # -- observables ------------------------------------------------------------------

    def phases(self, now: float | None = None) -> np.ndarray:
        """Every firefly's exact phase in [0, period] at ``now`` (default: the engine's now)."""
        t = self.engine.now if now is None else now
        return np.clip(t - self.refs, 0.0, self.params.period)

    def order_parameter(self) -> float:
        """Kuramoto R over all fireflies, now."""
        return order_parameter(self.phases(), self.params.period)

    def sample(self) -> None:
        """Record R and the number flashing at this virtual time."""
        now = self.engine.now
        self.order.append(now, self.order_parameter())
        self.flashing_series.append(now, float(self.flashing))

    def colors(self) -> np.ndarray:
        """Bright while flashing, an afterglow fading in virtual time, red when blocked."""
        p = self.params
        age = self.engine.now - self.last_flash
        level = glow_levels(age, p.flash, max(self.live.values.refractory, p.flash), GLOW_LEVELS)
        rgb = self._glow_palette[level]
        rgb[self.state == BLOCKED] = self.legend[BLOCKED].color
        return rgb.reshape(*self.shape, 3)

    def metrics(self) -> dict[str, Any]:
        return {
            "order_parameter_final": self.order_parameter(),
            "order_parameter_series": self.order.pairs(),
            "flashes": self.flashes,
            "blocked_flashes": self.blocked_flashes,
            "max_flashing": self.max_flashing,
            "limit": self.limit.current(self.engine) if self.limit is not None else None,
        }

    def series(self) -> list[Series]:
        return [self.order, self.flashing_series]

    def describe_agent(self, agent: int) -> dict[str, str]:
        last = self.last_flash[agent]
        return {
            "state": self.legend[self.state[agent]].name,
            "phase": f"{self.phases()[agent]:.3f} / {self.params.period:g} s",
            "last flash": "never" if math.isinf(last) else f"{last:.3f} s",
            "neighbours": str(len(self.neighbours[agent])),
        }


def build(engine: Engine, params: FirefliesParams) -> Swarm:
    """Spawn one firefly per cell with a random initial phase drawn from the run's seed."""
    count = params.width * params.height
    phases = np.array([engine.random.uniform(0.0, params.period) for _ in range(count)])
    swarm = Swarm(engine, params, phases)
    swarm.limit = Limit(label="limit", scope="task:flash", value=None)
    if params.limit is not None:
        swarm.limit.set(engine, params.limit)
    swarm.live.limit("limit", swarm.limit)
    for agent in range(count):
        engine.spawn(firefly, swarm, float(swarm.refs[agent]), name=f"firefly-{agent}")
    engine.call_every(params.period / SAMPLES_PER_PERIOD, swarm.sample, start=engine.now)
    return swarm


# Memory per firefly at its peak, measured 6.8 kB on a 300 x 300 torus.
FIREFLY_BYTES = 7_000


def footprint(params: FirefliesParams) -> tuple[int, str]:
    """The memory a run needs, roughly: it grows with the cells."""
    return params.width * params.height * FIREFLY_BYTES, f"--width {params.width} --height {params.height}"


SCENARIO = Scenario(
    name="fireflies",
    description="pulse-coupled fireflies fall into step; --limit N caps how many may flash at once",
    params=FirefliesParams,
    build=build,
    default_duration=300.0,
    footprint=footprint,
    headline=("order_parameter_final", "flashes"),
)
