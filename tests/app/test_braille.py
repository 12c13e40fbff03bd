"""The vectorized braille curves draw exactly the cells plotext draws for the same line plot."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from textual_plotext.plot import Plot

from lossacc_tui.app.braille import rasterize


def plotext_cells(xs: list[float], ys: list[float], w: int, h: int) -> dict[tuple[int, int], str]:
    p = Plot()
    p.plotsize(w, h)
    p._set_size(w, h)
    p.theme("clear")
    p.xlim(0.0, 1.0)
    p.ylim(0.0, 1.0)
    p.plot(xs, ys, marker="braille")
    p._set_sizes()
    p._build_matrix()
    m = p.monitor.matrix
    c0, r0 = m.Cols_canvas.start, m.Rows_canvas.start
    out = {}
    for r in m.Rows_canvas:
        for c in m.Cols_canvas:
            ch = m.marker[r][c]
            if 0x2800 < ord(ch[0]) <= 0x28FF:
                out[(c - c0, r - r0)] = ch
    return out, (len(m.Cols_canvas), len(m.Rows_canvas))


unit = st.floats(0.0, 1.0, allow_nan=False)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(unit, unit), min_size=2, max_size=60), st.integers(20, 90), st.integers(6, 20))
def test_same_cells_as_plotext(points: list[tuple[float, float]], w: int, h: int) -> None:
    xs = sorted(x for x, _ in points)
    ys = [y for _, y in points]
    want, (cols, rows) = plotext_cells(xs, ys, w, h)
    c, r, chars = rasterize(xs, ys, (0.0, 1.0), (0.0, 1.0), cols, rows)
    got = {(int(a), int(b)): ch for a, b, ch in zip(c, r, chars, strict=True)}
    assert got == want


def test_thick_lines_and_points_outside_are_dropped() -> None:
    c, r, chars = rasterize([0.0, 1.0], [0.5, 0.5], (0.0, 1.0), (0.0, 1.0), 10, 4, thick=True)
    assert len(c) == 10 and all(ch != "⠀" for ch in chars)
    c, r, chars = rasterize([2.0, 3.0], [0.5, 0.5], (0.0, 1.0), (0.0, 1.0), 10, 4)
    assert len(c) == 0
    assert np.all(r >= 0)
