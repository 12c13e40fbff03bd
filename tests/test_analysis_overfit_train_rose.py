"""A diverging run whose training loss swings up with its validation loss is not overfitting (a
tester found an overfitting warning on one, saying "while training loss fell 1.564 -> 2.9503"); an
overfitting alert whose training loss rose by its end says so, and that both losses got worse."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from conftest import read_runs

from lossacc_tui.analysis import Analyzer


def _relu_net_at_too_high_a_learning_rate(path: Path, lr: float = 20.0, epochs: int = 40) -> Path:
    """A 20-32-1 ReLU network by minibatch SGD (64) on 85/15 labels at a learning rate far too high."""
    rs = np.random.RandomState(0)

    def make(n: int) -> tuple[np.ndarray, np.ndarray]:
        y = (rs.rand(n) > 0.85).astype(float)
        return rs.randn(n, 20) + 0.8 * y[:, None] * np.r_[np.ones(5), np.zeros(15)], y

    (x, y), (xv, yv) = make(4000), make(1000)
    w1, b1, w2, b2 = rs.randn(20, 32) * 0.3, np.zeros(32), rs.randn(32) * 0.3, 0.0

    def fwd(xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with np.errstate(all="ignore"):  # (the weights blow up: that is the run)
            h = np.maximum(0, xs @ w1 + b1)
            return h, 1 / (1 + np.exp(-np.clip(h @ w2 + b2, -50, 50)))

    def ce(p: np.ndarray, ys: np.ndarray) -> float:
        p = np.clip(p, 1e-12, 1 - 1e-12)
        return float(-np.mean(ys * np.log(p) + (1 - ys) * np.log(1 - p)))

    lines = ["epoch,accuracy,loss,val_accuracy,val_loss"]
    for e in range(epochs):
        perm = rs.permutation(len(x))
        for k in range(0, len(x), 64):
            i = perm[k : k + 64]
            h, p = fwd(x[i])
            g = (p - y[i]) / len(i)
            gh = np.outer(g, w2) * (h > 0)
            w1 -= lr * x[i].T @ gh
            b1 -= lr * gh.sum(0)
            w2 -= lr * h.T @ g
            b2 -= lr * float(g.sum())
        _, p = fwd(x)
        _, pv = fwd(xv)
        acc, val_acc = np.mean((p > 0.5) == y), np.mean((pv > 0.5) == yv)
        lines.append(f"{e},{acc:.4f},{ce(p, y):.4f},{val_acc:.4f},{ce(pv, yv):.4f}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_diverging_run_is_not_overfitting_and_any_text_says_the_training_loss_rose(tmp_path: Path) -> None:
    (run,) = read_runs(_relu_net_at_too_high_a_learning_rate(tmp_path / "log.csv"))
    a = Analyzer(run)
    a.update()
    over = [al for al in a.alerts if al.kind == "overfitting"]
    # the training loss itself never stays below where it was at the validation best: a diverging run
    # (both losses swing up together), not overfitting; its own kinds say so
    assert [al.title for al in over if al.severity != "info"] == []
    assert {"val-loss-unstable", "non-finite"} <= {al.kind for al in a.alerts}
    rose = [al for al in over if al.evidence["train_loss_now"] > al.evidence["train_loss_at_best"]]
    for al in rose:
        assert "while training loss rose" in al.explanation and "training loss fell" not in al.explanation
        assert "both losses got worse together" in al.explanation
        if al.evidence["gap_now"] < al.evidence["gap_at_best"]:
            assert "widened" not in al.explanation
