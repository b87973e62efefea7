"""Frames per second of the TUI on large grids, with the terminal encoding included.

    PYTHONPATH=. python -m benchmarks.tui_fps                 # the three standard cases
    PYTHONPATH=. python -m benchmarks.tui_fps --frames 300
    python -m benchmarks.tui_demo benchmarks/tui_fps.py size=100 mode=all   # the same world, live

The app runs headless (``App.run_test``). Each frame is driven in lockstep,
doing what Textual's screen timer would do: the app's frame (pacer, world
colours, grid, panels), the compositor's partial update, and its ANSI
encoding as it would be written to the terminal. Writing the bytes to a
real terminal is not included; the tmux run reads fps from the status panel.

For comparison the same frames go through a "row-level" grid in the same
process: one Segment per cell (no runs, no background-only pairs), whole
rows repainted, and Textual's ANSIToTruecolor filter applied.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from textual.geometry import Region
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
    """The baseline: a Segment per cell, whole rows repainted, ANSIToTruecolor on."""

    def _build_rows(self, keys: np.ndarray, rows: np.ndarray) -> None:
        for y in rows.tolist():
            self._strips[y] = Strip([self._segment_for(int(k), 1) for k in keys[y].tolist()], keys.shape[1])

    def _repaint(self, rows: list[int], last: list[int]) -> None:
        scroll_y = int(self.scroll_y)
        width = self.scrollable_content_region.width
        self.refresh(*[Region(0, y - scroll_y, width, 1) for y in rows])

    def get_line_filters(self):
        return self.app.get_line_filters()


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
    params: BenchParams, frames: int, row_level: bool, terminal: tuple[int, int] | None = None
) -> tuple[list[float], list[float], list[int]]:
    """Frame times for one case; by default the terminal shows the whole grid beside the panels."""
    app = ObservatoryApp(SCENARIO, params, seed=1, speed=1.0)
    size = terminal or (params.size + 48, params.size // 2 + 3)
    async with app.run_test(size=size) as pilot:
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


def report(label: str, times: list[float], cpu: list[float], sizes: list[int]) -> float:
    """Print wall and CPU figures; CPU time per frame is what other processes cannot inflate."""
    med, med_cpu = statistics.median(times), statistics.median(cpu)
    p95 = sorted(times)[int(0.95 * len(times))]
    print(
        f"  {label:11s} {1 / med:6.1f} frames/s wall (median {med * 1000:5.1f} ms, "
        f"p95 {p95 * 1000:5.1f} ms); "
        f"{1 / med_cpu:6.1f} frames/s of CPU (median {med_cpu * 1000:5.1f} ms); "
        f"{statistics.mean(sizes) / 1024:6.1f} KiB/frame"
    )
    return med_cpu


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--frames", type=int, default=200)
    args = parser.parse_args()
    cases = [
        ("100x100, all cells change", BenchParams(100, "all"), None),
        ("200x200, 5% random cells change", BenchParams(200, "sparse", 0.05), None),
        ("200x200, 5% clustered (a band of rows)", BenchParams(200, "clustered", 0.05), None),
        (
            "200x200, 5% random, in a 160x50 terminal (part in view)",
            BenchParams(200, "sparse", 0.05),
            (160, 50),
        ),
    ]
    for title, params, terminal in cases:
        print(title)
        ours = report("observatory", *asyncio.run(measure(params, args.frames, False, terminal)))
        base = report("row-level", *asyncio.run(measure(params, args.frames, True, terminal)))
        print(f"  CPU time per frame, row-level / observatory: {base / ours:.2f}")


if __name__ == "__main__":
    main()
