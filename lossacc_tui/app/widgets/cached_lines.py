"""Shared by the plot and the band (not a widget itself): lines built once per (data, size, theme)
and kept as strips; new data redraws only the lines that changed (a point appended to a long run
usually changes a handful of cells, not the whole plot)."""

from __future__ import annotations

from typing import Any

from rich.style import Style
from rich.text import Text
from textual.containers import Horizontal, Vertical
from textual.geometry import Region
from textual.strip import Strip


def line_regions(lines: list[int], top: int, width: int) -> list[Region]:
    """The changed lines (ascending, in content rows) as regions to repaint, runs of neighbouring
    lines as one, `top` rows above the view (a scrolled pane's offset).

    >>> [tuple(r) for r in line_regions([1, 2, 3, 7], 0, 10)]
    [(0, 1, 10, 3), (0, 7, 10, 1)]
    """
    out: list[Region] = []
    start = prev = None
    for y in [*lines, None]:
        if prev is not None and y == prev + 1:
            prev = y
            continue
        if start is not None and prev is not None:
            out.append(Region(0, start - top, width, prev - start + 1))
        start = prev = y
    return out


class SteadyStyle:
    """Mixin for a Widget: its Rich style (`base_style`), worked out once until its styles change.
    Textual's `rich_style` walks the styles of every ancestor at each call (0.1-0.3 ms), and a data
    frame asked for it once per line it repainted; it is kept per theme and screen classes, and
    forgotten whenever Textual tells the widget its styles changed (focus, classes, CSS)."""

    _style_memo: tuple[object, Style] | None = None

    @property
    def base_style(self) -> Style:
        app = self.app  # type: ignore[attr-defined]
        key = (app.theme, app.screen.classes)
        memo = self._style_memo
        if memo is None or memo[0] != key:
            memo = self._style_memo = (key, self.rich_style)  # type: ignore[attr-defined]
        return memo[1]

    def notify_style_update(self) -> None:
        self._style_memo = None
        super().notify_style_update()  # type: ignore[misc]


class KeptLines:
    """Mixin for a Widget: the lines it last gave the compositor, given again while nothing made it
    dirty since. Textual's compositor asks every widget under the box around all of a frame's
    changed lines for all its lines (a data frame changes lines from the top legend to the bottom of
    the side column: every widget on the screen), and each pass over a widget's lines costs its
    style lookups and a cache probe a line; a pane whose lines did not change answers at once.
    Every repaint Textual asks of a widget (`refresh`, a resize, a scroll, a style change) goes
    through `_set_dirty`, which forgets them."""

    _kept_lines: tuple[object, list[Strip]] | None = None

    def _set_dirty(self, *regions: Region) -> None:
        self._kept_lines = None
        super()._set_dirty(*regions)  # type: ignore[misc]

    def notify_style_update(self) -> None:
        self._kept_lines = None
        super().notify_style_update()  # type: ignore[misc]

    def render_lines(self, crop: Region) -> list[Strip]:
        key = (crop, self.size, self.app.theme)  # type: ignore[attr-defined]
        kept = self._kept_lines
        if kept is not None and kept[0] == key:
            return kept[1]
        lines: list[Strip] = super().render_lines(crop)  # type: ignore[misc]
        self._kept_lines = (key, lines)
        return lines


class KeptRow(KeptLines, Horizontal):
    """A Horizontal whose lines (its background under its children) are kept (`KeptLines`)."""


class KeptColumn(KeptLines, Vertical):
    """A Vertical whose lines (its background under its children) are kept (`KeptLines`)."""


class CachedLines(SteadyStyle):
    """Mixin for a Widget whose `_build()` returns its lines as strips."""

    data: Any
    _strips: list[Strip]
    _built_for: tuple[object, ...] | None

    def _build(self) -> list[Strip]:
        raise NotImplementedError

    def _key(self) -> tuple[object, ...]:
        return (self.data, self.size, self.app.theme)  # type: ignore[attr-defined]

    def set_data(self, data: Any) -> None:
        if data == self.data:
            return
        self.data = data
        size = self.size  # type: ignore[attr-defined]
        if not self.is_mounted or not size.area or self._built_for is None:  # type: ignore[attr-defined]
            self.refresh()  # type: ignore[attr-defined]
            return
        old, self._strips = self._strips, self._build()
        self._built_for = self._key()
        if len(old) != len(self._strips):
            self.refresh()  # type: ignore[attr-defined]
            return
        changed = [y for y, (a, b) in enumerate(zip(old, self._strips, strict=True)) if a != b]
        if changed:  # (one call: each `refresh` clears the widget's caches and asks for idle again)
            self.refresh(*line_regions(changed, 0, size.width))  # type: ignore[attr-defined]

    def _text_strip(self, text: Text) -> Strip:
        """One line of Rich text as a strip of the widget's width, every segment styled (a segment
        without a style breaks Textual's monochrome filter, which NO_COLOR turns on)."""
        w, base = self.size.width, self.base_style  # type: ignore[attr-defined]
        segments = list(text.render(self.app.console, ""))  # type: ignore[attr-defined]
        return Strip(segments, text.cell_len).crop_extend(0, w, base).apply_style(base)

    def render_line(self, y: int) -> Strip:
        key = self._key()
        if key != self._built_for:
            self._built_for = key
            self._strips = self._build()
        if 0 <= y < len(self._strips):
            return self._strips[y]
        return Strip.blank(self.size.width, self.base_style)  # type: ignore[attr-defined]
