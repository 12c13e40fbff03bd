"""acc-at-chance stays open while the loss climbs above ln K (worse than chance); its title and
claim said "val_loss 2.43 ~ ln 3" (ln 3 = 1.0986) beside that number (found by a tester)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from conftest import read_runs

from lossacc_tui.analysis import Analyzer


def _overfit_on_a_split_unlike_training(path: Path, n_train: int = 60, epochs: int = 300) -> Path:
    """Logistic regression by gradient descent on 60 samples with 30 features (most noise), 60/40
    labels, scored on a validation split that is 10/90: it memorises its training samples and its
    validation loss climbs far above ln 2 while the accuracy stays low."""
    rng = np.random.RandomState(3)

    def make(n: int, share1: float) -> tuple[np.ndarray, np.ndarray]:
        y = (rng.rand(n) < share1).astype(float)
        x = rng.randn(n, 30)
        x[:, 0] += 0.3 * (2 * y - 1)
        return x, y

    (xt, yt), (xv, yv) = make(n_train, 0.6), make(2000, 0.1)
    w, b = np.zeros(30), 0.0

    def ce(p: np.ndarray, y: np.ndarray) -> float:
        p = np.clip(p, 1e-12, 1 - 1e-12)
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))

    lines = ["epoch,loss,accuracy,val_loss,val_accuracy"]
    for e in range(epochs):
        p = 1 / (1 + np.exp(-(xt @ w + b)))
        g = (p - yt) / len(yt)
        w -= 0.5 * xt.T @ g
        b -= 0.5 * float(g.sum())
        p, pv = 1 / (1 + np.exp(-(xt @ w + b))), 1 / (1 + np.exp(-(xv @ w + b)))
        acc, val_acc = np.mean((p > 0.5) == yt), np.mean((pv > 0.5) == yv)
        lines.append(f"{e},{ce(p, yt):.4f},{acc:.4f},{ce(pv, yv):.4f},{val_acc:.4f}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_title_never_puts_a_loss_far_above_ln_k_at_ln_k(tmp_path: Path) -> None:
    (run,) = read_runs(_overfit_on_a_split_unlike_training(tmp_path / "log.csv"))
    a = Analyzer(run)
    a.update()
    chance = [al for al in a.alerts if al.kind == "acc-at-chance"]
    assert chance  # (the premise: the guessed K's chance reading opens)
    for al in chance:
        k = int(al.evidence["k"])
        loss = al.evidence["loss_now"]
        if loss > 1.05 * math.log(k):
            assert f"~ ln {k}" not in al.title and f"above ln {k}" in al.title
            assert f"about ln {k}" not in al.explanation
