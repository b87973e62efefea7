"""The results table of a sweep: typed columns, rows kept in run order, saved in batches.

Columns: ``scenario``, ``seed``, every parameter (typed as the parameter),
every scalar metric (typed from the first runs that finished), the
``theory_<metric>`` columns the scenario declares, ``sim_time``,
``wall_time``, ``status``, ``error``; with ``--command``s also ``commands``
(their texts, the same in every row: a file of other commands is not
resumed). Finished rows are appended to the
file in batches (``results_file``), at most every ``FLUSH_EVERY`` wall
seconds and at the end, in run order: a row waits until the runs before it
have finished, except at the end (or on Ctrl+C), when every row is written.
"""

from __future__ import annotations

from pathlib import Path
from time import monotonic
from typing import Any

import pyarrow as pa

from observatory.sweep.results_file import ResultsFile
from observatory.tabular import read_table
from scenarios.framework import Scenario
from scenarios.params import ParamError, specs

FLUSH_EVERY = 0.5  # wall seconds between two saves of the file while runs finish
TAIL = ("sim_time", "wall_time", "status", "error")
_TYPES = {int: pa.int64(), float: pa.float64(), bool: pa.bool_(), str: pa.string()}


def param_fields(scenario: Scenario) -> list[pa.Field]:
    """One column per parameter: ints, floats and booleans as such, everything else as text."""
    out = []
    for spec in specs(scenario.params):
        kinds = [t for t in getattr(spec.type, "__args__", (spec.type,)) if t is not type(None)]
        kind = _TYPES.get(kinds[0], pa.string()) if len(kinds) == 1 else pa.string()
        out.append(pa.field(spec.name, kind))
    return out


def theory_fields(scenario: Scenario) -> list[pa.Field]:
    declared = scenario.theory
    return [pa.field(f"theory_{m}", pa.float64()) for m in (declared.metrics if declared else ())]


def metric_fields(rows: list[dict[str, Any]], taken: set[str]) -> list[pa.Field]:
    """Columns for the metrics found in ``rows`` (keys not taken), typed from their values."""
    seen: dict[str, list[Any]] = {}
    for row in rows:
        for key, value in row.items():
            if key not in taken:
                seen.setdefault(key, []).append(value)
    return [pa.field(k, _type_of(v)) for k, v in seen.items()]


def _type_of(values: list[Any]) -> pa.DataType:
    kinds = {type(v) for v in values if v is not None}
    if kinds == {bool}:
        return pa.bool_()
    if kinds == {int}:
        return pa.int64()
    if kinds <= {int, float}:
        return pa.float64()
    return pa.string()


def _tail_fields() -> list[pa.Field]:
    return [pa.field(n, pa.float64()) for n in TAIL[:2]] + [pa.field(n, pa.string()) for n in TAIL[2:]]


def row_key(row: dict[str, Any], names: list[str]) -> tuple[Any, ...]:
    """What makes two runs the same run: every parameter's value and the seed."""
    return (*(row.get(n) for n in names), row.get("seed"))


class Results:
    """The rows of one sweep, those already in ``path`` first, and the file they are saved to."""

    def __init__(
        self, scenario: Scenario, path: Path | None, overwrite: bool = False, commands: tuple[str, ...] = ()
    ) -> None:
        self.scenario = scenario
        self.path = path
        self.params = param_fields(scenario)
        self.names = [f.name for f in self.params]
        self.commands = "; ".join(commands)
        scripted = [pa.field("commands", pa.string())] if commands else []
        self.head = [pa.field("scenario", pa.string()), pa.field("seed", pa.int64()), *self.params, *scripted]
        self.schema: pa.Schema | None = None
        self.old: pa.Table | None = None
        self.new: list[tuple[int, dict[str, Any]]] = []
        self.failed = 0
        self._saved_at = monotonic()
        self._waiting: dict[int, dict[str, Any]] = {}  # finished rows not in the file yet, by index
        self._order: list[int] = []  # the run order the file follows
        self._next = 0  # the place in that order of the next row the file takes
        if path is not None and path.exists() and not overwrite and _has_rows(path):
            self.old = self._read_existing(path)
            self.schema = self.old.schema
        self.file = None if path is None else ResultsFile(path, resume=self.old is not None)

    def _read_existing(self, path: Path) -> pa.Table:
        hint = pa.schema([*self.head, *theory_fields(self.scenario), *_tail_fields()])
        try:
            table = read_table(path, hint)
        except (OSError, pa.ArrowException) as error:
            raise ParamError(
                "out",
                f"{str(path)!r} cannot be read as a results table ({error}): "
                "use --overwrite to start over, or another file",
            ) from None
        has = table.column_names
        names = set(table.column("scenario").to_pylist()) if "scenario" in has else set()
        others = names - {self.scenario.name}
        missing = [n for n in ("scenario", "seed", *self.names, *TAIL) if n not in has]
        if missing or others:
            what = f"holds runs of {sorted(others)[0]!r}" if others else f"has no column {missing[0]!r}"
            raise ParamError(
                "out",
                f"{str(path)!r} {what}, so this sweep cannot resume it: "
                "use --overwrite to start over, or another file",
            )
        given = set(table.column("commands").to_pylist()) if "commands" in has else {""}
        if given - {self.commands}:
            theirs = sorted(str(g or "") for g in given - {self.commands})[0] or "none"
            raise ParamError(
                "command",
                f"{str(path)!r} holds runs with other commands ({theirs!r}), so this sweep cannot "
                "resume it: give the same --command, --overwrite to start over, or another --out",
            )
        return table

    def done(self) -> set[tuple[Any, ...]]:
        """The (parameters, seed) keys already in the file."""
        if self.old is None:
            return set()
        return {row_key(r, self.names) for r in self.old.select(["seed", *self.names]).to_pylist()}

    def expect(self, indices: list[int]) -> None:
        """The indices of the runs to come, in run order: the order rows go into the file."""
        self._order, self._next = list(indices), 0

    def add(self, index: int, row: dict[str, Any]) -> None:
        """Keep one finished run's row (``index`` is its place in the run order)."""
        self.new.append((index, row))
        self._waiting[index] = row
        self.failed += row.get("status") != "ok"

    def _fix_schema(self) -> None:
        if self.schema is not None:
            return
        rows = [r for _, r in self.new if r.get("status") == "ok"] or [r for _, r in self.new]
        theory = theory_fields(self.scenario)
        taken = {f.name for f in (*self.head, *theory)} | set(TAIL)
        self.schema = pa.schema([*self.head, *metric_fields(rows, taken), *theory, *_tail_fields()])

    def table(self) -> pa.Table:
        """Every row: those read from the file, then the new ones in run order."""
        fresh = self._rows([r for _, r in sorted(self.new, key=lambda item: item[0])])
        if self.old is None:
            return fresh
        return pa.concat_tables([self.old.cast(fresh.schema), fresh])

    def _rows(self, rows: list[dict[str, Any]]) -> pa.Table:
        self._fix_schema()
        assert self.schema is not None
        columns = {f.name: _column([r.get(f.name) for r in rows], f.type) for f in self.schema}
        return pa.table(columns, schema=self.schema)

    def save(self, force: bool = False) -> None:
        """Append the rows ready for the file (at most every FLUSH_EVERY s unless forced).

        Ready: the next ones in run order; forced (the end), every row left.
        """
        if self.file is None or not self._waiting:
            return
        if not force and monotonic() - self._saved_at < FLUSH_EVERY:
            return
        ready, place = [], self._next
        while place < len(self._order) and self._order[place] in self._waiting:
            ready.append(self._order[place])
            place += 1
        if force:
            ready += sorted(set(self._waiting) - set(ready))
        if ready:  # rows leave the waiting list only once written (a Ctrl+C mid-write keeps them)
            self.file.append(self._rows([self._waiting[i] for i in ready]), self.old)
            for i in ready:
                del self._waiting[i]
        self._next = place
        self._saved_at = monotonic()

    def close(self) -> None:
        """Save what is left and make the file whole (called once, when the sweep ends or stops)."""
        self.save(force=True)
        if self.file is not None and self.new:
            self.file.finish(self.table)


def _column(values: list[Any], kind: pa.DataType) -> pa.Array:
    """Values as one typed column; a value of another type than the column's becomes text or a float."""
    try:
        return pa.array(values, type=kind)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        if kind == pa.string():
            return pa.array([None if v is None else str(v) for v in values], type=kind)
        return pa.array([None if v is None else float(v) for v in values], type=pa.float64()).cast(kind)


def _has_rows(path: Path) -> bool:
    try:
        return path.is_file() and path.stat().st_size > 0
    except OSError:
        return False
