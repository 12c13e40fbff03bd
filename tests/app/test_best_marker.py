"""The plot's best-validation-loss marker is the analysis' best: an evaluation the analysis masks as
impossible for a cross-entropy (rw-05: val_loss 1.19e-07 at val_acc 0.119, one broken epoch of a
real Keras run) is not marked as the best checkpoint."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from app_helpers import settled, strips_text, sync, wait_for, watch_app

from lossacc_tui.app.widgets.metric_plot import MetricPlot

CASE = (
    Path(__file__).resolve().parents[2].parent / "shared" / "cases" / "analysis" / "rw-05-so-valloss-epsilon"
)


@sync
async def test_the_best_marker_skips_an_evaluation_the_analysis_masked(tmp_path: Path) -> None:
    if not CASE.is_dir():
        pytest.skip(f"the case {CASE.name} was not found at {CASE} (it lives in the shared folder)")
    log = tmp_path / "stdout.txt"
    shutil.copy(CASE / "stdout.txt", log)
    app = watch_app(log)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, app, 5)
        loss = app.query_one("#loss-plot", MetricPlot)
        await wait_for(pilot, lambda: bool(loss.data and loss.data.marks), what="the best marker")
        mark = loss.data.marks[0]
        assert mark.x == 30.0, mark  # val_loss 0.2091 at epoch 30, not the glitch at epoch 28
        assert "best 0.2091 @30" in strips_text(loss)
