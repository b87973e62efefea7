"""Output files: every path checked before the run, every file written without damage.

Two public pieces, for every file option the program has (``--metrics-out``,
``--grid-out`` and any later one):

* ``check_outputs([(option, path), ...])`` runs before the world is built.
  It refuses, with ``OutputError`` (exit 2, one line naming the option), a
  path whose folder is missing or not writable, a folder, a path ending in
  ``/``, a read-only file, a block device or socket, and two options naming
  the same file (symlinks resolved). It returns one ``Output`` per path
  given, which says how the file will be written.
* ``write_output(output, fill)`` writes it. A regular file (or a new path)
  is written whole or not at all: a temporary file beside the real target,
  then a rename over it; a symlink is followed, so the file it points to is
  replaced and the link stays. Anything else (a FIFO, a character device,
  ``/dev/stdout``, ``/dev/fd/N``, ``/proc/...``) is opened and written
  straight through, never renamed over and never truncated. A
  failure raises ``OutputWriteError`` naming the option; the temporary file
  is removed. Temporary files of our own naming left by a killed run (whose
  process is gone) are removed by the next write to that path.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

# Temporary files are ".NAME.observatory-PID-N.tmp" beside the target.
_TEMP_MARK = ".observatory-"
# Paths that stand for an open file of some process (``/dev/stdout`` is a pipe, a
# terminal or a file the shell opened): never renamed over, whatever they lead to.
_STREAM_ROOTS = ("/dev/stdout", "/dev/stderr", "/dev/fd/", "/proc/")
_temporaries: set[str] = set()  # temp files being written now, for an abrupt exit
_counter = iter(range(1 << 62))


class OutputError(ValueError):
    """An output path that cannot be used (bad usage: exit 2, before the run)."""

    def __init__(self, option: str, path: str, problem: str) -> None:
        self.option = option
        super().__init__(f"{option}: {path}: {problem}")


class OutputWriteError(OSError):
    """An output that could not be written at the end of a run (exit 1)."""

    def __init__(self, option: str, path: str, problem: str) -> None:
        self.option = option
        super().__init__(f"{option}: {path}: could not be written: {problem}")

    def __str__(self) -> str:
        return str(self.args[0])


class OutputsFailed(Exception):
    """Some outputs could not be written at the end of a run; the others were.

    ``record`` is the run's metrics record when a runner attaches it, so a
    caller can still write the metrics file.
    """

    def __init__(self, failures: list[OutputWriteError]) -> None:
        self.failures = failures
        self.record: dict | None = None
        super().__init__("; ".join(str(f) for f in failures))


@dataclass(frozen=True)
class Output:
    """A checked output path: ``target`` is the real file; ``stream`` means written straight through."""

    option: str
    path: str
    target: Path
    stream: bool


def check_outputs(pairs: Iterable[tuple[str, str | Path | None]]) -> dict[str, Output]:
    """Check every (option, path) pair; empty and None paths are skipped. Keyed by option."""
    checked: dict[str, Output] = {}
    seen: dict[tuple[int, int] | str, str] = {}
    for option, path in pairs:
        if path is None or str(path) == "":
            continue
        output = check_output(option, path)
        for key in _identities(output):
            if key in seen:
                problem = f"the same file as {seen[key]}: give each its own file"
                raise OutputError(option, output.path, problem)
        for key in _identities(output):
            seen[key] = option
        checked[option] = output
    return checked


def check_output(option: str, path: str | Path) -> Output:
    """Check one output path (see the module docstring for what is refused)."""
    text = os.fspath(path)
    if text.endswith(os.sep):
        raise OutputError(option, text, "ends with '/', so it names a folder: give a file name")
    if _names_an_open_file(text):
        return _check_stream(option, text)
    target = Path(os.path.realpath(text))
    try:
        info = os.stat(target)
    except (FileNotFoundError, NotADirectoryError):
        info = None  # the folder check below says what is missing
    except OSError as error:
        raise OutputError(option, text, f"cannot be used: {error.strerror}") from None
    if info is not None:
        if stat.S_ISDIR(info.st_mode):
            raise OutputError(option, text, "is a folder: give a file path")
        if not stat.S_ISREG(info.st_mode):
            return _check_stream(option, text)
        if not info.st_mode & 0o222 or not os.access(target, os.W_OK):
            raise OutputError(option, text, "is read-only: make it writable or give another path")
    _check_folder(option, text, target.parent)
    return Output(option, text, target, stream=False)


def _names_an_open_file(text: str) -> bool:
    """True for /dev/stdout and the like, also through a chain of symlinks."""
    hops = 0
    while hops < 40:
        if os.path.abspath(text).startswith(_STREAM_ROOTS):
            return True
        if not os.path.islink(text):
            return False
        link = os.readlink(text)
        text = os.path.join(os.path.dirname(os.path.abspath(text)), link)
        hops += 1
    return False


def _check_folder(option: str, text: str, folder: Path) -> None:
    shown = os.path.dirname(text) or "."
    if not folder.exists():
        raise OutputError(option, text, f"folder {shown} does not exist")
    if not folder.is_dir():
        raise OutputError(option, text, f"{shown} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(option, text, f"folder {shown} is not writable")


def _check_stream(option: str, text: str) -> Output:
    """A device, FIFO or /dev, /proc path: it must exist, take writes, and not be a disk."""
    try:
        info = os.stat(text)
    except OSError as error:
        raise OutputError(option, text, f"cannot be used: {error.strerror}") from None
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        raise OutputError(option, text, "is a folder: give a file path")
    if stat.S_ISBLK(mode) or stat.S_ISSOCK(mode):
        kind = "a block device" if stat.S_ISBLK(mode) else "a socket"
        raise OutputError(option, text, f"is {kind}: give a regular file, a FIFO or a character device")
    if not os.access(text, os.W_OK):
        raise OutputError(option, text, "is not writable")
    return Output(option, text, Path(text), stream=True)


def _identities(output: Output) -> list[tuple[int, int] | str]:
    """What makes two outputs the same file: the resolved path, and device + inode if it exists."""
    keys: list[tuple[int, int] | str] = [os.path.realpath(output.path)]
    try:
        info = os.stat(output.path)
    except OSError:
        return keys
    keys.append((info.st_dev, info.st_ino))
    return keys


def write_output(
    output: Output | str | Path, fill: Callable[[IO[bytes]], None], option: str = "output"
) -> Path:
    """Write an output with ``fill(binary_file)``; returns the file written.

    ``output`` is an ``Output`` from ``check_outputs`` or a plain path (then
    checked here, with ``option`` naming it). Raises ``OutputWriteError``.
    """
    if not isinstance(output, Output):
        try:
            output = check_output(option, output)
        except OutputError as error:
            raise OutputWriteError(option, os.fspath(output), str(error).split(": ", 2)[-1]) from None
    try:
        if output.stream:
            _write_through(output.target, fill)
        else:
            _write_whole(output.target, fill)
    except OSError as error:
        raise OutputWriteError(output.option, output.path, error.strerror or str(error)) from None
    return output.target


def _write_through(target: Path, fill: Callable[[IO[bytes]], None]) -> None:
    """Open an existing non-regular file for writing (no create, no truncate) and fill it."""
    fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_NOCTTY)
    with os.fdopen(fd, "wb") as out:
        fill(out)
        out.flush()


def _write_whole(target: Path, fill: Callable[[IO[bytes]], None]) -> None:
    """A temp file beside ``target``, synced, then renamed over it: all or nothing."""
    replacement = Replacement(target)
    try:
        fd = os.open(replacement.temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            fill(out)
            out.flush()
            os.fsync(out.fileno())
        replacement.commit()
    except BaseException:
        replacement.abandon()
        raise


class Replacement:
    """A file that is written beside ``target`` (``temp``) and renamed onto it by ``commit``.

    For a file written over a while (a sweep's Parquet table): readers and a
    crash see the old file or the whole new one. The new file keeps the old
    one's permissions (or the umask's for a new path).
    """

    def __init__(self, target: Path) -> None:
        remove_stale_temporaries(target)
        self.target = target
        self.temp = target.parent / f".{target.name}{_TEMP_MARK}{os.getpid()}-{next(_counter)}.tmp"
        try:
            self.mode = stat.S_IMODE(os.stat(target).st_mode)
        except OSError:
            self.mode = 0o666 & ~_umask()
        _temporaries.add(str(self.temp))

    def commit(self) -> None:
        os.chmod(self.temp, self.mode)
        os.replace(self.temp, self.target)
        _temporaries.discard(str(self.temp))

    def abandon(self) -> None:
        self.temp.unlink(missing_ok=True)
        _temporaries.discard(str(self.temp))


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Remove temp files of ours for ``target`` whose writing process no longer exists."""
    removed = []
    prefix = f".{target.name}{_TEMP_MARK}"
    try:
        names = os.listdir(target.parent)
    except OSError:
        return removed
    for name in names:
        if not (name.startswith(prefix) and name.endswith(".tmp")):
            continue
        pid_text = name[len(prefix) :].split("-", 1)[0]
        if pid_text.isdigit() and not _alive(int(pid_text)):
            stale = target.parent / name
            with contextlib.suppress(OSError):
                stale.unlink()
                removed.append(stale)
    return removed


def abandon_temporaries() -> None:
    """Remove the temp files being written now (before an exit that skips ``finally`` blocks)."""
    for name in list(_temporaries):
        with contextlib.suppress(OSError):
            os.unlink(name)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
