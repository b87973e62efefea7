"""A run that cannot fit in memory is refused before it is built."""

import re

import pytest

from observatory.cli import main
from observatory.memory import TooBig, available_memory, check_memory
from scenarios.bottleneck import SCENARIO as BOTTLENECK
from scenarios.bottleneck import BottleneckParams
from scenarios.conway import SCENARIO as CONWAY
from scenarios.conway import ConwayParams


def test_the_estimate_is_compared_with_what_is_available() -> None:
    refused = r"^--agents 10000000 needs about 50 GB; this machine has 23 GB available"
    with pytest.raises(TooBig, match=refused):
        check_memory(BOTTLENECK, BottleneckParams(agents=10_000_000), available=23_000_000_000)
    check_memory(BOTTLENECK, BottleneckParams(agents=1_000_000), available=23_000_000_000)
    refused = r"^--width 4096 --height 4096 needs about 54 GB; this machine has 850 MB"
    with pytest.raises(TooBig, match=refused):
        check_memory(CONWAY, ConwayParams(width=4096, height=4096), available=850_000_000)


def test_the_machine_says_what_it_has() -> None:
    available = available_memory()
    assert available is None or available > 0


def test_ten_million_agents_are_refused_at_once_with_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    available = available_memory()
    if available is None or available > 50_000_000_000:
        pytest.skip("this machine could hold ten million agents")
    assert main(["run", "bottleneck", "--agents", "10000000", "--headless", "--duration", "1"]) == 2
    err = capsys.readouterr().err
    assert re.fullmatch(
        r"observatory: error: --agents 10000000 needs about 50 GB; this machine has [\d.]+ [GM]B available: "
        r"use a smaller size\n",
        err,
    )
