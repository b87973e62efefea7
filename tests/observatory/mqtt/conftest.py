"""A real mosquitto for the MQTT tests: one private broker per session, on a free loopback port.

No mock broker: each test talks to mosquitto (from Debian's packages; ``.ci/run``
installs it) through real sockets on 127.0.0.1. Tests keep apart by using a
topic prefix of their own. A test that restarts the broker gets its own.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

# Upper bound for anything a test waits for (broker start, a message, a run to end).
WAIT = 20.0


def mosquitto_binary() -> str:
    # Debian puts it in /usr/sbin, which a CI's PATH may leave out.
    found = shutil.which("mosquitto") or shutil.which("mosquitto", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        pytest.fail("mosquitto is not installed: apt-get install mosquitto mosquitto-clients (.ci/run does)")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Broker:
    """A mosquitto process with a three-line config, on 127.0.0.1 only."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.config = folder / "mosquitto.conf"
        self.config.write_text(f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = (self.folder / "mosquitto.log").open("ab")
        self.process = subprocess.Popen([mosquitto_binary(), "-c", str(self.config)], stdout=log, stderr=log)
        log.close()
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"mosquitto exited: {(self.folder / 'mosquitto.log').read_text()[-500:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not listen in time")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=WAIT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    running = Broker(tmp_path_factory.mktemp("mosquitto"))
    running.start()
    yield running
    running.stop()


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[Broker]:
    """A broker of the test's own, for tests that stop and restart it."""
    (tmp_path / "broker").mkdir()
    running = Broker(tmp_path / "broker")
    running.start()
    yield running
    running.stop()


@pytest.fixture
def prefix() -> str:
    """A topic prefix no other test uses, so retained messages never leak between tests."""
    return f"test-{uuid.uuid4().hex[:10]}"


def publish(url_or_port: Broker | int, topic: str, payload: bytes | str | dict, retain: bool = True) -> None:
    """Publish one message (QoS 1) and wait until the broker has it."""
    # Duck-typed: a test module's import of this file makes a second Broker class.
    port = getattr(url_or_port, "port", url_or_port)
    if isinstance(payload, dict):
        payload = json.dumps(payload)
    client = paho.Client(CallbackAPIVersion.VERSION2)
    client.connect("127.0.0.1", port)
    client.loop_start()
    try:
        client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(timeout=WAIT)
    finally:
        client.disconnect()
        client.loop_stop()


class Listener:
    """A subscriber that keeps every message it hears, for tests to wait on."""

    def __init__(self, port: int, *filters: str) -> None:
        self.messages: list[tuple[str, bytes, bool]] = []
        self.cursor = 0
        self.lock = threading.Lock()
        subscribed = threading.Event()
        self.client = paho.Client(CallbackAPIVersion.VERSION2)
        self.client.on_message = self._on_message
        self.client.on_subscribe = lambda *args: subscribed.set()
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        self.client.subscribe([(f, 1) for f in filters])
        assert subscribed.wait(WAIT)

    def _on_message(self, client: Any, userdata: Any, message: Any) -> None:
        with self.lock:
            self.messages.append((message.topic, bytes(message.payload), bool(message.retain)))

    def wait_for(self, match: Callable[[str, bytes], bool], timeout: float = WAIT) -> tuple[str, bytes]:
        """The first matching message after the one the last wait returned (waits follow each other)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                fresh = self.messages[self.cursor :]
            for i, (topic, payload, _) in enumerate(fresh):
                if match(topic, payload):
                    self.cursor += i + 1
                    return topic, payload
            time.sleep(0.02)
        raise AssertionError(f"no matching message in {timeout:g} s; heard {len(self.messages)}")

    def json_on(self, suffix: str, test: Callable[[dict], bool], timeout: float = WAIT) -> dict:
        """The first JSON message on a topic ending in ``suffix`` that passes ``test``."""

        def match(topic: str, payload: bytes) -> bool:
            if not topic.endswith(suffix) or not payload:
                return False
            return test(json.loads(payload))

        return json.loads(self.wait_for(match, timeout)[1])

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def listen(broker: Broker) -> Iterator[Callable[..., Listener]]:
    opened: list[Listener] = []

    def open_listener(*filters: str, port: int | None = None) -> Listener:
        listener = Listener(port or broker.port, *filters)
        opened.append(listener)
        return listener

    yield open_listener
    for listener in opened:
        listener.close()
