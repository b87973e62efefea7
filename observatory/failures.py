"""Agent failures of a run, collected as they happen and told to a person.

The engine ends an agent that raises and emits ``AgentFailed`` carrying
the error; the run goes on. ``FailureLog`` listens for those events and
keeps what a report needs: how many failed, the first failure in full (its
traceback cut to the agent's own frames, without the engine's), and how
often each distinct error and each exception type occurred. It holds the
tracebacks of no failure but the first.
"""

from __future__ import annotations

import math
import traceback
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import engine as engine_package
from engine import AgentFailed, Engine

_ENGINE_DIR = str(Path(engine_package.__file__).resolve().parent)


@dataclass(frozen=True)
class Failure:
    """One agent's failure: who, when, what, and where in the agent's own code."""

    agent: int
    name: str
    time: float
    kind: str
    message: str
    traceback: str

    @property
    def error(self) -> str:
        """``Type: message``, as Python prints an exception's last line."""
        return f"{self.kind}: {self.message}" if self.message else self.kind

    def record(self) -> dict[str, Any]:
        """The metrics file's ``first_failure``: ``{agent, name, time, error}``."""
        return {"agent": self.agent, "name": self.name, "time": self.time, "error": self.error}


class FailureLog:
    """Counts an engine's agent failures and keeps the first one in full."""

    def __init__(self) -> None:
        self._unsubscribe: Any = None
        self._forget()

    def _forget(self) -> None:
        self.count = 0
        self.first: Failure | None = None
        self.kinds: Counter[str] = Counter()
        # One entry per distinct error: its type and where it was raised -> [agents, first "Type: message"].
        # Messages often name the agent; the place they come from does not.
        self.distinct: dict[tuple[str, str, int], list[Any]] = {}
        self.agents: list[int] = []  # ids of the failed agents, in the order they failed
        self._engine: Engine | None = None

    def attach(self, engine: Engine) -> FailureLog:
        """Start listening to ``engine`` (forgetting any earlier engine and its failures)."""
        self.detach()
        self._forget()
        self._engine = engine
        self._unsubscribe = engine.subscribe(AgentFailed, self._failed)
        return self

    @classmethod
    def of_agents(cls, engine: Engine) -> FailureLog:
        """A log made afterwards from the agents' errors: counts right, the first one's time unknown."""
        log = cls()
        for agent in engine.agents:
            if agent.error is not None:
                log._engine = engine
                log._failed(AgentFailed(math.nan, agent.id, "", agent.error))
        return log

    def detach(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _failed(self, event: AgentFailed) -> None:
        self.count += 1
        self.agents.append(event.agent)
        error = event.error
        kind = type(error).__name__
        self.kinds[kind] += 1
        entry = self.distinct.get(key := _site(error))
        if entry is None:
            self.distinct[key] = [1, one_line(error)]
        else:
            entry[0] += 1
        if self.first is None:
            assert self._engine is not None
            name = self._engine.agents[event.agent].name
            self.first = describe(event.agent, name, event.time, error)

    def metrics(self) -> dict[str, Any]:
        """The metrics file's ``agents_failed`` and ``first_failure`` (None when none failed)."""
        return {
            "agents_failed": self.count,
            "first_failure": None if self.first is None else self.first.record(),
        }

    def report(self) -> list[str]:
        """What stderr shows at the end of a run with failures (no lines when none failed)."""
        first = self.first
        if first is None:
            return []
        agents = "agent" if self.count == 1 else "agents"
        lines = [
            f"{self.count} {agents} failed. The first: agent {first.agent} ({first.name}) "
            f"at t={first.time:g}: {first.error}",
        ]
        if first.traceback:
            lines.append(first.traceback.rstrip("\n"))
        if self.count > 1:
            kinds = ", ".join(f"{kind} x{count}" for kind, count in self.kinds.most_common())
            lines.append(f"All failures by exception type: {kinds}")
        return lines


def describe(agent: int, name: str, time: float, error: BaseException) -> Failure:
    """A failure with its traceback cut to the agent's own frames."""
    return Failure(agent, name, time, type(error).__name__, _message(error), agent_traceback(error))


def _site(error: BaseException) -> tuple[str, str, int]:
    """An error's type and the file and line it was raised at."""
    tb = error.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return (type(error).__name__, "", 0)
    return (type(error).__name__, tb.tb_frame.f_code.co_filename, tb.tb_lineno)


def one_line(error: BaseException) -> str:
    message = _message(error)
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def _message(error: BaseException) -> str:
    return " ".join(str(error).split())


def agent_traceback(error: BaseException) -> str:
    """The traceback of ``error`` without the engine's frames (the kernel's loop, ctx's methods).

    What is left is the agent's code, the scenario's and any library it
    called, ending with the exception line, as Python prints it.
    """
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if not str(Path(frame.filename).resolve()).startswith(_ENGINE_DIR + "/")
    ]
    if not frames:
        return ""
    text = ["Traceback (the agent's frames):\n"]
    text.extend(traceback.format_list(frames))
    text.extend(traceback.format_exception_only(type(error), error))
    return "".join(text)


def tell(record: dict[str, Any], log: FailureLog, err: TextIO) -> int:
    """Write what went wrong in a finished run to ``err``; the exit code it calls for (0 or 1).

    Agent failures (the first in full, the rest counted by type), then a
    stall or livelock line. Any of them makes the run a failed one.
    """
    lines = log.report()
    if record.get("run_error"):
        lines.append(record["run_error"])
    for line in lines:
        print(line, file=err)
    return 1 if lines else 0


def first_failure_text(record: dict[str, Any]) -> str:
    """The metrics file's ``first_failure`` in words, for the summary table."""
    when = "" if record.get("time") is None else f" at t={record['time']:g}"
    return f"agent {record['agent']} ({record['name']}){when}: {record['error']}"
