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


@sync
async def test_a_value_logged_before_the_cursor_says_where_it_was_logged(tmp_path: Path) -> None:
    """With the cursor on a training step between evaluations, the legend's validation value is
    the last one logged before it: it says at which step (it read as if logged at the cursor's)."""
    import numpy as np

    from lossacc_tui.app.view import fmt_num

    log = _lightning_csv(tmp_path / "metrics.csv")
    app = watch_app(log)
    async with app.run_test(size=(160, 48)) as pilot:
        await settled(pilot, app, 240 + 24 * 2)
        await wait_for(pilot, lambda: app.drawn_axis == "step", what="the step axis")
        await pilot.press("left", "left", "left")  # training steps, not evaluations
        await wait_for(pilot, lambda: app.cursor is not None, what="the cursor")
        rs = app.tracker.runs[app.selected_run]
        val_x = rs.run.by_role("val_loss").x("step")
        logged = float(val_x[np.searchsorted(val_x, app.cursor, side="right") - 1])
        assert logged != app.cursor
        loss = app.query_one("#loss-plot", MetricPlot)
        await wait_for(pilot, lambda: loss.data is not None and loss.data.cursor == app.cursor, what="drawn")
        legend = loss._legend().plain
        assert f"@{fmt_num(logged)}" in legend, legend
