"""What a run publishes about itself: the metrics snapshot and batches of task events."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from engine import Engine
from engine.events import TaskBlocked, TaskFinished, TaskStarted
from observatory.metrics import plain

if TYPE_CHECKING:
    from observatory.mqtt.remote import Remote

# The columns of an event row, as in the events file (--events-out).
COLUMNS = ("time", "kind", "agent", "task", "reason", "waited", "duration", "status")
# Most events in one batch message; the rest of a frame's events are counted as dropped.
MAX_BATCH = 2_000


def metrics_payload(remote: Remote, speed: float, paused: bool) -> dict[str, Any]:
    """The once-a-second snapshot: which run, where its time is, how fast, its states and limits."""
    engine, world = remote.engine, remote.world
    assert engine is not None and world is not None
    status = remote.link.status_fields
    return {
        "run_id": remote.topics.run_id,
        "scenario": status["scenario"],
        "seed": status["seed"],
        "time": engine.now,
        "speed": speed,
        "achieved": remote.achieved,
        "paused": paused,
        "done": world.done,
        "events": engine.events_emitted,
        "counts": world.counts(),
        "metrics": {k: plain(v) for k, v in world.metrics().items() if _scalar(v)},
        "constraints": [
            {"scope": c.scope, "kind": c.kind, "setting": c.setting, "running": c.running,
             "waiting": c.waiting}
            for c in engine.constraints()
        ],
        "commands": len(engine.commands),
        "last_command": engine.commands[-1].as_dict() if engine.commands else None,
        "mqtt_rejected": remote.rejected,
        "broker": remote.state,
        "wall": round(time.time(), 3),
    }


def _scalar(value: Any) -> bool:
    return isinstance(value, int | float | str | bool) or getattr(value, "ndim", None) == 0


class EventBatch:
    """Task events since the last batch, kept as small tuples (only with --mqtt-events)."""

    def __init__(self, engine: Engine) -> None:
        self.rows: list[list[Any]] = []
        self.dropped = 0
        self._stops = [
            engine.subscribe(TaskBlocked, self._blocked),
            engine.subscribe(TaskStarted, self._started),
            engine.subscribe(TaskFinished, self._finished),
        ]

    # Hot while subscribed: one list append per task event.
    def _blocked(self, e: TaskBlocked) -> None:
        if len(self.rows) < MAX_BATCH:
            self.rows.append([e.time, "blocked", e.agent, e.task, e.reason, None, None, None])
        else:
            self.dropped += 1

    def _started(self, e: TaskStarted) -> None:
        if len(self.rows) < MAX_BATCH:
            self.rows.append([e.time, "started", e.agent, e.task, None, e.waited, None, None])
        else:
            self.dropped += 1

    def _finished(self, e: TaskFinished) -> None:
        if len(self.rows) < MAX_BATCH:
            self.rows.append([e.time, "finished", e.agent, e.task, None, None, e.duration, e.status])
        else:
            self.dropped += 1

    def take(self, run_id: str) -> bytes | None:
        """The batch since the last call as JSON, or None when nothing happened."""
        if not self.rows and not self.dropped:
            return None
        data = {"run_id": run_id, "columns": COLUMNS, "events": self.rows, "dropped": self.dropped}
        self.rows, self.dropped = [], 0
        return json.dumps(data, separators=(",", ":")).encode()

    def close(self) -> None:
        for stop in self._stops:
            stop()
        self._stops = []
