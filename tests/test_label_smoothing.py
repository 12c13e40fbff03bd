"""Label smoothing (timm's default 0.1, Keras' `label_smoothing=`, HF's `label_smoothing_factor`)
on healthy runs: no critical alert, no `val-loss-unstable` on a loss carried by right answers, and
no `likely` claim that mistakes carry the loss when they do not.

A tester saw a healthy smoothed run paged critical ("val_loss swings 0.0548-0.1891 (x3.5)" at
validation accuracy 1: no mistake, so "inf nats a mistake"), a `confident-mistakes` claim beside
"every sample is classified right", and `mistakes-carry-loss` graded `likely` where the one mistake
carried 2.7 % of the loss: the training loss' fall was read as the model growing more confident,
but a smoothed training loss keeps a floor above the validation loss and says nothing of that.
The runs are real numpy trainings against smoothed targets; the truth is per sample."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import read_runs
from numpy_smoothing import smoothed_run
from numpy_training import keras_csv

from lossacc_tui.analysis import Analyzer


@pytest.mark.parametrize(
    ("seed", "classes", "eps"),
    [(0, 10, 0.1), (1, 10, 0.1), (2, 10, 0.1), (0, 5, 0.2), (2, 3, 0.2), (3, 5, 0.1)],
)
def test_smoothed_runs_get_no_false_page_and_no_false_likely(
    tmp_path: Path, seed: int, classes: int, eps: float
) -> None:
    rows = smoothed_run(classes=classes, eps=eps, seed=seed)
    (run,) = read_runs(keras_csv(tmp_path / "log.csv", rows))
    a = Analyzer(run)
    a.update()
    assert not [al.title for al in a.alerts if al.severity == "critical"]
    for al in a.alerts:
        if al.kind == "val-loss-unstable":
            hi = int(al.evidence["loss_high_x"])
            assert rows[hi]["val_acc"] < 1.0, al.title  # (a rise on right answers alone is no swing)
        for c in al.claims:
            end = rows[int(c.end)]
            if c.id == "confident-mistakes":
                assert end["val_acc"] < 1.0, (al.kind, c.text)
            if c.id == "mistakes-carry-loss" and c.strength in ("follows", "likely"):
                assert end["mistake_share"] > 0.5, (al.kind, c.strength, end["mistake_share"], c.text)
    # the run really is what the test says: training accuracy 1 with a smoothed training loss
    # floored above the validation loss
    assert rows[-1]["train_acc"] == 1.0 and rows[-1]["train_loss"] > rows[-1]["val_loss"]
