"""The timeline: virtual time from 0 to the furthest instant computed, where the screen is, and branch points.

Clicking seeks to the instant under the pointer; dragging shows where the
seek will go and seeks when the button is let go (each seek back is a
recomputation, so one per gesture). While a seek computes, the bar shows
its progress.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.content import Content
from textual.message import Message
from textual.widget import Widget

from observatory.tui.rows import line


@dataclass(frozen=True)
class TimelineInfo:
    """What the timeline shows; the app hands a new one over when something changed."""

    now: float = 0.0
    furthest: float = 0.0
    branch: str = "main"
    # Instants where branches leave the one on screen (or where it left its parent).
    points: tuple[float, ...] = ()
    # While a seek computes: its target and how far it has got (0..1).
    seeking: tuple[float, float] | None = None


class Timeline(Widget):
    """One row: ``t`` label, the bar, the furthest instant, the branch on screen."""

    DEFAULT_CSS = """
    Timeline {
        height: 1;
        background: $panel;
    }
    """

    class Seek(Message):
        """The person picked an instant on the timeline."""

        def __init__(self, time: float) -> None:
            super().__init__()
            self.time = time

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.info = TimelineInfo()
        self._drag: float | None = None

    def show(self, info: TimelineInfo) -> None:
        if info != self.info:
            self.info = info
            self.refresh()

    # -- layout: [left label][bar][right label] ------------------------------------------

    def _labels(self) -> tuple[str, str]:
        info = self.info
        left = f" t {info.now:9,.1f} s "
        if info.seeking is not None:
            target, fraction = info.seeking
            right = f" seeking t = {target:,.1f} s  {100 * fraction:3.0f}%  (esc cancels) "
        else:
            right = f" {info.furthest:,.1f} s  branch {info.branch}  (< > home b c) "
        return left, right

    def _bar(self) -> tuple[int, int]:
        left, right = self._labels()
        width = max(1, self.size.width - len(left) - len(right))
        return len(left), width

    def time_at(self, x: int) -> float:
        """The instant under column ``x`` of the widget."""
        start, width = self._bar()
        share = min(1.0, max(0.0, (x - start) / max(1, width - 1)))
        return share * self.info.furthest

    def render(self) -> Content:
        info = self.info
        left, right = self._labels()
        _, width = self._bar()
        span = info.furthest if info.furthest > 0 else 1.0

        def column(t: float) -> int:
            return min(width - 1, max(0, round(t / span * (width - 1))))

        cells = ["─"] * width
        for t in info.points:
            cells[column(t)] = "┼"
        done = column(info.now)
        if info.seeking is not None:
            cells[column(info.seeking[0])] = "◇"
        if self._drag is not None:
            cells[column(self._drag)] = "◆"
        cells[done] = "●"
        passed, ahead = "".join(cells[: done + 1]), "".join(cells[done + 1 :])
        busy = "bold yellow" if info.seeking is not None else "bold"
        return line((left, busy), (passed, "cyan"), (ahead, "dim"), (right, busy))

    # -- the pointer ----------------------------------------------------------------------

    def on_mouse_down(self, event: events.MouseDown) -> None:
        self.capture_mouse()
        self._drag = self.time_at(event.x)
        self.refresh()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._drag is not None:
            self._drag = self.time_at(event.x)
            self.refresh()

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._drag is None:
            return
        self.release_mouse()
        self._drag = None
        self.post_message(self.Seek(self.time_at(event.x)))
        self.refresh()
