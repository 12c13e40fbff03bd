"""A loss or accuracy plot: a legend line (names, latest values, best points) over a plotext chart.

The data arrive already reduced to the plot's width (`PlotData`); the chart is rebuilt only when
the data or the size change, and plotext's cell matrix is turned into strips directly (no ANSI
string to parse), which keeps a redraw within a few milliseconds of plotext's own drawing time.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip
from textual_plotext import PlotextPlot

from lossacc_tui.app.braille import rasterize, subpixels
from lossacc_tui.app.messages import Resized
from lossacc_tui.app.view import LABEL_W, PlotData, fmt_num, nice_ticks
from lossacc_tui.app.widgets.cached_lines import CachedLines

#: plotext colour of each role, and whether its line is drawn thick (told apart without colour)
LOOK = {
    "train_loss": ("cyan", False),
    "train_acc": ("cyan", False),
    "val_loss": ("magenta+", True),
    "val_acc": ("magenta+", True),
}
OVERLAY = ("cyan", "magenta+", "green", "yellow", "blue+", "red", "white", "cyan+", "magenta", "green+")
SEVERITY_COLOR = {"critical": "red+", "warning": "yellow", "info": "blue+"}
MARK = "◆"
_STYLE_CACHE: dict[tuple[Any, Any, Any], Style] = {}


def _cell_style(fg: Any, style: Any, bg: Any) -> Style:
    key = (fg, style, bg)
    got = _STYLE_CACHE.get(key)
    if got is None:
        from plotext._utility import colors_to_ansi

        text = Text.from_ansi(colors_to_ansi(fg, style, bg) + "x")
        got = _STYLE_CACHE[key] = text.spans[0].style if text.spans else Style()  # type: ignore[assignment]
    return got


class MetricPlot(CachedLines, PlotextPlot):
    """One chart of the main screen or of the compare view."""

    HELP = "Loss or accuracy against epoch or step. `s` smoothing, `w` its weight, `l` log loss, `x` axis."
    DEFAULT_CSS = """
    MetricPlot { height: 1fr; min-height: 5; }
    """

    def __init__(self, kind: str = "loss", *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.kind = kind
        self.data: PlotData | None = None
        self.overlay = False  # colours by curve (compare view) rather than by role
        self._strips: list[Strip] = []
        self._built_for: tuple[object, ...] | None = None
        self._chrome_key: tuple[object, ...] | None = None
        self._chrome: Any = None  # plotext's matrix without the curves
        self._rows: dict[tuple[object, ...], Strip] = {}

    # -- data --------------------------------------------------------------------------------
    @property
    def canvas_size(self) -> tuple[int, int]:
        """(columns, rows) of the drawing area at the current size (what the data are reduced to)."""
        return max(1, self.size.width - LABEL_W - 2), max(1, self.size.height - 1 - 3)

    def on_resize(self) -> None:
        self.post_message(Resized())

    # -- drawing -----------------------------------------------------------------------------
    def _legend(self) -> Text:
        d = self.data
        t = Text(no_wrap=True, overflow="ellipsis")
        if d is None:
            return t
        t.append(d.title, "bold")
        if d.log:
            t.append(" (log)", "dim")
        for i, c in enumerate(d.curves):
            color, thick = self._look(c.role, i)
            t.append("  ")
            t.append("━" if thick else "─", _cell_style(color, "default", "default"))
            t.append(f" {c.label}")
            if c.last is not None:
                t.append(f" {fmt_num(c.last)}", "dim")
        for m in d.marks:
            t.append("  ")
            t.append(MARK, "green")
            t.append(f" best {m.label}", "green")
        return t

    def _line(self, text: Text) -> Strip:
        w = self.size.width
        return Strip(list(text.render(self.app.console, "")), text.cell_len).crop_extend(
            0, w, self.rich_style
        )

    def _look(self, role: str, i: int) -> tuple[str, bool]:
        if self.app.no_color:  # NO_COLOR: the terminal's own colour; train and val differ in weight
            return "default", LOOK.get(role, ("", False))[1]
        if self.overlay:
            return OVERLAY[i % len(OVERLAY)], False
        return LOOK.get(role, ("white", False))

    def _build(self) -> list[Strip]:
        w, h = self.size.width, self.size.height
        base = self.rich_style
        strips = [self._line(self._legend())]
        d = self.data
        if d is None or d.note or h < 4 or w < LABEL_W + 8:
            note = Text(d.note if d is not None else "waiting for data…", "dim")
            strips.append(self._line(note))
            return [s.apply_style(base) for s in strips]
        rows = self._chart(w, h - 1)
        return [s.apply_style(base) for s in strips + rows]

    def _chart(self, w: int, h: int) -> list[Strip]:
        """plotext draws the frame, ticks, marks and alert lines (kept while they do not change);
        the curves are laid over a copy in braille; rows that did not change keep their strips."""
        d = self.data
        assert d is not None
        key = (w, h, d.x0, d.x1, d.y0, d.y1, d.log, d.vlines)
        if key != self._chrome_key:
            self._chrome_key, self._chrome = key, self._plotext_chrome(w, h)
        if self._chrome is None:  # plotext changed its insides: let it draw the curves, the slow way
            for i, c in enumerate(d.curves):
                self.plt.plot(list(c.xs), list(c.ys), marker="braille", color=self._look(c.role, i)[0])
            return [self._line(line) for line in Text.from_ansi(self.plt.build()).split("\n")][:h]
        m = self._chrome
        cols, rows = m.Cols_canvas, m.Rows_canvas
        marker = [row[:] for row in m.marker]
        fg = [row[:] for row in m.fullground]
        for i, c in enumerate(d.curves):  # the curves, in braille, over plotext's canvas
            color, thick = self._look(c.role, i)
            xs, ys, chars = rasterize(c.xs, c.ys, (d.x0, d.x1), (d.y0, d.y1), len(cols), len(rows), thick)
            for x, y, ch in zip(xs.tolist(), ys.tolist(), chars, strict=True):
                row, col = rows.start + y, cols.start + x
                old = marker[row][col]
                braille = len(old) == 1 and 0x2800 <= ord(old) <= 0x28FF  # two curves share the cell
                marker[row][col] = chr(ord(old) | ord(ch)) if braille else ch
                fg[row][col] = color
        for mk in d.marks:  # where plotext puts a one-character marker
            x = int(subpixels(np.array([mk.x]), d.x0, d.x1, len(cols))[0])
            y = int(subpixels(np.array([mk.y]), d.y0, d.y1, len(rows))[0])
            if 0 <= x < len(cols) and 0 <= y < len(rows):
                marker[rows.start + y][cols.start + x] = MARK
                fg[rows.start + y][cols.start + x] = "green+"
        memo, self._rows = self._rows, {}
        out = []
        for r in range(m.rows - 1, -1, -1):
            k = (r, tuple(marker[r]), tuple(fg[r]))
            strip = memo.get(k) or _row(marker[r], fg[r], m.style[r], m.background[r])
            self._rows[k] = strip
            out.append(strip)
        return out

    def _plotext_chrome(self, w: int, h: int) -> Any:
        d = self.data
        assert d is not None
        plt = self.plt
        plt.clear_figure()
        plt.plotsize(w, h)
        plt._set_size(w, h)
        plt.theme("clear")
        plt.xlim(d.x0, d.x1)
        plt.ylim(d.y0, d.y1)
        yt = nice_ticks(d.y0, d.y1, max(3, (h - 3) // 3))
        plt.yticks(yt, [_tick(t, d.log).rjust(LABEL_W) for t in yt])
        xt = nice_ticks(d.x0, d.x1, max(2, w // 14))
        plt.xticks(xt, [fmt_num(t) for t in xt])
        for span in d.vlines:
            plt.vline(span.start, SEVERITY_COLOR.get(span.severity, "white"))
        plt.scatter([d.x0], [d.y0], marker=" ")  # plotext draws the y ticks only with some data
        try:
            plt._set_sizes()
            plt._build_matrix()
            return plt.monitor.matrix
        except AttributeError:
            return None


def _row(marker: list[str], fg: list[Any], st: list[Any], bg: list[Any]) -> Strip:
    """One row of plotext's cell matrix as a strip: a segment per run of equal colours."""
    segs: list[Segment] = []
    start, n = 0, len(marker)
    for c in range(1, n + 1):
        if c == n or fg[c] != fg[start] or st[c] != st[start] or bg[c] != bg[start]:
            segs.append(Segment("".join(marker[start:c]), _cell_style(fg[start], st[start], bg[start])))
            start = c
    return Strip(segs, n)


def _tick(v: float, log: bool) -> str:
    return fmt_num(10**v) if log else fmt_num(v)
