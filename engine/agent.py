"""The agent's context: what an ``async def`` agent can see and do.

One ``Agent`` object per agent is both the kernel's record of it and the
``ctx`` its coroutine receives, which keeps an idle agent small.
"""

from __future__ import annotations

import math
import random
import types
from collections.abc import Awaitable, Coroutine, Generator, Iterable
from heapq import heappush
from typing import TYPE_CHECKING, Any

from engine.awaitables import DONE, PARK
from engine.kernel import PARKED, RUNNING
from engine.mailbox import TIMEOUT, Fanout, Mailbox, WouldBlock
from engine.tasks import Task, TimedTask

if TYPE_CHECKING:
    from engine.engine import Engine
    from engine.governor import Governor

_INF = math.inf
_new = object.__new__


def derive_seed(run_seed: int, agent_id: int) -> int:
    """The seed of one agent's private random stream within a run."""
    return (run_seed << 32) | agent_id


class Agent:
    """An agent's identity and its operations: sleep, messages, governed tasks."""

    __slots__ = (
        "_box",
        "_coro",
        "_done",
        "_governor",
        "_kernel",
        "_random",
        "_spare",
        "_task",
        "_wait",
        "engine",
        "error",
        "id",
        "name",
    )

    def __init__(self, engine: Engine, agent_id: int, name: str) -> None:
        self.id = agent_id
        self.name = name
        self.engine = engine
        self.error: BaseException | None = None
        self._kernel = engine.kernel
        self._governor = engine.governor
        self._coro: Coroutine[Any, Any, Any] | None = None
        self._wait = RUNNING
        self._done = False
        self._box: Mailbox | None = None
        self._random: random.Random | None = None
        self._task: Task | None = None  # the innermost running governed task
        self._spare: Task | None = None  # for the counted path of ``work``

    @property
    def now(self) -> float:
        """The current virtual time in seconds."""
        return self._kernel.now

    @property
    def random(self) -> random.Random:
        """This agent's own random stream, derived from the run seed and its id."""
        rng = self._random
        if rng is None:
            rng = self._random = random.Random(derive_seed(self.engine.seed, self.id))
        return rng

    @property
    def done(self) -> bool:
        """True once the agent's coroutine has ended (ok, cancelled or failed)."""
        return self._done

    @property
    def mailbox(self) -> Mailbox:
        box = self._box
        if box is None:
            box = self._box = Mailbox(self, self._kernel)
        return box

    def sleep(self, delay: float) -> Awaitable[None]:
        """Let ``delay`` virtual seconds pass (``math.inf``: until cancelled).

        Hot: the timer is set when ``sleep`` is called and the awaitable
        returned only yields to the kernel once, so a sleep builds no frame.
        """
        if not delay >= 0:
            raise ValueError(f"sleep delay {delay!r} is not valid: use a number of seconds >= 0")
        kernel = self._kernel
        seq = self._wait = next(kernel._seqs)
        when = kernel.now + delay
        if when == kernel._last or (not kernel._heap and kernel._last <= when < _INF):  # Kernel.park_until
            kernel._last = when
            kernel._lane.append((when, seq, self))
        else:
            heappush(kernel._heap, (when, seq, self))
        return PARK

    def task(self, name: str, timeout: float | None = None) -> Task:
        """A governed task: ``async with ctx.task("work"): ...``.

        With ``timeout`` (virtual seconds), a task that has not started by
        then leaves its queue and raises ``TaskTimeout``; 0: start now or not at all.
        """
        if timeout is not None:
            return self._timed_task(name, timeout)
        # Hot: Task.new, inlined.
        task = _new(Task)
        task.agent = self
        task.name = name
        task.i = 0
        task.waiting_on = None
        task.started = None
        return task

    def _timed_task(self, name: str, timeout: float) -> Task:
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout >= 0:
            raise ValueError(f"timeout {timeout!r} is not valid: use a number of seconds >= 0 or None")
        task = _new(Task if timeout == _INF else TimedTask)
        task.agent = self
        task.name = name
        task.i = 0
        task.waiting_on = None
        task.started = None
        if timeout != _INF:
            task.timeout = timeout
        return task

    def work(self, name: str, duration: float = 0.0, timeout: float | None = None) -> Awaitable[None]:
        """A governed task ``name`` that lasts ``duration`` virtual seconds, in one await.

        The same events and timing as ``async with ctx.task(name,
        timeout=timeout): await ctx.sleep(duration)``, with one Python frame
        instead of three (two more with a timeout). With duration 0 there is
        no sleep, so it does not yield unless it must wait for a constraint.
        While nothing governs or watches any task, a task without a timeout
        calls no ``begin``/``finish``: its events are only counted, each when
        it happens (hot).
        """
        if timeout is not None:
            if not duration >= 0:
                raise ValueError(f"work duration {duration!r} is not valid: use a number of seconds >= 0")
            return self._timed_work(self._timed_task(name, timeout), duration)
        governor = self._governor
        if governor.quiet:
            # Nothing governs or watches any task: its events are only counted.
            if duration > 0.0:  # a float constant: a float duration's test is specialised
                return self._counted_work(governor, name, duration)
            if not duration:
                governor.bus.emitted += 2
                return DONE  # completes at once, without a frame
        elif not duration and governor.instant(self, name):
            return DONE
        if not duration >= 0:
            raise ValueError(f"work duration {duration!r} is not valid: use a number of seconds >= 0")
        return self._work(name, duration)

    @types.coroutine
    def _work(self, name: str, duration: float) -> Generator[None, None, None]:
        governor = self._governor
        task = self.task(name)
        try:
            if not governor.begin(task) and task.started is None:
                self._wait = PARKED  # until a constraint grants it
                yield
            if duration:
                kernel = self._kernel
                kernel.park_until(self, kernel.now + duration)
                yield
        except GeneratorExit:  # the coroutine is being closed with its dead engine
            raise
        except BaseException as error:
            governor.interrupted(task, error)
            raise
        governor.finish(task, "ok")

    @types.coroutine
    def _timed_work(self, task: Task, duration: float) -> Generator[None, None, None]:
        """``_work`` for a task with a timeout: its wait is the timed task's own."""
        yield from task.__aenter__()
        governor = self._governor
        if duration:
            kernel = self._kernel
            kernel.park_until(self, kernel.now + duration)
            try:
                yield
            except GeneratorExit:  # the coroutine is being closed with its dead engine
                raise
            except BaseException as error:
                governor.interrupted(task, error)
                raise
        governor.finish(task, "ok")

    @types.coroutine
    def _counted_work(self, governor: Governor, name: str, duration: float) -> Generator[None, None, None]:
        """``_work`` while nothing governs or watches any task: no ``begin``, events only counted.

        The task is still chained as running, so a limit set while it runs
        counts it (``Governor._adopt``); then, or if someone has come to watch,
        its end takes the full ``finish``. ``governor``: the caller's, already
        loaded (one attribute load less per call).
        """
        kernel = self._kernel
        # Governor.begin for a task with no constraints, inlined. The Task of a
        # counted work that ended here is kept as the agent's spare and reused:
        # once off the chain nothing refers to it (no constraint, no event holds
        # a Task), and its ``cons`` is still ``()`` and ``i`` 0.
        task = self._spare
        if task is None:
            task = _new(Task)
            task.agent = self
            task.cons = ()
            task.i = 0
        else:
            self._spare = None  # taken while it runs
        task.name = name
        now = task.started = kernel.now
        task.outer = self._task
        self._task = task
        bus = governor.bus
        bus.emitted += 1  # TaskStarted
        seq = self._wait = next(kernel._seqs)
        when = now + duration
        if when == kernel._last or (not kernel._heap and kernel._last <= when < _INF):  # park_until
            kernel._last = when
            kernel._lane.append((when, seq, self))
        else:
            heappush(kernel._heap, (when, seq, self))
        try:
            yield
        except GeneratorExit:  # the coroutine is being closed with its dead engine
            raise
        except BaseException as error:
            governor.interrupted(task, error)
            raise
        if task.cons or not governor.quiet:
            governor.finish(task, "ok")
        else:  # Governor.finish with nothing to release or report, inlined
            if self._task is task:
                self._task = task.outer
            else:
                task.unchain()
            bus.emitted += 1
            self._spare = task

    def send(self, target: int, message: Any) -> None:
        """Put ``message`` in agent ``target``'s mailbox (never blocks)."""
        if target < 0:
            raise IndexError(f"no agent with id {target!r}: ids are 0 .. {len(self.engine.agents) - 1}")
        self.engine.agents[target].mailbox.put(message)

    def broadcast(self, targets: Iterable[int], message: Any) -> None:
        """Send the same message to several agents."""
        for target in targets:
            self.send(target, message)

    def recv_nowait(self) -> Any:
        """The next message, or WouldBlock if there is none."""
        box = self.mailbox
        if not box.items:
            raise WouldBlock()
        return box.items.popleft()

    @types.coroutine
    def recv(self, timeout: float | None = None) -> Generator[None, None, Any]:
        """The next message; ``TIMEOUT`` if ``timeout`` virtual seconds pass first."""
        box = self.mailbox
        items = box.items
        if items:
            return items.popleft()
        yield from self._await_mail(box, 1, timeout)
        return items.popleft() if items else TIMEOUT

    @types.coroutine
    def wait_messages(self, count: int, timeout: float | None = None) -> Generator[None, None, bool]:
        """Wait until at least ``count`` messages are pending; False on timeout.

        The messages stay in ``ctx.mailbox.items`` for the agent to take.
        """
        box = self.mailbox
        if len(box.items) >= count:
            return True
        yield from self._await_mail(box, count, timeout)
        return len(box.items) >= count

    @types.coroutine
    def _await_mail(self, box: Mailbox, count: int, timeout: float | None) -> Generator[None, None, None]:
        if timeout is None or timeout == _INF:
            self._wait = PARKED
        elif 0 <= timeout < _INF:
            self._kernel.park_until(self, self._kernel.now + timeout)
        else:
            raise ValueError(f"timeout {timeout!r} is not valid: use a number of seconds >= 0 or None")
        box.want = count
        try:
            yield
        finally:
            box.want = 0

    def fanout(self, targets: Iterable[int]) -> Fanout:
        """The mailboxes of ``targets``, looked up once; ``.send(message)`` reaches them all."""
        agents = self.engine.agents
        return Fanout([agents[target].mailbox for target in targets])

    def __repr__(self) -> str:
        return f"<Agent {self.id} {self.name!r}>"


__all__ = ["TIMEOUT", "Agent", "WouldBlock", "derive_seed"]
