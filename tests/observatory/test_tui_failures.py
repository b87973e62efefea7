"""The TUI shows failures: a failure colour and legend entry, one notice per distinct error, the inspector.

Stalls and livelocks pause the run with a notice; the exit code is 1 then.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from observatory import watchdog
from observatory.tui import ObservatoryApp
from observatory.tui.failed import FAILED
from scenarios.bottleneck import SCENARIO as BOTTLENECK
from scenarios.bottleneck import BottleneckParams
from scenarios.conway import SCENARIO as CONWAY
from scenarios.conway import ConwayParams
from scenarios.distributions import Distribution
from scenarios.registry import load
from tests.observatory.failing_scenarios import RAISERS, write

SIZE = (130, 40)


def test_failed_agents_are_painted_listed_notified_and_inspected(tmp_path: Path) -> None:
    scenario = load(str(write(tmp_path, "raisers", RAISERS)))

    async def run() -> None:
        # Paused at t=3.5: agents 0, 1 and 2 failed at t=1, 2 and 3; agents 3 to 5 have not yet.
        app = ObservatoryApp(scenario, scenario.params(agents=6), start_at=3.5, clock_figures=False)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert [n.message for n in app._notifications] == [
                "2 agents failed: ZeroDivisionError: division by zero",
                "1 agent failed: RuntimeError: agent 1 gives up",
            ]
            colors = app.grid._colors
            assert [tuple(colors[0, col]) for col in range(6)] == [FAILED.color] * 3 + [(10, 10, 10)] * 3
            assert [s.name for s in app.legend.states] == ["idle", "failed"]
            assert app.legend.counts == {"idle": 6, "failed": 3}
            app.select(1)
            view = app.inspector.view
            assert view is not None and view.done
            assert view.error == "RuntimeError: agent 1 gives up"
            assert view.traceback.splitlines()[1:] == [
                f'  File "{tmp_path / "raisers.py"}", line 20, in agent',
                '    raise RuntimeError(f"agent {ctx.id} gives up")',
                "RuntimeError: agent 1 gives up",
            ]
            await pilot.pause()
            text = app.inspector.render().plain
            assert "agent  1  worker-1  (failed)" in text
            assert "error  RuntimeError: agent 1 gives up" in text
            # A later failure of a kind already told raises no new notice.
            app.pacer.resume()
            app.pacer.speed = 64.0
            while app.failures.count < 5:
                await pilot.pause(0.05)
            await pilot.pause(0.2)
            assert len(app._notifications) == 2
            app.save_screenshot(str(tmp_path / "failures.svg"))

    asyncio.run(run())


def test_the_legend_has_no_failed_entry_while_nothing_failed() -> None:
    async def run() -> None:
        app = ObservatoryApp(BOTTLENECK, BottleneckParams(agents=20), start_at=2.0, clock_figures=False)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert "failed" not in [s.name for s in app.legend.states]
            assert not app._notifications
            assert np.array_equal(app.grid._colors, app.world.colors())

    asyncio.run(run())


async def until_problem(app: ObservatoryApp, pilot) -> None:
    for _ in range(400):
        if app.watchdog.problem is not None:
            return
        await pilot.pause(0.05)


def test_a_livelock_pauses_the_tui_and_says_who_loops(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(watchdog, "LIVELOCK_STEPS", 3_000)
    monkeypatch.setattr(watchdog, "LIVELOCK_STEPS_PER_AGENT", 0)
    zero = Distribution.parse("const:0")

    async def run() -> None:
        app = ObservatoryApp(
            BOTTLENECK, BottleneckParams(agents=2, think=zero, service=zero), clock_figures=False
        )
        async with app.run_test(size=SIZE) as pilot:
            await until_problem(app, pilot)
            await pilot.pause()
            problem = app.watchdog.problem
            assert problem is not None and problem.startswith("bottleneck livelocked at t=0: ")
            assert problem.endswith("; looping: agents agent-0, agent-1 in task work")
            assert app.pacer.paused
            assert [n.message for n in app._notifications] == [problem]

    asyncio.run(run())


def test_a_stall_pauses_the_tui_with_the_stall_line() -> None:
    params = ConwayParams(width=8, height=8, generations=3, patience=float("inf"), loss=0.2)

    async def run() -> None:
        app = ObservatoryApp(CONWAY, params, speed=4.0, clock_figures=False)
        async with app.run_test(size=SIZE) as pilot:
            await until_problem(app, pilot)
            await pilot.pause()
            line = "conway stalled at t=0.125: 0 of 3 generations (no events left)"
            assert app.watchdog.problem == line
            assert app.pacer.paused
            assert [n.message for n in app._notifications] == [line]

    asyncio.run(run())
