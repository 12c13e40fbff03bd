"""An evaluation that `not-cross-entropy` keeps out of bests is never a best or a trend's baseline.

Tester 9 logged val_loss -1e300 (then 1e-320) beside a sane accuracy after an infinite first
evaluation: `not-cross-entropy` said the evaluation was kept out of bests, yet `overfitting` named it
as its best ("val_loss -1.00e+300 -> 0.3 since epoch 1"). Two ways it slipped through: a stretch of
two glitched evaluations was taken for the run's own loss (a loss that is not cross-entropy at every
evaluation) even after the pairs were consistent again; and a glitch with no finite evaluation
before it (the first one, or one after an infinite one) was kept as it was.

The run here is real numpy training (softmax regression that overfits: many noise features, few
samples). The glitched evaluations are what a validation pass on all-zero one-hot targets computes:
categorical cross-entropy sum(-t log p) is 0 for every prediction when t is all zero."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from conftest import read_runs
from numpy_training import keras_csv, softmax_regression

from lossacc_tui.analysis import Analyzer

LN2 = math.log(2.0)


def _zero_target_loss(n: int, classes: int, p: np.ndarray) -> float:
    """Mean categorical cross-entropy of predictions p (n, classes) against all-zero one-hot rows."""
    t = np.zeros((n, classes))
    return float(-(t * np.log(p)).sum(axis=1).mean())


@pytest.mark.parametrize("glitched", [(1, 2), (0, 1)])
@pytest.mark.parametrize("seed", [1, 2])
def test_glitched_evaluations_are_no_best(tmp_path: Path, seed: int, glitched: tuple[int, ...]) -> None:
    rows = softmax_regression(
        epochs=30, classes=3, seed=seed, features=40, n_train=60, n_val=200, spread=0.6, lr=0.3
    )
    clean = [r["val_loss"] for r in rows]
    uniform = np.full((200, 3), 1 / 3)
    for e in glitched:
        rows[e]["val_loss"] = _zero_target_loss(200, 3, uniform)
        assert rows[e]["val_loss"] < (1 - rows[e]["val_acc"]) * LN2  # (below what cross-entropy allows)
    (run,) = read_runs(keras_csv(tmp_path / "log.csv", rows))
    a = Analyzer(run)
    a.update()
    kinds = {al.kind for al in a.alerts}
    assert "not-cross-entropy" in kinds
    true_best = min(range(len(clean)), key=lambda i: math.inf if i in glitched else clean[i])
    for al in a.alerts:
        bi = al.data.get("best_idx")
        if bi is not None and bi >= 0:
            assert bi not in glitched, (al.kind, al.title)
        for key in ("best_val_loss", "best_loss"):
            if key in al.evidence:
                assert al.evidence[key] >= min(clean[i] for i in range(len(clean)) if i not in glitched)
        assert "0 -> " not in al.title and "0.0 -> " not in al.title, al.title
    # the run still overfits after its real best (the training loss keeps falling): it is still found,
    # measured from that best
    over = [al for al in a.alerts if al.kind == "overfitting"]
    assert over and all(al.data["best_idx"] == true_best for al in over), [al.title for al in over]


def test_tester9_huge_values_no_overfitting_from_a_glitch(tmp_path: Path) -> None:
    """Tester 9's file: an infinite first evaluation, then -1e300 and 1e-320 beside accuracies 0.6
    and 0.7, then a sane 0.3."""
    path = tmp_path / "huge.csv"
    path.write_text(
        "epoch,loss,accuracy,val_loss,val_accuracy\n"
        "0,1e308,0.5,1e309,0.5\n1,1e300,0.6,-1e300,0.6\n2,0.5,0.7,1e-320,0.7\n3,0.4,0.8,0.3,0.8\n"
    )
    (run,) = read_runs(path)
    a = Analyzer(run)
    a.update()
    kinds = {al.kind: al for al in a.alerts}
    assert "not-cross-entropy" in kinds and "overfitting" not in kinds, [al.title for al in a.alerts]
    # the infinite first evaluation is reported as such, and the glitches are not called NaN
    assert "NaN" not in kinds["eval-non-finite"].title
