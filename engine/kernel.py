"""The discrete-event kernel: a virtual clock, a timer heap and a ready queue.

Agents are ``async def`` coroutines. The kernel resumes them with ``send``;
an agent suspends by *parking*: the operation it awaits first registers it
somewhere (a timer in the heap, a mailbox, a constraint's queue) and then
yields. Whoever wakes it puts it on the ready queue. Heap entries are
``(time, seq, target)``; the unique ``seq`` breaks ties deterministically and
lets a woken agent's leftover timer be recognised as stale. Timers that share a
time go to a FIFO lane beside the heap instead (see ``Kernel.__init__``); the
loop takes the earlier of the two firsts.

An agent's ``_wait`` says what it waits for: ``RUNNING`` (-1) when it runs
or stands on the ready queue, ``PARKED`` (-2) when only someone else can
wake it, or the ``seq`` of the heap entry that will wake it. Hot code uses
the literals.
"""

from __future__ import annotations

import itertools
import math
import sys
from collections import deque
from collections.abc import Callable, Coroutine
from heapq import heappop, heappush
from typing import TYPE_CHECKING, Any

from engine.events import AgentFailed, AgentFinished, EventBus
from engine.foreign import explain

if TYPE_CHECKING:
    from engine.agent import Agent


RUNNING = -1
PARKED = -2

# The horizon of an unbounded run: beyond every finite time, below a forever sleep.
_FOREVER = sys.float_info.max
# Steps per inner loop of run(): big enough to amortise the outer loop, small
# enough that a bounded run re-checks its budget often.
_CHUNK = 256
# Sequence numbers of late timers start here, above every ordinary one, so a late
# timer sorts after everything else due at its time (see ``Kernel.call_late``).
_LATE = 1 << 62


class Cancelled(BaseException):
    """Thrown into an agent that is cancelled; its ``finally`` blocks run.

    A BaseException so that ``except Exception`` in agent code does not
    swallow it.
    """


class _Halt(BaseException):
    """Raised by the stop marker out of the hot loop, so ``run`` returns at once (see ``stop``)."""


class Timer:
    """A callback the kernel runs at a virtual time, unless cancelled first.

    It looks like a parked agent to the kernel's loop (``_coro.send``,
    ``_wait``), so the hot loop needs no type test per step.
    """

    __slots__ = ("_coro", "_wait", "callback")

    def __init__(self, callback: Callable[[], None]) -> None:
        self._wait = PARKED
        self._coro = self
        self.callback = callback

    def send(self, _: None) -> None:
        """Fire: run the callback (called by the kernel's loop)."""
        self._wait = PARKED  # fired; never woken again
        self.callback()

    def cancel(self) -> None:
        """Forget the callback; its heap entry becomes stale."""
        self._wait = PARKED


class _Throw:
    """Stands in for an agent's coroutine until its next resumption, which throws ``exc`` in.

    This keeps the rare case (cancel, misuse) out of the hot loop: the loop
    always just calls ``agent._coro.send(None)``.
    """

    __slots__ = ("agent", "coro", "exc")
    cr_running = False

    def __init__(self, agent: Agent, coro: Coroutine[Any, Any, Any], exc: BaseException) -> None:
        self.agent = agent
        self.coro = coro
        self.exc = exc

    def send(self, _: None) -> Any:
        self.agent._coro = self.coro
        return self.coro.throw(self.exc)


def _throw_into(agent: Agent, exc: BaseException) -> None:
    """Arrange for ``exc`` to be raised where the agent waits, when it next runs."""
    coro = agent._coro
    if coro.__class__ is _Throw:
        coro.exc = exc
    else:
        agent._coro = _Throw(agent, coro, exc)


class Kernel:
    """Runs agents and timers in virtual time, one at a time, deterministically."""

    def __init__(self, bus: EventBus) -> None:
        self.now = 0.0
        self.bus = bus
        self.steps = 0
        self._heap: list[tuple[float, int, object]] = []
        # The lane: a FIFO of timers beside the heap, in (time, seq) order. Models that set
        # many timers for one time (a fixed delay, a tick) then pay no heap sifting per timer.
        # A timer joins the lane at ``_last``, the lane's latest time, or, while the heap is
        # empty, at any later finite time; every other timer goes to the heap, so models with
        # scattered times keep an empty lane and pay only for the test.
        self._lane: deque[tuple[float, int, object]] = deque()
        self._last = -math.inf
        self._ready: deque[Agent] = deque()
        self._seqs = itertools.count()
        self._late_seqs = itertools.count(_LATE)
        self._on_finished = bus.outlet(AgentFinished)
        self._on_failed = bus.outlet(AgentFailed)
        # True when the last run() ended because stop() was called, not for want of events.
        self.stopped = False
        # True once run() was first called: before that no agent has moved (see Engine.submit).
        self.started = False
        self._halt = Timer(_halt)
        # Asked once as the clock is about to leave an instant; True ends the run there (see stop_when).
        self._done: Callable[[], bool] | None = None
        # When the last step was taken; the clock may since have moved on to a run's horizon.
        self.last_step_time = 0.0

    # -- scheduling primitives -------------------------------------------------

    def park_until(self, agent: Agent | Timer, when: float) -> None:
        """Register ``agent`` to be resumed at virtual time ``when`` (hot)."""
        seq = agent._wait = next(self._seqs)
        # Agent.sleep and Agent._counted_work inline this choice of the lane or the heap.
        if when == self._last or (not self._heap and self._last <= when < math.inf):
            self._last = when
            self._lane.append((when, seq, agent))
        else:
            heappush(self._heap, (when, seq, agent))

    def wake(self, agent: Agent) -> None:
        """Put a parked agent on the ready queue; its pending timer goes stale (hot)."""
        if agent._wait != RUNNING:
            agent._wait = RUNNING
            self._ready.append(agent)

    def call_at(self, when: float, callback: Callable[[], None]) -> Timer:
        """Run ``callback()`` at virtual time ``when`` (not before ``now``)."""
        if not when < math.inf and when != -math.inf:  # NaN or inf would break the heap order
            raise ValueError(f"time {when!r} is not valid: use a finite number of virtual seconds")
        timer = Timer(callback)
        self.park_until(timer, max(when, self.now))  # a timer parks like an agent
        return timer

    def call_late(self, when: float, callback: Callable[[], None]) -> Timer:
        """Run ``callback()`` at ``when``, after everything else that is due at that time.

        Outside commands use it: the end of an instant is a place in the run that
        a live key press and a replayed record reach alike. Late timers always go
        to the heap (their seqs would break the lane's order) and use a counter
        of their own, so they leave the ordinary seqs, and so the run, unchanged.
        """
        if not when < math.inf and when != -math.inf:
            raise ValueError(f"time {when!r} is not valid: use a finite number of virtual seconds")
        timer = Timer(callback)
        seq = timer._wait = next(self._late_seqs)
        heappush(self._heap, (max(when, self.now), seq, timer))
        return timer

    def instant_done(self) -> bool:
        """True when nothing more is due at ``now``: the current instant is complete."""
        return not self._ready and self.next_time() > self.now

    def start(self, agent: Agent) -> None:
        """Make a new agent ready to run its first step."""
        self._ready.append(agent)

    def cancel(self, agent: Agent) -> None:
        """Throw ``Cancelled`` into the agent at its current suspension point."""
        if agent._done:
            return
        if agent._coro.cr_running:  # the agent cancels itself
            raise Cancelled()
        _throw_into(agent, Cancelled())
        self.wake(agent)

    def stop(self) -> None:
        """End the run in progress after the step being processed (or the next run, at once).

        A self-stopping world calls it when it becomes done, so a run ends at
        that event. A marker goes to the front of the ready queue, which the
        loop looks at first; resumed, it raises ``_Halt`` out of the loop. The
        hot loop pays nothing for this: no flag is tested per step.
        """
        halt = self._halt
        if halt._wait != RUNNING:
            halt._wait = RUNNING
            self._ready.appendleft(halt)  # type: ignore[arg-type]

    def stop_when(self, done: Callable[[], bool] | None) -> None:
        """End a run at the instant after which ``done()`` is true, before the clock moves on.

        ``done`` is asked once per instant, as the clock is about to leave it
        (not per event), in the loop's branch for a timer past the horizon, so
        the hot path is unchanged. The first true answer stops that run, as ``stop()`` would,
        with the clock left at the instant that made the world done; the
        check is then spent, so a later ``run`` goes on like after ``stop()``.
        """
        self._done = done

    # -- running ---------------------------------------------------------------

    @property
    def idle(self) -> bool:
        """True when nothing is ready and no timer is pending (forever does not count)."""
        return not self._ready and self.next_time() == math.inf

    def due_now(self) -> list[Agent]:
        """The agents that run at the current instant: ready, or with a live timer due now."""
        due = [agent for agent in self._ready if agent.__class__ is not Timer]
        for when, seq, agent in (*self._lane, *self._heap):
            if when == self.now and agent._wait == seq and agent.__class__ is not Timer:
                due.append(agent)
        return due

    def next_time(self) -> float:
        """Virtual time of the next thing to happen (``now`` if agents are ready)."""
        if self._ready:
            return self.now
        heap = self._heap
        lane = self._lane
        while heap and heap[0][2]._wait != heap[0][1]:
            heappop(heap)
        while lane and lane[0][2]._wait != lane[0][1]:
            lane.popleft()
        if lane and not (heap and heap[0] < lane[0]):
            return lane[0][0]
        return heap[0][0] if heap else math.inf

    def run(self, until: float | None = None, max_steps: int | None = None) -> int:
        """Process events up to virtual time ``until`` (inclusive) and return the count.

        Stops early after ``max_steps`` resumptions so a caller can bound a
        slice of work. When it stops because nothing is left before a finite
        ``until``, the clock moves to ``until``. Agents sleeping forever sit at
        time infinity, beyond every horizon.
        """
        # Hot loop: every agent step of every run passes through here. A for
        # loop over a range in chunks: CPython 3.11 specialises the loop body
        # far better behind a for loop's back edge than behind a while loop's.
        limit = _FOREVER if until is None or until == math.inf else until
        finished = self._done
        # With a done check, ``horizon`` follows the clock, so leaving an instant takes the
        # rare branch below (which asks ``finished``) and the hot path is unchanged.
        horizon = limit if finished is None else min(self.now, limit)
        budget = sys.maxsize if max_steps is None else max_steps
        heap = self._heap
        lane = self._lane
        ready = self._ready
        done = taken = 0
        stopped = self.stopped = False
        self.started = True
        try:
            while not stopped and done < budget:
                chunk = min(_CHUNK, budget - done)
                taken = 0
                for _ in range(chunk):
                    if ready:
                        agent = ready.popleft()
                    else:
                        while heap:
                            if lane and lane[0] < heap[0]:  # the lane's first timer is earlier
                                when, seq, agent = lane.popleft()
                            else:
                                when, seq, agent = heappop(heap)
                            if agent._wait == seq:
                                break
                            # stale: the agent was woken otherwise, or the timer cancelled
                        else:
                            while lane:  # the heap is empty: the lane alone, in order
                                when, seq, agent = lane.popleft()
                                if agent._wait == seq:
                                    break
                            else:
                                stopped = True
                                break
                        if when > horizon:  # past the run's end, or leaving an instant with a done check
                            if when > limit:
                                heappush(heap, (when, seq, agent))
                                stopped = True
                                break
                            if finished():  # type: ignore[misc]  # horizon < limit only with a check
                                heappush(heap, (when, seq, agent))
                                self._done = None
                                self.stopped = stopped = True
                                break
                            horizon = when
                        self.now = when
                        agent._wait = -1  # RUNNING
                    # Resume the agent until it parks again or ends (inlined _resume).
                    taken += 1
                    try:
                        agent._coro.send(None)
                    except StopIteration:
                        self._end(agent, "ok", None)
                    except Cancelled:
                        self._end(agent, "cancelled", None)
                    except Exception as error:  # an agent's failure never takes the run down
                        self._end(agent, "failed", error)
                    else:
                        if agent._wait == -1:  # still RUNNING: it yielded without parking
                            self._misbehaved(agent)
                done += taken
        except _Halt:  # stop() was called: the marker's step is not counted
            self.stopped = True
            done += taken - 1
        if done:
            self.last_step_time = self.now
        if stopped and not self.stopped:
            if finished is not None and self._done is not None and finished():  # done as events ran out
                self._done = None
                self.stopped = True
            else:
                self._reach(until)
        self.steps += done
        return done

    def _reach(self, until: float | None) -> None:
        """Nothing is left before ``until``: the clock moves there (if finite)."""
        if until is not None and self.now < until < math.inf:
            self.now = until

    def step(self) -> bool:
        """Process exactly one event; False when there is nothing left to do."""
        return self.run(max_steps=1) == 1

    def _misbehaved(self, agent: Agent) -> None:
        """The agent yielded without parking: it awaited a foreign awaitable."""
        _throw_into(
            agent,
            TypeError(
                f"agent {agent.name!r} awaited something foreign to the engine (an asyncio future, "
                "asyncio.sleep?): agents run in the engine's virtual time; await only its operations: "
                "ctx.sleep(seconds), ctx.recv, ctx.wait_messages, ctx.task, ctx.work"
            ),
        )
        self._ready.append(agent)

    def _end(self, agent: Agent, status: str, error: Exception | None) -> None:
        if agent.__class__ is Timer:  # a timer's callback raised: that is the caller's bug
            if error is not None:
                raise error
            return
        agent._done = True
        agent._wait = RUNNING
        agent._coro = None
        bus = self.bus
        bus.emitted += 1
        if error is None:
            deliver = self._on_finished.call
            if deliver is not None:
                deliver(AgentFinished(self.now, agent.id, "", status))
        else:
            error = agent.error = explain(agent.name, error)
            deliver = self._on_failed.call
            if deliver is not None:
                deliver(AgentFailed(self.now, agent.id, "", error))


def _halt() -> None:
    raise _Halt()
