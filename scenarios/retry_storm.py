"""retry-storm: clients retry a server through an outage, in waves unless their backoff has jitter.

Clients call a server that serves at most ``--slots`` requests at once, each
for a ``--service`` time: the governed task ``call`` under
``concurrency(task:call, slots)``. A request that has not got a slot within
``--timeout`` times out (the engine's timeout on a governed wait); the client
then backs off — ``--backoff`` seconds, doubling with each retry, at most
``--cap`` — with ``--jitter`` none, full, equal or decorrelated (the four
strategies of the well-known "Exponential Backoff And Jitter" analysis), gives
up after ``--retries`` retries, and thinks (``--think``) before its next
request. The trigger is an outage: from ``--outage-at`` the server is paused
for ``--outage`` seconds (a pause constraint with a TTL), so every request
meanwhile times out. Retries of requests that failed together come back
together, a wave per retry, each wave too big for the server; with jitter the
waves spread out and the backlog drains.

Agents read their settings from ``world.settings`` (the run's ``LiveValues``)
at each use, so ``set jitter full``, ``set timeout 2`` or ``set slots 40``
applies from the next request or retry, and ``set outage 5`` takes the server
down for 5 virtual seconds at once (an outage started by hand).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from engine import Agent, Engine, TaskTimeout
from scenarios.distributions import Distribution, duration
from scenarios.framework import Limit, Scenario, State
from scenarios.live import LiveValues
from scenarios.params import param
from scenarios.task_states import TaskStateWorld

JITTERS = ("none", "full", "equal", "decorrelated")
SAMPLE_EVERY = 0.25  # virtual seconds between points of the series
QUIET = 1.0  # recovered: this many virtual seconds without a timeout


@dataclass(frozen=True)
class RetryStormParams:
    clients: int = param(1000, help="Number of clients", min=1, max=10_000_000)
    slots: int = param(20, help="Requests the server serves at once", min=1, live=True)
    service: Distribution = duration("exp:0.1", help="Time to serve one request, in virtual seconds")
    timeout: float = param(
        1.0, help="Seconds a request waits for a slot before it times out", min=0.0, live=True, step=0.25
    )
    backoff: float = param(0.25, help="Backoff before the first retry, doubling with each retry", min=0.0)
    cap: float = param(8.0, help="The longest backoff, in virtual seconds", min=0.0)
    jitter: str = param("none", help="How a backoff is randomised", choices=JITTERS, live=True)
    retries: int = param(6, help="Retries before a client gives up on a request", min=0, max=1000)
    think: Distribution = duration("exp:6", help="Time between a client's requests, in virtual seconds")
    # Live: ``set outage S`` starts an outage of S seconds at once (and sets the one still due).
    outage: float = param(3.0, help="Seconds the server is down (0: no outage)", min=0.0, live=True)
    outage_at: float = param(10.0, help="Virtual time the outage starts", min=0.0)


def backoff(settings: Any, retry: int, previous: float, uniform: Any) -> float:
    """The wait before retry number ``retry`` (0 is the first) under the settings' jitter."""
    base, cap, jitter = settings.backoff, settings.cap, settings.jitter
    if jitter == "decorrelated":  # grows from the previous wait, not from the retry count
        return min(cap, uniform(base, max(base, previous * 3)))
    ceiling = min(cap, base * 2.0**retry)
    if jitter == "full":
        return uniform(0.0, ceiling)
    if jitter == "equal":
        return ceiling / 2 + uniform(0.0, ceiling / 2)
    return ceiling


async def client(ctx: Agent, world: StormWorld) -> None:
    """Think, then send a request until it is served or the client gives up, forever."""
    settings, uniform = world.settings, ctx.random.uniform
    while True:
        await ctx.sleep(settings.think.sampler(ctx.random)())
        first, retry, wait = ctx.now, 0, settings.backoff
        while True:
            try:
                async with ctx.task("call", timeout=settings.timeout):
                    await ctx.sleep(settings.service.sampler(ctx.random)())
            except TaskTimeout:
                world.timed_out(ctx.now)
                if retry >= settings.retries:
                    world.give_up(ctx.id)
                    break
                wait = backoff(settings, retry, wait, uniform)
                retry += 1
                await ctx.sleep(wait)
            else:
                world.served(ctx.now - first)
                break


class StormWorld(TaskStateWorld):
    """The clients' cells, the storm's metrics and the outage."""

    def __init__(self, engine: Engine, params: RetryStormParams) -> None:
        legend = (
            State("idle", (40, 60, 95), "thinking before the next request"),
            State("waiting", (230, 160, 30), "waiting for a slot"),
            State("served", (255, 255, 255), "being served"),
            State("backing off", (220, 40, 40), "timed out; waiting to retry"),
            State("gave up", (120, 40, 140), "gave up on its last request; thinking"),
        )
        on = {"call blocked": "waiting", "call started": "served", "call ok": "idle"}
        on["call timeout"] = "backing off"  # "gave up" is set by the client itself (give_up)
        limit = Limit("slots", "task:call", params.slots)
        super().__init__(
            engine, params.clients, legend, on, task="call", limit=limit, sample_every=SAMPLE_EVERY
        )
        # The values agents read at each use; jitter, timeout and slots are live, and outage starts one.
        live = LiveValues(engine, params)
        live.limit("slots", limit)
        live.on("outage", self._outage_by_hand)
        self.settings = live.values
        self.gave_up = 0
        self.latency_sum = 0.0
        self.outage_end: float | None = None
        self.quiet_since = 0.0  # the last timeout after the outage ended, or its end
        self.recovered_at: float | None = None
        self._sent_before = 0
        self.plot("sent_per_s", self._sent_rate)
        self.plot_waiting()
        if params.outage > 0:
            engine.call_at(params.outage_at, self._outage_due)

    def start_outage(self, seconds: float) -> None:
        """The server stops serving for ``seconds``: a pause on its task with a TTL."""
        self.engine.pause("task:call", ttl=seconds)
        self.outage_end = self.quiet_since = self.engine.now + seconds
        self.recovered_at = None

    def _outage_due(self) -> None:
        if self.settings.outage > 0:  # ``set outage 0`` before then calls it off
            self.start_outage(self.settings.outage)

    def _outage_by_hand(self, seconds: float) -> None:
        if seconds > 0:
            self.start_outage(seconds)

    # -- what the clients report -------------------------------------------------------

    def served(self, latency: float) -> None:
        self.latency_sum += latency

    def timed_out(self, now: float) -> None:
        end = self.outage_end
        if end is None or now < end or self.recovered_at is not None:
            return
        if now - self.quiet_since >= QUIET:
            self.recovered_at = self.quiet_since
        else:
            self.quiet_since = now

    def give_up(self, agent: int) -> None:
        self.gave_up += 1
        self.set_state(agent, "gave up")

    # -- metrics -----------------------------------------------------------------------

    def _sent_rate(self) -> float:
        sent, self._sent_before = self.attempts - self._sent_before, self.attempts
        return sent / SAMPLE_EVERY

    def recovery(self) -> tuple[float, bool]:
        """Seconds from the outage's end to the last timeout before a whole quiet second; recovered yet?"""
        end = self.outage_end
        if end is None:
            return 0.0, True
        if self.recovered_at is not None:
            return self.recovered_at - end, True
        now = self.engine.now
        if now - self.quiet_since >= QUIET:
            return self.quiet_since - end, True
        return max(0.0, now - end), False

    def metrics(self) -> dict[str, Any]:
        now = self.engine.now
        served = self.finished["ok"]
        recovery, recovered = self.recovery()
        return {
            "sent": self.attempts,
            "served": served,
            "timed_out": self.finished["timeout"],
            "gave_up": self.gave_up,
            "calls_per_success": self.attempts / served if served else math.inf,
            "goodput_per_s": served / now if now > 0 else 0.0,
            "mean_latency_s": self.latency_sum / served if served else 0.0,
            "recovery_s": recovery,
            "recovered": recovered,
        }


def build(engine: Engine, params: RetryStormParams) -> StormWorld:
    world = StormWorld(engine, params)
    world.spawn_agents(client, world)
    return world


SCENARIO = Scenario(
    name="retry-storm",
    description="Clients retry through a server outage: waves without jitter, a quick drain with it",
    params=RetryStormParams,
    build=build,
    default_duration=60.0,
)
