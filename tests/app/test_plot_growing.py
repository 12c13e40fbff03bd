"""A growing run's plots: each data frame redraws a chart only when its pixels change (most new
points change only the legend's latest values), so what the plot shows after every append must be
exactly what it draws from scratch for the same data: no stale curve, mark or tick."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from app_helpers import DATA, sync, wait_for, watch_app

from lossacc_tui.app.widgets.metric_plot import MetricPlot

LINES = (DATA / "training.log").read_text().splitlines(keepends=True)  # header + 150 epochs (Keras)


def fresh(plot: MetricPlot) -> list[Any]:
    """The plot's lines drawn from scratch (nothing kept from earlier frames)."""
    plot._drawn_key, plot._chromes, plot._chrome, plot._chrome_key = None, {}, None, None
    plot._cells, plot._rows, plot._layer = None, {}, None
    return plot._build()


@sync
async def test_after_each_append_the_plots_show_what_they_draw_from_scratch(tmp_path: Path) -> None:
    log = tmp_path / "training.log"
    log.write_text("".join(LINES[:121]))  # epochs 0-119
    app = watch_app(log, clock=time.monotonic)
    async with app.run_test(size=(120, 40)) as pilot:
        plots = [app.query_one("#loss-plot", MetricPlot), app.query_one("#acc-plot", MetricPlot)]
        await wait_for(pilot, lambda: bool(plots[0].data and plots[0].data.curves), what="the plot")
        for line in LINES[121:129]:  # epochs 120-127, one at a time, as a slow run writes them
            with app.tracker.lock:
                points = app.tracker.runs[0].run.points
            with log.open("a") as f:
                f.write(line)
            epoch, val_loss = line.split(",")[0], float(line.split(",")[4])

            def read(points: int = points) -> bool:
                with app.tracker.lock:
                    return app.tracker.runs[0].run.points > points

            await wait_for(pilot, read, what=f"epoch {epoch} read")
            app.redraw()  # (the frame a data frame draws: its pacing is tested in test_pacing.py)
            d = plots[0].data
            assert d is not None
            assert [c.last for c in d.curves if c.role == "val_loss"] == [val_loss]
            for plot in plots:
                now = list(plot._strips)
                assert now == fresh(plot), f"{plot.id} at epoch {epoch}"
        # the value cursor moved over the kept curves: still what a fresh drawing shows
        app.query_one("#loss-plot", MetricPlot).focus()
        for key in ("left", "left", "home", "right"):
            before = app.cursor
            await pilot.press(key)
            await wait_for(pilot, lambda before=before: app.cursor != before, what=f"the cursor after {key}")
            for plot in plots:
                assert plot.data is not None and plot.data.cursor == app.cursor
                assert list(plot._strips) == fresh(plot), f"{plot.id} with the cursor after {key}"
