"""Runs steered over a real mosquitto: retained constraints, live changes, refusals, telemetry, replay."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from engine.commands import AppliedCommand
from observatory.headless import run_headless
from tests.observatory.mqtt.conftest import WAIT, Broker, publish

BOTTLENECK = ["bottleneck", "--agents", "60", "--slots", "20"]


def start_run(broker: Broker, prefix: str, out: Path, *args: str, duration: float = 4, speed: float = 4):
    """``observatory run`` headless with --mqtt, as a person would start it (stdout not a terminal)."""
    command = [
        sys.executable, "-m", "observatory", "run", *BOTTLENECK, "--headless", "--seed", "3",
        "--duration", f"{duration:g}", "--speed", f"{speed:g}", "--mqtt", broker.url,
        "--mqtt-prefix", prefix, "--metrics-out", str(out), *args,
    ]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=WAIT * 3)
    return process.returncode, out, err


def replayed(record: dict[str, Any]) -> dict[str, Any]:
    """The same run without a broker: its logged commands given to a fresh headless run, as replay does."""
    from scenarios.registry import load

    commands = [AppliedCommand.from_dict(c) for c in record["commands"]]
    return run_headless(load(record["scenario"]), record["params"], record["seed"], record["sim_time"],
                        commands=commands)


def same_run(a: dict[str, Any], b: dict[str, Any]) -> None:
    drop = {"wall_time", "mqtt_rejected", "interrupted"}
    assert {k: v for k, v in a.items() if k not in drop} == {k: v for k, v in b.items() if k not in drop}


def test_a_retained_constraint_applies_at_the_start(broker: Broker, prefix: str, tmp_path: Path) -> None:
    publish(broker, f"{prefix}/constraints/task/work",
            {"id": "concurrency-task:work", "scope": "task:work", "type": "concurrency",
             "params": {"limit": 5}, "expires_at": None})
    code, _, err = finish(start_run(broker, prefix, tmp_path / "m.json", duration=3, speed=10))
    assert code == 0, err
    record = json.loads((tmp_path / "m.json").read_text())
    assert record["commands"] == [
        {"time": 0.0, "command": "concurrency", "args": {"scope": "task:work", "limit": 5}, "at": "start"}
    ]
    assert record["max_running"] == 5 and record["mqtt_rejected"] == 0
    assert {"scope": "task:work", "kind": "concurrency", "setting": "limit 5"} in record["limits_final"]
    assert "mqtt: concurrency task:work 5" in err
    same_run(record, replayed(record))


def test_a_limit_changed_mid_run_shows_in_metrics_telemetry_and_replays(
    broker: Broker, prefix: str, tmp_path: Path, listen: Any
) -> None:
    listener = listen(f"{prefix}/telemetry/#", f"{prefix}/status/#")
    run = start_run(broker, prefix, tmp_path / "m.json", "--mqtt-events", duration=8, speed=2)
    online = listener.json_on("", lambda d: d.get("status") == "online")
    run_id = online["run_id"]
    first = listener.json_on(f"{run_id}/metrics", lambda d: d["time"] > 0)
    assert first["scenario"] == "bottleneck" and first["seed"] == 3 and first["speed"] == 2
    assert {
        k: first["constraints"][0][k] for k in ("scope", "kind", "setting")
    } == {"scope": "task:work", "kind": "concurrency", "setting": "limit 20"}
    publish(broker, f"{prefix}/constraints/task/work", {"type": "concurrency", "params": {"limit": 2}})
    later = listener.json_on(f"{run_id}/metrics", lambda d: d["commands"] == 1)
    assert [c["setting"] for c in later["constraints"] if c["scope"] == "task:work"] == ["limit 2"]
    assert later["last_command"]["args"] == {"scope": "task:work", "limit": 2}
    events = listener.json_on(f"{run_id}/events", lambda d: bool(d["events"]))
    assert events["columns"][:4] == ["time", "kind", "agent", "task"]
    assert {row[1] for row in events["events"]} <= {"blocked", "started", "finished"}
    code, _, err = finish(run)
    assert code == 0, err
    listener.json_on("", lambda d: d.get("status") == "offline" and d.get("reason") == "ended")
    record = json.loads((tmp_path / "m.json").read_text())
    [applied] = record["commands"]
    assert applied["command"] == "concurrency" and applied["args"] == {"scope": "task:work", "limit": 2}
    assert 0 < applied["time"] < 8
    same_run(record, replayed(record))


def test_an_empty_payload_clears_the_scope(broker: Broker, prefix: str, tmp_path: Path, listen: Any) -> None:
    topic = f"{prefix}/constraints/task/work"
    publish(broker, topic, {"type": "pause", "params": {}})
    listener = listen(f"{prefix}/telemetry/#")
    run = start_run(broker, prefix, tmp_path / "m.json", duration=6, speed=2)
    paused = listener.json_on("/metrics", lambda d: d["time"] > 0)
    kinds = {(c["kind"], c["scope"]) for c in paused["constraints"]}
    assert kinds == {("pause", "task:work"), ("concurrency", "task:work")}
    publish(broker, topic, b"")
    listener.json_on("/metrics", lambda d: d["commands"] == 2)
    code, _, err = finish(run)
    assert code == 0, err
    record = json.loads((tmp_path / "m.json").read_text())
    assert [(c["command"], c["args"]) for c in record["commands"]] == [
        ("pause", {"scope": "task:work"}), ("clear", {"scope": "task:work"})
    ]
    assert record["limits_final"] == []  # the model's own slot limit went with the clear
    same_run(record, replayed(record))


def test_malformed_payloads_are_refused_shown_and_counted(
    broker: Broker, prefix: str, tmp_path: Path
) -> None:
    bad = {
        "task/a": b"not json",
        "task/b": json.dumps({"type": "concurrency", "params": {"limit": "many"}}).encode(),
        "task/c": json.dumps({"type": "teleport", "params": {}}).encode(),
        "task/d": json.dumps({"type": "concurrency", "params": {"limit": 0}}).encode(),
        "work": json.dumps({"type": "pause"}).encode(),
        "task/e": json.dumps({"type": "rate_limit", "params": {"rate": "lots"}}).encode(),
        "task/f": json.dumps({"type": "pause", "pad": "x" * 70_000}).encode(),
    }
    for part, payload in bad.items():
        publish(broker, f"{prefix}/constraints/{part}", payload)
    publish(broker, f"{prefix}/commands/nobody", b"concurrency task:work 3")  # another run's: not heard
    code, _, err = finish(start_run(broker, prefix, tmp_path / "m.json", duration=2, speed=10))
    assert code == 0, err
    record = json.loads((tmp_path / "m.json").read_text())
    assert record["mqtt_rejected"] == 7 and record["commands"] == []
    refusals = [line for line in err.splitlines() if line.startswith("mqtt: refused")]
    assert len(refusals) == 7
    for needle in ("not JSON", "limit 'many'", "unknown type 'teleport'", "limit 0", "bad scope",
                   "rate 'lots'", "larger than 64 KB"):
        assert sum(needle in line for line in refusals) == 1, needle


def test_command_texts_on_the_runs_commands_topic(
    broker: Broker, prefix: str, tmp_path: Path, listen: Any
) -> None:
    listener = listen(f"{prefix}/status/#")
    run = start_run(broker, prefix, tmp_path / "m.json", duration=6, speed=2)
    run_id = listener.json_on("", lambda d: d.get("status") == "online")["run_id"]
    publish(broker, f"{prefix}/commands/{run_id}", b"rate-limit task:work 5/s", retain=False)
    publish(broker, f"{prefix}/commands/{run_id}", b"limit everything", retain=False)
    code, _, err = finish(run)
    assert code == 0, err
    record = json.loads((tmp_path / "m.json").read_text())
    assert [(c["command"], c["args"]) for c in record["commands"]] == [
        ("rate-limit", {"scope": "task:work", "rate": "5/s"})
    ]
    assert record["mqtt_rejected"] == 1 and "unknown command 'limit'" in err
    same_run(record, replayed(record))


def test_the_run_goes_on_and_reconnects_when_the_broker_restarts(
    own_broker: Broker, prefix: str, tmp_path: Path
) -> None:
    from tests.observatory.mqtt.conftest import Listener

    listener = Listener(own_broker.port, f"{prefix}/telemetry/#")
    run = start_run(own_broker, prefix, tmp_path / "m.json", duration=30, speed=1)
    listener.json_on("/metrics", lambda d: d["time"] > 0)
    listener.client.loop_stop()
    own_broker.stop()
    time.sleep(1.5)  # the run notices and retries with growing delays
    own_broker.start()
    # Retained on the fresh broker before the run is back: applied when it reconnects.
    publish(own_broker, f"{prefix}/constraints/task/work", {"type": "concurrency", "params": {"limit": 3}})
    listener = Listener(own_broker.port, f"{prefix}/telemetry/#")
    back = listener.json_on("/metrics", lambda d: d["commands"] == 1, timeout=WAIT * 2)
    assert back["broker"] == "connected"
    assert [c["setting"] for c in back["constraints"] if c["scope"] == "task:work"] == ["limit 3"]
    run.send_signal(signal.SIGINT)
    code, _, err = finish(run)
    listener.close()
    assert code == 130, err
    assert "lost the broker" in err and "connected to" in err
    record = json.loads((tmp_path / "m.json").read_text())
    assert [c["args"] for c in record["commands"]] == [{"scope": "task:work", "limit": 3}]
    assert record["interrupted"] is True


def test_sigterm_ends_a_steered_run_with_its_results(
    broker: Broker, prefix: str, tmp_path: Path, listen: Any
) -> None:
    listener = listen(f"{prefix}/status/#", f"{prefix}/telemetry/#")
    run = start_run(broker, prefix, tmp_path / "m.json", duration=600, speed=1)
    listener.json_on("/metrics", lambda d: d["time"] > 0)  # running: past the build
    run.send_signal(signal.SIGTERM)
    code, out, err = finish(run)
    assert code == 143 and "Traceback" not in err, err
    record = json.loads((tmp_path / "m.json").read_text())
    assert record["interrupted"] is True and 0 < record["sim_time"] < 600
    assert "sim_time" in out  # the summary still printed
    listener.json_on("", lambda d: d.get("status") == "offline" and d.get("reason") == "ended")


def test_after_a_dropped_connection_the_retained_constraints_are_not_applied_twice(
    broker: Broker, prefix: str, tmp_path: Path, listen: Any
) -> None:
    import paho.mqtt.client as paho
    from paho.mqtt.enums import CallbackAPIVersion

    publish(broker, f"{prefix}/constraints/task/work", {"type": "concurrency", "params": {"limit": 5}})
    publish(broker, f"{prefix}/constraints/task/bad", b"not json")
    listener = listen(f"{prefix}/status/#", f"{prefix}/telemetry/#")
    run = start_run(broker, prefix, tmp_path / "m.json", duration=600, speed=1)
    run_id = listener.json_on("", lambda d: d.get("status") == "online")["run_id"]
    listener.json_on("/metrics", lambda d: d["time"] > 0)
    # A client with the run's client id takes its session over: the broker drops the run's connection.
    intruder = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"observatory-{run_id}")
    intruder.connect("127.0.0.1", broker.port)
    intruder.loop_start()
    listener.json_on("", lambda d: d.get("status") == "offline" and d.get("reason") == "lost")
    intruder.disconnect()
    intruder.loop_stop()
    # Back online, the broker hands the same retained constraint over again: it is known, not re-applied.
    listener.json_on("", lambda d: d.get("status") == "online" and d.get("run_id") == run_id)
    listener.json_on("/metrics", lambda d: d["broker"] == "connected" and d["time"] > 0)
    run.send_signal(signal.SIGINT)
    code, _, err = finish(run)
    assert code == 130, err
    assert "lost the broker" in err
    record = json.loads((tmp_path / "m.json").read_text())
    assert [c["args"] for c in record["commands"]] == [{"scope": "task:work", "limit": 5}]
    assert record["mqtt_rejected"] == 1  # the bad retained message, handed over twice, counts once
