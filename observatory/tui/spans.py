"""Partial screen updates that write only the dirty spans, with short colour codes.

Textual's partial update trims a dirty span on the right only: a span in
the middle of a widget's line is written from the widget's left edge, and
a line with several spans is written once per span. On a large grid with
scattered changes that is most of the screen every frame. Here each span
is written alone, in one pass over the line's segments, and the colour
codes are stateful: a segment that only sets colours changes just the
colours that differ from the last segment, with no reset in between.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from itertools import accumulate
from operator import itemgetter
from typing import Protocol, runtime_checkable

from rich.color import ColorSystem
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from textual._cells import cell_len
from textual._compositor import ChopsUpdate, Compositor
from textual.geometry import Region
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget

# Colour states of the terminal, (foreground codes, background codes) with None for the
# default, are numbered; state 0 is the default. What to emit going from a state to a
# style is cached per colour system, across frames.
_STATES: list[tuple[str | None, str | None]] = [(None, None)]
_STATE_IDS: dict[tuple[str | None, str | None], int] = {(None, None): 0}
_STEPS: dict[ColorSystem, dict[tuple[int, int, bool], tuple]] = {}
_STEPS_MAX = 1 << 16
# Cursor steps to the right, the short ones ready made.
_RIGHT = ["", "\x1b[C", *(f"\x1b[{n}C" for n in range(2, 256))]


class SpanEncoder:
    """ANSI for segments written in order, remembering the terminal's colour state."""

    def __init__(self, color_system: ColorSystem) -> None:
        self.color_system = color_system
        self.parts: list[str] = []
        self._state = 0
        self._cursor = (-1, -1)
        self._steps = _STEPS.setdefault(color_system, {})
        if len(self._steps) > _STEPS_MAX:
            self._steps.clear()

    def write(self, pieces: list[tuple[str, Style | None]], cells: int) -> None:
        """Write (text, style) pieces, ``cells`` wide in all, at the cursor (hot)."""
        append = self.parts.append
        get = self._steps.get
        state = self._state
        for text, style in pieces:
            if style is None:
                if state:
                    append("\x1b[0m")
                    state = 0
                append(text)
                continue
            key = (state, id(style), style._color is None and text.isspace())
            step = get(key)
            if step is None:
                step = self._steps[key] = self._step(state, style, key[2])
            prefix, new_state, _ = step
            if prefix is None:  # attributes or a link: Textual's own full rendering
                if state:
                    append("\x1b[0m")
                append(Strip.render_style(style, text, self.color_system))
            else:
                append(prefix + text)
            state = new_state
        self._state = state
        cx, cy = self._cursor
        self._cursor = (cx + cells, cy)

    def finish(self) -> str:
        """All that was written, leaving the terminal's colours at their defaults."""
        if self._state:
            self.parts.append("\x1b[0m")
            self._state = 0
        return "".join(self.parts)

    def _step(self, state: int, style: Style, blank: bool) -> tuple[str | None, int, Style]:
        """What to emit before text in ``style`` (None: render it whole) and the state after.

        The style is kept in the result so that its id, the cache key, stays its own.
        """
        if style._link or style._attributes & style._set_attributes:
            return None, 0, style
        system = self.color_system
        fg = None if style._color is None else ";".join(style._color.downgrade(system).get_ansi_codes())
        bg = (
            None
            if style._bgcolor is None
            else ";".join(style._bgcolor.downgrade(system).get_ansi_codes(False))
        )
        old_fg, old_bg = _STATES[state]
        codes = []
        # Blank text shows no foreground: whatever it is may stay.
        if fg != old_fg and not blank:
            codes.append("39" if fg is None else fg)
            old_fg = fg
        if bg != old_bg:
            codes.append("49" if bg is None else bg)
        new = (old_fg, bg)
        if new not in _STATE_IDS:
            _STATE_IDS[new] = len(_STATES)
            _STATES.append(new)
        return (f"\x1b[{';'.join(codes)}m" if codes else ""), _STATE_IDS[new], style


class _Widths(dict):
    """Cell widths of texts, measured once each (grid lines repeat the same few texts)."""

    def __missing__(self, text: str) -> int:
        if len(self) > 4096:
            self.clear()
        width = self[text] = cell_len(text)
        return width


_WIDTHS = _Widths()


def write_spans(encoder: SpanEncoder, y: int, x: int, strip: Strip, spans: list[tuple[int, int]]) -> None:
    """Write the parts of a line's strip, starting at column x, that fall in the spans.

    ``spans`` are sorted, disjoint (x1, x2) column ranges. The segments under
    each span are found by bisection: only written segments cost Python work.
    Hot (once per changed span): the cursor step, and a span inside one
    segment whose colour step is cached, are written inline.
    """
    segments = strip._segments
    if not segments:
        return
    # Segment i covers columns ends[i]..ends[i + 1].
    ends = list(accumulate(map(_WIDTHS.__getitem__, map(itemgetter(0), segments)), initial=x))
    stop = ends[-1]
    append, get = encoder.parts.append, encoder._steps.get
    (cx, cy), state = encoder._cursor, encoder._state
    for x1, x2 in spans:
        if x1 < x:
            x1 = x
        if x2 > stop:
            x2 = stop
        if x1 >= x2:
            continue
        first, last = bisect_right(ends, x1) - 1, bisect_left(ends, x2) - 1
        if cy == y and cx < x1:
            append(_RIGHT[x1 - cx] if x1 - cx < len(_RIGHT) else f"\x1b[{x1 - cx}C")
        elif cx != x1 or cy != y:
            append(f"\x1b[{y + 1};{x1 + 1}H")
        cx, cy = x2, y
        text, style, _ = segments[first]
        if first == last and style is not None:
            start = ends[first]
            if start < x1 or ends[first + 1] > x2:
                text = _cut(text, ends[first + 1] - start, x1 - start, x2 - start)
            step = get((state, id(style), style._color is None and text.isspace()))
            if step is not None and step[0] is not None:
                append(step[0] + text)
                state = step[1]
                continue
        encoder._cursor, encoder._state = (x1, y), state
        encoder.write(_pieces(segments, ends, first, last, x1, x2), x2 - x1)
        state = encoder._state
    encoder._cursor, encoder._state = (cx, cy), state


def _pieces(segments: list[Segment], ends: list[int], first: int, last: int, x1: int, x2: int) -> list[tuple]:
    """(text, style) of segments first..last, the ends sticking out of x1..x2 cut off."""
    pieces = [(text, style) for text, style, _ in segments[first : last + 1]]
    if ends[last + 1] > x2:
        text, style = pieces[-1]
        pieces[-1] = (_cut(text, ends[last + 1] - ends[last], 0, x2 - ends[last]), style)
    if ends[first] < x1:
        text, style = pieces[0]
        width = cell_len(text)
        pieces[0] = (_cut(text, width, x1 - ends[first], width), style)
    return pieces


def _cut(text: str, width: int, start: int, stop: int) -> str:
    """The cells start..stop of a text ``width`` cells wide."""
    if len(text) == width:  # one cell per character: plain slicing
        return text[start:stop]
    head = Segment(text).split_cells(stop)[0].text
    return Segment(head).split_cells(start)[1].text


class SpanUpdate(ChopsUpdate):
    """A partial update that writes each dirty span and nothing else.

    ``lines`` maps a screen line to its sorted, disjoint (x1, x2) spans.
    """

    def __init__(self, chops, lines: dict[int, list[tuple[int, int]]], chop_ends: list[list[int]]) -> None:
        super().__init__(chops, [(y, x1, x2) for y, spans in lines.items() for x1, x2 in spans], chop_ends)
        self.lines = lines

    def render_segments(self, console: Console) -> str:
        encoder = SpanEncoder(console._color_system or ColorSystem.TRUECOLOR)
        chops, chop_ends = self.chops, self.chop_ends
        for y, spans in sorted(self.lines.items()):
            for end, (x, strip) in zip(chop_ends[y], chops[y].items(), strict=False):
                if strip is not None and end > spans[0][0] and x < spans[-1][1]:
                    write_spans(encoder, y, x, strip, spans)
        return encoder.finish()


@runtime_checkable
class SpanSource(Protocol):
    """A widget that can say which spans of its repainted lines really changed."""

    def take_dirty_spans(self) -> dict[Region, list[tuple[int, int]]]:
        """Repaint regions (as the widget passed them to ``refresh``, translated to the
        widget's outer coordinates) mapped to the sorted, disjoint (x1, x2) spans
        inside them that changed; cleared on reading. Other repaint regions are
        repainted whole."""


class SpanCompositor(Compositor):
    """A compositor whose partial updates write only dirty spans.

    Widgets that are ``SpanSource``s refresh whole lines but name the spans
    that changed; those spans go to the update as they are, without a Region each.
    """

    def __init__(self) -> None:
        super().__init__()
        # Per screen line, lists of sorted, disjoint spans (one list per source).
        self._spans: dict[int, list[list[tuple[int, int]]]] = {}

    def update_widgets(self, widgets: set[Widget]) -> None:
        sources = {widget for widget in widgets if isinstance(widget, SpanSource)}
        super().update_widgets(widgets - sources)
        visible = self.visible_widgets
        for widget in sources:
            spans = widget.take_dirty_spans()
            if widget not in visible:
                continue
            region, clip = visible[widget]
            ox, oy = region.offset
            left, right = clip.x, clip.right
            for dirty in widget._exchange_repaint_regions():
                precise = spans.get(dirty)
                if precise is None:
                    if area := clip.intersection(dirty.translate(region.offset)):
                        self._dirty_regions.add(area)
                    continue
                if left <= ox + precise[0][0] and ox + precise[-1][1] <= right:
                    moved = [(ox + a, ox + b) for a, b in precise]  # all in view: no clipping
                else:
                    moved = merge_spans([(max(left, ox + a), min(right, ox + b)) for a, b in precise])
                for y in range(max(clip.y, oy + dirty.y), min(clip.bottom, oy + dirty.bottom)):
                    self._spans.setdefault(y, []).append(moved)

    def _get_renders(self, crop: Region | None = None):
        """Like Textual's, but each widget only if it shows in ``crop``, and only its lines in it.

        Textual tests ``crop`` against a widget's clip: for a child of the
        screen that is the whole screen, so every partial update (a panel's
        text, say) rendered such a widget whole, the grid included. Only the
        lines are cut to the crop: the compositor's cuts work on whole widths.
        """
        if crop is None:
            yield from super()._get_renders(crop)
            return
        for widget, (region, clip) in self.visible_widgets.items():
            if not crop.overlaps(region.intersection(clip)):
                continue
            clip = clip.intersection(Region(clip.x, crop.y, clip.width, crop.height))
            x, y, width, height = region.intersection(clip)
            if width and height:
                yield region, clip, widget.render_lines(Region(x - region.x, y - region.y, width, height))

    def render_full_update(self, simplify: bool = False):
        self._spans.clear()
        return super().render_full_update(simplify=simplify)

    def render_partial_update(self) -> ChopsUpdate | None:
        regions, lines = set(self._dirty_regions), self._spans
        self._dirty_regions.clear()
        self._spans = {}
        for y, x1, x2 in self._regions_to_spans(regions):
            lines.setdefault(y, []).append([(x1, x2)])
        # Most lines have one list of spans, already sorted and disjoint.
        lines = {
            y: spans[0] if len(spans) == 1 else merge_spans([span for part in spans for span in part])
            for y, spans in lines.items()
        }
        # A resize since the spans were taken may have left some below the screen.
        height = self.size.height
        lines = {y: spans for y, spans in lines.items() if spans and 0 <= y < height}
        if not lines:
            return None
        left = min(spans[0][0] for spans in lines.values())
        right = max(spans[-1][1] for spans in lines.values())
        crop = Region(left, min(lines), right - left, max(lines) - min(lines) + 1)
        chops = self._render_chops(crop, lines.__contains__)
        return SpanUpdate(chops, lines, [cuts[1:] for cuts in self.cuts])


def merge_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, disjoint spans covering the same columns; empty spans dropped."""
    out: list[tuple[int, int]] = []
    for x1, x2 in sorted(spans):
        if x1 >= x2:
            continue
        if out and x1 <= out[-1][1]:
            if x2 > out[-1][1]:
                out[-1] = (out[-1][0], x2)
        else:
            out.append((x1, x2))
    return out


class SpanScreen(Screen):
    """A screen drawn through ``SpanCompositor``."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._compositor = SpanCompositor()
