"""The view opens on the axis the run's analysis and `check` speak in: a Lightning run evaluated
several times an epoch (`val_check_interval` < 1) on the step axis. It had opened on the epoch axis,
where two evaluations share an x and the best one could not be read with the cursor, beside a
summary pane that named steps (tester 17)."""

from __future__ import annotations

from pathlib import Path

from app_helpers import settled, sync, wait_for, watch_app
from test_lightning_val_interval import _lightning_csv

from lossacc_tui.app.widgets.metric_plot import MetricPlot


@sync
async def test_a_run_evaluated_twice_an_epoch_opens_on_the_step_axis_and_x_switches(
    tmp_path: Path,
) -> None:
    log = _lightning_csv(tmp_path / "metrics.csv")
    app = watch_app(log)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, app, 240 + 24 * 2)
        rs = app.tracker.runs[app.selected_run]
        assert rs.run.x_axis == "step"
        await wait_for(pilot, lambda: app.drawn_axis == "step", what="the step axis")
        loss = app.query_one("#loss-plot", MetricPlot)
        assert loss.data is not None and loss.data.axis == "step"
        await pilot.press("x")
        await wait_for(pilot, lambda: app.drawn_axis == "epoch", what="the epoch axis after x")
        await pilot.press("x")
        await wait_for(pilot, lambda: app.drawn_axis == "step", what="the step axis again")


@sync
async def test_a_run_evaluated_once_an_epoch_still_opens_on_the_epoch_axis(tmp_path: Path) -> None:
    log = _lightning_csv(tmp_path / "metrics.csv", per_epoch=1)
    app = watch_app(log)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, app, 240 + 6 * 2)
        await wait_for(pilot, lambda: app.drawn_axis == "epoch", what="the epoch axis")
