"""``observatory control`` on a real mosquitto, and the CLI's refusals before a run starts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.observatory.mqtt.conftest import WAIT, Broker, free_port
from tests.observatory.mqtt.test_mqtt_runs import finish, start_run


def observatory(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "300"}  # the watch table on one line per run
    return subprocess.run(
        [sys.executable, "-m", "observatory", *args],
        capture_output=True, text=True, timeout=WAIT * 2, env=env,
    )


def retained(listen: Any, topic: str) -> dict | None:
    """What the broker keeps on a topic, read by a fresh subscriber (None: nothing or empty)."""
    listener = listen(topic)
    try:
        _, payload = listener.wait_for(lambda t, p: t == topic, timeout=2.0)
    except AssertionError:
        return None
    return json.loads(payload) if payload else None


def test_control_publishes_retained_constraints_that_runs_obey(
    broker: Broker, prefix: str, tmp_path: Path, listen: Any
) -> None:
    url = broker.url

    def control(*args: str) -> subprocess.CompletedProcess[str]:
        return observatory("control", "--mqtt", url, "--mqtt-prefix", prefix, *args)

    done = control("concurrency", "task:work", "4")
    assert done.returncode == 0, done.stderr
    topic = f"{prefix}/constraints/task/work"
    assert done.stdout.strip() == f"published concurrency task:work 4 on {topic} (retained)"
    assert retained(listen, f"{prefix}/constraints/task/work") == {
        "id": "concurrency-task:work", "scope": "task:work", "type": "concurrency",
        "params": {"limit": 4}, "expires_at": None,
    }
    done = control("pause", "global", "--ttl", "1.5")
    assert done.returncode == 0, done.stderr
    assert retained(listen, f"{prefix}/constraints/global")["ttl"] == 1.5
    done = control("rate-limit", "agent:agent-1?", "2/s")
    assert done.returncode == 0, done.stderr
    code, _, err = finish(start_run(broker, prefix, tmp_path / "m.json", duration=3, speed=10))
    assert code == 0, err
    record = json.loads((tmp_path / "m.json").read_text())
    assert sorted(c["command"] for c in record["commands"]) == ["concurrency", "pause", "rate-limit"]
    pause = {"command": "pause", "args": {"scope": "global", "ttl": 1.5}, "time": 0.0, "at": "start"}
    assert pause in record["commands"]
    assert record["max_running"] == 4

    control("resume", "global")
    assert retained(listen, f"{prefix}/constraints/global")["expires_at"] == 0
    control("clear", "task:work")
    assert retained(listen, f"{prefix}/constraints/task/work") is None
    code, _, err = finish(start_run(broker, prefix, tmp_path / "n.json", duration=2, speed=10))
    assert code == 0, err
    record = json.loads((tmp_path / "n.json").read_text())
    assert sorted((c["command"], c["args"]["scope"]) for c in record["commands"]) == [
        ("rate-limit", "agent:agent-1?"), ("resume", "global")
    ]


def test_control_watch_lists_every_run(broker: Broker, prefix: str, tmp_path: Path) -> None:
    run = start_run(broker, prefix, tmp_path / "m.json", duration=6, speed=2)
    shown = observatory("control", "--mqtt", broker.url, "--mqtt-prefix", prefix, "watch", "--seconds", "2.5")
    code, _, err = finish(run)
    assert code == 0 and shown.returncode == 0, (err, shown.stderr)
    assert f"runs on {prefix}/" in shown.stdout
    assert "bottleneck-3-" in shown.stdout and "online" in shown.stdout and "bottleneck" in shown.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["concurrency", "task:work"], "concurrency needs a value"),
        (["concurrency", "task:work", "0"], "limit '0' is not valid"),
        (["rate-limit", "task:work", "fast"], "rate 'fast' is not valid"),
        (["pause", "work"], "scope 'work' is not valid"),
        (["resume", "global", "--ttl", "3"], "--ttl: resume takes no ttl"),
        (["teleport", "global"], "unknown action 'teleport'"),
        (["watch", "--seconds", "-1"], "--seconds: '-1' is not valid"),
    ],
)
def test_control_refuses_bad_use_with_one_line(broker: Broker, args: list[str], message: str) -> None:
    done = observatory("control", "--mqtt", broker.url, *args)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and message in done.stderr, done.stderr


def test_an_unreachable_broker_exits_2_with_one_line_and_no_credentials(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    url = f"mqtt://ops:s3cret@127.0.0.1:{port}"
    for args in (
        ["run", "bottleneck", "--headless", "--duration", "1", "--mqtt", url],
        ["control", "--mqtt", url, "pause", "global"],
    ):
        done = observatory(*args)
        assert done.returncode == 2
        assert done.stderr.count("\n") == 1, done.stderr
        assert f"cannot reach the broker at mqtt://127.0.0.1:{port}" in done.stderr
        assert "s3cret" not in done.stderr + done.stdout and "ops" not in done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--mqtt", "tcp://127.0.0.1:1883"], "--mqtt: the scheme must be mqtt:// or mqtts://"),
        (["--mqtt-events"], "--mqtt-events: needs --mqtt URL"),
        (["--mqtt", "mqtt://127.0.0.1:1883", "--mqtt-prefix", "a/#"], "--mqtt-prefix: 'a/#' is not valid"),
        (["--mqtt", "mqtt://127.0.0.1:1883", "--mqtt-ca", "ca.pem"], "--mqtt-ca: only with an mqtts://"),
    ],
)
def test_bad_mqtt_options_exit_2_before_any_connection(args: list[str], message: str) -> None:
    done = observatory("run", "bottleneck", "--headless", "--duration", "1", *args)
    assert done.returncode == 2 and message in done.stderr and done.stderr.count("\n") == 1, done.stderr


def test_credentials_are_never_printed_or_logged(broker: Broker, prefix: str, tmp_path: Path) -> None:
    url = f"mqtt://ops:s3cret@127.0.0.1:{broker.port}"  # the test broker lets anyone in
    command = [
        sys.executable, "-m", "observatory", "run", "bottleneck", "--agents", "20", "--headless",
        "--duration", "1", "--speed", "10", "--mqtt", url, "--mqtt-prefix", prefix,
        "--metrics-out", str(tmp_path / "m.json"),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=WAIT * 2)
    assert done.returncode == 0, done.stderr
    everything = done.stdout + done.stderr + (tmp_path / "m.json").read_text()
    assert "s3cret" not in everything
    assert f"mqtt://127.0.0.1:{broker.port}" in done.stderr
