"""The ``--mqtt`` options of ``observatory run`` and opening a run's link to the broker.

The options are read and the broker is reached before the world is built,
so a bad URL or an unreachable broker exits 2 with one line before any time
is spent. Credentials stay inside the link: no message repeats the URL.
"""

from __future__ import annotations

import inspect
import os
import secrets
from typing import Any

import typer

from observatory.mqtt.address import AddressError, parse_address
from observatory.mqtt.link import BrokerError, MqttLink
from observatory.mqtt.remote import MqttOptions, Notify, Remote
from observatory.mqtt.topics import DEFAULT_PREFIX, TopicError, Topics, check_prefix
from scenarios.params import ParamError

OPTION_NAMES = ("mqtt", "mqtt_ca", "mqtt_prefix", "mqtt_events")


def runner_options() -> list[inspect.Parameter]:
    """The MQTT options every scenario's ``run`` command takes."""
    kind = inspect.Parameter.KEYWORD_ONLY
    options: list[tuple[str, Any, Any]] = [
        ("mqtt", str | None, typer.Option(
            None, "--mqtt", metavar="URL",
            help="Steer and watch the run over MQTT: mqtt://host:port, mqtt://user:password@host:port, mqtts://...",
        )),
        ("mqtt_ca", str | None, typer.Option(
            None, "--mqtt-ca", metavar="FILE", help="CA certificates (PEM) for an mqtts:// broker",
        )),
        ("mqtt_prefix", str, typer.Option(
            DEFAULT_PREFIX, "--mqtt-prefix", metavar="TEXT", help="First topic levels", show_default=True,
        )),
        ("mqtt_events", bool, typer.Option(
            False, "--mqtt-events", help="Also publish batches of task events (needs --mqtt)",
        )),
    ]
    return [inspect.Parameter(n, kind, default=opt, annotation=ann) for n, ann, opt in options]


def parse_options(values: dict[str, Any]) -> MqttOptions | None:
    """The checked MQTT options, or None without ``--mqtt`` (raises ParamError)."""
    url, ca, prefix, events = (values.get(n) for n in OPTION_NAMES)
    if url is None:
        for name in ("mqtt_ca", "mqtt_events"):
            if values.get(name):
                raise ParamError(name, "needs --mqtt URL")
        if prefix not in (None, DEFAULT_PREFIX):
            raise ParamError("mqtt_prefix", "needs --mqtt URL")
        return None
    try:
        address = parse_address(url, ca)
        prefix = check_prefix(prefix or DEFAULT_PREFIX)
    except (AddressError, TopicError) as error:
        # The message names its option already: "--mqtt: ...".
        raise _OptionError(str(error)) from None
    return MqttOptions(address, prefix, bool(events))


def new_run_id(scenario: str, seed: int) -> str:
    """A run id unique on the broker: scenario, seed and a random tag (no '/' '+' '#')."""
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in scenario)
    return f"{name}-{seed}-{secrets.token_hex(3)}"


def open_remote(options: MqttOptions, scenario: str, seed: int, speed: float) -> Remote:
    """Connect, subscribe and wait for the retained constraints (raises ParamError: exit 2).

    Notices wait in ``Remote.early`` until the run says where they go.
    """
    run_id = new_run_id(scenario, seed)
    status = {"run_id": run_id, "scenario": scenario, "seed": seed, "speed": speed, "pid": os.getpid()}
    link = MqttLink(options.address, Topics(options.prefix, run_id), status)
    try:
        link.start()
    except BrokerError as error:
        raise _OptionError(f"--mqtt: {error}") from None
    return Remote(link, options.events, None)


class _OptionError(ParamError):
    """A ParamError whose message already names its option."""

    def __init__(self, message: str) -> None:
        ValueError.__init__(self, message)
        self.name, self.option = "mqtt", "--mqtt"


def run_headless_steered(
    remote: Remote, scenario: Any, params: Any, seed: int, horizon: float | None, speed: float,
    stop: Any, progress: Any, console: Any, failures: Any = None, commands: Any = (),
) -> dict[str, Any]:
    """A headless run paced at ``speed`` and steered over MQTT; the link is closed at the end."""
    from observatory.mqtt.paced import run_paced

    remote.show_on(stderr_lines(console))
    reason = "ended"
    try:
        # The caller's StopSignals turns SIGINT, SIGTERM and SIGHUP into ``stop()``.
        return run_paced(
            scenario, params, seed, horizon, speed, remote, progress=progress, stop=stop, failures=failures,
            commands=commands,
        )
    except BaseException:
        reason = "failed"
        raise
    finally:
        remote.close(reason)


def stderr_lines(console: Any) -> Notify:
    """Remote notices for a headless run: one line each on stderr (above the progress bar)."""

    def say(line: str, severity: str) -> None:
        console.print(line, markup=False, highlight=False, soft_wrap=True)

    return say
