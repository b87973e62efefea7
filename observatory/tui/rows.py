"""Panel text as Textual ``Content``: far cheaper to render each frame than Rich tables."""

from __future__ import annotations

from collections.abc import Iterable

from textual.content import Content

# A part of a line: plain text, or (text, style) with a Textual style string.
Part = str | tuple[str, str]


def line(*parts: Part) -> Content:
    return Content.assemble(*parts)


def labelled(label: str, width: int, *value: Part) -> Content:
    """``label`` in bold, padded to ``width``, then the value parts."""
    return Content.assemble((label.ljust(width), "bold"), " ", *value)


def lines(items: Iterable[Content]) -> Content:
    return Content("\n").join(items)
