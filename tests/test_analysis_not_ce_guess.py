"""not-cross-entropy's chance rule with the class count not known: accuracy near 1/K for the K that
1/accuracy rounds to, loss far below ln K. Two classes allow the same pair, so unless the training
pair backs it (or K is known) the alert is a `possible` reading at info, titled as a maybe, and the
run's other kinds keep reading the loss against the accuracy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from conftest import read_runs
from numpy_training import keras_csv

from lossacc_tui.analysis import Analyzer
from lossacc_tui.analysis.params import Params


def _flipped_split_rows(epochs: int = 12, seed: int = 0) -> list[dict[str, float]]:
    """Logistic regression trained by gradient descent on features that carry no signal, with
    training labels 60/40 and a validation split 10/90: the model learns the training prior and
    predicts the training majority for nearly every sample, which is the validation minority."""
    rng = np.random.default_rng(seed)
    xt, xv = rng.normal(size=(600, 5)), rng.normal(size=(400, 5))
    yt = (rng.random(600) < 0.4).astype(float)
    yv = (rng.random(400) < 0.9).astype(float)
    w, b = np.zeros(5), 0.0

    def stats(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        p = 1 / (1 + np.exp(-(x @ w + b)))
        loss = float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
        return loss, float(np.mean((p > 0.5) == (y == 1)))

    rows = []
    for _ in range(epochs):
        for _ in range(5):
            p = 1 / (1 + np.exp(-(xt @ w + b)))
            w -= 0.5 * xt.T @ (p - yt) / len(yt)
            b -= 0.5 * float(np.mean(p - yt))
        tl, ta = stats(xt, yt)
        vl, va = stats(xv, yv)
        rows.append({"train_loss": tl, "train_acc": ta, "val_loss": vl, "val_acc": va})
    return rows


def _analysed(path: Path, params: Params | None = None) -> Analyzer:
    (run,) = read_runs(path)
    a = Analyzer(run, params) if params is not None else Analyzer(run)
    a.update()
    return a


def test_a_guessed_class_count_gives_a_possible_reading_not_a_verdict(tmp_path: Path) -> None:
    rows = _flipped_split_rows()
    assert all(r["val_acc"] < 0.15 and r["train_acc"] > 0.55 for r in rows[3:])  # the premise, measured
    a = _analysed(keras_csv(tmp_path / "log.csv", rows))
    (alert,) = [al for al in a.alerts if al.kind == "not-cross-entropy"]
    assert alert.severity == "info"
    assert "may not be cross-entropy" in alert.title
    (claim,) = [c for c in alert.claims if c.id == "not-cross-entropy"]
    assert claim.strength == "possible"
    text = alert.explanation
    assert "2 classes" in text and "training accuracy decides" in text
    assert not a.ctx.not_ce  # the other kinds still read this loss against this accuracy


def test_with_the_class_count_given_the_same_pair_is_likely_not_cross_entropy(tmp_path: Path) -> None:
    rows = _flipped_split_rows()
    k = round(1 / rows[-1]["val_acc"])  # the class count the guess would take, now given
    a = _analysed(keras_csv(tmp_path / "log.csv", rows), Params(n_classes=k))
    (alert,) = [al for al in a.alerts if al.kind == "not-cross-entropy"]
    assert alert.severity == "warning" and "most likely not cross-entropy" in alert.title
    assert a.ctx.not_ce
