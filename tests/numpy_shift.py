"""Logistic regression trained by numpy gradient descent on a training split of 60/40 labels and
scored on a validation split of 10/90 (the other majority), as a Keras-style CSV: the curves are the
training's own (never drawn by hand)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def split_unlike_training(path: Path, n_train: int = 60, epochs: int = 300, signal: float = 0.3) -> Path:
    """Logistic regression by gradient descent on 60 samples with 30 features (most noise), 60/40
    labels, scored on a validation split that is 10/90: it memorises its training samples and its
    validation loss climbs far above ln 2 while the accuracy stays low."""
    rng = np.random.RandomState(3)

    def make(n: int, share1: float) -> tuple[np.ndarray, np.ndarray]:
        y = (rng.rand(n) < share1).astype(float)
        x = rng.randn(n, 30)
        x[:, 0] += signal * (2 * y - 1)
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
