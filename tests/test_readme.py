"""The README's code samples run as written, and print what the README says they print.

Every ```python block runs on its own, in a fresh namespace. Where a ```text
block follows it directly, that is the output the block must print. A block
that defines ``SCENARIO`` is a scenario file: it is saved and run headless
through the command line's own runner, as the README tells readers to, and
its results checked (``SCENARIO_CHECKS``; others: that 5 virtual s of it run).
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
import types
from pathlib import Path

import pytest

from observatory.headless import run_headless

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"```python\n(.*?)```\n(?:\n*```text\n(.*?)```\n)?", re.DOTALL)


def samples() -> list[tuple[str, str, str | None]]:
    """(the heading above it, code, expected output or None) for every Python block."""
    text = README.read_text(encoding="utf-8")
    found = []
    for match in BLOCK.finditer(text):
        headings = re.findall(r"^#+ (.+)$", text[: match.start()], re.MULTILINE)
        found.append((headings[-1], match.group(1), match.group(2)))
    return found


SAMPLES = samples()


def test_every_part_of_writing_your_own_scenario_has_a_sample() -> None:
    headings = [heading for heading, _, _ in SAMPLES]
    parts = (
        "The task-state world",
        "Parameters",
        "Agents",
        "Timeouts",
        "Events and constraints",
        "Messages",
        "The neighbour exchange",
        "Cancellation",
    )
    for part in (*parts, "A world of"):
        assert any(heading.startswith(part) for heading in headings), part
    # Most of them show what they print, and the test checks it.
    assert sum(output is not None for _, _, output in SAMPLES) >= 7


@pytest.mark.parametrize(
    ("heading", "code", "output"),
    SAMPLES,
    ids=[f"{i}-{heading.split(':')[0]}" for i, (heading, _, _) in enumerate(SAMPLES)],
)
def test_the_sample_runs_and_prints_what_the_readme_shows(
    heading: str, code: str, output: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # anything a sample writes lands here
    printed = io.StringIO()
    module = types.ModuleType("readme_sample")  # a real module: dataclasses look theirs up
    monkeypatch.setitem(sys.modules, module.__name__, module)
    namespace = module.__dict__
    with contextlib.redirect_stdout(printed):
        # dont_inherit: the sample runs without this file's ``from __future__`` imports.
        exec(compile(code, f"README sample under {heading!r}", "exec", dont_inherit=True), namespace)
    if output is not None:
        assert printed.getvalue() == output
    if "SCENARIO" in namespace:
        path = tmp_path / "sample_scenario.py"
        path.write_text(code, encoding="utf-8")
        name = str(getattr(namespace["SCENARIO"], "name", ""))
        SCENARIO_CHECKS.get(name, check_any_scenario)(path)


def check_any_scenario(path: Path) -> None:
    """A scenario sample with no check of its own: it builds, and 5 virtual seconds of it run."""
    record = run_headless(str(path), {}, 0, 5.0)
    assert record["agents"] > 0 and 0 < record["sim_time"] <= 5.0 and record["events"] > 0


def check_api_clients(path: Path) -> None:
    first = run_headless(str(path), {"rate": "40"}, 0, 30.0)
    assert first["calls"] > 0 and first["calls_per_s"] <= 40 + 1  # the rate limit holds, burst 1
    again = run_headless(str(path), {"rate": "40"}, 0, 30.0)
    assert {**again, "wall_time": 0} == {**first, "wall_time": 0}  # the same seed, the same run


def check_shop(path: Path) -> None:
    record = run_headless(str(path), {"counters": "2"}, 0)
    assert record["visits"] == 100 and 0 < record["had_to_wait"] < record["visits"]  # stopped at the 100th
    assert record["params"] == {"customers": 30, "counters": 2}


SCENARIO_CHECKS = {"api_clients": check_api_clients, "shop": check_shop}


def test_the_engine_sample_shows_blocked_tasks() -> None:
    code = next(code for heading, code, _ in SAMPLES if heading == "The engine")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "README engine sample", "exec", dont_inherit=True), {})
    lines = printed.getvalue().splitlines()
    assert len(lines) == 2  # four workers, two slots: two wait
    assert all("waits: concurrency task:work limit 2" in line for line in lines)
