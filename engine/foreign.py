"""Failures that come from awaiting asyncio inside an agent, told in the engine's terms.

Agents run on the engine's virtual clock, not on an asyncio event loop, so
``await asyncio.sleep(1)`` or an asyncio future fails deep inside asyncio
with "no running event loop". That message does not say what to do; the
agent's failure says it instead. Only failed agents pass through here.
"""

from __future__ import annotations

import os

_ASYNCIO_MESSAGES = ("no running event loop", "no current event loop")
_ASYNCIO_DIR = os.sep + "asyncio" + os.sep


def explain(name: str, error: Exception) -> Exception:
    """``error``, or a TypeError that says to use ``ctx.sleep`` when it came from asyncio."""
    if not _from_asyncio(error):
        return error
    better = TypeError(
        f"agent {name!r} awaited asyncio ({type(error).__name__}: {error}): agents run in the "
        "engine's virtual time, not on an asyncio loop; use ctx.sleep(seconds) instead of "
        "asyncio.sleep, and ctx.recv / ctx.task instead of asyncio futures"
    )
    better.__cause__ = error
    return better.with_traceback(error.__traceback__)


def _from_asyncio(error: Exception) -> bool:
    if not isinstance(error, RuntimeError):
        return False
    text = str(error).lower()
    if any(message in text for message in _ASYNCIO_MESSAGES):
        return True
    tb = error.__traceback__
    while tb is not None:
        if _ASYNCIO_DIR in tb.tb_frame.f_code.co_filename:
            return True
        tb = tb.tb_next
    return False
