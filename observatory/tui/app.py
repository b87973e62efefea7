"""The observatory app: a scenario's world running live under a Textual screen.

The engine runs inside the app through a ``Pacer``: every frame (60 a
second, on a steady ``FrameClock``) the pacer advances virtual time within a
wall-time budget, then the grid reads the world's colour array once and,
when nothing covers it, writes the changes straight to the terminal through
a ``TerminalFeed`` that sends no more than the terminal takes. Panels are repainted ten times a
second. Nothing here runs per engine event except the inspector's watch of
one agent. Keys only pause, step, re-pace or send commands through the
engine's interface, so the run's results never depend on the screen.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from time import perf_counter
from typing import Any, ClassVar

from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer

from engine import Engine, Pacer
from engine.commands import AppliedCommand, Command, CommandError
from observatory import metrics
from observatory.checks import ScenarioFault, check_states, metrics_of
from observatory.failures import agent_traceback, one_line
from observatory.gc_policy import collect_and_freeze, survivors_frozen
from observatory.history import History
from observatory.mqtt.remote import POLL_BUDGET, Remote
from observatory.rewind import Line
from observatory.scheduled import Scheduled
from observatory.tui.branch_list import BranchList
from observatory.tui.branch_name import BranchName
from observatory.tui.clock import FrameTicker
from observatory.tui.compare import CompareScreen
from observatory.tui.control_room import constraint_lines, paused_scopes
from observatory.tui.failed import FailedCells
from observatory.tui.feed import TerminalFeed
from observatory.tui.grid import GridView
from observatory.tui.help import HelpScreen
from observatory.tui.inspector import AgentView, Inspector
from observatory.tui.legend import Legend
from observatory.tui.plot import MIN_PERIOD, Plot
from observatory.tui.rewinder import Rewinder
from observatory.tui.status import StatusInfo, StatusPanel
from observatory.tui.steering import Steering
from observatory.tui.terminal import terminal_driver
from observatory.tui.textual_private import missing
from observatory.tui.timeline import Timeline
from observatory.tui.watch import AgentWatch
from observatory.watchdog import Watchdog
from scenarios import Scenario, World

FRAME_RATE = 60.0
PAUSED_FRAME_RATE = 10.0
PANEL_PERIOD = 0.1
# Share of each frame's wall time the engine may use; the rest is for drawing and keys.
ENGINE_SHARE = 0.5
# Cap on the engine's slice of one frame, so a key waits at most this plus one draw.
MAX_ENGINE_BUDGET = 0.03
# Events between the pacer's clock checks: small enough to keep to the budget.
SLICE_STEPS = 100
# Most steps a command may take to finish the instant it lands in (see ObservatoryApp.command).
SETTLE_STEPS = 100_000
MIN_SPEED, MAX_SPEED = 1 / 1024, 1 << 20


class ObservatoryApp(Steering, App[None]):
    """Watch and steer one scenario run.

    ``start_at`` runs the world to that virtual time before the first frame
    and starts paused there; with ``clock_figures=False`` the panel hides
    fps and achieved speed. Together they make screenshots deterministic.
    """

    TITLE = "observatory"
    CSS = """
    Screen { layout: horizontal; }
    #grid-box, #grid { width: 1fr; height: 1fr; }
    #side { width: 46; height: 1fr; }
    #bottom { dock: bottom; height: 2; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_pause", "pause"),
        Binding("full_stop", "step", "step"),
        Binding("plus", "speed(2.0)", "speed×2", key_display="+"),
        Binding("minus", "speed(0.5)", "÷2", key_display="-"),
        Binding("right_square_bracket", "limit(1)", "limit+1", key_display="]"),
        Binding("left_square_bracket", "limit(-1)", "-1", key_display="["),
        Binding("right_curly_bracket", "limit(10)", "+10", key_display="}"),
        Binding("left_curly_bracket", "limit(-10)", "-10", key_display="{"),
        Binding("less_than_sign", "seek(-10)", "-10 s", key_display="<"),
        Binding("greater_than_sign", "seek(10)", "+10 s", key_display=">"),
        Binding("home", "seek_home", "t=0", priority=True),
        Binding("escape", "cancel_seek", "cancel seek", show=False),
        Binding("b", "branches", "branches"),
        Binding("c", "compare", "compare"),
        Binding("colon", "command_line", "command", key_display=":"),
        Binding("r", "restart", "restart"),
        Binding("n", "new_seed", "new seed"),
        Binding("question_mark", "help", "help", key_display="?"),
        Binding("q", "quit", "quit"),
        Binding("ctrl+c", "quit", "quit", show=False, priority=True),
    ]

    def __init__(
        self,
        scenario: Scenario,
        params: Any,
        seed: int = 0,
        speed: float = 1.0,
        *,
        start_at: float | None = None,
        clock_figures: bool = True,
        frame_rate: float = FRAME_RATE,
        remote: Remote | None = None,
        history: History | None = None,
        commands: Sequence[Scheduled] = (),
    ) -> None:
        super().__init__(driver_class=terminal_driver())
        self.remote = remote  # steered over MQTT (observatory.mqtt)
        # --command: part of the run's description, so every branch (and a restart) has them.
        script = [AppliedCommand(c.time, c.command) for c in commands]
        if history is not None and script:
            raise ValueError("give the scheduled commands to the History (its script)")
        self.history = history if history is not None else History(script=script)
        # Engine slices run through this (``StopSignals.slice`` when run from the command line,
        # so an agent that never yields can be interrupted); quit keys are reported to
        # ``on_quit_key`` by the input thread as they arrive.
        self.run_slice: Callable[..., Any] = _call
        self.on_quit_key: Callable[[], None] | None = None
        self.quit_when_mounted = False
        self.scenario = scenario
        self.params = params
        self.seed = seed
        self.start_at = start_at
        self.clock_figures = clock_figures
        self.frame_rate = frame_rate
        self.feed = TerminalFeed(self)
        self._last_frame: float | None = None
        self._last_panels = 0.0
        self._watch: AgentWatch | None = None
        self._stale = True
        self._collector = ExitStack()  # garbage-collection policy while mounted
        self.fault: ScenarioFault | None = None  # the scenario broke its contract: exit 1
        self.ticker = FrameTicker(self._frame_on_time, self._handle_exception)
        self.rewinder = Rewinder(self)
        self._build(seed, speed, paused=start_at is not None, run_to=start_at)

    # -- the run -------------------------------------------------------------------

    def _build(self, seed: int, speed: float, *, paused: bool, run_to: float | None = None) -> None:
        """A fresh engine and world for ``seed``; nothing of the old run survives."""
        if self._watch is not None:
            self._watch.close()
            self._watch = None
        if hasattr(self, "engine"):
            self.engine.close()
        self.seed = seed
        self.run_started = perf_counter()
        line = Line(self.scenario, self.params, seed)
        self.engine: Engine = line.engine
        self.world: World = line.world
        self._follow(line)
        self.history.attach(line)  # the branch's commands (--command's too) applied when due
        if self.remote is not None and self.remote.attach(self.engine, self.world, speed):
            self.engine.run(until=self.engine.now, max_steps=SETTLE_STEPS)  # shown even if paused
        if run_to is not None:
            self.engine.run(until=run_to)
            self.history.reached(self.engine.now)
        self.pacer = Pacer(self.engine, speed, slice_steps=SLICE_STEPS)
        if paused:
            self.pacer.pause()

    def _restart(self, seed: int) -> None:
        self.rewinder.cancel()
        self.history.restart(self.engine)
        self._build(seed, self.pacer.speed, paused=self.pacer.paused)
        collect_and_freeze()  # the old world is garbage now; collect it before freezing the new one
        self.grid.reset(self.world.shape)
        self._stale = True
        self.legend.set_states(self.failed.legend())
        self.inspector.show(None)
        self._update_panels()

    def _frame(self) -> None:
        """One frame: advance virtual time within the budget, then recolour the grid."""
        now = time.perf_counter()
        if self.rewinder.frame():  # a seek computes: the screen stands still meanwhile
            self._last_frame = now
            self.timeline.show(self.rewinder.info())
            return
        if self.remote is not None and self.remote.poll(self.pacer.speed, POLL_BUDGET):
            self.settle()
        if not self.pacer.paused:
            if self.world.done:
                self.pacer.pause()
                self._pace_frames()
            else:
                # When drawing is slow, frames are longer: the engine keeps its share of them.
                last = now if self._last_frame is None else self._last_frame
                interval = max(1 / self.frame_rate, now - last)
                steps = self.run_slice(self.pacer.advance, min(MAX_ENGINE_BUDGET, ENGINE_SHARE * interval))
                self.rewinder.ran(time.perf_counter() - now)
                self.history.reached(self.engine.now)
                if steps is not None:  # None: the slice was interrupted in an agent that never yielded
                    self._watch_run(steps)
            self._stale = True
        if self._stale:
            # While paused nothing moves unless a key changed the world: stay idle then.
            self._stale = not self.pacer.paused
            self.grid.show(self.failed.paint(self._colors()))
            if not self.grid.direct.active:
                self.feed.drawn()  # Textual draws it; direct frames count when the terminal takes them
        else:
            self.feed.drawn()  # nothing new to draw
        self._last_frame = now
        if self.remote is not None:
            self.remote.tick(self.pacer.speed, self.pacer.paused)
        if now - self._last_panels >= PANEL_PERIOD:
            self._last_panels = now
            self._update_panels()

    def _colors(self) -> Any:
        try:
            return self.world.colors()
        except IndexError:  # a state that is no legend index: say so, in one line
            check_states(self.scenario, self.world)
            raise

    def _watch_run(self, steps: int) -> None:
        """A stall or livelock pauses the run and says why (the exit code will be 1)."""
        if self.watchdog.problem is None and self.watchdog.check(steps) is not None:
            self.pacer.pause()
            self._pace_frames()
            # It stays up (a click dismisses it): the run is over, whatever else is on screen.
            self.notify(self.watchdog.problem, title="the run cannot go on", severity="error", timeout=3600)

    def _tell_failures(self) -> None:
        """Failures since the last panel update: a notice per new distinct error, the legend entry."""
        for text in self.failed.news():
            self.notify(text, title="agent failure", severity="error", timeout=10)
        states = self.failed.legend()
        if states != self.legend.states:
            self.legend.set_states(states)

    def _handle_exception(self, error: Exception) -> None:
        if isinstance(error, ScenarioFault):  # the scenario's bug, told in one line after the TUI closes
            self.fault = error
            self.exit(return_code=1)
            return
        super()._handle_exception(error)

    # -- screen ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        self.grid = GridView(self.world.shape, id="grid")
        self.status = StatusPanel(id="status")
        self.legend = Legend(id="legend")
        # Screenshots (no clock figures) show every sample at once; live, the plot keeps to its period.
        self.plot = Plot(id="plot", min_period=MIN_PERIOD if self.clock_figures else 0.0)
        self.inspector = Inspector(id="inspector")
        self.timeline = Timeline(id="timeline")
        controls, command_line = self.make_controls()
        # In a box of its own the grid's clip is its own region, so Textual leaves the grid out
        # of the side panels' updates (it renders every widget whose clip meets an update).
        with Vertical(id="grid-box"):
            yield self.grid
        with Vertical(id="side"):
            yield self.status
            yield controls
            yield self.legend
            yield self.plot
            yield self.inspector
        with Vertical(id="bottom"):
            yield command_line
            yield self.timeline
            yield Footer()

    def on_mount(self) -> None:
        if self.remote is not None:  # a burst of refusals is one notice, not a toast each
            self.remote.show_on(lambda text, level: self.notify(text, severity=level), each_refusal=False)  # type: ignore[arg-type]
        self.legend.set_states(self.failed.legend())
        rows, cols = self.world.shape
        title = "  ".join(part for part in (self.scenario.name, self.world.title(), f"{cols}×{rows}") if part)
        self.grid.border_title = title  # width × height, as typed
        self.grid.focus()
        # The grid paints straight to the terminal if this Textual has what that needs.
        self.grid.direct.feed = None if missing(self) else self.feed
        self._frame()
        self._update_panels()
        self._pace_frames()
        # Start-up objects live for the whole run: keep the collector from rescanning them,
        # and from rescanning whatever survives it (no pauses of a full collection mid-run).
        self._collector.enter_context(survivors_frozen(generation=1))
        if self.quit_when_mounted:  # a stop signal came before the screen was up
            self.exit()

    def on_unmount(self) -> None:
        self.ticker.stop()
        self.settle()
        self.engine.close()
        self._collector.close()

    def _pace_frames(self) -> None:
        """Frames at the full rate while running, a slow heartbeat while paused.

        A paused world changes only through keys, which draw at once; the
        heartbeat keeps the panels live without spending the CPU.
        """
        self.ticker.pace(1 / (PAUSED_FRAME_RATE if self.pacer.paused else self.frame_rate))

    def _frame_on_time(self) -> None:
        if not self._exit:
            self._frame()

    def _update_panels(self) -> None:
        self.status.show(self.status_info())
        self.update_controls()
        self._tell_failures()
        self.legend.show(self.failed.counts(self.world.counts()))
        self.plot.show(self.world.series())
        self._show_position()
        self.timeline.show(self.rewinder.info())
        if self._watch is not None:
            self.inspector.show(self._agent_view(self._watch.agent))

    def status_info(self) -> StatusInfo:
        status = self.pacer.status()
        limit = self.world.limit
        return StatusInfo(
            scenario=self.scenario.name,
            seed=self.seed,
            time=self.engine.now,
            speed=status.speed,
            achieved=status.achieved if self.clock_figures else None,
            lag=status.lag,
            fps=self.fps() if self.clock_figures else None,
            paused=status.paused,
            done=self.world.done,
            events=self.engine.events_emitted,
            steps=self.engine.kernel.steps,
            limit="" if limit is None else f"{limit.label}: {_or_none(limit.current(self.engine))}",
            constraints=constraint_lines(self.engine),
            metrics=scalar_metrics(dict(metrics_of(self.scenario, self.world)))
            | (self.remote.rows() if self.remote else {}),
        )

    def fps(self) -> float:
        """Frames per second over the last second that reached the terminal (or Textual)."""
        return self.feed.fps()

    def _show_position(self) -> None:
        """The grid's subtitle: which rows and columns are in view, and the cursor."""
        grid = self.grid
        rows, cols = self.world.shape
        r0, r1, c0, c1 = grid.view_window()
        parts = []
        if r0 > 0 or r1 < rows or c0 > 0 or c1 < cols:
            parts.append(f"rows {r0}–{r1 - 1} cols {c0}–{c1 - 1}")
        if grid.cursor is not None:
            parts.append(f"cursor {grid.cursor[0]},{grid.cursor[1]}")
        parts.append(paused_scopes(self.engine))
        subtitle = "  ".join(p for p in parts if p)
        if subtitle != grid.border_subtitle:
            grid.border_subtitle = subtitle

    # -- inspector ----------------------------------------------------------------------

    def on_grid_view_cell_selected(self, message: GridView.CellSelected) -> None:
        self.select(self.world.agent_at(message.row, message.col))

    def select(self, agent: int | None) -> None:
        """Inspect an agent (None clears the inspector)."""
        if self._watch is not None:
            self._watch.close()
            self._watch = None
        if agent is None:
            self.inspector.show(None)
            return
        self._watch = AgentWatch(self.engine, agent)
        self.inspector.show(self._agent_view(agent))

    @property
    def selected(self) -> int | None:
        return None if self._watch is None else self._watch.agent

    def _agent_view(self, agent: int) -> AgentView:
        watch = self._watch
        record = self.engine.agents[agent]
        error = record.error
        return AgentView(
            id=agent,
            name=record.name,
            cell=self.world.cell_of(agent),
            details=self.world.describe_agent(agent),
            task=None if watch is None else self.blocked_note(agent, watch.current_task()),
            events=[] if watch is None else list(watch.events),
            done=record.done,
            error="" if error is None else one_line(error),
            traceback="" if error is None else agent_traceback(error),
        )

    # -- actions ------------------------------------------------------------------------

    def action_toggle_pause(self) -> None:
        self.pacer.toggle()
        self._pace_frames()
        self._update_panels()

    def action_step(self) -> None:
        if not self.pacer.paused:
            self.pacer.pause()
            self._pace_frames()
        self.run_slice(self.pacer.step)
        self.history.reached(self.engine.now)
        self._stale = True
        self._frame()
        self._update_panels()

    def action_speed(self, factor: float) -> None:
        self.pacer.speed = min(MAX_SPEED, max(MIN_SPEED, self.pacer.speed * factor))
        self._update_panels()

    def action_limit(self, delta: int) -> None:
        limit = self.world.limit
        if limit is None:
            self.notify(f"{self.scenario.name} has no limit to change", severity="warning")
            return
        now = limit.current(self.engine)
        if now is None:
            if delta > 0:
                return
            value = len(self.engine.agents)
        else:
            value = max(1, now + delta)
        self.command(limit.command(value))

    def command(self, command: Command) -> None:
        """Apply an outside command to the run now: checked, applied at the end of this instant, logged.

        The rest of the instant is computed at once (a bounded run to ``now``),
        so a paused screen shows the change; that is work the next step would
        do anyway, so it changes nothing in the run.
        """
        if self.rewinder.seeking:
            self.notify("a seek is computing: wait for it or press escape", severity="warning")
            return
        try:
            command = self.engine.check(command)
        except CommandError as error:
            self.notify(str(error), severity="error")
            return
        forked = self.history.before_live(self.engine)  # a command in the past starts a branch
        self.engine.submit(command)
        self.settle()
        if forked is not None:
            self.notify(f"branch {forked.name} from {forked.parent} at t = {forked.at:g} s")
        self._stale = True
        self._frame()
        self._update_panels()

    def action_seek(self, delta: float) -> None:
        job = self.rewinder.job
        self.rewinder.seek((job.target if job is not None else self.engine.now) + delta)

    def action_seek_home(self) -> None:
        if len(self.screen_stack) == 1:  # a priority key (over the grid's own home), not over a dialog
            self.rewinder.seek(0.0)

    def action_cancel_seek(self) -> None:
        self.rewinder.cancel()
        self._update_panels()

    def action_branches(self) -> None:
        def chosen(choice: tuple[str, str] | None) -> None:
            if choice is None or choice[1] == self.history.branch:
                return
            what, name = choice
            if what == "compare":
                self.action_compare(name)
            else:
                self.rewinder.switch(name)

        self.push_screen(BranchList(self.rewinder.rows()), chosen)

    def action_name_branch(self) -> None:
        self.push_screen(BranchName(self.history.branch, self.name_branch))

    def name_branch(self, name: str) -> str | None:
        """Give the branch on screen a name; the one-line reason it was refused, or None."""
        old = self.history.branch
        try:
            self.history.rename(old, name)
        except ValueError as error:
            return str(error)
        self.rewinder.renamed(old, name)
        self.notify(f"branch {old} is now {name}")
        self._update_panels()
        return None

    def action_compare(self, other: str | None = None) -> None:
        """Compare the branch on screen with ``other`` (default: its parent, or the newest other one)."""
        other = other or self.rewinder.partner()
        if other is None:
            self.notify("one branch only: go back (<), change something: a branch", severity="warning")
            return
        self.push_screen(CompareScreen(*self.rewinder.sides(other)))

    def on_timeline_seek(self, message: Timeline.Seek) -> None:
        self.rewinder.seek(message.time)

    def show_line(self, line: Line) -> None:
        """Put another engine on screen (after a seek): same scenario, same grid, another instant."""
        watched = self.selected
        if self._watch is not None:
            self._watch.close()
            self._watch = None
        self.engine, self.world = line.engine, line.world
        self._follow(line)
        paused = self.pacer.paused
        self.pacer = Pacer(self.engine, self.pacer.speed, slice_steps=SLICE_STEPS)
        if paused:
            self.pacer.pause()
        if watched is not None:
            self.select(watched)

    def after_seek(self) -> None:
        self.pacer.speed = self.pacer.speed  # virtual time follows the wall clock from here
        self._stale = True
        self._frame()
        self._update_panels()

    def _follow(self, line: Line) -> None:
        """Failures and the watchdog follow the engine on screen."""
        self.failures = line.failures
        self.failed = FailedCells(self.world, self.failures)
        self.watchdog = Watchdog(self.scenario, self.engine, self.world)

    def record(self, interrupted: bool = False) -> dict[str, Any]:
        """The metrics record of the run on screen, now."""
        wall = perf_counter() - self.run_started
        record = metrics.collect(
            self.scenario, self.params, self.seed, self.engine, self.world, wall, interrupted,
            failures=self.failures,
        )
        record["run_error"] = self.watchdog.problem
        if self.remote is not None:
            record["mqtt_rejected"] = self.remote.rejected
        return record

    def settle(self) -> None:
        """Compute the rest of the current instant: a run stops, records and rewinds at instant ends."""
        if not self.engine.kernel.instant_done():
            self.engine.run(until=self.engine.now, max_steps=SETTLE_STEPS)
        self.history.reached(self.engine.now)

    def action_restart(self) -> None:
        self._restart(self.seed)

    def action_new_seed(self) -> None:
        if self.history.recorder is not None:
            self.notify("recording: a new seed is another run; quit, run with --seed", severity="warning")
            return
        self.history = History(script=self.history.tree.script)  # another run: its branches start afresh
        self.seed += 1
        self.rewinder.reset()
        self._restart(self.seed)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(has_limit=self.world.limit is not None))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The limit keys exist only for a scenario with a limit (the footer leaves them out)."""
        return not (action == "limit" and self.world.limit is None)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand(
            "Pause / resume", "Stop or restart virtual time (space)", self.action_toggle_pause
        )
        yield SystemCommand("Step", "Pause, then process one engine event (.)", self.action_step)
        yield SystemCommand("Faster", "Double the speed (+)", lambda: self.action_speed(2.0))
        yield SystemCommand("Slower", "Halve the speed (-)", lambda: self.action_speed(0.5))
        if self.world.limit is not None:
            yield SystemCommand("Raise limit", "The scenario's limit +1 (])", lambda: self.action_limit(1))
            yield SystemCommand("Lower limit", "The scenario's limit -1 ([)", lambda: self.action_limit(-1))
            yield SystemCommand("Raise limit by 10", "The limit +10 (})", lambda: self.action_limit(10))
            yield SystemCommand("Lower limit by 10", "The limit -10 ({)", lambda: self.action_limit(-10))
        yield SystemCommand("Back 10 s", "Seek 10 virtual s back (<)", lambda: self.action_seek(-10))
        yield SystemCommand("Forward 10 s", "Seek 10 virtual s on (>)", lambda: self.action_seek(10))
        yield SystemCommand("Go to t = 0", "Seek to the start (home)", self.action_seek_home)
        yield SystemCommand("Branches", "List the branches, switch to one (b)", self.action_branches)
        yield SystemCommand(
            "Name this branch", "Give the branch on screen a name (for replay --branch)",
            self.action_name_branch,
        )
        yield SystemCommand("Compare branches", "This branch beside its parent (c)", self.action_compare)
        yield SystemCommand("Restart", "The identical run again, same seed (r)", self.action_restart)
        yield SystemCommand("New seed", "Restart with the next seed (n)", self.action_new_seed)
        yield from self.steering_commands()
        yield SystemCommand("Keys", "Show every key (?)", self.action_help)


def scalar_metrics(metrics: dict[str, Any]) -> dict[str, Any]:
    """The metrics a status line can show: numbers and text (series go to the plot)."""
    return {k: v for k, v in metrics.items() if isinstance(v, int | float | str)}


def _call(fn: Callable[..., Any], *args: Any) -> Any:
    return fn(*args)


def finish(app: ObservatoryApp, interrupted: bool = False) -> dict[str, Any]:
    """After the app has ended: the run's metrics record, also written to the run file's end lines."""
    record = app.record(interrupted)
    app.history.end(record)
    return record


def _or_none(value: object) -> str:
    return "none" if value is None else str(value)
