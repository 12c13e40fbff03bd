"""Several evaluations per epoch (fractional epochs): `overfitting` quotes the training loss as the
mean of its last logged values there (about an epoch's worth), and it must say so. Tester 9's
title read "while train_loss 0.685 -> 0.0121" where 0.685 was the mean of 0.7402 and 0.6298, a
number the log never held.

The run: numpy's Adam MLP with label noise and no weight decay, evaluated three times an epoch
(tests/numpy_adam.py), which overfits."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import read_runs
from numpy_adam import adam_mlp_run, write_keras_csv

from lossacc_tui.analysis import Analyzer
from lossacc_tui.analysis.quantities import fmt


@pytest.mark.parametrize("seed", [0, 2])
def test_a_quoted_training_mean_is_called_a_level(tmp_path: Path, seed: int) -> None:
    rows, _ = adam_mlp_run(seed=seed, wd=0.0, label_noise=0.3, n_train=300, epochs=12, evals_per_epoch=3)
    (run,) = read_runs(write_keras_csv(tmp_path / "log.csv", rows))
    a = Analyzer(run)
    a.update()
    over = [al for al in a.alerts if al.kind == "overfitting"]
    assert over
    logged = {fmt(float(f"{r['loss']:.6f}")) for r in rows}
    for al in over:
        t0, t1 = al.evidence["train_loss_at_best"], al.evidence["train_loss_now"]
        quoted_as_logged = fmt(t0) in logged and fmt(t1) in logged
        if not quoted_as_logged:  # (a mean of logged values: named as such in the title and the text)
            assert " level " in al.title, al.title
            assert "the mean of its last" in al.explanation
