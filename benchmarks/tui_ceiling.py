"""How many frames a second tmux itself takes, for the frames the TUI's grid writes.

    PYTHONPATH=. python -m benchmarks.tui_ceiling                # the sizes tui_fps uses
    PYTHONPATH=. python -m benchmarks.tui_ceiling --seconds 5 --size 250x110

A writer runs in a tmux window (a private tmux server) and writes frames of
half-block cells as fast as the terminal takes them, for some seconds:
each frame changes every cell of a grid or a share of them at random (4
colours), encoded as the grid encodes them (``paint.Painter``). The writer blocks
when tmux falls behind, so frames/s is tmux's ceiling for frames of that
size on this machine: no app drawing into this terminal can do better.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from rich.color import ColorSystem

from benchmarks.tmux_window import TmuxWindow, load
from observatory.tui.paint import Painter

PALETTE = np.array([(38, 60, 110), (220, 50, 47), (240, 240, 240), (60, 170, 80)], dtype=np.int64)


def frames(side: int, zoom: int, share: float, count: int = 8) -> list[bytes]:
    """``count`` successive frames of a side x side grid drawn at ``zoom``, each changing
    ``share`` of the grid's cells (at random), encoded as the grid encodes them."""
    rng = np.random.default_rng(1)
    q = PALETTE >> 3
    codes = (q[:, 0] << 10) | (q[:, 1] << 5) | q[:, 2]
    painter = Painter(ColorSystem.TRUECOLOR)
    state = rng.integers(0, 4, (side, side))
    keys = None
    out = []
    for _ in range(count):
        change = rng.random(state.shape) < share
        state = np.where(change, (state + rng.integers(1, 4, state.shape)) % 4, state)
        cells = np.repeat(np.repeat(codes[state], zoom, axis=0), zoom, axis=1)
        new = cells[0::2] << 15 | cells[1::2]
        changed = np.ones(new.shape, dtype=bool) if keys is None else new != keys
        keys = new
        out.append(painter.encode(keys, changed, 1, 1).encode())
    return out[1:]


def write_frames(side: int, zoom: int, share: float, seconds: float, out: str) -> None:
    """The writer inside tmux: frames to stdout for ``seconds``, then the count to ``out``."""
    data = frames(side, zoom, share)
    fd = sys.stdout.fileno()
    sys.stdout.write("\x1b[?25l\x1b[2J")
    sys.stdout.flush()
    count, written = 0, 0
    start = time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        frame = data[count % len(data)]
        view = memoryview(frame)
        while view:
            view = view[os.write(fd, view) :]
        count += 1
        written += len(frame)
    Path(out).write_text(json.dumps({"frames": count, "bytes": written, "seconds": elapsed}))
    time.sleep(60)  # stay until the window is closed


def ceiling(side: int, zoom: int, size: tuple[int, int], share: float, seconds: float) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        command = (
            f"PYTHONPATH={os.getcwd()} {sys.executable} -m benchmarks.tui_ceiling "
            f"--inner {side} {zoom} {share} {seconds} {out}"
        )
        with TmuxWindow(command, *size):
            deadline = time.monotonic() + seconds + 30
            while not out.exists() and time.monotonic() < deadline:
                time.sleep(0.2)
            return json.loads(out.read_text()) if out.exists() else {}


CASES = [
    ("100x100 grid, all cells change, one column per cell", 100, 1, (148, 53), 1.0),
    ("100x100 grid, all cells change, zoom 2", 100, 2, (250, 110), 1.0),
    ("200x200 grid, 5% change at random", 200, 1, (250, 110), 0.05),
]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=4.0, help="how long the writer writes")
    parser.add_argument("--inner", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        side, zoom, share, seconds, out = args.inner
        write_frames(int(side), int(zoom), float(share), float(seconds), out)
        return
    print(load())
    for title, side, zoom, size, share in CASES:
        found = ceiling(side, zoom, size, share, args.seconds)
        if not found:
            print(f"tmux {size[0]}x{size[1]}, {title}: no result")
            continue
        fps = found["frames"] / found["seconds"]
        mib = found["bytes"] / found["seconds"] / 2**20
        kib = found["bytes"] / found["frames"] / 1024
        print(f"tmux {size[0]}x{size[1]}, {title}: {fps:.0f} frames/s ({kib:.0f} KiB/frame, {mib:.1f} MiB/s)")
    print(load())


if __name__ == "__main__":
    main()
