"""Task-state worlds: cells from declared event rules, the measured task's figures, standard series."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import Engine, Event, TaskTimeout
from scenarios import Limit, State, TaskStateWorld, parse_params
from scenarios.registry import load_file

ROOT = Path(__file__).resolve().parents[2]
LEGEND = tuple(State(name, (i, i, i)) for i, name in enumerate(("idle", "waiting", "busy", "late")))
ON = {"work blocked": "waiting", "work started": "busy", "work finished": "idle", "work timeout": "late"}


async def worker(ctx, delay: float, hold: float, timeout: float | None = None) -> None:
    await ctx.sleep(delay)
    try:
        async with ctx.task("work", timeout=timeout):
            await ctx.sleep(hold)
    except TaskTimeout:
        pass


def world_of(agents: int, slots: int | None = 1, **kwargs) -> tuple[Engine, TaskStateWorld]:
    engine = Engine(seed=1)
    limit = None if slots is None else Limit("slots", "task:work", slots)
    return engine, TaskStateWorld(engine, agents, LEGEND, ON, task="work", limit=limit, **kwargs)


def test_cells_follow_the_rules_and_the_figures_are_exact() -> None:
    engine, world = world_of(3)
    engine.spawn(worker, 0.0, 1.0)
    engine.spawn(worker, 0.5, 1.0)
    engine.spawn(worker, 0.5, 1.0, 0.25)  # gives up at 0.75
    engine.run(until=0.6)
    assert world.counts() == {"idle": 0, "waiting": 2, "busy": 1, "late": 0}
    engine.run(until=0.8)
    assert [LEGEND[s].name for s in world.state[:3]] == ["busy", "waiting", "late"]
    engine.run(until=3.0)
    assert world.counts() == {"idle": 2, "waiting": 0, "busy": 0, "late": 1}
    assert (world.attempts, world.queued, world.started, world.completed) == (3, 2, 2, 2)
    assert world.finished == {"ok": 2, "failed": 0, "cancelled": 0, "timeout": 1}
    assert (world.waiting, world.running, world.max_running) == (0, 0, 1)
    assert world.metrics() == {
        "completed": 2,
        "throughput_per_s": 2 / 3.0,
        "mean_wait_s": (0.0 + 0.5) / 2,
        "utilization": pytest.approx(2.0 / 3.0, rel=1e-12),
        "max_running": 1,
    }
    assert world.describe_agent(1) == {"state": "idle", "completed": "1", "mean wait": "0.500 s"}
    assert world.describe_agent(2) == {"state": "late", "completed": "0", "mean wait": "0.000 s"}


def test_a_status_beats_finished_and_the_first_matching_line_wins() -> None:
    engine = Engine(seed=1)
    on = {"w* finished": "idle", "work ok": "late", "w* started": "busy", "work started": "waiting"}
    world = TaskStateWorld(engine, 2, LEGEND, on)
    engine.spawn(worker, 0.0, 1.0)
    engine.run(until=0.5)
    assert world.state[0] == 2  # "w* started" came first
    engine.run()
    assert world.state[0] == 3  # "work ok" beats "w* finished"
    assert world.metrics() == {}  # nothing measured


def test_events_of_other_tasks_leave_cells_and_figures_alone() -> None:
    engine, world = world_of(1)

    async def other(ctx) -> None:
        async with ctx.task("rest"):
            await ctx.sleep(1.0)

    engine.spawn(other)
    engine.run()
    assert world.state[0] == 0 and world.attempts == 0 and world.finished["ok"] == 0


def test_a_cancelled_waiter_is_not_counted_as_running() -> None:
    engine, world = world_of(2)
    engine.spawn(worker, 0.0, 2.0)
    victim = engine.spawn(worker, 0.0, 1.0)
    engine.call_at(0.5, lambda: engine.cancel(victim))
    engine.run(until=1.0)
    assert (world.running, world.waiting, world.finished["cancelled"]) == (1, 0, 1)
    assert world.state[1] == 0  # "work finished" covers a cancel


def test_utilization_follows_the_limit_and_its_removal() -> None:
    engine, world = world_of(2, slots=2)
    engine.spawn(worker, 0.0, 10.0)
    engine.spawn(worker, 0.0, 10.0)
    engine.call_at(5.0, lambda: world.limit.set(engine, 4))
    engine.call_at(6.0, lambda: world.limit.set(engine, None))  # no limit: both agents could run
    engine.run(until=10.0)
    assert world.utilization() == pytest.approx((5 * 2 / 2 + 1 * 2 / 4 + 4 * 2 / 2) / 10, rel=1e-12)


def test_the_limit_is_applied_to_the_engine_once_written() -> None:
    engine, world = world_of(3, slots=2)
    assert engine.constraint("task:work", "concurrency").limit == 2
    assert world.limit is not None and world.limit.label == "slots"


def test_standard_series_sample_states_completions_and_waiting() -> None:
    engine, world = world_of(4, sample_every=0.5)
    busy = world.plot_state("busy")
    done = world.plot_completions()
    waiting = world.plot_waiting()
    custom = world.plot("twice running", lambda: 2 * world.running)
    for _ in range(4):
        engine.spawn(worker, 0.0, 0.4)
    engine.run(until=2.0)
    assert world.series() == [busy, done, waiting, custom]
    assert busy.times == [0.5, 1.0, 1.5, 2.0]
    # One slot: the work runs 0-0.4, 0.4-0.8, 0.8-1.2, 1.2-1.6.
    assert busy.values == [1, 1, 1, 0]
    assert done.name == "completed /s" and done.values == [2.0, 2.0, 2.0, 2.0]  # one per half second
    assert waiting.values == [2, 1, 0, 0]
    assert custom.values == [2, 2, 2, 0]


def test_waiting_counts_every_constraint_on_the_scope() -> None:
    engine, world = world_of(3)
    waiting = world.plot_waiting()
    engine.pause("task:work")
    for _ in range(3):
        engine.spawn(worker, 0.0, 1.0)
    engine.run(until=1.0)
    assert waiting.values == [3]


def test_set_state_marks_a_state_no_event_tells() -> None:
    _, world = world_of(2)
    world.set_state(1, "late")
    assert world.counts()["late"] == 1
    with pytest.raises(ValueError, match="'gone' is not in the legend: use one of idle, waiting, busy, late"):
        world.set_state(1, "gone")


@pytest.mark.parametrize(
    ("on", "message"),
    [
        ({"work begun": "idle"}, "rule 'work begun' is not valid: use 'TASK-GLOB EVENT' with EVENT one of"),
        ({"blocked": "idle"}, "task-state rule 'blocked' is not valid"),
        ({"work ok": "happy"}, "task-state rule 'work ok': no state 'happy' in the legend: use one of idle"),
    ],
)
def test_bad_rules_name_the_rule_and_the_accepted_words(on: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TaskStateWorld(Engine(), 2, LEGEND, on)


def test_bad_declarations_are_refused() -> None:
    with pytest.raises(ValueError, match="agents 0 is not valid"):
        TaskStateWorld(Engine(), 0, LEGEND, ON)
    with pytest.raises(ValueError, match="at least one state"):
        TaskStateWorld(Engine(), 2, (), ON)
    engine, world = world_of(2, slots=None)
    with pytest.raises(ValueError, match="plot_waiting needs a scope"):
        world.plot_waiting()
    engine.spawn(worker, 0.0, 1.0)
    with pytest.raises(ValueError, match="spawn_agents must come first"):
        world.spawn_agents(worker, 0.0, 1.0)
    engine.close()
    with pytest.raises(ValueError, match="needs a measured task"):
        TaskStateWorld(Engine(), 2, LEGEND, ON).plot_completions()


def test_a_subclass_may_declare_legend_and_rules_as_class_attributes() -> None:
    class Declared(TaskStateWorld):
        legend = LEGEND
        on = ON

    engine = Engine()
    world = Declared(engine, 5, task="work")
    assert world.shape == (2, 3) and world.used == 5
    world.spawn_agents(worker, 0.0, 1.0)
    engine.run()
    assert world.counts()["idle"] == 5 and world.completed == 5


@settings(max_examples=30, deadline=None)
@given(
    agents=st.integers(1, 12),
    slots=st.integers(1, 4),
    timeout=st.sampled_from([None, 0.0, 0.3, 1.0]),
    seed=st.integers(0, 1000),
)
def test_figures_match_the_cells_and_the_constraint(agents: int, slots: int, timeout, seed: int) -> None:
    engine = Engine(seed)
    world = TaskStateWorld(engine, agents, LEGEND, ON, task="work", limit=Limit("s", "task:work", slots))

    async def loop(ctx) -> None:
        while True:
            await ctx.sleep(ctx.random.uniform(0, 1))
            await worker(ctx, 0.0, ctx.random.uniform(0.1, 0.5), timeout)

    world.spawn_agents(loop)
    for t in (1.0, 2.5, 4.0):
        engine.run(until=t)
        stats = engine.constraint("task:work", "concurrency").statistics()
        counts = world.counts()
        assert counts["busy"] == world.running == stats.running <= slots
        assert counts["waiting"] == world.waiting == stats.waiting
        assert world.attempts == world.started + world.finished["timeout"] + world.waiting
        assert world.completed == sum(world.done_by) == world.finished["ok"]


def test_bottleneck_is_a_complete_scenario_in_at_most_30_lines_of_code() -> None:
    source = (ROOT / "scenarios" / "bottleneck.py").read_text()
    assert lines_of_code(source) <= 30


def lines_of_code(source: str) -> int:
    """Lines that hold code: not blank, not a comment, not a docstring."""
    import ast
    import io
    import tokenize

    docstrings: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                docstrings.update(range(body[0].lineno, body[0].end_lineno + 1))
    code: set[int] = set()
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
    skip.add(tokenize.ENDMARKER)
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type not in skip:
            code.update(range(tok.start[0], tok.end[0] + 1))
    return len(code - docstrings)


# -- examples/api_clients.py on the task-state world -----------------------------------------


def api_run(values: dict, seed: int, until: float) -> tuple[int, str, dict, dict]:
    scenario = load_file(ROOT / "examples" / "api_clients.py")
    engine = Engine(seed)
    lines: list[str] = []
    engine.subscribe(Event, lambda ev: lines.append(f"{type(ev).__name__} {ev.time!r} {ev.agent} {ev.task}"))
    world = scenario.build(engine, parse_params(scenario.params, values))
    engine.run(until=until)
    digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]
    return len(lines), digest, world.metrics(), world.counts()


def test_api_clients_golden_trace_and_metrics() -> None:
    """The same events and metrics as the example before it moved onto the task-state world."""
    assert api_run({"clients": "30", "rate": "5"}, 3, 20.0) == (
        350,
        "5454201de50681ea",
        {"calls": 100, "calls_per_s": 5.0, "throttled": 119},
        {"idle": 10, "throttled": 20, "calling": 0},
    )


def test_api_clients_runs_from_the_command_line(tmp_path: Path) -> None:
    out = tmp_path / "m.json"
    done = subprocess.run(
        [sys.executable, "-m", "observatory", "run", str(ROOT / "examples" / "api_clients.py"),
         "--headless", "--duration", "10", "--clients", "20", "--metrics-out", str(out)],
        capture_output=True, text=True, cwd=tmp_path, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert '"throttled"' in out.read_text()


def readme_block(heading: str) -> str:
    text = (ROOT / "README.md").read_text()
    section = text[text.index(heading) :]
    start = section.index("```python\n") + len("```python\n")
    return section[start : section.index("```", start)]


def test_the_readme_task_state_sample_is_the_bottleneck_model() -> None:
    from scenarios.bottleneck import SCENARIO, BottleneckParams

    namespace: dict = {}
    exec(compile(readme_block("### The task-state world"), "README task-state sample", "exec"), namespace)
    runs = []
    for build in (namespace["build"], SCENARIO.build):
        engine = Engine(seed=2)
        world = build(engine, parse_params(BottleneckParams, {"agents": "40", "slots": "3"}))
        engine.run(until=30)
        runs.append((world.metrics(), engine.events_emitted))
    assert runs[0] == runs[1]


def test_the_readme_timeout_sample_catches_the_timeout() -> None:
    namespace: dict = {}
    exec(compile(readme_block("### Timeouts on governed waits"), "README timeout sample", "exec"), namespace)
    engine = Engine()
    engine.pause("task:call")
    agent = engine.spawn(namespace["client"])
    engine.run()
    assert agent.done and agent.error is None and engine.now == 1.0
