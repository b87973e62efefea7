"""The plot panel: plotext lines over virtual time, one run or labelled groups of runs."""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual.app import App, ComposeResult

from observatory.tui.plot import Plot, SeriesGroup, draw
from scenarios import Series


def _series(name: str, scale: float, step: int) -> Series:
    series = Series(name)
    for i in range(40):
        series.append(0.5 * i, scale * ((i * step) % 11))
    return series


def test_one_run_has_time_ticks_a_y_range_and_a_legend_entry_per_series() -> None:
    one_run = SeriesGroup("", [_series("busy", 1, 3), _series("queued", 100, 5)])
    text = Text.from_ansi(draw([one_run], 44, 12)).plain
    assert "busy 7" in text and "queued 800" in text  # each with its latest value
    assert "virtual time (s)" in text
    rows = text.splitlines()
    assert rows[-2].split() == ["0.0", "4.9", "9.8", "14.6", "19.5"]  # virtual-time ticks, 0 to 19.5 s
    assert rows[1].startswith("10.0┤") and rows[1].rstrip().endswith("├1000.0")  # y ranges, left and right


def test_two_runs_in_one_plot_carry_their_labels() -> None:
    groups = [
        SeriesGroup("main", [_series("busy", 1, 3)]),
        SeriesGroup("branch 2", [_series("busy", 1, 4)]),
    ]
    text = Text.from_ansi(draw(groups, 44, 12)).plain
    assert "main: busy 7" in text and "branch 2: busy 2" in text


class PlotApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Plot(id="plot", min_period=0.0)


def test_the_panel_draws_again_only_when_a_series_gained_samples() -> None:
    async def run() -> None:
        app = PlotApp()
        async with app.run_test(size=(50, 16)) as pilot:
            plot = app.query_one(Plot)
            busy = _series("busy", 1, 3)
            plot.show([busy])
            await pilot.pause()
            first = plot.render()
            assert "busy 7" in first.plain
            plot.show([busy])
            assert plot.render() is first  # nothing new: the same text
            busy.append(20.0, 9.0)
            plot.show([busy])
            await pilot.pause()
            again = plot.render()
            assert again is not first and "busy 9" in again.plain
            plot.show([])
            await pilot.pause()
            assert plot.render().plain == "(this scenario declares no series)"

    asyncio.run(run())


class LivePlotApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Plot(id="plot", min_period=0.05)


def test_live_the_plot_is_drawn_again_in_a_thread_with_the_latest_samples() -> None:
    async def run() -> None:
        app = LivePlotApp()
        async with app.run_test(size=(50, 16)) as pilot:
            plot = app.query_one(Plot)
            busy = _series("busy", 1, 3)
            plot.show([busy])
            await pilot.pause()
            first = plot.render()  # the first text is drawn at once
            for value in (9.0, 4.0):  # the second comes while the first draw may still wait
                busy.append(busy.times[-1] + 0.5, value)
                plot.show([busy])
            for _ in range(500):
                await app.workers.wait_for_complete()
                await pilot.pause(0.02)
                if "busy 4" in plot.render().plain:
                    break
            assert plot.render() is not first and "busy 4" in plot.render().plain

    asyncio.run(run())
