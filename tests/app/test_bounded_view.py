"""The view's cost follows what it shows, not the run's history: the band paints columns, not
states; closed alerts of one kind about one subject merge into one row."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
from app_helpers import sync

from lossacc_tui.analysis import Analyzer
from lossacc_tui.app import present
from lossacc_tui.app.band import last_painter as _last_painter
from lossacc_tui.app.band import to_cols as _cols
from lossacc_tui.app.tracker import RunState
from lossacc_tui.app.view import x_to_col
from lossacc_tui.published import publish
from lossacc_tui.source import discover


def painted_one_by_one(a: list[int], b: list[int], cols: int) -> list[int]:
    out = [-1] * cols
    for k, (lo, hi) in enumerate(zip(a, b, strict=True)):
        for c in range(lo, hi + 1):
            out[c] = k
    return out


def test_band_columns_match_painting_each_interval_in_order() -> None:
    rng = random.Random(0)
    for _ in range(300):
        cols, x1 = rng.randint(1, 150), rng.choice([10.0, 1e3, 1e6])
        starts = sorted(rng.random() * x1 for _ in range(rng.randint(1, 80)))
        ends = [s + rng.random() * x1 / 10 for s in starts]
        a = [x_to_col(s, 0.0, x1, cols) for s in starts]
        b = [x_to_col(e, 0.0, x1, cols) for e in ends]
        assert list(_cols(np.array(starts), 0.0, x1, cols)) == a
        assert list(_last_painter(np.array(a), np.array(b), cols)) == painted_one_by_one(a, b, cols)


def noisy_run(tmp_path: Path, n: int) -> RunState:
    """A long noisy run (numpy noise on exponential curves, as rel-01 writes): many closed alerts."""
    rng = np.random.default_rng(0)
    s = np.arange(n)
    cols = {
        "train_loss": 2 * np.exp(-s / (n / 5)) + 0.05 * rng.random(n),
        "val_loss": 2.1 * np.exp(-s / (n / 4)) + 0.08 * rng.random(n),
        "val_acc": 1 - 0.9 * np.exp(-s / (n / 5)) - 0.02 * rng.random(n),
    }
    p = tmp_path / "m.csv"
    body = np.column_stack([s, *cols.values()])
    np.savetxt(p, body, delimiter=",", header="epoch," + ",".join(cols), comments="", fmt="%.6g")
    src = discover(p)[0]
    src.read_all()
    an = Analyzer(src.runs[0])
    an.update()
    return RunState(src.runs[0], publish(an, src.runs[0].points))


def test_closed_alerts_of_a_kind_about_one_subject_merge_into_one_row(tmp_path: Path) -> None:
    rs = noisy_run(tmp_path, 20_000)
    closed = [a for a in rs.alerts if not a.active]
    rows = present.alert_rows(rs)
    groups = {(a.kind, str(a.data.get("subject", ""))) for a in closed}
    # the noisy run closed many (plateaus come and go on its noise), of few kinds
    assert len(closed) > 10 and len(groups) < len(closed) / 3
    assert len(rows) == sum(a.active for a in rs.alerts) + len(groups)
    stood_for = sum(int(r.times.split()[0].replace(",", "")) if r.times else 1 for r in rows)
    assert stood_for == len(rs.alerts)  # every alert is counted in exactly one row


@sync
async def test_a_summary_whose_numbers_change_repaints_only_its_changed_lines() -> None:
    """New numbers in the summary (every data frame of a live run) repaint the lines of the pane
    that show them, not the pane, and do not lay the screen out again; a longer text makes the pane
    scroll and shows all of it."""
    from textual.app import App, ComposeResult
    from textual.geometry import Region

    from lossacc_tui.app.widgets.explanation import Explanation

    class Pane(App[None]):  # the pane alone: no feed draws into it meanwhile
        def compose(self) -> ComposeResult:
            yield Explanation(id="explanation")

    app = Pane()
    async with app.run_test(size=(60, 20)) as pilot:
        box = app.query_one(Explanation)
        repaints: list[tuple[tuple[Region, ...], bool]] = []
        real = box.refresh

        def refresh(*regions: Any, **kw: Any) -> Any:
            repaints.append((regions, bool(kw.get("layout"))))
            return real(*regions, **kw)

        box.refresh = refresh  # type: ignore[method-assign]
        summary = "**val_loss** {} at epoch {}\n\nbest 0.4000 at epoch 3\n\nstate: flat since epoch 2"
        box.show(summary.format("0.5123", 10), "summary")
        await pilot.pause()
        repaints.clear()
        box.show(summary.format("0.5456", 11), "summary")
        await pilot.pause()
        lines = ["".join(seg.text for seg in box.render_line(y)) for y in range(box.size.height)]
        assert any("0.5456 at epoch 11" in line for line in lines)
        assert not any("0.5123" in line for line in lines)
        assert repaints and all(regions for regions, _ in repaints)  # lines, never the whole pane
        assert {r.height for regions, _ in repaints for r in regions} == {1}
        assert len(repaints) == 1 and not any(layout for _, layout in repaints)  # the one changed line
        height = box.virtual_size.height
        box.show(summary.format("0.5456", 11).rsplit("\n\n", 1)[0], "summary")  # a line less, a frame
        await pilot.pause()
        assert box.virtual_size.height == height and not any(layout for _, layout in repaints)
        assert not any("state: flat" in "".join(seg.text for seg in box.render_line(y)) for y in range(6))
        longer = "\n\n".join(f"line {i} of a longer summary" for i in range(12))
        box.show(longer, "summary")
        await pilot.pause()
        assert box.virtual_size.height == 23 > box.size.height  # all of it, scrollable
        box.scroll_end(animate=False)
        await pilot.pause()
        last = "".join(seg.text for seg in box.render_line(box.size.height - 1))
        assert "line 11 of a longer summary" in last


@sync
async def test_a_plot_frame_kept_while_the_run_grows_is_the_frame_plotext_draws() -> None:
    """A growing run moves the x range at every frame; the plot keeps its frame (ticks, labels, alert
    lines) while none of them changes column, and what it keeps is exactly what plotext draws for
    the new range (the frame is built with numpy: `chrome.py`)."""
    from textual.app import App, ComposeResult
    from textual_plotext.plot import Plot

    from lossacc_tui.app.chrome import plotext_chrome
    from lossacc_tui.app.view import Curve, PlotData, Span
    from lossacc_tui.app.widgets.metric_plot import MetricPlot, chrome_spec

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield MetricPlot("loss", id="p")

    rng = np.random.default_rng(0)
    app = One()
    async with app.run_test(size=(100, 30)) as pilot:
        plot = app.query_one(MetricPlot)
        built = [0]
        real = plot._new_chrome

        def counted(w: int, h: int) -> Any:
            built[0] += 1
            return real(w, h)

        plot._new_chrome = counted  # type: ignore[method-assign]
        x1, frames, rebuilt = 10_000.0, 120, 0
        for _ in range(frames):
            x1 += float(rng.choice([0.5, 3.0, 40.0]))  # a few lines, or a burst of them
            xs = tuple(np.linspace(0, x1, 50).tolist())
            ys = tuple((1 / (1 + np.array(xs) / 300)).tolist())
            spans = (Span(250.0, 400.0, "warning"), Span(x1 + 5.0, x1 + 9.0, "critical"))  # one past x1
            curve = Curve("loss", "train_loss", xs, ys, ys[-1], None, None)
            was = built[0]
            plot.set_data(PlotData("loss", "epoch", 0.0, x1, 0.0, 1.0, False, (curve,), (), spans))
            plot._build()  # (as a frame does: set_data builds the lines when the plot is on screen)
            rebuilt += built[0] > was
            marker, fg, palette = plot._cells[0], plot._cells[1], plot._cells[2]
            kept = (marker.tolist(), [[palette[i] for i in row] for row in fg.tolist()])
            assert plot.data is not None  # (plotext's matrix, drawn anew for the frame's data)
            fresh = plotext_chrome(Plot(), chrome_spec(plot.data, plot.size.width, plot.size.height - 1))
            assert kept == ([[ord(c) for c in row] for row in fresh.marker], fresh.fullground)
            await pilot.pause(0)
        assert 3 < rebuilt < frames / 2  # most frames keep it; new tick columns redraw it


@sync
async def test_a_run_list_taller_than_its_pane_is_not_rebuilt_when_nothing_changed() -> None:
    """Rows cut to the room a scrollbar leaves fit without it, and cut to the whole width they need it
    again: the list must keep one width, not rebuild itself (and lay the screen out) every frame."""
    from textual.app import App, ComposeResult

    from lossacc_tui.app.view import RunRow
    from lossacc_tui.app.widgets.run_list import RunList

    class Side(App[None]):
        CSS = "RunList { height: auto; max-height: 8; width: 42; border: round white; }"

        def compose(self) -> ComposeResult:
            yield RunList(id="runs")

    app = Side()
    async with app.run_test(size=(60, 20)) as pilot:
        runs = app.query_one(RunList)
        rows = [RunRow(k, f"m1000.csv#{k + 1}", "csv", "epoch 1,199", "warning", 2) for k in range(5)]
        rebuilt = 0
        real = runs.set_options

        def set_options(*a: Any, **kw: Any) -> Any:
            nonlocal rebuilt
            rebuilt += 1
            return real(*a, **kw)

        runs.set_options = set_options  # type: ignore[method-assign]
        for _ in range(6):  # the same rows, frame after frame
            runs.set_rows(rows, 0)
            await pilot.pause()
        assert rebuilt <= 2  # built, perhaps once more when the scrollbar first showed; then kept
        text = "".join(seg.text for seg in runs.render_line(0))
        assert "m1000.csv#1" in text
