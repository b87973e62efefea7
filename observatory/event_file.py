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


class _Codes(dict):
    """Text -> its code, a new code for each new text: ``map(codes.__getitem__, texts)`` runs in C."""

    def __missing__(self, key: Any) -> int:
        code = self[key] = len(self)
        return code


def _text_column(n: int, parts: list[tuple[np.ndarray, list[Any]]]) -> pa.Array:
    """A text column from each type's values at its rows, through a dictionary (few distinct texts).

    Rows of other types, and None values, are null.
    """
    codes = _Codes()
    column = np.full(n, -1, dtype=np.int32)
    for where, part in parts:
        column[where] = np.fromiter(map(codes.__getitem__, part), dtype=np.int32, count=len(part))
    if None in codes:  # a None value is a null, not the text "None"
        column[column == codes.pop(None)] = -1
        codes = _Codes((k, i) for i, k in enumerate(codes))  # renumber the rest without gaps
        column = _renumbered(column, parts, codes)
    dictionary = pa.array(list(codes), type=_S)
    indices = pa.array(column, mask=column < 0)
    return pa.DictionaryArray.from_arrays(indices, dictionary).cast(_S)


def _renumbered(column: np.ndarray, parts: list[tuple[np.ndarray, list[Any]]], codes: _Codes) -> np.ndarray:
    """The codes again once None is out of the dictionary (rare: only text fields left unset)."""
    column[:] = -1
    for where, part in parts:
        column[where] = [-1 if v is None else codes[v] for v in part]
    return column


def _float_column(n: int, parts: list[tuple[np.ndarray, list[Any]]]) -> pa.Array:
    values = np.full(n, np.nan)
    filled = np.zeros(n, dtype=bool)
    for where, part in parts:
        values[where] = np.asarray(part, dtype=np.float64)
        filled[where] = True
    return pa.array(values, type=_F, mask=~filled)


def in_order(events: list[Any]) -> pa.RecordBatch:
    """Events of any types as one batch, rows in the order of ``events``.

    Everything per event happens in C (``map`` with ``attrgetter`` into
    numpy, texts through a dictionary of codes, numpy scatters): the columns
    every event has are read straight through; the others type by type,
    each written at its type's rows.
    """
    n = len(events)
    types = _Codes()
    kinds = np.fromiter(map(types.__getitem__, map(type, events)), dtype=np.int32, count=n)
    given = {
        "time": pa.array(np.fromiter(map(attrgetter("time"), events), np.float64, n), _F),
        "agent": pa.array(np.fromiter(map(attrgetter("agent"), events), np.int64, n), _I),
        "task": _text_column(n, [(np.arange(n), list(map(attrgetter("task"), events)))]),
    }
    names = pa.array([t.__name__ for t in types], type=_S)
    given["kind"] = pa.DictionaryArray.from_arrays(pa.array(kinds), names).cast(_S)
    parts: dict[str, list[tuple[np.ndarray, list[Any]]]] = {}
    for t, i in types.items():
        columns = {c: f for c, f in _columns_of(t).items() if c not in _BASIC}
        if not columns:
            continue
        where = np.flatnonzero(kinds == i)
        picked = [events[where[0]]] if len(where) == 1 else list(itemgetter(*where.tolist())(events))
        for column, field in columns.items():
            values = list(map(attrgetter(field), picked))
            text = column == "error" or (t not in _KNOWN_COLUMNS and _TYPES[column] == _S)
            parts.setdefault(column, []).append((where, _text(values) if text else values))
    for column, column_parts in parts.items():
        make = _float_column if _TYPES[column] == _F else _text_column
        given[column] = make(n, column_parts)
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
