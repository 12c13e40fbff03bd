"""After a burst of appended lines settles, what the view shows agrees by itself (no forced redraw):
the plot's last point, the run list's and the summary's last epoch, and the alert list are those of
the whole log, as paced data frames (app/pacing.py) draw them."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from app_helpers import DATA, run_text, sync, wait_for, watch_app

from lossacc_tui.app import present
from lossacc_tui.app.widgets.alert_list import AlertList
from lossacc_tui.app.widgets.explanation import Explanation
from lossacc_tui.app.widgets.metric_plot import MetricPlot

LINES = (DATA / "training.log").read_text().splitlines(keepends=True)  # header + 150 epochs (Keras)


def burst(path: Path, lines: list[str], chunk: int = 7) -> threading.Thread:
    """Another writer appending `lines` in quick chunks, as a training job flushing its log."""

    def write() -> None:
        for k in range(0, len(lines), chunk):
            with path.open("a") as f:
                f.write("".join(lines[k : k + chunk]))
            time.sleep(0.01)

    t = threading.Thread(target=write)
    t.start()
    return t


@sync
async def test_after_a_burst_the_plot_the_summary_and_the_alerts_agree_on_their_own(tmp_path: Path) -> None:
    log = tmp_path / "training.log"
    log.write_text("".join(LINES[:21]))  # epochs 0-19
    app = watch_app(log, clock=time.monotonic)
    last_val_loss = float(LINES[-1].split(",")[4])
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "epoch 19" in run_text(app), what="the first 20 epochs on screen")
        burst(log, LINES[21:]).join()
        loss = app.query_one("#loss-plot", MetricPlot)
        box, alerts = app.query_one(Explanation), app.query_one(AlertList)

        def agreed() -> bool:
            with app.tracker.lock:
                if app.tracker.feed.analysis_pending or not app.tracker.runs:
                    return False
                want = [r.key for r in present.alert_rows(app.tracker.runs[0])]
            val = [c for c in (loss.data.curves if loss.data else ()) if c.role == "val_loss"]
            return (
                "epoch 149" in run_text(app)
                and "epoch 149" in box.text
                and bool(val)
                and val[0].last == last_val_loss
                and max(val[0].xs) >= 149.0  # (the last column: its centre when decimated)
                and [r.key for r in alerts.rows] == want
            )

        await wait_for(pilot, agreed, timeout=30, what="plot, run list, summary and alerts at epoch 149")
        assert "loss-up-acc-up" in {r.kind for r in alerts.rows}  # the burst opened it (epochs 76-)
        await pilot.pause(1.0)  # nothing new: nothing moves
        assert agreed()
