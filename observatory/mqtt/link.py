"""A run's connection to the broker, on paho's network thread.

paho-mqtt 2.x runs the socket on its own thread (``loop_start``), which
suits an engine that is not asyncio. That thread never touches the engine:
it puts what it hears on a thread-safe queue, and the run drains the queue
at its slice boundaries (a TUI frame, a headless slice), so every remote
command lands between two slices like a key press. paho reconnects by
itself with a growing delay; on each (re)connection the link subscribes
again and the broker hands over the retained constraints, those published
while the run was away included.
"""

from __future__ import annotations

import contextlib
import json
import queue
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from observatory.mqtt.address import BrokerAddress
from observatory.mqtt.topics import Topics

CONNECT_TIMEOUT = 3.0
KEEPALIVE = 10
# Reconnect delays grow from the first to the last, doubling (paho's backoff).
RECONNECT_DELAYS = (1, 8)


class BrokerError(Exception):
    """The broker cannot be used at the start of a run; the message is one line."""


@dataclass(frozen=True, slots=True)
class Heard:
    """One thing from the network thread: a message, or a change of the link's state."""

    topic: str = ""
    payload: bytes = b""
    retain: bool = False
    wall: float = 0.0
    state: str = ""  # "connected" or "reconnecting" for a change of state; "" for a message


class MqttLink:
    """Subscribed to the constraints and this run's commands; publishes status and telemetry."""

    def __init__(self, address: BrokerAddress, topics: Topics, status: dict[str, Any]) -> None:
        self.address = address
        self.topics = topics
        self.state = "connecting"
        self.status_fields = status
        self._heard: queue.SimpleQueue[Heard] = queue.SimpleQueue()
        self._ready = threading.Event()
        self._refused: str | None = None
        self._online = b""
        self._closed = False
        client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"observatory-{topics.run_id}",
            protocol=paho.MQTTv311,
        )
        if address.username is not None:
            client.username_pw_set(address.username, address.password)
        if address.tls:
            ca = None if address.ca_file is None else str(address.ca_file)
            client.tls_set(ca_certs=ca, cert_reqs=ssl.CERT_REQUIRED)
        client.will_set(topics.status, self._status_payload("offline", "lost"), qos=1, retain=True)
        client.reconnect_delay_set(*RECONNECT_DELAYS)
        client.connect_timeout = CONNECT_TIMEOUT
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        self.client = client

    # -- the run's side ----------------------------------------------------------------

    def start(self, timeout: float = CONNECT_TIMEOUT) -> None:
        """Connect and wait until the retained constraints are queued (raises BrokerError)."""
        shown = self.address.shown
        try:
            self.client.connect(self.address.host, self.address.port, keepalive=KEEPALIVE)
        except ssl.SSLError as error:
            raise BrokerError(f"TLS with the broker at {shown} failed: {error.reason or error}") from None
        except OSError as error:
            why = error.strerror or str(error) or type(error).__name__
            raise BrokerError(f"cannot reach the broker at {shown} within {timeout:g} s: {why}") from None
        self.client.loop_start()
        if not self._ready.wait(timeout) or self._refused is not None:
            self._stop_loop()
            why = self._refused or "no answer"
            raise BrokerError(
                f"the broker at {shown} did not take the connection within {timeout:g} s: {why}"
            )

    def heard(self) -> list[Heard]:
        """Everything heard since the last call, oldest first (never blocks)."""
        out = []
        while True:
            try:
                out.append(self._heard.get_nowait())
            except queue.Empty:
                return out

    def publish(self, topic: str, payload: bytes, *, retain: bool = False, qos: int = 0) -> None:
        """Send if connected; telemetry missed while away is not worth queueing."""
        if self.state == "connected":
            self.client.publish(topic, payload, qos=qos, retain=retain)

    def close(self, reason: str = "ended") -> None:
        """Say offline (retained), then disconnect cleanly: the Last Will is for deaths only."""
        if self._closed:
            return
        self._closed = True
        if self.state == "connected":
            info = self.client.publish(self.topics.status, self._status_payload("offline", reason), 1, True)
            with contextlib.suppress(RuntimeError, ValueError):
                info.wait_for_publish(timeout=1.0)
        self.client.disconnect()
        self._stop_loop()

    def _stop_loop(self) -> None:
        self.client.loop_stop()

    def _status_payload(self, status: str, reason: str = "") -> bytes:
        data = {"status": status, **self.status_fields}
        if reason:
            data["reason"] = reason
        else:
            data["since"] = round(time.time(), 3)
        return json.dumps(data, separators=(",", ":")).encode()

    # -- the network thread's side (never touches the engine) -----------------------------

    def _on_connect(self, client: paho.Client, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if reason.is_failure:
            self._refused = str(reason)
            if not self._ready.is_set():
                self._ready.set()
            return
        topics = self.topics
        client.subscribe([(topics.constraints_filter, 1), (topics.commands, 1), (topics.status, 1)])

    def _on_subscribe(self, client: paho.Client, userdata: Any, mid: int, codes: Any, props: Any) -> None:
        # The retained constraints were queued to us with the subscription; our own
        # online status, echoed back after them, marks their end.
        self._online = self._status_payload("online")
        client.publish(self.topics.status, self._online, qos=1, retain=True)

    def _on_disconnect(self, client: paho.Client, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if not self._closed and self.state != "reconnecting":
            self.state = "reconnecting"
            self._heard.put(Heard(state="reconnecting"))

    def _on_message(self, client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        if message.topic == self.topics.status:
            if message.payload == self._online and self.state != "connected":
                self.state = "connected"
                self._heard.put(Heard(state="connected"))
                self._ready.set()
            return
        self._heard.put(Heard(message.topic, bytes(message.payload), bool(message.retain), time.time()))
