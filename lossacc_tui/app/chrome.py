"""A plot's frame (the box, the y tick labels and their ┤, the x tick labels and their ┬, the alert
lines) built as cell arrays with numpy, cell for cell what plotext 5.3 draws for the same figure
(`plotext_chrome`: theme "clear", fixed limits and ticks, vertical lines, and the one blank point
it needs to draw ticks at all) and what `plot_cells.cells_of` makes of plotext's matrix.

plotext took 1-1.5 ms to build such a frame and `cells_of` 0.3 ms more to turn its lists into
arrays; this takes about 0.1 ms. A run of a few hundred points moves its x axis every few frames
(`view.nice_ceil`), and both plots' frames were drawn again by plotext each time.
`tests/app/test_chrome.py` checks every cell against plotext over many sizes, ranges and lines.

Textual-free; plotext is imported only to tell its colour names (`vlines` in a colour plotext does
not know are drawn in the theme's colour, as plotext draws them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

SPACE = ord(" ")
DEFAULT = "default"  # plotext's name for "no colour", and every colour of the theme "clear"


@dataclass(frozen=True)
class ChromeSpec:
    """What a plot's frame is drawn from: its size in cells (w x h, the x labels' row included), the
    limits, the ticks with their labels as drawn, and the vertical lines (x, plotext colour name)."""

    w: int
    h: int
    x0: float
    x1: float
    y0: float
    y1: float
    yticks: tuple[float, ...]
    ylabels: tuple[str, ...]
    xticks: tuple[float, ...]
    xlabels: tuple[str, ...]
    vlines: tuple[tuple[float, str], ...] = ()


@dataclass
class Chrome:
    """A frame's cells as `plot_cells.cells_of` gives them (marker code points, colour indices into
    `palette`, style and background indices, their names), with plotext's names for where its
    canvas is (`Cols_canvas`, `Rows_canvas`: matrix columns and rows, row 0 at the bottom)."""

    rows: int
    cols: int
    Cols_canvas: range  # (plotext's matrix attribute names: the plot reads either)
    Rows_canvas: range
    cells: tuple[np.ndarray, np.ndarray, list[Any], np.ndarray, np.ndarray, tuple[list[Any], list[Any]]]


def matrix_cell(v: float, lo: float, hi: float, bins: int) -> int:
    """plotext's cell of v among `bins` (`get_matrix_data`)."""
    return math.floor(round(0.5 + (bins - 1) * (v - lo) / (hi - lo), 8))


def _known_colour(colour: str) -> str:
    """The colour plotext draws a line of `colour` in: its own name if plotext knows it, else the
    next of the theme's sequence, which in "clear" is always "default" ("yellow" is not a plotext
    colour: a warning's line is drawn in the terminal's colour)."""
    from plotext._utility import is_color

    return colour if is_color(colour) else DEFAULT


def correct_coord(row: list[int], label: str, coord: int) -> int:
    """plotext's `correct_coord`: where a label meant to be centred at `coord` starts, moved off the
    row's used cells (`row`: code points)."""
    n = len(label)
    b, e = max(coord - n + 1, 0), min(coord + n, len(row) - 1)
    free = [i for i in range(b, e) if row[i] == SPACE]
    lo, hi = min(free, default=coord - n + 1), max(free, default=coord + n)
    b, e = hi - n + 1, lo + n
    return (b + e - n) // 2


def chrome_cells(spec: ChromeSpec) -> Chrome | None:
    """The frame plotext draws for `spec` (see the module), or None when it is not one this draws
    (a limit or tick that is not a finite number, empty limits: plotext is left to draw those)."""
    s = spec
    values = (s.x0, s.x1, s.y0, s.y1, *s.xticks, *s.yticks, *(x for x, _ in s.vlines))
    if not all(math.isfinite(v) for v in values) or s.x1 <= s.x0 or s.y1 <= s.y0 or s.w < 1 or s.h < 1:
        return None
    if len(s.xticks) != len(s.xlabels) or len(s.yticks) != len(s.ylabels):
        return None
    if len(set(zip(s.xticks, s.xlabels, strict=True))) != len(s.xticks) or len(
        set(zip(s.yticks, s.ylabels, strict=True))
    ) != len(s.yticks):
        return None  # (plotext drops repeated ticks: not needed here)
    w, h = s.w, s.h
    label_w = max((len(t) for t in s.ylabels), default=0)
    ylabels = [t.rjust(label_w) for t in s.ylabels]
    xl_h = 1 if s.xlabels else 0
    wc, hc = w - 2 - label_w, h - 2 - xl_h  # the canvas
    c0, c1 = label_w + 1, label_w + 1 + wc
    r0, r1 = xl_h + 1, xl_h + 1 + hc
    marker = np.full((h, w), SPACE, dtype=np.int32)
    colours = [DEFAULT]
    fg = np.zeros((h, w), dtype=np.int32)

    def put(col: int, row: int, text: str | list[str], colour: int = 0) -> None:
        """Characters from (col, row) rightwards, each only where the matrix has a cell."""
        if not 0 <= row < h:
            return
        for i, ch in enumerate(text):
            if 0 <= col + i < w:
                marker[row, col + i] = ord(ch)
                fg[row, col + i] = colour

    def put_down(col: int, row: int, text: str | list[str], colour: int = 0) -> None:
        """Characters from (col, row) upwards (plotext's vertical string, aligned at the bottom)."""
        if not 0 <= col < w:
            return
        for i, ch in enumerate(text):
            if 0 <= row + i < h:
                marker[row + i, col] = ord(ch)
                fg[row + i, col] = colour

    cticks = [matrix_cell(x, s.x0, s.x1, wc) for x in s.xticks]
    rticks = [matrix_cell(y, s.y0, s.y1, hc) for y in s.yticks]
    vticks = [matrix_cell(x, s.x0, s.x1, wc) for x, _ in s.vlines]
    # the x tick labels, each where it fits with a free cell either side (else it and its ┬ go)
    row_x = min(r0 - 2, h - 1)
    shown = []
    for ct, label in zip(cticks, s.xlabels, strict=True):
        if not 0 <= row_x < h:
            continue
        line = marker[row_x].tolist()
        col = correct_coord(line, label, c0 + ct)
        n = len(label)
        free = all(line[c] == SPACE for c in range(max(col - 1, 0), min(col + n + 1, w)))
        if free and col >= 0 and col + n <= w:
            put(col, row_x, label)
            shown.append(ct)
    vset = set(vticks)
    if hc >= -1:  # the top line: ┬ where an alert line starts
        put(c0, r1, ["┬" if i in vset else "─" for i in range(wc)])
    if label_w <= w:
        for rt, label in zip(rticks, ylabels, strict=True):
            put(0, rt + r0, label)
    rset = set(rticks)
    if label_w + 1 <= w:
        put_down(label_w, r0, ["┤" if i in rset else "│" for i in range(hc)])
    if label_w + 2 <= w:
        put_down(c1, r0, "│" * max(0, hc))
    if hc >= 0 and wc >= 0:
        put(c0 - 1, r0 - 1, "└")
        put(c1, r0 - 1, "┘")
        put(c0 - 1, r1, "┌")
        put(c1, r1, "┐")
    if hc >= -1:  # the bottom line: ┴ where an alert line ends, ┬ at a tick whose label is shown
        sset = set(shown)
        put(c0, r0 - 1, ["┴" if i in vset else "┬" if i in sset else "─" for i in range(wc)])
    for vt, (_, colour) in zip(vticks, s.vlines, strict=True):
        name = _known_colour(colour)
        if name not in colours:
            colours.append(name)
        put_down(c0 + vt, r0, "│" * max(0, hc), colours.index(name))
    if wc >= 1 and hc >= 1:  # the blank point plotext needs to draw ticks, in the theme's colour
        marker[r0, c0], fg[r0, c0] = SPACE, 0
    # colour indices numbered as `cells_of` numbers them: by first appearance, row by row
    used, first = np.unique(fg.ravel(), return_index=True)
    order = used[np.argsort(first)]
    renumber = np.zeros(len(colours), dtype=np.int32)
    renumber[order] = np.arange(len(order), dtype=np.int32)
    palette = [colours[k] for k in order.tolist()]
    zeros = np.zeros((h, w), dtype=np.int32)
    cells = (marker, renumber[fg], palette, zeros, zeros.copy(), ([DEFAULT], [DEFAULT]))
    return Chrome(h, w, range(c0, c1), range(r0, r1), cells)


def plotext_chrome(plt: Any, spec: ChromeSpec) -> Any:
    """plotext's matrix of the frame `spec` (what `chrome_cells` draws), drawn on the figure `plt`;
    None if plotext's insides are not as expected."""
    s = spec
    plt.clear_figure()
    plt.plotsize(s.w, s.h)
    plt._set_size(s.w, s.h)
    plt.theme("clear")
    plt.xlim(s.x0, s.x1)
    plt.ylim(s.y0, s.y1)
    plt.yticks(list(s.yticks), list(s.ylabels))
    plt.xticks(list(s.xticks), list(s.xlabels))
    for x, colour in s.vlines:
        plt.vline(x, colour)
    plt.scatter([s.x0], [s.y0], marker=" ")  # plotext draws the y ticks only with some data
    try:
        plt._set_sizes()
        plt._build_matrix()
        return plt.monitor.matrix
    except AttributeError:
        return None
