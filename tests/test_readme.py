"""The README's code samples run as written."""

from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def python_block_after(heading: str) -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index(heading) :]
    start = section.index("```python\n") + len("```python\n")
    return section[start : section.index("```", start)]


def test_the_engine_sample_runs_and_shows_blocked_tasks(capsys) -> None:
    exec(compile(python_block_after("## The engine"), "README engine sample", "exec"), {})
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2  # four workers, two slots: two wait
    assert all("waits: concurrency task:work limit 2" in line for line in lines)
