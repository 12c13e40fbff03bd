"""`s` switches smoothing off and on again without smoothing the whole history again: the curves
smoothed with that weight are kept while it is off and extended by the points that came meanwhile,
so the key's own frame draws them (it had smoothed every series again in the background: 250-370 ms
under load on a 100,000-point run). The values drawn are TensorBoard's debiased EMA of every point."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from app_helpers import DATA, settled, sync, wait_for, watch_app

from lossacc_tui.app.decimate import ema_debiased
from lossacc_tui.app.widgets.metric_plot import MetricPlot


def drawn(app: object, role: str) -> list[float]:
    """The y values of a curve as last handed to the loss plot (every point: the run is short)."""
    data = app.query_one("#loss-plot", MetricPlot).data  # type: ignore[attr-defined]
    return list(next(c.ys for c in data.curves if c.role == role))


def logged(app: object, role: str) -> list[float]:
    with app.tracker.lock:  # type: ignore[attr-defined]
        return [float(v) for v in app.tracker.runs[0].run.by_role(role).values]  # type: ignore[attr-defined]


@sync
async def test_smoothing_off_and_on_again_is_drawn_by_the_key_with_the_points_since(tmp_path: Path) -> None:
    lines = (DATA / "training.log").read_text().splitlines(keepends=True)  # a Keras CSVLogger file
    log = tmp_path / "training.log"
    log.write_text("".join(lines[:61]))
    app = watch_app(log)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, app, 60 * 4)  # (60 records of 4 values)
        raw = logged(app, "val_loss")
        app.action_smooth()  # on (0.6): a weight not used yet, smoothed in the background
        want = ema_debiased(np.array(raw), 0.6)[0].tolist()
        await wait_for(pilot, lambda: drawn(app, "val_loss") == pytest.approx(want), what="smoothed")
        app.action_smooth()  # off: the raw values, drawn by the key
        assert drawn(app, "val_loss") == pytest.approx(raw)
        with log.open("a") as f:
            f.write("".join(lines[61:101]))
        await settled(pilot, app, 100 * 4)  # (it had waited for 100 values, which 60 records hold)
        raw = logged(app, "val_loss")
        assert len(raw) == 100 and drawn(app, "val_loss") == pytest.approx(raw)
        app.action_smooth()  # on again: the kept curve, extended by the 40 points, drawn by the key
        assert drawn(app, "val_loss") == pytest.approx(ema_debiased(np.array(raw), 0.6)[0].tolist())
        train = logged(app, "train_loss")
        assert drawn(app, "train_loss") == pytest.approx(ema_debiased(np.array(train), 0.6)[0].tolist())
        app.action_weight()  # the next weight (0.8): computed for every point
        want = ema_debiased(np.array(raw), 0.8)[0].tolist()
        await wait_for(pilot, lambda: drawn(app, "val_loss") == pytest.approx(want), what="weight 0.8")
