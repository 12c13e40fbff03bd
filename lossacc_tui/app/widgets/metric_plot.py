"""A loss or accuracy plot: a legend line (names, latest values, best points) over a plotext chart.

The data arrive already reduced to the plot's width (`PlotData`); the chart is rebuilt only when
the data or the size change, and plotext's cell matrix is turned into strips directly (no ANSI
string to parse), which keeps a redraw within a few milliseconds of plotext's own drawing time.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rich.text import Text
from textual import events
from textual.strip import Strip
from textual_plotext import PlotextPlot

from lossacc_tui.app.braille import rasterize_codes, subpixels
from lossacc_tui.app.chrome import ChromeSpec, chrome_cells, plotext_chrome
from lossacc_tui.app.messages import CursorAt, Resized
from lossacc_tui.app.view import LABEL_W, PlotData, fmt_num, nice_ticks, y_ticks
from lossacc_tui.app.widgets.cached_lines import CachedLines, KeptLines
from lossacc_tui.app.widgets.legend import (  # noqa: F401  (re-exported: the views import them from here)
    CURSOR,
    CURSOR_STYLE,
    LOOK,
    MARK,
    OVERLAY,
    SEVERITY_COLOR,
    legend_line,
    legend_lines,
    look,
    run_look,
)
from lossacc_tui.app.widgets.plot_cells import cell_of, cells_of, colour_index, row_strip

CHROMES = 4  # plotext frames kept per plot (`l` and `x` toggle between two)


class MetricPlot(KeptLines, CachedLines, PlotextPlot):
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
        self._cells: tuple[Any, ...] | None = None  # the frame's cells as arrays (`cells_of`)
        #: the last frames plotext drew, by what they depend on: (matrix, cells)
        self._chromes: dict[tuple[object, ...], tuple[Any, Any]] = {}
        self._canvas: dict[tuple[int, int], tuple[int, int]] = {}  # plotext's canvas (cols, rows) at a size
        self._drawn_key: tuple[object, ...] | None = None  # what the chart's strips were drawn from
        self._drawn: list[Strip] = []
        #: the cells with the curves and marks laid over plotext's, for the frame and curves they were
        #: drawn for (a cursor move lays only the cursor over them again)
        self._layer: tuple[object, np.ndarray, np.ndarray] | None = None

    # -- data --------------------------------------------------------------------------------
    @property
    def canvas_size(self) -> tuple[int, int]:
        """(columns, rows) of the drawing area at the current size (what the data are reduced to)."""
        return max(1, self.size.width - LABEL_W - 2), max(1, self.size.height - self.legend_rows - 3)

    @property
    def legend_rows(self) -> int:
        """The legend's lines: two in the compare view's overlay (every run named), else one."""
        return 2 if self.overlay else 1

    def on_resize(self) -> None:
        self.post_message(Resized())

    def x_at(self, column: int) -> float | None:
        """The x drawn in a column of the widget (None: outside the drawing area or no data)."""
        d = self.data
        cols = self.canvas_size[0]
        col = column - LABEL_W - 1
        if d is None or d.note or not 0 <= col < cols:
            return None
        return d.x0 + (d.x1 - d.x0) * col / max(1, cols - 1)

    def on_click(self, event: events.Click) -> None:
        x = self.x_at(event.x)
        if x is not None:
            self.post_message(CursorAt(x))

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if event.button:  # dragging moves the cursor along
            self.on_click(event)  # type: ignore[arg-type]

    # -- drawing -----------------------------------------------------------------------------
    def _legend(self) -> Text:
        """The legend's first line at the plot's width (`legend.legend_line`)."""
        return legend_line(self.data, self.size.width, self.overlay, self.app.no_color)

    def legend_text(self) -> list[str]:
        """The legend's lines as shown (`legend.legend_lines`)."""
        return [t.plain for t in self._legend_lines()]

    def _legend_lines(self) -> list[Text]:
        lines = legend_lines(self.data, self.size.width, self.overlay, self.app.no_color)
        return [*lines, *[Text("")] * (self.legend_rows - len(lines))][: self.legend_rows]

    def _look(self, role: str, i: int) -> tuple[str, bool]:
        return look(role, i, self.overlay, self.app.no_color)

    def _build(self) -> list[Strip]:
        w, h = self.size.width, self.size.height
        base = self.base_style
        d = self.data
        if d is None or d.note or h < 4 or w < LABEL_W + 8:
            strips = [self._text_strip(self._legend())]
            note = Text(d.note if d is not None else "waiting for data…", "dim")
            # (wrapped on the lines below: `no validation loss on the epoch axis` in a narrow plot)
            lines = note.wrap(self.app.console, max(1, w))
            strips += [self._text_strip(line) for line in lines][: max(1, h - 1)]
            return [s.apply_style(base) for s in strips]
        rows = self.legend_rows if h - self.legend_rows >= 4 else 1
        legend = [self._text_strip(t).apply_style(base) for t in self._legend_lines()[:rows]]
        key = self._chart_key(w, h - rows)
        if key != self._drawn_key:  # (else only the legend changed: the latest values)
            self._drawn_key = key  # (what `_chart` draws: its layer of curves is kept by it)
            self._drawn = [s.apply_style(base) for s in self._chart(w, h - rows)]
        return [*legend, *self._drawn]

    def _chart_key(self, w: int, h: int) -> tuple[object, ...]:
        """What the chart's cells depend on: the curves at the resolution they are drawn in (braille
        pixels), the marks, lines and cursor, the frame (a growing run changes its curves' last
        column's values at every frame, its pixels much less often)."""
        d = self.data
        assert d is not None
        canvas = self._canvas.get((w, h))
        if canvas is None:  # (plotext has not drawn this size yet: its canvas is not known)
            return (object(),)
        cols, rows = canvas
        pixels = []
        for c in d.curves:
            xs = np.asarray(c.xs, dtype=np.float64)
            px = subpixels(xs, d.x0, d.x1, 2 * cols)
            py = subpixels(np.asarray(c.ys, dtype=np.float64), d.y0, d.y1, 4 * rows)
            whole = bool((np.mod(xs, 1.0) == 0).all())  # (whole x ticks: `x_ticks`)
            pixels.append((c.role, c.run_key, px.tobytes(), py.tobytes(), whole))
        return (
            w, h, self.base_style, self.app.no_color, self.overlay, d.axis, d.x0, d.x1, d.y0, d.y1, d.log,
            tuple(pixels), tuple((mk.x, mk.y) for mk in d.marks), d.vlines, d.cursor,
        )  # fmt: skip

    def _chart(self, w: int, h: int) -> list[Strip]:
        """plotext draws the frame, ticks, marks and alert lines (kept while they do not change);
        the curves are laid over a copy in braille; rows that did not change keep their strips."""
        d = self.data
        assert d is not None
        old = self._chrome
        same_size = old is not None and self._chrome_key is not None and self._chrome_key[:2] == (w, h)
        canvas = len(old.Cols_canvas) if same_size else 0
        if not canvas or self._chrome_sig(w, h, canvas) != self._chrome_key:
            canvas = canvas or self._canvas.get((w, h), (0, 0))[0]
            sig = self._chrome_sig(w, h, canvas) if canvas else None
            kept = self._chromes.pop(sig, None) if sig is not None else None
            if kept is not None:  # (a frame drawn a moment ago: `l` or `x` pressed twice)
                self._chrome, self._cells = kept
                self._rows = {}
            else:
                self._chrome, self._cells = self._new_chrome(w, h)
                self._rows = {}
            canvas = len(self._chrome.Cols_canvas) if self._chrome is not None else 0
            if self._chrome is not None:
                self._canvas[(w, h)] = (canvas, len(self._chrome.Rows_canvas))
            self._chrome_key = self._chrome_sig(w, h, canvas)
        m = self._chrome
        if m is not None and self._cells is None:  # (plotext drew the frame again: its palette, rows)
            self._cells, self._rows = cells_of(m), {}
        if m is not None and self._cells is not None:
            self._chromes.pop(self._chrome_key, None)
            self._chromes[self._chrome_key] = (m, self._cells)
            while len(self._chromes) > CHROMES:
                del self._chromes[next(iter(self._chromes))]
        if m is None or self._cells is None or self._cells[0] is None:
            # plotext changed its insides (or put more than a character in a cell): let it draw the
            # curves, the slow way
            for i, c in enumerate(d.curves):
                self.plt.plot(list(c.xs), list(c.ys), marker="braille", color=self._look(c.role, i)[0])
            return [self._text_strip(line) for line in Text.from_ansi(self.plt.build()).split("\n")][:h]
        base_marker, base_fg, palette, st, bg, looks = self._cells
        cols, rows = m.Cols_canvas, m.Rows_canvas
        drawn = self._drawn_key
        layer = (self._chrome_key, drawn[:-1] if drawn is not None and len(drawn) > 1 else None)
        if self._layer is not None and layer[1] is not None and self._layer[0] == layer:
            marker, fg = self._layer[1].copy(), self._layer[2].copy()  # (only the cursor moved)
        else:
            marker, fg = self._curves_over(base_marker, base_fg, palette, len(cols), len(rows), rows, cols)
            self._layer = (layer, marker.copy(), fg.copy())
        if d.cursor is not None:  # the value cursor: a line through the empty cells of its column
            x = int(subpixels(np.array([d.cursor]), d.x0, d.x1, len(cols))[0])
            if 0 <= x < len(cols):
                col = marker[rows.start : rows.stop, cols.start + x]
                empty = col == ord(" ")
                col[empty] = ord(CURSOR)
                look = "default" if self.app.no_color else "yellow"
                fg[rows.start : rows.stop, cols.start + x][empty] = colour_index(palette, look)
        memo, self._rows = self._rows, {}
        out = []
        for r in range(m.rows - 1, -1, -1):  # (a row's strip is kept while its cells stay the same)
            k = (r, marker[r].tobytes(), fg[r].tobytes())
            strip = memo.get(k)
            if strip is None:
                strip = row_strip(marker[r], fg[r], st[r], bg[r], (palette, *looks))
            self._rows[k] = strip
            out.append(strip)
        return out

    def _curves_over(
        self,
        base_marker: np.ndarray,
        base_fg: np.ndarray,
        palette: list[Any],
        ncols: int,
        nrows: int,
        rows: range,
        cols: range,
    ) -> tuple[np.ndarray, np.ndarray]:
        """plotext's cells with the curves (braille) and the best marks laid over them (copies)."""
        d = self.data
        assert d is not None
        marker, fg = base_marker.copy(), base_fg.copy()
        for i, c in enumerate(d.curves):  # the curves, in braille, over plotext's canvas
            color, thick = self._look(c.role, i if c.run_key is None else c.run_key)
            xs, ys, codes = rasterize_codes(c.xs, c.ys, (d.x0, d.x1), (d.y0, d.y1), ncols, nrows, thick)
            at = (rows.start + ys, cols.start + xs)
            old = marker[at]
            braille = (old >= 0x2800) & (old <= 0x28FF)  # two curves share the cell
            marker[at] = np.where(braille, old | codes, codes)
            fg[at] = colour_index(palette, color)
        for mk in d.marks:  # where plotext puts a one-character marker
            x = int(subpixels(np.array([mk.x]), d.x0, d.x1, ncols)[0])
            y = int(subpixels(np.array([mk.y]), d.y0, d.y1, nrows)[0])
            if 0 <= x < ncols and 0 <= y < nrows:
                marker[rows.start + y, cols.start + x] = ord(MARK)
                fg[rows.start + y, cols.start + x] = colour_index(palette, "green+")
        return marker, fg

    def _chrome_sig(self, w: int, h: int, canvas: int) -> tuple[object, ...]:
        """What plotext's frame depends on, in cells: a run that grows moves x1 at every frame,
        but the frame (ticks, their labels, alert lines) changes only when one of them moves to
        another column, so it is drawn again only then (plotext takes 5-20 ms a chart)."""
        d = self.data
        assert d is not None
        xt = nice_ticks(d.x0, d.x1, max(2, w // 14))
        return (
            w, h, d.y0, d.y1, d.log,
            tuple(fmt_num(t) for t in xt),
            tuple(cell_of(t, d.x0, d.x1, canvas) for t in xt),
            tuple((cell_of(v.start, d.x0, d.x1, canvas), d.x0 <= v.start <= d.x1, v.severity)
                  for v in d.vlines),
        )  # fmt: skip

    def _new_chrome(self, w: int, h: int) -> tuple[Any, Any]:
        """The frame without the curves, and its cells: built with numpy (`chrome.chrome_cells`,
        cell for cell plotext's), or drawn by plotext when that does not draw it (cells None: the
        caller reads them from plotext's matrix)."""
        assert self.data is not None
        spec = chrome_spec(self.data, w, h)
        got = chrome_cells(spec)
        if got is not None:
            return got, got.cells
        return plotext_chrome(self.plt, spec), None


def chrome_spec(d: PlotData, w: int, h: int) -> ChromeSpec:
    """What a plot's frame is drawn from at w x h cells: its ticks, their labels as shown, its alert
    lines in their colours (`chrome.ChromeSpec`)."""
    yt = y_ticks(d.y0, d.y1, h - 3, d.log)
    xt = x_ticks(d, max(2, w // 14))
    return ChromeSpec(
        w, h, d.x0, d.x1, d.y0, d.y1,
        tuple(yt), tuple(_tick(t, d.log).rjust(LABEL_W) for t in yt),
        tuple(xt), tuple(fmt_num(t) for t in xt),
        tuple((span.start, _plotext_name(SEVERITY_COLOR.get(span.severity, "white"))) for span in d.vlines),
    )  # fmt: skip


def x_ticks(d: PlotData, count: int) -> list[float]:
    """About `count` round x ticks; whole numbers only when every x drawn is whole (epochs, steps):
    a 2-epoch run is ticked 0, 1, never 0, 0.5, 1."""
    ticks = nice_ticks(d.x0, d.x1, count)
    whole = all(float(x).is_integer() for c in d.curves for x in c.xs)
    if not whole or not d.curves:
        return ticks
    return [t for t in ticks if float(t).is_integer()] or nice_ticks(d.x0, d.x1, 1)


def _tick(v: float, log: bool) -> str:
    """A y tick label; on the log scale v is log10 of the value (a tick past 1e308 is named by its power)."""
    if not log:
        return fmt_num(v)
    try:
        return fmt_num(10**v)
    except OverflowError:
        return f"1e{v:.0f}"


def _plotext_name(colour: str) -> str:
    """The plotext name of a colour the rest of the view names as Rich does: plotext calls the
    terminal's yellow "orange" and knows no "yellow", which it drew in the default colour (a
    warning's alert line was not yellow on the plots while the band and the list showed it so)."""
    return {"yellow": "orange", "yellow+": "orange+"}.get(colour, colour)
