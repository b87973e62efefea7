"""Constraint payloads -> engine commands, topics and broker URLs (no broker needed here)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.commands import Command
from observatory.mqtt.address import AddressError, parse_address
from observatory.mqtt.payloads import PayloadError, constraint_command, constraint_payload
from observatory.mqtt.topics import TopicError, Topics, check_prefix

NOW = 1_800_000_000.0


def command(scope: str, payload: object, speed: float = 1.0) -> Command:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return constraint_command(scope, raw, wall_now=NOW, speed=speed)


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"id": "concurrency-task:work", "scope": "task:work", "type": "concurrency",
          "params": {"limit": 5}, "expires_at": None},
         Command("concurrency", {"scope": "task:work", "limit": 5})),
        ({"type": "rate_limit", "params": {"rate": "10/s"}},
         Command("rate-limit", {"scope": "task:work", "rate": "10/s"})),
        ({"type": "rate_limit", "params": {"rate": "3/m", "burst": 4}},
         Command("rate-limit", {"scope": "task:work", "rate": "3/m", "burst": 4.0})),
        ({"type": "pause", "params": {}}, Command("pause", {"scope": "task:work"})),
        ({"type": "pause", "ttl": 2.5}, Command("pause", {"scope": "task:work", "ttl": 2.5})),
        ({"type": "concurrency", "params": {"limit": 2}, "controller": "x"},
         Command("concurrency", {"scope": "task:work", "limit": 2})),
        (b"", Command("clear", {"scope": "task:work"})),
    ],
)
def test_payloads_become_commands(payload: object, expected: Command) -> None:
    assert command("task:work", payload) == expected


def test_expires_at_becomes_a_virtual_ttl_through_the_speed() -> None:
    payload = {"type": "concurrency", "params": {"limit": 3}, "expires_at": NOW + 4}
    assert command("global", payload, speed=2.5).args == {"scope": "global", "limit": 3, "ttl": 10.0}


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("pause", Command("resume", {"scope": "agent:a-?"})),
        ("concurrency", Command("clear", {"scope": "agent:a-?", "kind": "concurrency"})),
        ("rate_limit", Command("clear", {"scope": "agent:a-?", "kind": "rate_limit"})),
    ],
)
def test_an_expired_constraint_lifts_its_kind(kind: str, expected: Command) -> None:
    params = {"limit": 1} if kind == "concurrency" else {"rate": "1/s"} if kind == "rate_limit" else {}
    assert command("agent:a-?", {"type": kind, "params": params, "expires_at": NOW - 1}) == expected
    assert command("agent:a-?", {"type": kind, "params": params, "expires_at": 0}) == expected


@pytest.mark.parametrize(
    ("scope", "payload", "message"),
    [
        ("task:work", b"{not json", "payload is not JSON"),
        ("task:work", b"\xff\xfe", "payload is not JSON"),
        ("task:work", [1, 2], "not a JSON object"),
        ("task:work", {"type": "throttle"}, "unknown type 'throttle'"),
        ("task:work", {"params": {"limit": 2}}, "unknown type null"),
        ("task:work", {"type": "concurrency", "params": {"limit": 0}}, "limit 0 is not valid"),
        ("task:work", {"type": "concurrency", "params": {"limit": "5"}}, "limit '5' is not valid"),
        ("task:work", {"type": "concurrency", "params": {"limit": 2.5}}, "limit 2.5 is not valid"),
        ("task:work", {"type": "concurrency", "params": {"limit": True}}, "limit True is not valid"),
        ("task:work", {"type": "concurrency", "params": {}}, "needs params"),
        ("task:work", {"type": "concurrency", "params": [5]}, "params [5] is not an object"),
        ("task:work", {"type": "rate_limit", "params": {"rate": "fast"}}, "rate 'fast' is not valid"),
        ("task:work", {"type": "rate_limit", "params": {"rate": "1/s", "burst": 0}}, "burst 0"),
        ("task:work", {"type": "pause", "scope": "work"}, "bad scope (scope)"),
        ("task:work", {"type": "pause", "scope": "task:other"}, "does not match its topic's scope"),
        ("task:work", {"type": "pause", "scope": 7}, "bad scope (scope)"),
        ("work", {"type": "pause"}, "bad scope (its topic)"),
        ("task:work", {"type": "pause", "ttl": -1}, "ttl -1 is not valid"),
        ("task:work", {"type": "pause", "ttl": "5"}, "ttl '5' is not valid"),
        ("task:work", {"type": "pause", "expires_at": "soon"}, "expires_at 'soon' is not valid"),
        ("task:work", b'{"type": "pause", "expires_at": Infinity}', "expires_at Infinity is not valid"),
        ("task:work", {"type": "pause", "ttl": 1, "expires_at": NOW + 1}, "not both"),
        ("task:work", b" " * (64 * 1024 + 1), "larger than 64 KB"),
    ],
)
def test_malformed_payloads_are_refused_with_one_line(scope: str, payload: object, message: str) -> None:
    with pytest.raises(PayloadError, match=r"^[^\n]*$") as caught:
        command(scope, payload)
    assert message in str(caught.value)
    assert len(str(caught.value)) < 200


@given(st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(
        ["type", "params", "limit", "rate", "burst", "scope", "ttl", "expires_at", "id"]), inner, max_size=5),
    max_leaves=12,
))
def test_any_json_is_a_command_or_a_refusal(value: object) -> None:
    try:
        raw = json.dumps(value).encode()
    except ValueError:
        return
    try:
        result = constraint_command("task:work", raw, wall_now=NOW, speed=1.0)
    except PayloadError:
        return
    assert result.name in ("concurrency", "rate-limit", "pause", "resume", "clear")
    assert result.args["scope"] == "task:work"


def test_what_control_publishes_reads_back_as_the_same_command() -> None:
    payload = constraint_payload("concurrency", "task:work", {"limit": 4}, ttl=3.0)
    assert json.loads(payload)["id"] == "concurrency-task:work"
    expected = Command("concurrency", {"scope": "task:work", "limit": 4, "ttl": 3.0})
    assert command("task:work", payload) == expected


def test_topics_follow_the_layout() -> None:
    topics = Topics("cascade", "run-1")
    assert topics.constraint("task:work") == "cascade/constraints/task/work"
    assert topics.constraint("global") == "cascade/constraints/global"
    assert topics.scope_of("cascade/constraints/agent/agent-1??") == "agent:agent-1??"
    assert topics.scope_of("cascade/telemetry/run-1/metrics") is None
    assert (topics.metrics, topics.events, topics.status, topics.commands) == (
        "cascade/telemetry/run-1/metrics", "cascade/telemetry/run-1/events",
        "cascade/status/run-1", "cascade/commands/run-1",
    )
    assert Topics("cascade").run_of("cascade/status/run-9") == "run-9"
    for bad in ("", "/a", "a/", "a/+/b", "a#", "a//b"):
        with pytest.raises(TopicError, match="--mqtt-prefix"):
            check_prefix(bad)


def test_broker_urls_keep_their_credentials_out_of_sight() -> None:
    address = parse_address("mqtt://ops:s3cret@broker.example:1884")
    assert (address.host, address.port) == ("broker.example", 1884)
    assert (address.username, address.password) == ("ops", "s3cret")
    assert "s3cret" not in repr(address) and "s3cret" not in address.shown
    assert address.shown == "mqtt://broker.example:1884"
    assert parse_address("mqtts://h").port == 8883 and parse_address("mqtt://h").port == 1883
    for bad in ("http://ops:s3cret@h:1", "mqtt://ops:s3cret@:1", "mqtt://ops:s3cret@h:99999",
                "mqtt://ops:s3cret@h:1/path", "mqtt://ops:s3cret@h:0"):
        with pytest.raises(AddressError, match=r"^--mqtt: ") as caught:
            parse_address(bad)
        assert "s3cret" not in str(caught.value)
    with pytest.raises(AddressError, match="--mqtt-ca: only with an mqtts://"):
        parse_address("mqtt://h", "ca.pem")
    with pytest.raises(AddressError, match=r"--mqtt-ca: 'missing\.pem' is not a readable file"):
        parse_address("mqtts://h", "missing.pem")
