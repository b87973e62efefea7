"""``observatory control``: publish retained constraints, or watch every run's telemetry.

    observatory control --mqtt URL concurrency SCOPE N [--ttl S]
    observatory control --mqtt URL rate-limit SCOPE RATE [--ttl S]
    observatory control --mqtt URL pause SCOPE [--ttl S]
    observatory control --mqtt URL resume SCOPE
    observatory control --mqtt URL clear SCOPE
    observatory control --mqtt URL watch [--seconds S]

Constraints are published retained, so runs that connect later obey them
too. ``resume`` publishes a pause that expired at the epoch (a run lifts
the pause; a later run gets nothing paused); ``clear`` publishes the empty
payload, which removes the retained message and every constraint on the scope.
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

import paho.mqtt.client as paho
import typer
from paho.mqtt.enums import CallbackAPIVersion

from engine.commands import Command, CommandError, check_command
from observatory.mqtt.address import AddressError, BrokerAddress, parse_address
from observatory.mqtt.link import CONNECT_TIMEOUT
from observatory.mqtt.payloads import constraint_payload
from observatory.mqtt.topics import DEFAULT_PREFIX, TopicError, Topics, check_prefix
from scenarios.params import ParamError

ACTIONS = ("concurrency", "rate-limit", "pause", "resume", "clear", "watch")
FORMS = "concurrency SCOPE N | rate-limit SCOPE RATE | pause SCOPE | resume SCOPE | clear SCOPE | watch"


class ControlError(ParamError):
    """Bad use of ``observatory control`` (exit 2); the message names what was wrong."""

    def __init__(self, message: str) -> None:
        ValueError.__init__(self, message)
        self.name, self.option = "control", "control"


def control(
    action: str = typer.Argument(..., metavar="ACTION", help=FORMS),
    scope: str | None = typer.Argument(None, metavar="SCOPE", help="global, task:GLOB or agent:GLOB"),
    value: str | None = typer.Argument(None, metavar="VALUE", help="the limit N or the rate (10/s)"),
    mqtt: str = typer.Option(..., "--mqtt", metavar="URL", help="mqtt://host:port or mqtt://user:password@host:port"),
    mqtt_ca: str | None = typer.Option(None, "--mqtt-ca", metavar="FILE", help="CA file for mqtts://"),
    mqtt_prefix: str = typer.Option(DEFAULT_PREFIX, "--mqtt-prefix", metavar="TEXT", show_default=True),
    ttl: str | None = typer.Option(None, "--ttl", metavar="S", help="Virtual seconds the constraint lasts"),
    seconds: str | None = typer.Option(None, "--seconds", metavar="S", help="watch: stop after S wall s"),
) -> int:
    """Steer runs over MQTT (retained constraints), or watch their telemetry."""
    try:
        address = parse_address(mqtt, mqtt_ca)
        prefix = check_prefix(mqtt_prefix)
    except (AddressError, TopicError) as error:
        raise ControlError(str(error)) from None
    if action not in ACTIONS:
        raise ControlError(f"unknown action {action!r}: use {FORMS}")
    if action == "watch":
        if scope is not None or ttl is not None:
            raise ControlError("watch takes no scope, value or --ttl: observatory control --mqtt URL watch")
        from observatory.mqtt.watch import watch

        return watch(address, prefix, _seconds(seconds))
    command = _command(action, scope, value, ttl)
    topics = Topics(prefix)
    topic = topics.constraint(command.args["scope"])
    payload = _payload(command)
    _publish(address, topic, payload)
    what = "clear (empty payload)" if not payload else command.text()
    print(f"published {what} on {topic} (retained)")
    return 0


def _command(action: str, scope: str | None, value: str | None, ttl: str | None) -> Command:
    if scope is None:
        raise ControlError(f"{action} needs a scope: observatory control --mqtt URL {FORMS}")
    needs_value = action in ("concurrency", "rate-limit")
    if needs_value and value is None:
        form = "N" if action == "concurrency" else "RATE"
        raise ControlError(f"{action} needs a value: {action} SCOPE {form}")
    if not needs_value and value is not None:
        raise ControlError(f"{action} takes a scope only, not {value!r}")
    if ttl is not None and action in ("resume", "clear"):
        raise ControlError(f"--ttl: {action} takes no ttl (only concurrency, rate-limit and pause)")
    args: dict[str, Any] = {"scope": scope}
    if action == "concurrency":
        args["limit"] = value
    elif action == "rate-limit":
        args["rate"] = value
    if ttl is not None:
        args["ttl"] = ttl
    try:
        return check_command(Command(action, args))
    except CommandError as error:
        raise ControlError(f"{action}: {error}") from None


def _payload(command: Command) -> bytes:
    a = command.args
    ttl = a.get("ttl")
    if command.name == "concurrency":
        return constraint_payload("concurrency", a["scope"], {"limit": a["limit"]}, ttl)
    if command.name == "rate-limit":
        return constraint_payload("rate_limit", a["scope"], {"rate": a["rate"]}, ttl)
    if command.name == "pause":
        return constraint_payload("pause", a["scope"], {}, ttl)
    if command.name == "resume":
        return constraint_payload("pause", a["scope"], {}, expires_at=0)
    return b""  # clear


def _seconds(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < float("inf"):
        raise ControlError(f"--seconds: {text!r} is not valid: use a number of wall seconds > 0")
    return value


def connect(address: BrokerAddress, client_id: str = "") -> paho.Client:
    """A connected client with its network thread running (raises ControlError: exit 2)."""
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=paho.MQTTv311)
    if address.username is not None:
        client.username_pw_set(address.username, address.password)
    if address.tls:
        client.tls_set(ca_certs=None if address.ca_file is None else str(address.ca_file))
    client.connect_timeout = CONNECT_TIMEOUT
    answered = threading.Event()
    refused: list[str] = []

    def on_connect(c: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if reason.is_failure:
            refused.append(str(reason))
        answered.set()

    client.on_connect = on_connect
    try:
        client.connect(address.host, address.port, keepalive=10)
    except OSError as error:
        why = error.strerror or str(error) or type(error).__name__
        raise ControlError(f"--mqtt: cannot reach the broker at {address.shown}: {why}") from None
    client.loop_start()
    if not answered.wait(CONNECT_TIMEOUT) or refused:
        client.loop_stop()
        why = refused[0] if refused else "no answer"
        raise ControlError(f"--mqtt: the broker at {address.shown} did not take the connection: {why}")
    return client


def _publish(address: BrokerAddress, topic: str, payload: bytes) -> None:
    client = connect(address)
    try:
        info = client.publish(topic, payload, qos=1, retain=True)
        deadline = time.monotonic() + CONNECT_TIMEOUT
        with contextlib.suppress(RuntimeError, ValueError):
            info.wait_for_publish(timeout=CONNECT_TIMEOUT)
        if not info.is_published() and time.monotonic() >= deadline:
            raise ControlError(f"--mqtt: the broker at {address.shown} did not confirm the message")
    finally:
        client.disconnect()
        client.loop_stop()
