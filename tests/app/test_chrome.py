"""A plot's frame built with numpy (`chrome.chrome_cells`) is plotext's, cell for cell: every
character, colour, style and background of `plot_cells.cells_of` of plotext's matrix for the same
figure, over random limits, sizes and alert lines, and over the plots the view draws of real logs
as they grow (the frames a live run's plots go through)."""

from __future__ import annotations

import math
from pathlib import Path
from unittest.mock import patch

import numpy as np
import plotext._utility as plotext_utility
import pytest
from app_helpers import DATA
from hypothesis import given, settings
from hypothesis import strategies as st
from textual_plotext.plot import Plot

from lossacc_tui.app.chrome import ChromeSpec, chrome_cells, plotext_chrome
from lossacc_tui.app.view import Curve, PlotData, Span, nice_ceil, snap
from lossacc_tui.app.widgets.metric_plot import chrome_spec
from lossacc_tui.app.widgets.plot_cells import cells_of

ROOT = Path(__file__).resolve().parents[2]
SEVERITIES = ("critical", "warning", "info", "other")


def in_order(data: list[object]) -> list[object]:
    """plotext's `no_duplicates` keeping the order: plotext's own (`list(set(...))`) puts the ticks in
    the order of their hashes, which changes from process to process (str hashes are salted), so
    where two labels want the same cells which one plotext draws is chance; `chrome_cells` draws
    them in their order (the first stays), the same in every process and every frame."""
    return list(dict.fromkeys(data))


def same_as_plotext(spec: ChromeSpec) -> None:
    """The cells built with numpy are those of plotext's matrix for `spec`, and so is the canvas."""
    got = chrome_cells(spec)
    assert got is not None
    with patch.object(plotext_utility, "no_duplicates", in_order):
        m = plotext_chrome(Plot(), spec)
    want = cells_of(m)
    assert want[0] is not None
    assert (got.rows, got.cols) == (m.rows, m.cols)
    assert (got.Cols_canvas, got.Rows_canvas) == (m.Cols_canvas, m.Rows_canvas)
    shown = "\n".join("".join(chr(c) for c in row) for row in want[0][::-1])
    assert np.array_equal(got.cells[0], want[0]), f"characters differ; plotext drew:\n{shown}"
    for k, what in ((1, "colour"), (3, "style"), (4, "background")):
        names = want[2] if k == 1 else want[5][0 if k == 3 else 1]
        mine = got.cells[2] if k == 1 else got.cells[5][0 if k == 3 else 1]
        assert np.array_equal(got.cells[k], want[k]) and mine == names, f"{what} differs:\n{shown}"


def plot_data(
    x0: float, x1: float, y0: float, y1: float, whole: bool, log: bool, spans: tuple[Span, ...]
) -> PlotData:
    xs = (float(math.floor(x0)), float(math.floor(x1))) if whole else (x0, x1)
    curve = Curve("loss", "train_loss", xs, (y0, y1), y1)
    return PlotData("loss", "epoch", x0, x1, y0, y1, log, (curve,), (), spans)


@st.composite
def figures(draw: st.DrawFn) -> tuple[PlotData, int, int]:
    w = draw(st.integers(14, 200))
    h = draw(st.integers(3, 60))
    x0 = draw(st.sampled_from([0.0, 1.0, -5.0, 1e5, 0.25]))
    span = draw(st.floats(1e-3, 1e7, allow_nan=False))
    x1 = x0 + nice_ceil(span * 1.01)
    lo = draw(st.floats(-1e6, 1e6, allow_nan=False))
    height = draw(st.floats(1e-6, 1e6, allow_nan=False))
    y0, y1 = snap(lo, lo + height, max(3, (h - 4) // 3))
    if not y1 > y0:
        y1 = y0 + 1.0
    log = draw(st.booleans()) and y0 > -300 and y1 < 300
    at = st.floats(x0 - 0.2 * (x1 - x0), x1 + 0.2 * (x1 - x0), allow_nan=False)
    spans = draw(st.lists(st.tuples(at, st.sampled_from(SEVERITIES)), max_size=12))
    edges = draw(st.lists(st.sampled_from([x0, x1]), max_size=2))  # lines on the frame's edges
    lines = tuple(Span(x, x, sev) for x, sev in spans) + tuple(Span(x, x, "critical") for x in edges)
    return plot_data(x0, x1, y0, y1, draw(st.booleans()), log, lines), w, h


@settings(max_examples=300, deadline=None)
@given(figures())
def test_random_frames_are_plotexts(fig: tuple[PlotData, int, int]) -> None:
    d, w, h = fig
    spec = chrome_spec(d, w, h)
    if chrome_cells(spec) is None:  # (repeated ticks: plotext draws those itself)
        assert len(set(spec.xticks)) < len(spec.xticks) or len(set(spec.yticks)) < len(spec.yticks)
        return
    same_as_plotext(spec)


def test_a_tick_label_without_room_and_its_tick_go_as_in_plotext() -> None:
    # (14 cells: two of the labels 0 .. 1e5 cannot have a free cell either side)
    d = plot_data(0.0, 110_000.0, 0.1, 0.9, True, False, (Span(0.0, 0.0, "warning"),))
    spec = chrome_spec(d, 14, 5)
    same_as_plotext(spec)
    bottom = "".join(chr(c) for c in chrome_cells(spec).cells[0][1])  # type: ignore[union-attr]
    assert bottom.count("┬") < len(spec.xticks)


def series_of(path: Path) -> list[tuple[np.ndarray, np.ndarray]]:
    """(x, values) of each loss or accuracy series of the runs in `path`, as `check` reads them."""
    from conftest import read_runs

    out = []
    for run in read_runs(path):
        for role in ("train_loss", "val_loss", "train_acc", "val_acc"):
            s = run.by_role(role)
            if s is None:
                continue
            axis = run.x_axis
            x = s.x_or_none(axis)
            if x is not None and len(x):
                out.append((np.asarray(x, dtype=np.float64), np.asarray(s.values, dtype=np.float64)))
    return out


REAL = [
    ROOT / "demo_logs" / "healthy_keras" / "training.log",
    ROOT / "demo_logs" / "imbalanced" / "training_log.jsonl",
    ROOT / "demo_logs" / "loss_up_acc_up" / "training.log",
    DATA / "training.log",
]


@pytest.mark.parametrize("path", REAL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_frames_of_real_runs_as_they_grow_are_plotexts(path: Path) -> None:
    """Each series' prefixes (every few points, as a live run grows) at the plot sizes of 80x24,
    120x40 and 200x60 screens, with the x and y limits the view gives them and alert lines spread
    over the run."""
    found = series_of(path)
    assert found, path
    checked = 0
    for x, v in found:
        keep = np.isfinite(x) & np.isfinite(v)
        x, v = x[keep], v[keep]
        for n in sorted({2, 3, 5, *range(7, len(x) + 1, max(1, len(x) // 12)), len(x)}):
            if n > len(x):
                continue
            lo, hi = float(x[:n].min()), float(x[:n].max())
            x0, x1 = (lo, lo + nice_ceil((hi - lo) * 1.01)) if hi > lo else (lo - 0.5, hi + 0.5)
            a, b = float(v[:n].min()), float(v[:n].max())
            pad = (b - a) * 0.02 or abs(a) * 0.05 or 0.05
            for w, h in ((57, 8), (78, 16), (120, 24)):
                y0, y1 = snap(a - pad, b + pad, max(3, (h - 4) // 3))
                spans = tuple(
                    Span(float(x[k]), float(x[k]), SEVERITIES[k % 4]) for k in range(0, n, max(1, n // 3))
                )
                d = PlotData(
                    "loss",
                    "epoch",
                    x0,
                    x1,
                    y0,
                    y1,
                    False,
                    (Curve("l", "val_loss", tuple(x[:n]), tuple(v[:n]), None),),
                    (),
                    spans,
                )
                same_as_plotext(chrome_spec(d, w, h))
                checked += 1
    assert checked > 20
