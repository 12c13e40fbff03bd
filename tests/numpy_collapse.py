"""A small ReLU network trained by numpy on imbalanced binary data, whose every hidden unit is
switched off after a few epochs (one destructive step, as a learning rate far too high gives):
from then on only the output bias still learns, so the network outputs one constant probability and
predicts the majority class for every sample. The curves are the training's own (never drawn)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def dead_relu_run(path: Path, majority: float, epochs: int = 12, n_train: int = 2000, seed: int = 0) -> Path:
    """Keras-style CSV (epoch, accuracy, loss, val_accuracy, val_loss; 4 decimals) of a 20-32-1
    ReLU network trained by minibatch SGD (batch 64, lr 0.1) on labels whose majority share is
    `majority`; at epoch 3 every hidden unit's bias drops by 100, which kills every ReLU."""
    rs = np.random.RandomState(seed)
    d = 20

    def make(n: int) -> tuple[np.ndarray, np.ndarray]:
        y = (rs.rand(n) > majority).astype(float)
        x = rs.randn(n, d) + 0.8 * y[:, None] * np.r_[np.ones(5), np.zeros(d - 5)]
        return x, y

    (x, y), (xv, yv) = make(n_train), make(1000)
    w1, b1, w2, b2 = rs.randn(d, 32) * 0.3, np.zeros(32), rs.randn(32) * 0.3, 0.0

    def forward(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        h = np.maximum(0.0, a @ w1 + b1)
        return h, 1.0 / (1.0 + np.exp(-np.clip(h @ w2 + b2, -50, 50)))

    def ce(p: np.ndarray, t: np.ndarray) -> float:
        p = np.clip(p, 1e-12, 1 - 1e-12)
        return float(-np.mean(t * np.log(p) + (1 - t) * np.log(1 - p)))

    lines = ["epoch,accuracy,loss,val_accuracy,val_loss"]
    for ep in range(epochs):
        if ep == 3:
            b1 = b1 - 100.0
        perm = rs.permutation(len(x))
        for k in range(0, len(x), 64):
            i = perm[k : k + 64]
            h, p = forward(x[i])
            g = (p - y[i]) / len(i)
            gh = np.outer(g, w2) * (h > 0)
            w1, b1 = w1 - 0.1 * x[i].T @ gh, b1 - 0.1 * gh.sum(0)
            w2, b2 = w2 - 0.1 * h.T @ g, b2 - 0.1 * float(g.sum())
        _, p = forward(x)
        _, pv = forward(xv)
        acc, vacc = np.mean((p > 0.5) == y), np.mean((pv > 0.5) == yv)
        lines.append(f"{ep},{acc:.4f},{ce(p, y):.4f},{vacc:.4f},{ce(pv, yv):.4f}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path
