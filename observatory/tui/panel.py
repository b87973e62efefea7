"""The look every side panel shares: a rounded titled border, one-line rows."""

from __future__ import annotations

from textual.widget import Widget


class Panel(Widget):
    """A side panel with a border title; subclasses render their rows."""

    DEFAULT_CSS = """
    Panel {
        height: auto;
        border: round $primary 40%;
        border-title-color: $text-muted;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = title
