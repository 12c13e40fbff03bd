"""A plateau is a stretch of finite evaluations without a new best: once the loss is NaN the run
has diverged (the non-finite kinds own it), and a plateau opened on the evaluations after that
counted "no new best" past the divergence and advised lowering the learning rate."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from conftest import read_runs
from numpy_training import keras_csv

from lossacc_tui.analysis import Analyzer


def _softmax_run_that_diverges_at(epoch: int, epochs: int = 30, seed: int = 1) -> list[dict[str, float]]:
    """Softmax regression by gradient descent on 3 noisy clusters; at `epoch` one step is taken with
    an infinite learning rate (a schedule bug): the weights become inf/NaN and so does every loss
    after, while accuracy freezes (argmax of NaN probabilities is class 0)."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(0, 1.0, size=(3, 6))
    y = rng.integers(0, 3, size=500)
    x = centers[y] + rng.normal(0, 1.5, size=(500, 6))
    xt, yt, xv, yv = x[:350], y[:350], x[350:], y[350:]
    w = np.zeros((6, 3))

    def stats(xs: np.ndarray, ys: np.ndarray) -> tuple[float, float, np.ndarray]:
        with np.errstate(all="ignore"):
            z = xs @ w
            z = z - z.max(axis=1, keepdims=True)
            p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
            return float(-np.mean(np.log(p[np.arange(len(ys)), ys]))), float(np.mean(p.argmax(1) == ys)), p

    rows = []
    for e in range(epochs):
        _, _, p = stats(xt, yt)
        g = p.copy()
        g[np.arange(len(yt)), yt] -= 1
        with np.errstate(all="ignore"):
            w -= (math.inf if e == epoch else 0.5) * xt.T @ g / len(yt)
        tl, ta, _ = stats(xt, yt)
        vl, va, _ = stats(xv, yv)
        rows.append({"train_loss": tl, "train_acc": ta, "val_loss": vl, "val_acc": va})
    return rows


def test_no_plateau_opens_on_evaluations_after_the_loss_went_nan(tmp_path: Path) -> None:
    rows = _softmax_run_that_diverges_at(6)
    first_nan = next(e for e, r in enumerate(rows) if not math.isfinite(r["val_loss"]))
    assert first_nan == 6 and all(not math.isfinite(r["val_loss"]) for r in rows[first_nan:])
    (run,) = read_runs(keras_csv(tmp_path / "log.csv", rows))
    a = Analyzer(run)
    a.update()
    assert any(al.kind == "non-finite" and al.severity == "critical" for al in a.alerts)
    late = [al for al in a.alerts if al.kind == "plateau" and al.start >= first_nan]
    assert not late, [al.title for al in late]
