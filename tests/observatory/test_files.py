import os
import stat
from pathlib import Path

import pytest

from observatory.outputs import write_output


def test_a_written_file_has_the_usual_permissions_and_whole_content(tmp_path: Path) -> None:
    mask = os.umask(0o022)
    try:
        target = write_output(tmp_path / "out.bin", lambda out: out.write(b"abc"))
    finally:
        os.umask(mask)
    assert target.read_bytes() == b"abc"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_a_failed_write_leaves_the_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")

    def fail(out) -> None:
        out.write(b"partial")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_output(target, fail)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]
