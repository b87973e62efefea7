"""Every engine event of a run as a row of a Parquet or CSV file (``--events-out``), written as it goes.

Events wait in one list, as the engine made them. Between engine slices,
once enough wait, they become one columnar record batch for the file
(columns a type has no use for are null), so memory stays bounded however
long the run. ``kind`` is the event's type name
(``TaskStarted`` ...); a constraint's own kind is in ``constraint``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from engine import (
    AgentFailed,
    AgentFinished,
    AgentStarted,
    ConstraintChanged,
    Engine,
    Event,
    TaskBlocked,
    TaskFinished,
    TaskStarted,
)
from observatory.tabular import TableStream
from scenarios.framework import World

BATCH_ROWS = 65_536  # events waiting before they are written as one batch

_S, _F, _I = pa.string(), pa.float64(), pa.int64()
COLUMNS: tuple[tuple[str, pa.DataType], ...] = (
    ("time", _F), ("kind", _S), ("agent", _I), ("task", _S), ("reason", _S), ("waited", _F),
    ("duration", _F), ("status", _S), ("name", _S), ("error", _S), ("scope", _S), ("constraint", _S),
    ("action", _S), ("value", _S),
)  # fmt: skip
SCHEMA = pa.schema([pa.field(n, t) for n, t in COLUMNS])
_TYPES = dict(COLUMNS)
_FIELD_COLUMN = {"kind": "constraint"}  # event field -> column, where the names differ


_BASIC = "time", "agent", "task"
_KNOWN_COLUMNS = {
    TaskBlocked: (*_BASIC, "reason"),
    TaskStarted: (*_BASIC, "waited"),
    TaskFinished: (*_BASIC, "duration", "status"),
    AgentStarted: (*_BASIC, "name"),
    AgentFinished: (*_BASIC, "status"),
    AgentFailed: (*_BASIC, "error"),
    ConstraintChanged: (*_BASIC, "scope", "constraint", "action", "value"),
}


def _columns_of(t: type) -> dict[str, str]:
    """column -> event field, for the columns an event type fills."""
    fields = [f.name for f in dataclasses.fields(t)]
    columns = {_FIELD_COLUMN.get(f, f): f for f in fields}
    wanted = _KNOWN_COLUMNS.get(t) or tuple(c for c in columns if c in _TYPES and c != "kind")
    return {c: columns[c] for c in wanted}


def _text(values: list[Any]) -> list[Any]:
    """Values for a text column: an AgentFailed's exception as ``Type: message``, anything else as str."""
    return [
        v
        if v is None or isinstance(v, str)
        else f"{type(v).__name__}: {v}"
        if isinstance(v, BaseException)
        else str(v)
        for v in values
    ]


def _column(n: int, kind: pa.DataType, parts: list[tuple[np.ndarray, list[Any]]]) -> pa.Array:
    """One full column from each type's values at its rows; rows of other types are null."""
    if kind == _F:
        values = np.full(n, np.nan)
        filled = np.zeros(n, dtype=bool)
        for where, part in parts:
            values[where] = part
            filled[where] = True
        return pa.array(values, type=_F, mask=~filled)
    objects = np.full(n, None, dtype=object)
    for where, part in parts:
        objects[where] = part
    return pa.array(objects, type=kind)


def in_order(events: list[Any]) -> pa.RecordBatch:
    """Events of any types as one batch, rows in the order of ``events``.

    Everything per event happens in C (``map`` with ``attrgetter``, numpy
    scatters): the columns every event has are read straight through; the
    others type by type, each written at its type's rows.
    """
    n = len(events)
    types = list(dict.fromkeys(map(type, events)))
    code = {t: i for i, t in enumerate(types)}
    codes = np.fromiter(map(code.__getitem__, map(type, events)), dtype=np.int64, count=n)
    given = {c: pa.array(list(map(attrgetter(c), events)), _TYPES[c]) for c in _BASIC}
    names = np.array([t.__name__ for t in types], dtype=object)
    given["kind"] = pa.array(names[codes], type=_S)
    parts: dict[str, list[tuple[np.ndarray, list[Any]]]] = {}
    for t, i in code.items():
        columns = {c: f for c, f in _columns_of(t).items() if c not in _BASIC}
        if not columns:
            continue
        where = np.flatnonzero(codes == i)
        picked = [events[where[0]]] if len(where) == 1 else list(itemgetter(*where.tolist())(events))
        for column, field in columns.items():
            values = list(map(attrgetter(field), picked))
            text = column == "error" or (t not in _KNOWN_COLUMNS and _TYPES[column] == _S)
            parts.setdefault(column, []).append((where, _text(values) if text else values))
    for column, column_parts in parts.items():
        given[column] = _column(n, _TYPES[column], column_parts)
    arrays = [given[c] if c in given else pa.nulls(n, type=t) for c, t in COLUMNS]
    return pa.RecordBatch.from_arrays(arrays, schema=SCHEMA)


class EventRecorder:
    """Records a run's events into ``path``: ``start`` before the world is built, then as the run goes.

    The subscriber is the bound ``append`` of a list, a C function: the hot
    path runs no Python frame of ours, and the engine makes a fresh event
    object per event, so keeping it until the batch is written is safe.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.events: list[Any] = []
        self.stream: TableStream | None = None
        self._unsubscribe: Callable[[], None] | None = None

    def start(self, engine: Engine) -> None:
        self.stream = TableStream(self.path, SCHEMA, "events_out")
        self._unsubscribe = engine.subscribe(Event, self.events.append)

    def after_slice(self) -> None:
        if len(self.events) >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        """Write the waiting events as one batch, in the order they happened."""
        if not self.events or self.stream is None:
            return
        events = self.events.copy()  # the subscription holds this list's append: empty it, keep it
        self.events.clear()
        self.stream.write(in_order(events))

    def finish(self, engine: Engine, world: World) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.flush()
        if self.stream is not None:
            self.stream.close()

    def abort(self) -> None:
        if self.stream is not None:
            self.stream.abort()
