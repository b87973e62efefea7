"""``observatory control watch``: every run on the broker, live, as one Rich table.

Reads ``{prefix}/telemetry/+/metrics`` and the retained ``{prefix}/status/+``
(so runs that went offline are listed too). The network thread only stores
the latest payload per run; the table is redrawn from them twice a second.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table

from observatory.mqtt.address import BrokerAddress
from observatory.mqtt.topics import Topics

REDRAW = 0.5


class RunBoard:
    """The latest status and metrics of each run, written by the network thread."""

    def __init__(self, topics: Topics) -> None:
        self.topics = topics
        self.lock = threading.Lock()
        self.status: dict[str, dict[str, Any]] = {}
        self.metrics: dict[str, dict[str, Any]] = {}

    def on_message(self, client: Any, userdata: Any, message: Any) -> None:
        run = self.topics.run_of(message.topic)
        if run is None:
            return
        try:
            data = json.loads(message.payload.decode("utf-8")) if message.payload else None
        except (UnicodeDecodeError, ValueError):
            return
        if not isinstance(data, dict):
            data = None
        with self.lock:
            target = self.status if "/status/" in message.topic else self.metrics
            if data is None:
                target.pop(run, None)
            else:
                target[run] = data

    def table(self) -> Table:
        table = Table(title=f"runs on {self.topics.prefix}/", header_style="bold")
        for name in ("run", "status", "scenario", "seed", "time", "speed", "achieved", "commands",
                     "rejected", "constraints", "counts"):
            table.add_column(name, justify="right" if name in ("seed", "time", "commands") else "left")
        with self.lock:
            runs = sorted(set(self.status) | set(self.metrics))
            rows = [(run, self.status.get(run, {}), self.metrics.get(run, {})) for run in runs]
        for run, status, m in rows:
            constraints = ", ".join(f"{c.get('kind')} {c.get('scope')} {c.get('setting')}"
                                    for c in m.get("constraints", []) if isinstance(c, dict))
            counts = " ".join(f"{k} {v}" for k, v in (m.get("counts") or {}).items())
            table.add_row(
                run,
                str(status.get("status", "—")),
                str(m.get("scenario", status.get("scenario", ""))),
                str(m.get("seed", status.get("seed", ""))),
                _figure(m.get("time"), "{:,.1f}"),
                _figure(m.get("speed"), "×{:.3g}"),
                _figure(m.get("achieved"), "×{:.3g}"),
                str(m.get("commands", "")),
                str(m.get("mqtt_rejected", "")),
                constraints or "—",
                counts,
            )
        return table


def watch(address: BrokerAddress, prefix: str, seconds: float | None) -> int:
    """Show the table until Ctrl+C (exit 130) or for ``seconds`` wall seconds (exit 0)."""
    from observatory.mqtt.control import connect

    topics = Topics(prefix)
    board = RunBoard(topics)
    client = connect(address)
    client.on_message = board.on_message
    client.subscribe([(f"{prefix}/telemetry/+/metrics", 0), (f"{prefix}/status/+", 1)])
    console = Console()
    end = None if seconds is None else time.monotonic() + seconds
    code = 0
    try:
        with Live(board.table(), console=console, auto_refresh=False, transient=False) as live:
            while end is None or time.monotonic() < end:
                time.sleep(REDRAW if end is None else max(0.0, min(REDRAW, end - time.monotonic())))
                live.update(board.table(), refresh=True)
    except KeyboardInterrupt:
        code = 130
    finally:
        client.disconnect()
        client.loop_stop()
    return code


def _figure(value: Any, form: str) -> str:
    return form.format(value) if isinstance(value, int | float) and not isinstance(value, bool) else "—"
