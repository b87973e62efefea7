"""Agent failures are reported: the log, the headless record, stderr and the exit code."""

from __future__ import annotations

import json
from pathlib import Path

from engine import Engine
from observatory.failures import FailureLog
from observatory.headless import run_headless
from scenarios.registry import load
from tests.observatory.failing_scenarios import ASYNCIO, RAISERS, write
from tests.observatory.test_cli import observatory

FIRST_TRACEBACK = [
    "Traceback (the agent's frames):",
    '  File "{path}", line 21, in agent',
    "    helper(0)",
    '  File "{path}", line 14, in helper',
    "    return 1 / x",
    "           ~~^~~",
    "ZeroDivisionError: division by zero",
]


def test_the_log_keeps_the_first_failure_in_full_and_counts_the_rest(tmp_path: Path) -> None:
    path = write(tmp_path, "raisers", RAISERS)
    scenario = load(str(path))
    engine = Engine(0)
    log = FailureLog().attach(engine)
    scenario.build(engine, scenario.params(agents=5))
    engine.run(until=10.0)
    assert log.count == 5 and log.agents == [0, 1, 2, 3, 4]
    first = log.first
    assert first is not None
    assert (first.agent, first.name, first.time, first.error) == (
        0,
        "worker-0",
        1.0,
        "ZeroDivisionError: division by zero",
    )
    # The agent's own frames only: none of the kernel's loop or the engine's methods.
    assert first.traceback.splitlines() == [line.format(path=path) for line in FIRST_TRACEBACK]
    assert dict(log.kinds) == {"ZeroDivisionError": 3, "RuntimeError": 2}
    # Distinct errors are a type raised at one place, whatever the message says.
    assert [entry for entry in log.distinct.values()] == [
        [3, "ZeroDivisionError: division by zero"],
        [2, "RuntimeError: agent 1 gives up"],
    ]
    assert log.metrics() == {
        "agents_failed": 5,
        "first_failure": {
            "agent": 0,
            "name": "worker-0",
            "time": 1.0,
            "error": "ZeroDivisionError: division by zero",
        },
    }


def test_a_clean_run_has_no_failures_in_its_record() -> None:
    record = run_headless("bottleneck", {"agents": "20"}, seed=1, duration=3)
    assert (record["agents_failed"], record["first_failure"], record["run_error"]) == (0, None, None)


def test_the_record_counts_failures_and_names_the_first(tmp_path: Path) -> None:
    record = run_headless(str(write(tmp_path, "raisers", RAISERS)), {"agents": "3"}, seed=0)
    assert record["agents_failed"] == 3
    assert record["first_failure"] == {
        "agent": 0,
        "name": "worker-0",
        "time": 1.0,
        "error": "ZeroDivisionError: division by zero",
    }
    assert record["sim_time"] == 10.0  # the run went on to its end


def test_a_failed_run_exits_1_reports_on_stderr_and_still_writes_the_metrics(tmp_path: Path) -> None:
    path = write(tmp_path, "raisers", RAISERS)
    out = tmp_path / "m.json"
    done = observatory("run", str(path), "--headless", "--agents", "4", "--metrics-out", str(out))
    assert done.returncode == 1, done.stderr
    lines = done.stderr.splitlines()
    start = lines.index(
        "4 agents failed. The first: agent 0 (worker-0) at t=1: ZeroDivisionError: division by zero"
    )
    assert lines[start + 1 :] == [
        *(line.format(path=path) for line in FIRST_TRACEBACK),
        "All failures by exception type: ZeroDivisionError x2, RuntimeError x2",
    ]
    assert "engine" not in done.stderr.replace(str(path), "")
    assert "agents_failed" in done.stdout and "first_failure" in done.stdout
    record = json.loads(out.read_text())
    assert record["agents_failed"] == 4
    assert record["first_failure"] == {
        "agent": 0,
        "name": "worker-0",
        "time": 1.0,
        "error": "ZeroDivisionError: division by zero",
    }


def test_a_clean_run_exits_0_with_zero_failures_in_the_file(tmp_path: Path) -> None:
    out = tmp_path / "m.json"
    done = observatory(
        "run", "bottleneck", "--headless", "--duration", "2", "--agents", "30", "--metrics-out", str(out)
    )
    assert done.returncode == 0, done.stderr
    record = json.loads(out.read_text())
    assert (record["agents_failed"], record["first_failure"]) == (0, None)
    assert "failed" not in done.stderr


def test_awaiting_asyncio_sleep_fails_the_agent_with_a_message_naming_ctx_sleep(tmp_path: Path) -> None:
    done = observatory("run", str(write(tmp_path, "habits", ASYNCIO)), "--headless")
    assert done.returncode == 1, done.stderr
    first = next(line for line in done.stderr.splitlines() if line.startswith("2 agents failed."))
    assert first == (
        "2 agents failed. The first: agent 0 (agent-0) at t=0.5: TypeError: agent 'agent-0' awaited asyncio "
        "(RuntimeError: no running event loop): agents run in the engine's virtual time, not on an asyncio "
        "loop; use ctx.sleep(seconds) instead of asyncio.sleep, and ctx.recv / ctx.task instead of "
        "asyncio futures"
    )
