"""A plot on a log scale says so in its legend however many runs share the line: the compare view's
validation loss of the demo's eight-run sweep filled its legend with the runs' values and dropped
" (log)", leaving ticks such as 0.5623 and 0.3162 (quarter decades) to be read as a linear axis."""

from __future__ import annotations

import math
import re

from app_helpers import REPO, sync
from textual.app import App, ComposeResult

from lossacc_tui.app.view import Curve, PlotData
from lossacc_tui.app.widgets.metric_plot import MetricPlot

SWEEP = REPO / "demo_logs" / "eight_runs"


class Compare(App[None]):
    def compose(self) -> ComposeResult:
        yield MetricPlot("loss", id="plot")


def last_val_losses() -> list[float]:
    """Each run's last logged validation loss (Lightning's metrics.csv of the demo sweep)."""
    out = []
    for log in sorted(SWEEP.glob("run_*/lightning_logs/version_0/metrics.csv")):
        lines = log.read_text().splitlines()
        col = lines[0].split(",").index("val_loss")
        vals = [float(r.split(",")[col]) for r in lines[1:] if r.split(",")[col]]
        out.append(vals[-1])
    return out


@sync
async def test_a_log_scale_stays_in_a_full_legend() -> None:
    losses = last_val_losses()
    assert len(losses) == 8
    ys = [math.log10(v) for v in losses]
    app = Compare()
    async with app.run_test(size=(60, 20)) as pilot:  # (the compare view's plot at 120x40)
        plot = app.query_one(MetricPlot)
        plot.overlay = True
        curves = tuple(
            Curve(f"run_{k + 1}", "val_loss", (0.0, 1.0), (y, y), v, run_key=k)
            for k, (v, y) in enumerate(zip(losses, ys, strict=True))
        )
        plot.set_data(PlotData("validation loss", "epoch", 0.0, 1.0, min(ys), max(ys), True, curves))
        await pilot.pause()
        legend = "".join(seg.text for seg in plot._strips[0])
        # (last values: compare; the title as short as naming more runs needs)
        assert re.match(r"last (validation |val )?loss \(log\) ", legend), legend
        assert f"{losses[0]:.4g}"[:4] in legend  # (the values still there, as many as fit)
