"""Output paths: checked before the run, written without damaging anything (real files and devices)."""

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from observatory.outputs import (
    OutputError,
    OutputWriteError,
    check_output,
    check_outputs,
    remove_stale_temporaries,
    write_output,
)

ROOT = Path(__file__).resolve().parents[2]


def fake_device(path: Path, minor: int) -> Path:
    """A character device like /dev/null (minor 3) or /dev/full (minor 7), made under a temp folder."""
    os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, minor))
    return path


def observatory(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "observatory", *args], capture_output=True, text=True, env=env, cwd=cwd
    )


HEADLESS = ("run", "bottleneck", "--agents", "20", "--headless", "--duration", "1")
CONWAY = ("run", "conway", "--width", "8", "--height", "6", "--generations", "2")


def test_a_new_file_is_written_whole_with_the_usual_mode(tmp_path: Path) -> None:
    mask = os.umask(0o022)
    try:
        target = write_output(check_output("--x", tmp_path / "a.json"), lambda out: out.write(b"abc"))
    finally:
        os.umask(mask)
    assert target.read_bytes() == b"abc" and stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_a_replaced_file_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "a.json"
    target.write_bytes(b"old")
    target.chmod(0o640)
    write_output(check_output("--x", target), lambda out: out.write(b"new"))
    assert target.read_bytes() == b"new" and stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_symlink_is_followed_and_stays_a_link(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_bytes(b"old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_output(check_output("--x", link), lambda out: out.write(b"new"))
    assert link.is_symlink() and real.read_bytes() == b"new"


def test_a_device_and_a_fifo_are_written_through_never_replaced(tmp_path: Path) -> None:
    null = fake_device(tmp_path / "null", 3)
    output = check_output("--x", null)
    assert output.stream
    write_output(output, lambda out: out.write(b"gone"))
    assert stat.S_ISCHR(null.stat().st_mode)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    write_output(check_output("--x", fifo), lambda out: out.write(b"through"))
    reader.join(10)
    assert got == [b"through"] and stat.S_ISFIFO(fifo.stat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fifo", "null"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "a.json"
    target.write_bytes(b"old")

    def fail(out) -> None:
        out.write(b"partial")
        raise OSError(28, "No space left on device")

    with pytest.raises(OutputWriteError, match=r"^--x: .*a\.json: could not be written: No space left"):
        write_output(check_output("--x", target), fail)
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_a_full_device_fails_with_the_option_named(tmp_path: Path) -> None:
    full = fake_device(tmp_path / "full", 7)
    with pytest.raises(OutputWriteError, match=r"^--x: .*full: could not be written: No space left"):
        write_output(check_output("--x", full), lambda out: out.write(b"x" * 100))


def test_stale_temporaries_of_dead_runs_are_removed_live_ones_kept(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    dead_pid = int(dead.stdout)
    stale = tmp_path / f".a.json.observatory-{dead_pid}-0.tmp"
    live = tmp_path / f".a.json.observatory-{os.getpid()}-99.tmp"
    other = tmp_path / ".a.json.someone-else.tmp"
    for path in (stale, live, other):
        path.write_bytes(b"x")
    assert remove_stale_temporaries(tmp_path / "a.json") == [stale]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, other.name])


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("{tmp}/no/such/m.json", "folder {tmp}/no/such does not exist"),
        ("{tmp}/new/", "ends with '/', so it names a folder: give a file name"),
        ("{tmp}", "is a folder: give a file path"),
        ("{tmp}/ro.json", "is read-only: make it writable or give another path"),
        ("{tmp}/file.txt/m.json", "{tmp}/file.txt is not a folder"),
    ],
)
def test_bad_output_paths_are_refused_before_anything_is_written(
    tmp_path: Path, path: str, problem: str
) -> None:
    (tmp_path / "ro.json").write_bytes(b"keep")
    (tmp_path / "ro.json").chmod(0o444)
    (tmp_path / "file.txt").write_bytes(b"")
    text = path.format(tmp=tmp_path)
    with pytest.raises(OutputError) as refused:
        check_outputs([("--metrics-out", text)])
    assert str(refused.value) == f"--metrics-out: {text}: {problem.format(tmp=tmp_path)}"


def test_two_options_naming_one_file_are_refused_also_through_a_link(tmp_path: Path) -> None:
    (tmp_path / "link.json").symlink_to(tmp_path / "m.json")
    with pytest.raises(OutputError, match=r"^--grid-out: .*link\.json: the same file as --metrics-out"):
        check_outputs(
            [("--metrics-out", str(tmp_path / "m.json")), ("--grid-out", str(tmp_path / "link.json"))]
        )
    assert check_outputs([("--metrics-out", None), ("--grid-out", "")]) == {}


# -- through the real command --------------------------------------------------------


def test_the_command_writes_through_a_fake_dev_null_and_keeps_it(tmp_path: Path) -> None:
    null = fake_device(tmp_path / "null", 3)
    done = observatory(*HEADLESS, "--metrics-out", str(null))
    assert done.returncode == 0, done.stderr
    assert stat.S_ISCHR(null.stat().st_mode) and [p.name for p in tmp_path.iterdir()] == ["null"]


def test_the_command_writes_metrics_to_dev_stdout(tmp_path: Path) -> None:
    done = observatory(*HEADLESS, "--metrics-out", "/dev/stdout")
    assert done.returncode == 0, done.stderr
    start = done.stdout.index("{")
    record, _ = json.JSONDecoder().raw_decode(done.stdout[start:])
    assert record["scenario"] == "bottleneck" and record["agents"] == 20


def test_the_command_refuses_a_read_only_file_before_the_run(tmp_path: Path) -> None:
    kept = tmp_path / "m.json"
    kept.write_text("keep")
    kept.chmod(0o444)
    done = observatory(*HEADLESS, "--metrics-out", str(kept))
    assert done.returncode == 2
    problem = "is read-only: make it writable or give another path"
    assert done.stderr == f"observatory: error: --metrics-out: {kept}: {problem}\n"
    assert kept.read_text() == "keep" and done.stdout == ""


def test_the_command_refuses_the_same_file_twice(tmp_path: Path) -> None:
    out = str(tmp_path / "x")
    done = observatory(*CONWAY, "--headless", "--metrics-out", out, "--grid-out", out)
    assert done.returncode == 2 and done.stdout == ""
    problem = "the same file as --metrics-out: give each its own file"
    assert done.stderr == f"observatory: error: --grid-out: {out}: {problem}\n"


def test_a_grid_that_cannot_be_written_does_not_lose_the_metrics(tmp_path: Path) -> None:
    full = fake_device(tmp_path / "full", 7)
    metrics = tmp_path / "m.json"
    done = observatory(*CONWAY, "--headless", "--metrics-out", str(metrics), "--grid-out", str(full))
    assert done.returncode == 1
    problem = "could not be written: No space left on device"
    assert f"observatory: error: --grid-out: {full}: {problem}" in done.stderr
    assert "Traceback" not in done.stderr and "generations" in done.stdout
    assert json.loads(metrics.read_text())["generations"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full", "m.json"]


def test_metrics_that_cannot_be_written_do_not_lose_the_grid(tmp_path: Path) -> None:
    full = fake_device(tmp_path / "full", 7)
    grid = tmp_path / "g.npy"
    done = observatory(*CONWAY, "--headless", "--metrics-out", str(full), "--grid-out", str(grid))
    assert done.returncode == 1
    assert f"--metrics-out: {full}: could not be written" in done.stderr
    assert np.load(grid).shape == (6, 8)
