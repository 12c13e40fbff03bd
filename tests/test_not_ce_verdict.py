"""A loss shown not to be cross-entropy stays so for the run (tester 19, F4): an MSE loss logged
beside accuracy dips below (1 - a) ln 2 at some evaluations and sits just above it at others, and
`not-cross-entropy` opened, closed and reopened three times over one run, as if the loss were
cross-entropy again in between. A glitched evaluation of a cross-entropy run still closes
(tests/test_analysis_excluded_best.py: the loss jumps back from it).

The runs are real numpy training with MSE on one-hot targets (tests/numpy_mse.py)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from conftest import read_runs
from numpy_mse import mse_rows
from numpy_training import keras_csv

from lossacc_tui.analysis import Analyzer

LN2 = math.log(2.0)


@pytest.mark.parametrize("seed", [1, 2])
def test_an_mse_loss_is_not_cross_entropy_from_its_first_inconsistent_evaluation_to_the_end(
    tmp_path: Path, seed: int
) -> None:
    rows = mse_rows(seed=seed)
    ratio = [r["val_loss"] / ((1 - r["val_acc"]) * LN2) for r in rows]
    # the premise, measured: below the cross-entropy floor at the first evaluation, above it later
    assert ratio[0] < 0.9 and max(ratio[1:]) > 1.0
    (run,) = read_runs(keras_csv(tmp_path / "log.csv", rows))
    a = Analyzer(run)
    a.update()
    (alert,) = [al for al in a.alerts if al.kind == "not-cross-entropy"]  # one alert, never reopened
    assert alert.active and alert.start == 0
    assert alert.severity == "warning"
    assert a.ctx.not_ce  # no kind reads this loss against this accuracy as cross-entropy
    assert not any(c.id == "mistakes-carry-loss" for al in a.alerts for c in al.claims)
