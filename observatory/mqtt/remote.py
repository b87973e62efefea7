"""What a run does with the broker between two slices: apply what it heard, send telemetry.

``Remote.poll`` turns each message the link queued into an engine command
and hands it to ``Engine.submit``: checked, applied at the end of the
current instant and logged in ``engine.commands`` like a key press, so the
run replays from its log without a broker. Malformed messages are refused
with one line each, shown and counted (``mqtt_rejected``). ``Remote.tick``
publishes the metrics once per wall second and, with ``--mqtt-events``, at
most one batch of task events per call (one call per frame or slice).
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine import Engine
from engine.commands import Command, CommandError, parse_command
from observatory.mqtt.address import BrokerAddress
from observatory.mqtt.link import Heard, MqttLink
from observatory.mqtt.payloads import PayloadError, command_text, constraint_command
from observatory.mqtt.telemetry import EventBatch, metrics_payload
from observatory.mqtt.topics import Topics
from scenarios.framework import World

TELEMETRY_PERIOD = 1.0
# Messages at once shown one by one; more are a burst, summed up in one line when it is over.
SHOWN_PER_POLL = 3
# Wall seconds a TUI frame or headless slice may spend reading what the broker sent, and the
# most commands it may submit: applying them costs the engine as much again, after the poll.
POLL_BUDGET = 0.004
MAX_PER_POLL = 30

Notify = Callable[[str, str], None]  # (line, severity: "information" | "warning" | "error")


@dataclass(frozen=True)
class MqttOptions:
    """The run's MQTT options, checked: where the broker is and what to publish."""

    address: BrokerAddress
    prefix: str = "observatory"
    events: bool = False


class Remote:
    """A run steered and watched over MQTT; one per run, across restarts of its world."""

    def __init__(self, link: MqttLink, events: bool, notify: Notify | None) -> None:
        self.link = link
        # Without a notify yet (a TUI not mounted), notices wait in ``early``.
        self.early: list[tuple[str, str]] = []
        self.notify: Notify = notify or (lambda line, severity: self.early.append((line, severity)))
        self.rejected = 0
        self.engine: Engine | None = None
        self.world: World | None = None
        self._want_events = events
        self._events: EventBatch | None = None
        self._last: dict[str, bytes] = {}  # per topic, the last payload heard
        self._standing: dict[str, Heard] = {}  # per constraints topic, the message in force
        self._next_telemetry = 0.0
        self._sample: tuple[float, float] | None = None
        self.achieved = 0.0
        self._lost = False
        self._pending: deque[Heard] = deque()
        self._burst: list[int] | None = None  # commands applied, messages refused in this burst
        self.each_refusal = True  # headless: one stderr line per refusal; the TUI sums them up

    @property
    def topics(self) -> Topics:
        return self.link.topics

    @property
    def state(self) -> str:
        return self.link.state

    def show_on(self, notify: Notify, each_refusal: bool = True) -> None:
        """Send notices to ``notify`` from now on (those that waited first), starting with the run id."""
        for line, severity in self.early:
            notify(line, severity)
        self.early.clear()
        self.notify, self.each_refusal = notify, each_refusal
        notify(f"mqtt: run {self.topics.run_id} on {self.link.address.shown}, prefix {self.topics.prefix}",
               "information")

    def rows(self) -> dict[str, Any]:
        """What a status panel shows of the link."""
        return {"broker": self.state, "mqtt_rejected": self.rejected}

    def attach(self, engine: Engine, world: World, speed: float) -> int:
        """Steer a freshly built world: the constraints in force so far and all heard since apply.

        Called before the first step, so they land at the end of instant 0 —
        where a replay of its log puts them too. Returns the commands submitted.
        """
        if self._events is not None:
            self._events.close()
        self.engine, self.world = engine, world
        self._events = EventBatch(engine) if self._want_events else None
        self._sample = None
        standing = list(self._standing.values())
        self._standing.clear()
        done = 0
        for heard in standing:
            # expires_at counts from now for the new world; nothing is skipped as known.
            done += self._apply(dataclasses.replace(heard, wall=time.time()), speed, quiet=True, fresh=True)
        return done + self.poll(speed)

    def poll(self, speed: float, budget: float | None = None) -> int:
        """Apply what was heard, in order, for at most ``budget`` wall seconds; returns commands submitted.

        What the budget leaves waits for the next poll, so a burst spreads over
        a few frames instead of stalling one. More than a few messages at once
        are a burst: shown as one line when it is over (refusals one by one
        only where ``each_refusal``).
        """
        pending = self._pending
        pending.extend(self.link.heard())
        if self._burst is None and len(pending) > SHOWN_PER_POLL:
            self._burst = [0, 0]
        quiet = self._burst is not None
        start = time.perf_counter()
        submitted = 0
        while pending and (
            budget is None or (time.perf_counter() - start < budget and submitted < MAX_PER_POLL)
        ):
            heard = pending.popleft()
            if heard.state:
                self._show_state(heard.state)
                continue
            before = self.rejected
            done = self._apply(heard, speed, quiet=quiet)
            submitted += done
            if self._burst is not None:
                self._burst[0] += done
                self._burst[1] += self.rejected - before
        if self._burst is not None and not pending:
            applied, refused = self._burst
            self._burst = None
            line = f"mqtt: a burst of {applied + refused} messages: {applied} commands applied"
            line += f" (last: {self._last_text})" if applied else ""
            line += f", {refused} refused (last: {self._last_refusal})" if refused else ""
            self.notify(line, "warning" if refused else "information")
        return submitted

    def tick(self, speed: float, paused: bool = False) -> None:
        """Publish what is due: the event batch of this frame, the metrics once per wall second."""
        if self._events is not None:
            batch = self._events.take(self.topics.run_id)
            if batch is not None:
                self.link.publish(self.topics.events, batch)
        wall = time.monotonic()
        if wall < self._next_telemetry or self.engine is None or self.world is None:
            return
        self._next_telemetry = wall + TELEMETRY_PERIOD
        now = self.engine.now
        if self._sample is not None and wall > self._sample[0]:
            self.achieved = 0.0 if paused else (now - self._sample[1]) / (wall - self._sample[0])
        self._sample = (wall, now)
        payload = metrics_payload(self, speed, paused)
        self.link.publish(self.topics.metrics, json.dumps(payload, separators=(",", ":")).encode())

    def close(self, reason: str = "ended") -> None:
        if self._events is not None:
            self._events.close()
            self._events = None
        self.link.close(reason)

    # -- one message -------------------------------------------------------------------

    _last_text = ""
    _last_refusal = ""

    def _apply(self, heard: Heard, speed: float, *, quiet: bool, fresh: bool = False) -> int:
        assert self.engine is not None
        if not fresh and heard.retain and self._last.get(heard.topic) == heard.payload:
            return 0  # the broker handing back, on reconnect, what it handed over before
        self._last[heard.topic] = heard.payload  # refused ones too: a bad retained one counts once
        scope = self.topics.scope_of(heard.topic)
        try:
            command = self._command(heard, scope, speed)
            self.engine.submit(command)
        except (PayloadError, CommandError) as error:
            self.rejected += 1
            self._last_refusal = str(error)
            if not quiet or self.each_refusal:
                self.notify(f"mqtt: refused a message on {heard.topic}: {error}", "error")
            return 0
        if scope is not None:
            self._standing.pop(heard.topic, None)
            self._standing[heard.topic] = heard
        self._last_text = command.text()
        if not quiet:
            self.notify(f"mqtt: {self._last_text}", "information")
        return 1

    def _command(self, heard: Heard, scope: str | None, speed: float) -> Command:
        if scope is not None:
            # expires_at counts from when the message arrived, not from now.
            return constraint_command(scope, heard.payload, wall_now=heard.wall, speed=speed)
        return parse_command(command_text(heard.payload))

    def _show_state(self, state: str) -> None:
        if state == "connected":
            if not self._lost:
                return  # the first connection was announced with the run id
            self.notify(f"mqtt: connected to {self.link.address.shown}", "information")
        else:
            self._lost = True
            self.notify(f"mqtt: lost the broker at {self.link.address.shown}; reconnecting", "warning")
