"""Frames per second of the TUI on large grids, with the terminal encoding included.

    PYTHONPATH=. python -m benchmarks.tui_fps                  # four cases, truecolour codes
    PYTHONPATH=. python -m benchmarks.tui_fps --colors 256     # a terminal without COLORTERM
    PYTHONPATH=. python -m benchmarks.tui_fps --frames 0 --tmux 5 --readings 10   # only live tmux
    python -m benchmarks.tui_demo benchmarks/tui_fps.py size=200 mode=sparse   # the same world, live

The app runs headless (``App.run_test``). Each frame is driven in lockstep,
doing what the app's frame clock and Textual's screen timer would do: the
app's frame (pacer, world colours, grid, panels), the compositor's partial
update, and its ANSI encoding as it would be written to the terminal, in
the colour system given (headless, Rich would otherwise pick one from
$TERM). Writing the bytes to a real terminal is not included.

Two grids on the same frames, side by side: "direct", the observatory's
grid painting its changes straight to the terminal (``paint``, ``direct``,
the one path on Textual's private parts, ``textual_private``); and
"public", the same grid through Textual's compositor (its Line API), as
when something covers the grid or the private parts are missing.
Medians; CPU frames/s counts this process's CPU time only, so other
processes on the machine inflate it least.

``--tmux W`` runs the app live in tmux windows (a private tmux server each,
COLORTERM=truecolor), waits W seconds, then reads fps (and achieved speed)
off the status panel ``--readings`` times, a second apart (``--keys N``
times N key presses from tmux to the status panel): the grid at one
column per cell (100x100 in 148x53), zoomed (100x100 in 250x110: 200x100
terminal cells), 200x200 in 250x110, and ``observatory run fireflies
--width 100 --height 100`` at speed 1. ``benchmarks/tui_ceiling.py`` tells
how many frames of these sizes tmux itself can take.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rich.color import ColorSystem

from benchmarks.tmux_window import TmuxWindow, load
from engine import Engine
from observatory.tui import ObservatoryApp
from observatory.tui.feed import Frame
from scenarios import Scenario, Series, State, World, param


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
        # A series, so the plot panel is drawn as it is for a scenario (one sample a frame).
        self.changed = Series("changed cells")

    def colors(self) -> np.ndarray:
        self.frames += 1
        before = self.state.copy()
        self._change()
        self.changed.append(self.frames / 60, float(np.count_nonzero(before != self.state)))
        if len(self.changed.values) > 2048:
            del self.changed.times[:1024], self.changed.values[:1024]
        return super().colors()

    def series(self) -> list[Series]:
        return [self.changed]

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


def render_frame(app: ObservatoryApp, written: list[str]) -> int:
    """One frame as the frame clock and Textual's screen timer would draw it; returns the bytes
    written (``written`` collects what the app sent through its driver)."""
    app._frame()
    screen = app.screen
    for widget in screen.walk_children(with_self=False):
        if widget._repaint_required:
            widget._repaint_required = False
            screen._dirty_widgets.add(widget)
    screen._compositor.update_widgets(screen._dirty_widgets)
    screen._dirty_widgets.clear()
    update = screen._compositor.render_update(screen_stack=app._background_screens)
    size = 0 if update is None else len(update.render_segments(app.console).encode())
    size += sum(len(text.encode()) for text in written if type(text) is Frame)
    written.clear()
    return size


async def measure(
    params: BenchParams,
    frames: int,
    grid: str,
    colors: ColorSystem,
    terminal: tuple[int, int] | None = None,
) -> tuple[list[float], list[float], list[int]]:
    """Frame times for one case; by default the terminal shows the whole grid beside the panels."""
    app = ObservatoryApp(SCENARIO, params, seed=1, speed=1.0)
    size = terminal or (params.size + 48, params.size // 2 + 3)
    async with app.run_test(size=size):
        # What the terminal declares (COLORTERM, TERM) decides this; headless, it is set here.
        app.console._color_system = colors
        written: list[str] = []
        app._driver.write = written.append
        if grid != "direct":
            app.grid.direct.feed = None  # through Textual's compositor, as without its private parts
        app.ticker.stop()  # frames are driven here, in lockstep
        for timer in list(app._timers):
            timer.stop()
        times, cpu, sizes = [], [], []
        for i in range(frames + 20):
            start, start_cpu = time.perf_counter(), time.process_time()
            size = render_frame(app, written)
            if i >= 20:  # warm-up: caches filled, layout settled
                times.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
                sizes.append(size)
        assert app.grid.direct.active == (grid == "direct")
    return times, cpu, sizes


def summary(times: list[float], cpu: list[float], sizes: list[int]) -> tuple[float, float, float]:
    """Medians: wall frames/s, CPU frames/s (what other processes cannot inflate), KiB/frame."""
    return 1 / statistics.median(times), 1 / statistics.median(cpu), statistics.median(sizes) / 1024


GRIDS = ("direct", "public")


def compare(title: str, params: BenchParams, frames: int, colors: ColorSystem, terminal) -> None:
    """The grids on one case, side by side; the order alternates so load drifts hit all."""
    print(title)
    figures: dict[str, tuple[list, list, list]] = {}
    for grid in GRIDS + GRIDS[::-1]:
        times, cpu, sizes = asyncio.run(measure(params, frames // 2, grid, colors, terminal))
        old = figures.setdefault(grid, ([], [], []))
        for into, new in zip(old, (times, cpu, sizes), strict=True):
            into.extend(new)
    rows = {grid: summary(*figures[grid]) for grid in GRIDS}
    for label, (wall, cpu, kib) in rows.items():
        print(f"  {label:10s} {wall:7.1f} wall fps {cpu:7.1f} CPU fps {kib:8.1f} KiB/frame")
    for base in GRIDS[1:]:
        print(
            f"  direct / {base}: CPU fps x{rows['direct'][1] / rows[base][1]:.2f}, "
            f"bytes x{rows['direct'][2] / rows[base][2]:.2f}"
        )


def _spread(values: list[float]) -> str:
    if not values:
        return "not found"
    return f"median {statistics.median(values):.4g} (min {min(values):.4g}, max {max(values):.4g})"


PANEL_FIGURES = {"fps": r"fps\s+(\d+)", "achieved": r"achieved\s+×([\d.]+)"}


def tmux_run(title: str, command: str, size: tuple[int, int], warm_up: float, readings: int) -> None:
    """Run a command showing the TUI in tmux; print fps and achieved speed off the status panel."""
    with TmuxWindow(f"COLORTERM=truecolor PYTHONPATH={os.getcwd()} {command}", *size) as window:
        found = window.readings(
            {"fps": r"fps\s+(\d+)", "achieved": r"achieved\s+×([\d.]+)"}, warm_up, readings
        )
    print(f"tmux {size[0]}x{size[1]}, {title}: fps {_spread(found['fps'])}")
    if "fireflies" in title:
        print(f"  achieved speed {_spread(found['achieved'])}")


def key_latency(presses: int) -> None:
    """Key to screen in tmux while 200x200 with 5% random changes runs: + and - in turn,
    until the status panel shows the new requested speed."""
    command = f"{sys.executable} -m benchmarks.tui_demo benchmarks/tui_fps.py size=200 mode=sparse"
    size = (250, 110)
    with TmuxWindow(f"COLORTERM=truecolor PYTHONPATH={os.getcwd()} {command}", *size) as window:
        time.sleep(4)
        times = []
        for i in range(presses):
            key, shown = ("+", "×2 requested") if i % 2 == 0 else ("-", "×1 requested")
            found = window.key_to_screen(key, shown)
            if found is not None:
                times.append(found * 1000)
            time.sleep(0.2)
    print(f"tmux {size[0]}x{size[1]}, 200x200 5% random, key to screen (ms): {_spread(times)}")


def tmux_cases() -> list[tuple[str, str, tuple[int, int]]]:
    demo = f"{sys.executable} -m benchmarks.tui_demo benchmarks/tui_fps.py"
    fireflies = f"{Path(sys.executable).with_name('observatory')} run fireflies --width 100 --height 100"
    return [
        ("100x100, all cells change (one column per cell)", f"{demo} size=100 mode=all", (148, 53)),
        ("100x100, all cells change (zoom 2)", f"{demo} size=100 mode=all", (250, 110)),
        ("200x200, 5% random", f"{demo} size=200 mode=sparse", (250, 110)),
        ("200x200, 5% clustered", f"{demo} size=200 mode=clustered", (250, 110)),
        ("fireflies 100x100 at speed 1", fireflies, (148, 53)),
        ("fireflies 100x100 at speed 1, zoom 2", fireflies, (250, 110)),
    ]


CASES = [
    ("100x100, all cells change", BenchParams(100, "all"), None),
    ("100x100, all cells change, zoom 2 (250x110 terminal)", BenchParams(100, "all"), (250, 110)),
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
    parser.add_argument("--tmux", type=float, default=0, help="also run live in tmux: seconds to warm up")
    parser.add_argument("--readings", type=int, default=5, help="fps readings in tmux, a second apart")
    parser.add_argument("--only", default="", help="tmux cases whose title contains this")
    parser.add_argument("--keys", type=int, default=0, help="also time this many key presses in tmux")
    args = parser.parse_args()
    print(f"{load()}; {args.colors} colours; medians over {args.frames} frames")
    for title, params, terminal in CASES if args.frames else ():
        compare(title, params, args.frames, COLORS[args.colors], terminal)
    if args.tmux:
        for title, command, size in tmux_cases():
            if args.only in title:
                tmux_run(title, command, size, args.tmux, args.readings)
        print(load())
    if args.keys:
        key_latency(args.keys)
        print(load())


if __name__ == "__main__":
    main()
