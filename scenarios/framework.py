"""What a scenario declares, and the world it builds on an engine.

A scenario module defines ``SCENARIO = Scenario(...)``: a name, a one-line
description, a params dataclass (see ``scenarios.params``) and a ``build``
function that spawns its agents on an engine and returns a ``World``. The
world owns the arrays the screen reads — one state index per agent, updated
by event subscribers with O(1) writes — plus the legend, the metrics and the
series worth plotting. Nothing here knows about Textual or Typer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

from engine import Engine
from engine.commands import Command


@dataclass(frozen=True)
class State:
    """One cell state of the legend: a name, an RGB colour and what it means."""

    name: str
    color: tuple[int, int, int]
    description: str = ""


# Points a series keeps at most: long runs are thinned evenly, the first and latest kept.
SERIES_POINTS = 4096


@dataclass
class Series:
    """A metric sampled over virtual time, for plots and the metrics file; bounded in length.

    Every sample is appended, but only every ``stride``-th is kept (sample 0
    always) plus the latest one as the last point: when ``capacity`` points
    are kept, every other one is dropped and the stride doubles. So a series
    holds at most ``capacity`` points, evenly spread over the whole run,
    and ``values[-1]`` is always the latest sample.
    """

    name: str
    times: list[float] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    capacity: int = SERIES_POINTS
    stride: int = field(default=1, init=False)
    _count: int = field(default=0, init=False, repr=False)
    _provisional: bool = field(default=False, init=False, repr=False)

    def __post_init__(self) -> None:
        self._count = len(self.times)

    def append(self, time: float, value: float) -> None:
        times, values = self.times, self.values
        if self._provisional:  # the last point was only the latest sample, off the stride
            times.pop()
            values.pop()
        times.append(time)
        values.append(value)
        self._provisional = self._count % self.stride != 0
        self._count += 1
        if not self._provisional and len(times) >= self.capacity:
            del times[1::2], values[1::2]  # keeps samples 0, 2 * stride, 4 * stride ...
            self.stride *= 2
            if (self._count - 1) % self.stride:  # the latest sample was dropped: keep it as the end
                times.append(time)
                values.append(value)
                self._provisional = True

    @property
    def samples(self) -> int:
        """How many samples were appended (kept or not)."""
        return self._count

    def pairs(self) -> list[list[float]]:
        return [[t, v] for t, v in zip(self.times, self.values, strict=True)]


@dataclass
class Limit:
    """The scenario's main governance knob (the TUI's ``[`` and ``]``): a concurrency scope.

    ``value`` is the limit the scenario starts with. The live value is read
    from the engine (``current``), since outside commands change it too.
    """

    label: str
    scope: str
    value: int | None

    def set(self, engine: Engine, value: int | None) -> None:
        """The model's own setting (at build time): applied directly, not logged as a command."""
        if value is None:
            engine.remove(self.scope, "concurrency")
        else:
            engine.concurrency(self.scope, value)
        self.value = value

    def current(self, engine: Engine) -> int | None:
        """The limit in force now (None: no limit on the scope)."""
        live = engine.constraint(self.scope, "concurrency")
        return None if live is None else live.limit

    def command(self, value: int | None) -> Command:
        """The outside command that sets the limit to ``value`` (None removes it)."""
        if value is None:
            return Command("clear", {"scope": self.scope, "kind": "concurrency"})
        return Command("concurrency", {"scope": self.scope, "limit": value})


class World:
    """A built scenario: agents on an engine, mapped onto a grid of cells.

    Agent ``i`` sits at cell ``divmod(i, cols)`` unless a subclass says
    otherwise. ``state`` holds each agent's index into ``legend``. It is a
    numpy view of the bytearray ``cells``: event subscribers write
    ``cells[i] = k`` (a plain Python store, the cheapest O(1) write) and the
    screen reads ``state`` as an array. When the agents do not fill the grid,
    ``used`` says how many cells (in row-major order) hold one; the rest are
    drawn in ``EMPTY_COLOR`` and left out of ``counts()``.
    """

    legend: tuple[State, ...] = ()
    EMPTY_COLOR: tuple[int, int, int] = (0, 0, 0)

    def __init__(self, engine: Engine, rows: int, cols: int, used: int | None = None) -> None:
        self.engine = engine
        self.shape = (rows, cols)
        self.used = rows * cols if used is None else used
        self.cells = bytearray(rows * cols)
        self.state = np.frombuffer(self.cells, dtype=np.uint8)
        self.limit: Limit | None = None
        self._palette = np.array([s.color for s in self.legend] or [(0, 0, 0)], dtype=np.uint8)
        done = type(self).done
        if isinstance(done, property) and done is not World.done:  # a world that ends itself
            engine.stop_when(partial(done.fget, self))  # the run ends at the instant it is done

    @property
    def done(self) -> bool:
        """True when the scenario has reached its natural end (e.g. N generations)."""
        return False

    def progress(self) -> float | None:
        """How far a self-stopping run has got, from 0 to 1 (None: not known)."""
        return None

    def describe_progress(self) -> str:
        """How far the run has got, in the scenario's words (``"0 of 3 generations"``).

        A stalled run's message ends with it; empty when there is nothing to say.
        A world that overrides ``done`` ends its run at the instant that made
        it done: the engine asks ``done`` once per instant, as the clock is
        about to move on. A world may also call ``engine.stop()`` to end the
        run at the very event.
        """
        return ""

    def cell_of(self, agent: int) -> tuple[int, int]:
        """The (row, col) of an agent's cell."""
        return divmod(agent, self.shape[1])

    def agent_at(self, row: int, col: int) -> int | None:
        """The agent shown at a cell, or None."""
        rows, cols = self.shape
        if 0 <= row < rows and 0 <= col < cols:
            agent = row * cols + col
            return agent if agent < min(self.used, len(self.engine.agents)) else None
        return None

    def refresh(self) -> None:
        """Bring ``state`` up to date before it is read; most worlds keep it current as they go."""

    def state_grid(self) -> np.ndarray:
        """Each cell's state index, shape (rows, cols)."""
        self.refresh()
        return self.state.reshape(self.shape)

    def colors(self) -> np.ndarray:
        """Each cell's RGB colour now, shape (rows, cols, 3), dtype uint8."""
        self.refresh()
        flat = self._palette[self.state]
        flat[self.used :] = self.EMPTY_COLOR
        return flat.reshape((*self.shape, 3))

    def counts(self) -> dict[str, int]:
        """How many agents are in each legend state."""
        self.refresh()
        tally = np.bincount(self.state[: self.used], minlength=len(self.legend))
        return {s.name: int(tally[i]) for i, s in enumerate(self.legend)}

    def metrics(self) -> dict[str, Any]:
        """The scenario's own metrics (the runner adds the common keys)."""
        return {}

    def series(self) -> list[Series]:
        """The headline metrics over virtual time, first one plotted first."""
        return []

    def artifacts(self) -> dict[str, np.ndarray]:
        """Arrays to save at the end of a run, keyed by the parameter naming the file.

        For example conway returns ``{"grid_out": grid}``; the runner writes it
        with ``numpy.save`` when ``--grid-out`` was given.
        """
        return {}

    def title(self) -> str:
        """A few words the grid's title shows after the scenario's name (conway: its rule)."""
        return ""

    def describe_agent(self, agent: int) -> dict[str, str]:
        """What an inspector shows about one agent beyond id and name."""
        return {"state": self.legend[self.state[agent]].name if self.legend else "?"}


@dataclass(frozen=True)
class Theory:
    """Exact values some metrics take for given parameters, where a model's theory knows them.

    ``exact(params)`` returns ``{metric: value}`` for parameters the theory
    covers and None (or leaves a metric out) where it does not; ``metrics``
    names every metric it may give, so a sweep's table has a column for each.
    """

    metrics: tuple[str, ...]
    exact: Callable[[Any], dict[str, float] | None]


@dataclass(frozen=True)
class Scenario:
    """A scenario's declaration; the CLI and TUI need nothing else.

    ``stops_itself`` is True for scenarios whose world becomes ``done`` (such
    as conway's ``--generations``), so headless runs need no ``--duration``.
    ``footprint(params)``, if given, estimates the memory a run needs:
    ``(bytes, the options that set its size, as typed)``, so a run that
    cannot fit is refused before it is built.
    ``headline`` names the metrics a sweep's summary shows by default;
    ``theory`` gives exact values of metrics where they are known.
    """

    name: str
    description: str
    params: type
    build: Callable[[Engine, Any], World]
    stops_itself: bool = False
    default_duration: float | None = None
    footprint: Callable[[Any], tuple[int, str]] | None = None
    headline: tuple[str, ...] = ()
    theory: Theory | None = None
