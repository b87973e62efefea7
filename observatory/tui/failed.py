"""Failed agents on screen, for every scenario: a failure colour, a legend entry, notifications.

A scenario declares the states its model knows; an agent that raised is in
none of them. So the app paints failed agents' cells in ``FAILED``'s colour
over whatever the world shows, adds "failed" to the legend once the first
agent fails, and raises one notification per distinct error — an exception
type raised at one place — with how many agents hit it by then. All of it
reads the run's ``FailureLog`` once per frame or panel update; nothing runs
per engine event.
"""

from __future__ import annotations

import numpy as np

from observatory.failures import FailureLog
from scenarios.framework import State, World

# Distinct errors notified at most; past that, one notice says so (agents may fail each their own way).
MAX_NOTICES = 4
FAILED = State("failed", (230, 40, 230), "raised an exception: select it to see the error")


class FailedCells:
    """What the screen shows of one run's failures."""

    def __init__(self, world: World, log: FailureLog) -> None:
        self.world = world
        self.log = log
        self._rows = np.zeros(0, dtype=np.intp)
        self._cols = np.zeros(0, dtype=np.intp)
        self._told: set[tuple[str, str, int]] = set()

    def paint(self, colors: np.ndarray) -> np.ndarray:
        """``colors`` (rows, cols, 3) with the failed agents' cells in the failure colour."""
        failed = self.log.agents
        if not failed:
            return colors
        if len(failed) > self._rows.size:
            cells = [self.world.cell_of(agent) for agent in failed[self._rows.size :]]
            rows, cols = zip(*cells, strict=True)
            self._rows = np.concatenate([self._rows, np.asarray(rows, dtype=np.intp)])
            self._cols = np.concatenate([self._cols, np.asarray(cols, dtype=np.intp)])
        if not colors.flags.writeable:
            colors = colors.copy()
        colors[self._rows, self._cols] = FAILED.color
        return colors

    def legend(self) -> tuple[State, ...]:
        """The world's legend, with "failed" at the end once an agent has failed."""
        states = self.world.legend
        return (*states, FAILED) if self.log.count else states

    def counts(self, counts: dict[str, int]) -> dict[str, int]:
        """The world's counts, with how many agents failed."""
        return {**counts, FAILED.name: self.log.count} if self.log.count else counts

    def news(self) -> list[str]:
        """One notification text per distinct error not told before."""
        texts = []
        for site, (count, error) in self.log.distinct.items():
            if site in self._told:
                continue
            if len(self._told) == MAX_NOTICES:
                self._told.add(("", "", -1))
                texts.append("more agents failed with other errors: select a failed cell to see its error")
            if len(self._told) > MAX_NOTICES:
                break
            self._told.add(site)
            agents = "agent" if count == 1 else "agents"
            texts.append(f"{count:,} {agents} failed: {error}")
        return texts
