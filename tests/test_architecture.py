"""ARCHITECTURE.md names files and folders of the repository: each one exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def named_paths(text: str) -> list[str]:
    """Backquoted paths: words with a slash, or a file name with an extension."""
    found = re.findall(r"`([A-Za-z0-9_./-]+)`", text)
    return [p for p in found if "/" in p or re.fullmatch(r"[\w-]+\.(py|md)", p)]


def test_every_path_the_guide_names_exists() -> None:
    paths = named_paths((ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8"))
    assert len(paths) > 20
    missing = [p for p in paths if not (ROOT / p).exists()]
    assert missing == []


def test_the_readme_links_the_guide() -> None:
    assert "(ARCHITECTURE.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
