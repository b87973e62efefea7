"""Observatory's deterministic discrete-event engine.

What a scenario author needs: an ``Engine`` to spawn ``async def`` agents
on, the agent context they receive, constraints, events and the pacer.
"""

from engine.agent import Agent
from engine.constraints import ConstraintStatistics
from engine.engine import Engine
from engine.events import (
    AgentFailed,
    AgentFinished,
    AgentStarted,
    ConstraintChanged,
    Event,
    TaskBlocked,
    TaskFinished,
    TaskStarted,
)
from engine.kernel import Cancelled
from engine.mailbox import TIMEOUT, MailboxStatistics, WouldBlock
from engine.pacer import Pacer, PacerStatus
from engine.tasks import TaskTimeout

__all__ = [
    "TIMEOUT",
    "Agent",
    "AgentFailed",
    "AgentFinished",
    "AgentStarted",
    "Cancelled",
    "ConstraintChanged",
    "ConstraintStatistics",
    "Engine",
    "Event",
    "MailboxStatistics",
    "Pacer",
    "PacerStatus",
    "TaskBlocked",
    "TaskFinished",
    "TaskStarted",
    "TaskTimeout",
    "WouldBlock",
]
