"""Run files: a run written down as JSON Lines, so it can be replayed bit for bit.

One JSON object per line, each with a ``kind``::

    {"kind": "header", "format": "observatory-run", "version": 1, "observatory": "0.1.0",
     "scenario": "bottleneck", "path": null, "sha256": null, "params": {...}, "seed": 0,
     "scheduled": [{"time": 90.0, "command": "set", "args": {...}}]}
    {"kind": "command", "branch": "main", "time": 60.0, "command": "concurrency", "args": {...}}
    {"kind": "branch", "name": "b1", "parent": "main", "at": 60.0}
    {"kind": "name", "branch": "b1", "name": "slots-24"}
    {"kind": "end", "branch": "main", "sim_time": 120.0, "until": 120.0, "metrics": {...}}

The header names a bundled scenario, or a user's scenario file by its path
and SHA-256 (a changed file is refused on replay); ``scheduled`` is the
run's ``--command`` script, which every branch applies (optional: none).
Command lines are
written and flushed as each command is applied, so a run that crashes or
is killed leaves a readable record up to its last command; end lines carry
each branch's furthest instant, the horizon it was run to (null: the
scenario's own end) and its metrics record there. A name line renames a
branch (the lines after it use the new name).
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import IO, Any

from engine.commands import AppliedCommand, CommandError
from observatory.branches import MAIN, Branch, BranchTree
from scenarios.framework import Scenario
from scenarios.params import ParamError, as_dict, parse_params
from scenarios.registry import ScenarioError, load

FORMAT = "observatory-run"
VERSION = 1
_USER_MODULE = "observatory_user_scenario_"


class RunFileError(ValueError):
    """A run file that cannot be replayed; the message names the file and line."""


def observatory_version() -> str:
    try:
        return metadata.version("observatory")
    except metadata.PackageNotFoundError:
        return "unknown"


def scenario_file(scenario: Scenario) -> Path | None:
    """The user scenario file a scenario was loaded from (None: a bundled scenario)."""
    module = sys.modules.get(getattr(scenario.build, "__module__", "") or "")
    if module is None or not module.__name__.startswith(_USER_MODULE):
        return None
    return Path(module.__file__) if module.__file__ else None


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def header(
    scenario: Scenario, params: Any, seed: int, scheduled: Sequence[AppliedCommand] = ()
) -> dict[str, Any]:
    """The header line of a run of ``scenario`` (``scheduled``: its ``--command`` script)."""
    path = scenario_file(scenario)
    return {
        "kind": "header",
        "format": FORMAT,
        "version": VERSION,
        "observatory": observatory_version(),
        "scenario": scenario.name,
        "path": None if path is None else str(path.resolve()),
        "sha256": None if path is None else sha256_of(path),
        "params": as_dict(params),
        "seed": seed,
        "scheduled": [a.as_dict() for a in scheduled],
    }


class RunWriter:
    """Writes a run file line by line, each line flushed as it is written."""

    def __init__(
        self,
        path: str | Path,
        scenario: Scenario,
        params: Any,
        seed: int,
        scheduled: Sequence[AppliedCommand] = (),
    ) -> None:
        self.path = Path(path)
        self._out: IO[str] | None = _open_for_lines(self.path)
        self._line(header(scenario, params, seed, scheduled))

    def command(self, branch: str, applied: AppliedCommand) -> None:
        self._line({"kind": "command", "branch": branch, **applied.as_dict()})

    def branch(self, branch: Branch) -> None:
        self._line({"kind": "branch", "name": branch.name, "parent": branch.parent, "at": branch.at})

    def rename(self, old: str, new: str) -> None:
        self._line({"kind": "name", "branch": old, "name": new})

    def end(self, branch: str, record: dict[str, Any], until: float | None) -> None:
        """The end of a branch: where it stopped, the horizon it was run to (None: its natural end)."""
        from observatory.metrics import plain

        self._line(
            {
                "kind": "end",
                "branch": branch,
                "sim_time": record["sim_time"],
                "until": until,
                "metrics": plain(record),
            }
        )

    def on_main(self, applied: AppliedCommand) -> None:
        """A command watcher for a run with no branches (headless)."""
        self.command(MAIN, applied)

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None

    def _line(self, data: dict[str, Any]) -> None:
        if self._out is None:
            return
        self._out.write(json.dumps(data, allow_nan=False) + "\n")
        self._out.flush()


def _open_for_lines(path: Path) -> IO[str]:
    """The one place a run file is opened for writing: not atomically, since it grows as the run goes
    and must be readable up to its last line if the run is killed (its path was checked before the
    run by ``observatory.outputs.check_outputs``)."""
    return path.open("w", encoding="utf-8")


def recorder(
    output: Any, scenario: Scenario, params: Any, seed: int, scheduled: Sequence[Any] = ()
) -> RunWriter | None:
    """The writer for a checked ``--record`` output (``observatory.outputs.Output``), or None.

    ``scheduled``: the run's ``--command``s (anything with ``time`` and ``command``).
    """
    if output is None:
        return None
    script = [AppliedCommand(c.time, c.command) for c in scheduled]
    return RunWriter(output.path if output.stream else output.target, scenario, params, seed, script)


# -- reading -----------------------------------------------------------------------


@dataclass
class RunFile:
    """A run file read back: its header and every branch with its commands and end."""

    path: Path
    header: dict[str, Any]
    tree: BranchTree

    @property
    def seed(self) -> int:
        return self.header["seed"]

    def end_of(self, branch: str) -> dict[str, Any] | None:
        return self.tree[branch].record


def read(path: str | Path) -> RunFile:
    """Read and check a run file; raises RunFileError naming the file and line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RunFileError(f"{path}: cannot be read as a run file: {_reason(error)}") from None
    lines = text.splitlines()
    if not lines:
        raise RunFileError(f"{path}:1: empty: not an observatory run file")
    head = _parse_line(path, 1, lines[0])
    if head.get("kind") != "header" or head.get("format") != FORMAT:
        raise RunFileError(f"{path}:1: not an observatory run file (no {FORMAT} header)")
    _check_header(path, head)
    tree = BranchTree(_scheduled(path, head))
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        _read_line(path, number, _parse_line(path, number, line), tree)
    return RunFile(path, head, tree)


def _parse_line(path: Path, number: int, line: str) -> dict[str, Any]:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as error:
        raise RunFileError(f"{path}:{number}: damaged: not a JSON line ({error.msg})") from None
    if not isinstance(data, dict):
        raise RunFileError(f"{path}:{number}: damaged: a line must be a JSON object")
    return data


def _check_header(path: Path, head: dict[str, Any]) -> None:
    version = head.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise RunFileError(f"{path}:1: damaged header: version {version!r} is not a whole number")
    if version > VERSION:
        raise RunFileError(
            f"{path}:1: format version {version} is newer than this observatory reads ({VERSION})"
        )
    problems = [
        ("scenario", isinstance(head.get("scenario"), str)),
        ("params", isinstance(head.get("params"), dict)),
        ("seed", isinstance(head.get("seed"), int) and not isinstance(head.get("seed"), bool)),
        ("path", head.get("path") is None or isinstance(head.get("path"), str)),
        ("sha256", head.get("sha256") is None or isinstance(head.get("sha256"), str)),
    ]
    for key, ok in problems:
        if not ok:
            raise RunFileError(f"{path}:1: damaged header: {key} {head.get(key)!r} is not valid")
    if (head["path"] is None) != (head["sha256"] is None):
        raise RunFileError(f"{path}:1: damaged header: a scenario file needs both path and sha256")


def _scheduled(path: Path, head: dict[str, Any]) -> list[AppliedCommand]:
    """The header's ``scheduled`` commands (a file written before it existed has none)."""
    found = head.get("scheduled", [])
    if not isinstance(found, list):
        raise RunFileError(f"{path}:1: damaged header: scheduled {found!r} is not a list")
    try:
        return [AppliedCommand.from_dict(item) for item in found]
    except CommandError as error:
        raise RunFileError(f"{path}:1: damaged header: scheduled: {error}") from None


def _read_line(path: Path, number: int, data: dict[str, Any], tree: BranchTree) -> None:
    where = f"{path}:{number}"
    kind = data.get("kind")
    if kind == "command":
        name = data.get("branch")
        if name not in tree:
            raise RunFileError(f"{where}: damaged: command for unknown branch {name!r}")
        body = {k: v for k, v in data.items() if k not in ("kind", "branch")}
        try:
            applied = AppliedCommand.from_dict(body)
        except CommandError as error:
            raise RunFileError(f"{where}: damaged command: {error}") from None
        branch = tree[name]
        last = branch.commands[-1].time if branch.commands else branch.at
        if applied.time < last:
            raise RunFileError(f"{where}: damaged: command at t={applied.time:g} is before t={last:g}")
        branch.commands.append(applied)
        branch.furthest = max(branch.furthest, applied.time)
    elif kind == "branch":
        name, parent, at = data.get("name"), data.get("parent"), data.get("at")
        if not isinstance(name, str) or not name or not isinstance(parent, str):
            raise RunFileError(f"{where}: damaged branch line: needs a name and a parent")
        if isinstance(at, bool) or not isinstance(at, int | float) or not 0 <= at < float("inf"):
            raise RunFileError(f"{where}: damaged branch line: instant {at!r} is not valid")
        try:
            tree.add(Branch(name, parent, float(at), furthest=float(at)))
        except ValueError as error:
            raise RunFileError(f"{where}: damaged branch line: {error}") from None
    elif kind == "name":
        old, new = data.get("branch"), data.get("name")
        if old not in tree or not isinstance(new, str):
            raise RunFileError(f"{where}: damaged name line: needs a known branch and a name")
        try:
            tree.rename(old, new)
        except ValueError as error:
            raise RunFileError(f"{where}: damaged name line: {error}") from None
    elif kind == "end":
        name, sim_time, record = data.get("branch"), data.get("sim_time"), data.get("metrics")
        if name not in tree:
            raise RunFileError(f"{where}: damaged: end of unknown branch {name!r}")
        if (
            isinstance(sim_time, bool)
            or not isinstance(sim_time, int | float)
            or not isinstance(record, dict)
        ):
            raise RunFileError(f"{where}: damaged end line: needs sim_time and metrics")
        until = data.get("until", sim_time)
        if until is not None and (isinstance(until, bool) or not isinstance(until, int | float)):
            raise RunFileError(f"{where}: damaged end line: until {until!r} is not valid")
        tree[name].furthest = float(sim_time)
        tree[name].record = record
        tree[name].until = None if until is None else float(until)
        tree[name].ended = True
    else:
        raise RunFileError(f"{where}: damaged: unknown line kind {kind!r}")


def _reason(error: Exception) -> str:
    return getattr(error, "strerror", None) or str(error)


# -- what a run file describes -------------------------------------------------------


def scenario_of(run: RunFile, force: bool = False) -> tuple[Scenario, str | None]:
    """The scenario a run file names, and a warning when ``force`` let a changed file through.

    A user scenario file whose SHA-256 differs from the recorded one is
    refused (RunFileError naming the file) unless ``force``.
    """
    head = run.header
    warning = None
    if head["path"] is None:
        try:
            return load(head["scenario"]), None
        except ScenarioError as error:
            raise RunFileError(f"{run.path}:1: {error}") from None
    source = Path(head["path"])
    if not source.is_file():
        raise RunFileError(f"{run.path}:1: the scenario file {source} it was recorded with does not exist")
    if sha256_of(source) != head["sha256"]:
        message = f"the scenario file {source} changed since the run was recorded (its SHA-256 differs)"
        if not force:
            raise RunFileError(f"{run.path}: {message}: use --force to replay it anyway")
        warning = f"{message}: replaying anyway (--force); results may differ"
    try:
        return load(str(source)), warning
    except ScenarioError as error:
        raise RunFileError(f"{run.path}:1: {error}") from None


def params_of(run: RunFile, scenario: Scenario) -> Any:
    try:
        return parse_params(scenario.params, run.header["params"])
    except ParamError as error:
        raise RunFileError(f"{run.path}:1: damaged header: params: {error}") from None


def branch_of(run: RunFile, name: str | None) -> str:
    """The branch to replay (``main`` unless named); RunFileError for an unknown one."""
    name = MAIN if name is None else name
    if name not in run.tree:
        known = ", ".join(b.name for b in run.tree)
        raise RunFileError(f"{run.path}: has no branch {name!r}: use one of {known}")
    return name
