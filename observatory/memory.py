"""Refusing a run that cannot fit in memory, before it is built.

A scenario may declare a ``footprint`` (see ``scenarios.framework.Scenario``);
its estimate is compared with the memory this process can have: what the
system has available, capped by a cgroup limit (containers) and by the
address-space limit (``ulimit -v``). Without a footprint, or when the
machine's figure cannot be read, nothing is refused.
"""

from __future__ import annotations

import resource
from pathlib import Path
from typing import Any

from scenarios.framework import Scenario

CGROUP_FILES = ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")


class TooBig(ValueError):
    """The run needs more memory than the machine has (bad usage: exit 2)."""


def check_memory(scenario: Scenario, params: Any, available: int | None = None) -> None:
    """Raise ``TooBig`` when the scenario's estimate exceeds ``available`` (default: this machine's)."""
    if scenario.footprint is None:
        return
    needed, what = scenario.footprint(params)
    if available is None:
        available = available_memory()
    if available is not None and needed > available:
        raise TooBig(
            f"{what} needs about {_size(needed)}; this machine has {_size(available)} available: "
            "use a smaller size"
        )


def available_memory() -> int | None:
    """Bytes this process could still allocate, as far as the system says (None: unknown)."""
    figures = [_meminfo_available(), _cgroup_room(), _address_space_room()]
    known = [f for f in figures if f is not None]
    return min(known) if known else None


def _meminfo_available() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _cgroup_room() -> int | None:
    for name in CGROUP_FILES:
        try:
            text = Path(name).read_text().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 1 << 60:
            used = _cgroup_used(Path(name).parent)
            return max(0, int(text) - used)
    return None


def _cgroup_used(folder: Path) -> int:
    for name in ("memory.current", "memory.usage_in_bytes"):
        try:
            return int((folder / name).read_text())
        except (OSError, ValueError):
            continue
    return 0


def _address_space_room() -> int | None:
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return None
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return soft
    return max(0, soft - pages * resource.getpagesize())


def _size(count: int) -> str:
    """Bytes in words a person reads: 47 GB, 3.2 GB, 850 MB."""
    gb = count / 1e9
    if gb >= 10:
        return f"{gb:.0f} GB"
    if gb >= 1:
        return f"{gb:.1f} GB"
    return f"{count / 1e6:.0f} MB"
