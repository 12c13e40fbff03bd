"""overfitting on a per-step run whose training loss logged at each evaluation is one batch's:
"the training loss fell" must be more than its level moves by noise alone (`train_noise`).

Issue 9: noisy per-step runs raised an early `overfitting` warning from the short-run rules (little
evidence, "Early-stop at epoch 0.05") that closed again: the validation loss of a fresh batch rose
three times in a row while the training loss, one minibatch's mean at each evaluation, happened to
be lower than at the best (0.31 -> 0.28 beside 0.36 and 0.38 a few evaluations on); the normal rule
did the same 120 evaluations into a run judged every 5 steps on 64 samples. Here numpy
logistic regression on fresh data at every step: it cannot overfit. A fine-tune's epoch means, which
fall by a factor every epoch, still open it (tests/test_analysis_short_overfit.py and the truth
corpus' short-overfit families)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import read_runs
from numpy_batches import batch_eval_run, write_jsonl

from lossacc_tui.analysis import Analyzer


@pytest.mark.parametrize(
    ("steps", "seed", "eval_batch", "every", "lr"), [(3000, 1, 128, 10, 0.5), (2000, 1, 64, 5, 0.05)]
)
def test_a_single_batch_training_loss_is_no_fall(
    tmp_path: Path, steps: int, seed: int, eval_batch: int, every: int, lr: float
) -> None:
    run = batch_eval_run(steps, seed=seed, eval_batch=eval_batch, every=every, lr=lr)
    # the truth: fresh samples at every step, so nothing is memorised; the loss does not rise
    late, early = run["val_loss"][len(run["val_loss"]) // 2 :], run["val_loss"][:20]
    assert np.mean(late) <= np.mean(early)
    (r,) = read_runs(write_jsonl(tmp_path / "train.jsonl", run))
    a = Analyzer(r)
    a.update()
    assert [al.title for al in a.alerts if al.kind == "overfitting" and al.severity != "info"] == []
