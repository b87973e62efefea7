"""The TUI steered over a real mosquitto: broker state, remote commands as notifications, bursts."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from observatory.mqtt.address import parse_address
from observatory.mqtt.remote import MqttOptions
from observatory.mqtt.session import open_remote
from observatory.tui import ObservatoryApp
from scenarios.bottleneck import SCENARIO as BOTTLENECK
from scenarios.params import parse_params
from tests.observatory.mqtt.conftest import WAIT, Broker, publish

SIZE = (120, 40)


def steered_app(broker: Broker, prefix: str, seen: list[str]) -> ObservatoryApp:
    """Bottleneck paused at t = 2 with a link to the broker; notifications land in ``seen``."""
    options = MqttOptions(parse_address(broker.url), prefix)
    remote = open_remote(options, "bottleneck", 3, 1.0)
    params = parse_params(BOTTLENECK.params, {"agents": "60"})
    app = ObservatoryApp(BOTTLENECK, params, seed=3, start_at=2.0, clock_figures=False, frame_rate=10,
                         remote=remote)
    app.notify = lambda message, **kw: seen.append(str(message))  # type: ignore[method-assign]
    return app


async def until(check: Any, pilot: Any) -> None:
    for _ in range(int(WAIT / 0.05)):
        if check():
            return
        await pilot.pause(0.05)
    raise AssertionError("the TUI never got there")


def test_a_remote_command_lands_on_a_paused_screen_as_a_notification(broker: Broker, prefix: str) -> None:
    seen: list[str] = []

    async def run() -> None:
        app = steered_app(broker, prefix, seen)
        async with app.run_test(size=SIZE) as pilot:
            assert app.status_info().metrics["broker"] == "connected"
            limit_7 = {"type": "concurrency", "params": {"limit": 7}}
            publish(broker, f"{prefix}/constraints/task/work", limit_7)
            await until(lambda: app.engine.commands, pilot)
            engine = app.engine
            assert [a.as_dict() for a in app.engine.commands] == [
                {"time": 2.0, "command": "concurrency", "args": {"scope": "task:work", "limit": 7}}
            ]
            assert app.status_info().limit == "slots: 7"
            await pilot.press("r")  # the same run again: the constraint in force applies to it at t = 0
            assert app.engine is not engine and app.engine.now == 0.0
            assert [a.as_dict() for a in app.engine.commands] == [
                {"time": 0.0, "command": "concurrency", "args": {"scope": "task:work", "limit": 7},
                 "at": "start"}
            ]
            publish(broker, f"{prefix}/constraints/task/work", b"{")
            await until(lambda: app.remote.rejected == 1, pilot)
            assert app.status_info().metrics["mqtt_rejected"] == 1
        app.remote.close()

    asyncio.run(run())
    assert any(line.startswith("mqtt: run bottleneck-3-") for line in seen)
    assert "mqtt: concurrency task:work 7" in seen
    assert any("refused a message" in line and "not JSON" in line for line in seen)


def test_a_burst_of_a_thousand_messages_is_applied_in_order(broker: Broker, prefix: str) -> None:
    seen: list[str] = []

    async def run() -> None:
        app = steered_app(broker, prefix, seen)
        async with app.run_test(size=SIZE) as pilot:
            import paho.mqtt.client as paho
            from paho.mqtt.enums import CallbackAPIVersion

            client = paho.Client(CallbackAPIVersion.VERSION2)
            client.connect("127.0.0.1", broker.port)
            client.loop_start()
            infos = [
                client.publish(
                    f"{prefix}/constraints/task/work",
                    json.dumps({"type": "concurrency", "params": {"limit": n}}), qos=1, retain=True,
                )
                for n in range(1, 1001)
            ]
            for info in infos:
                info.wait_for_publish(timeout=WAIT)
            client.disconnect()
            client.loop_stop()
            await until(lambda: len(app.engine.commands) == 1000, pilot)
            assert [a.command.args["limit"] for a in app.engine.commands] == list(range(1, 1001))
            assert app.status_info().limit == "slots: 1000"
        app.remote.close()

    asyncio.run(run())
    assert len(seen) < 20  # a burst is summed up, not a thousand toasts
    assert any("a burst of 1000 messages: 1000 commands applied" in line for line in seen)
