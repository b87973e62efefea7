"""Frames per second of the TUI on large grids, with the terminal encoding included.

    PYTHONPATH=. python -m benchmarks.tui_fps                  # four cases, truecolour codes
    PYTHONPATH=. python -m benchmarks.tui_fps --colors 256     # a terminal without COLORTERM
    PYTHONPATH=. python -m benchmarks.tui_fps --frames 0 --tmux 10   # only the live tmux check
    python -m benchmarks.tui_demo benchmarks/tui_fps.py size=200 mode=sparse   # the same world, live

The app runs headless (``App.run_test``). Each frame is driven in lockstep,
doing what Textual's screen timer would do: the app's frame (pacer, world
colours, grid, panels), the compositor's partial update, and its ANSI
encoding as it would be written to the terminal, in the colour system
given (headless, Rich would otherwise pick one from $TERM). Writing the
bytes to a real terminal is not included; ``--tmux`` runs the demo in a
250x110 tmux window with COLORTERM=truecolor and reads fps from the
status panel.

Two grids on the same frames, side by side: "spans", the observatory's
grid on its ``SpanScreen`` (only changed spans written, stateful colour
codes), and "row-level", the grid as it was before: each changed row
repainted from its left edge to its last change, on Textual's own screen,
its lines styled by Textual. Medians; CPU frames/s counts this process's
CPU time only, so other processes on the machine inflate it least.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from rich.color import ColorSystem
from textual.geometry import Region
from textual.screen import Screen
from textual.scroll_view import ScrollView
from textual.strip import Strip

from engine import Engine
from observatory.tui import ObservatoryApp
from observatory.tui.grid import GridView
from scenarios import Scenario, State, World, param


@dataclass
class BenchParams:
    size: int = param(100, help="grid side", min=2)
    mode: str = param("all", help="which cells change each frame", choices=("all", "sparse", "clustered"))
    fraction: float = param(0.05, help="share of cells changing per frame (sparse, clustered)", min=0, max=1)


class BenchWorld(World):
    """A grid whose colours change by a fixed pattern every time they are read (once a frame)."""

    legend = (
        State("a", (38, 60, 110), "first colour"),
        State("b", (220, 50, 47), "second colour"),
        State("c", (240, 240, 240), "third colour"),
        State("d", (60, 170, 80), "fourth colour"),
    )

    def __init__(self, engine: Engine, params: BenchParams) -> None:
        super().__init__(engine, params.size, params.size)
        self.params = params
        self.rng = np.random.default_rng(engine.seed)
        self.state[:] = self.rng.integers(0, 4, size=self.state.size)
        self.frames = 0

    def colors(self) -> np.ndarray:
        self.frames += 1
        self._change()
        return super().colors()

    def _change(self) -> None:
        state, rng, p = self.state, self.rng, self.params
        n = state.size
        if p.mode == "all":
            state[:] = (state + 1 + rng.integers(0, 3, size=n)) % 4
            return
        k = max(1, int(p.fraction * n))
        if p.mode == "sparse":
            idx = rng.integers(0, n, size=k)
        else:  # a band of whole rows moving down the grid
            cols = self.shape[1]
            start = (self.frames * k) % n // cols * cols
            idx = np.arange(start, start + k) % n
        state[idx] = (state[idx] + 1 + rng.integers(0, 3, size=idx.size)) % 4

    def metrics(self) -> dict[str, Any]:
        return {"frames": self.frames}


SCENARIO = Scenario("bench", "a grid whose cells change by a fixed pattern", BenchParams, BenchWorld)


class RowLevelGrid(GridView):
    """The baseline: each changed row is repainted from its left edge to its last change,
    its lines styled by Textual's own per-line path."""

    def render_lines(self, crop: Region) -> list[Strip]:
        self._view = (int(self.scroll_x), int(self.scroll_y), self.scrollable_content_region.width)
        return ScrollView.render_lines(self, crop)

    def _repaint(self, rows: np.ndarray, changed: np.ndarray) -> None:
        scroll_x, scroll_y = self.scroll_offset
        view = self.scrollable_content_region
        left = self.content_offset.x
        last = changed.shape[1] - 1 - np.argmax(changed[:, ::-1], axis=1)
        regions = []
        for y, x in zip((rows - scroll_y).tolist(), (last - scroll_x).tolist(), strict=True):
            if x >= 0:
                # A whole widget row needs no trimming; a short left part is cheaper still.
                whole = 2 * (x + 1) >= view.width
                regions.append(
                    Region(-left, y, self.outer_size.width, 1) if whole else Region(0, y, x + 1, 1)
                )
        if regions:
            self.refresh(*regions)


class RowLevelApp(ObservatoryApp):
    """The app on Textual's own screen, whose partial updates trim spans on the right only."""

    def get_default_screen(self) -> Screen:
        return Screen(id="_default")


def render_frame(app: ObservatoryApp) -> int:
    """One frame as Textual's screen timer would draw it; returns the bytes written."""
    app._frame()
    screen = app.screen
    for widget in screen.walk_children(with_self=False):
        if widget._repaint_required:
            widget._repaint_required = False
            screen._dirty_widgets.add(widget)
    screen._compositor.update_widgets(screen._dirty_widgets)
    screen._dirty_widgets.clear()
    update = screen._compositor.render_update(screen_stack=app._background_screens)
    return 0 if update is None else len(update.render_segments(app.console).encode())


async def measure(
    params: BenchParams,
    frames: int,
    row_level: bool,
    colors: ColorSystem,
    terminal: tuple[int, int] | None = None,
) -> tuple[list[float], list[float], list[int]]:
    """Frame times for one case; by default the terminal shows the whole grid beside the panels."""
    app = (RowLevelApp if row_level else ObservatoryApp)(SCENARIO, params, seed=1, speed=1.0)
    size = terminal or (params.size + 48, params.size // 2 + 3)
    async with app.run_test(size=size) as pilot:
        # What the terminal declares (COLORTERM, TERM) decides this; headless, it is set here.
        app.console._color_system = colors
        if row_level:
            grid = RowLevelGrid(app.world.shape, id="rowgrid")
            await app.grid.remove()
            await app.mount(grid, before=app.query_one("#side"))
            app.grid = grid
            await pilot.pause()
        for timer in list(app._timers):
            timer.stop()  # frames are driven here, in lockstep
        times, cpu, sizes = [], [], []
        for i in range(frames + 20):
            start, start_cpu = time.perf_counter(), time.process_time()
            written = render_frame(app)
            if i >= 20:  # warm-up: caches filled, layout settled
                times.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
                sizes.append(written)
    return times, cpu, sizes


def summary(times: list[float], cpu: list[float], sizes: list[int]) -> tuple[float, float, float]:
    """Medians: wall frames/s, CPU frames/s (what other processes cannot inflate), KiB/frame."""
    return 1 / statistics.median(times), 1 / statistics.median(cpu), statistics.median(sizes) / 1024


def compare(title: str, params: BenchParams, frames: int, colors: ColorSystem, terminal) -> None:
    """Both grids on one case, side by side; the order alternates so load drifts hit both."""
    print(title)
    figures = {}
    for label, row_level in (("spans", False), ("row-level", True), ("spans", False), ("row-level", True)):
        times, cpu, sizes = asyncio.run(measure(params, frames // 2, row_level, colors, terminal))
        old = figures.setdefault(label, ([], [], []))
        for into, new in zip(old, (times, cpu, sizes), strict=True):
            into.extend(new)
    rows = {label: summary(*data) for label, data in figures.items()}
    for label, (wall, cpu, kib) in rows.items():
        print(f"  {label:10s} {wall:7.1f} wall fps {cpu:7.1f} CPU fps {kib:8.1f} KiB/frame")
    print(
        f"  spans / row-level: CPU fps x{rows['spans'][1] / rows['row-level'][1]:.2f}, "
        f"bytes x{rows['spans'][2] / rows['row-level'][2]:.2f}"
    )


def tmux_fps(args: str, seconds: float) -> str:
    """Run the demo on this world in a tmux window and read fps from its status panel."""
    session = f"tuiperf{os.getpid()}"
    command = (
        f"COLORTERM=truecolor PYTHONPATH={os.getcwd()} {sys.executable} "
        f"-m benchmarks.tui_demo benchmarks/tui_fps.py {args}"
    )
    subprocess.run(["tmux", "new", "-d", "-s", session, "-x", "250", "-y", "110", command], check=True)
    try:
        time.sleep(seconds)
        screen = subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", session], check=True, capture_output=True, text=True
        ).stdout
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], check=False)
    found = re.search(r"fps\s+(\d+)", screen)
    return found.group(1) if found else "not found"


CASES = [
    ("100x100, all cells change", BenchParams(100, "all"), None),
    ("200x200, 5% random cells change", BenchParams(200, "sparse", 0.05), None),
    ("200x200, 5% clustered (a band of rows)", BenchParams(200, "clustered", 0.05), None),
    ("200x200, 5% random, in a 160x50 terminal (part in view)", BenchParams(200, "sparse", 0.05), (160, 50)),
]
COLORS = {"truecolor": ColorSystem.TRUECOLOR, "256": ColorSystem.EIGHT_BIT, "16": ColorSystem.STANDARD}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--frames", type=int, default=200, help="frames per grid and case (0: tmux only)")
    parser.add_argument("--colors", choices=tuple(COLORS), default="truecolor", help="the terminal's colours")
    parser.add_argument("--tmux", type=float, default=0, help="also read fps in tmux after this many seconds")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}; {args.colors} colours; medians over {args.frames} frames")
    for title, params, terminal in CASES if args.frames else ():
        compare(title, params, args.frames, COLORS[args.colors], terminal)
    if args.tmux:
        for title, world in (
            ("100x100, all cells change", "size=100 mode=all"),
            ("200x200, 5% random", "size=200 mode=sparse"),
            ("200x200, 5% clustered", "size=200 mode=clustered"),
        ):
            print(f"tmux 250x110, {title}: {tmux_fps(world, args.tmux)} fps (status panel)")


if __name__ == "__main__":
    main()
