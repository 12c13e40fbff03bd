"""Softmax regression trained by numpy minibatch SGD on Gaussian classes with an objective other
than a mean cross-entropy, logged the way the training loop computes it (tester 21's recipes):

- "sum": cross-entropy summed over each batch of 32 (torch `reduction='sum'`), the logged loss the
  mean over batches of those sums (32x a mean);
- "focal": focal loss -(1 - p)^2 ln p per sample, averaged (a mistake near the threshold costs less
  than ln 2 in it);
- "mean": plain mean cross-entropy (the control).

Every number is what the training computed; nothing is drawn. Many noise features beside few training
samples make the run overfit (validation loss turns up while training loss falls), so the pair
detectors open and say who carries the loss."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

BATCH = 32


def _probs(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Softmax probabilities [n, K] of inputs x [n, d]."""
    z = x @ w + b
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _per_sample(p: np.ndarray, y: np.ndarray, objective: str) -> np.ndarray:
    """The objective's loss of each sample (nats for cross-entropy), [n]."""
    pt = np.clip(p[np.arange(len(y)), y], 1e-12, 1.0)
    if objective == "focal":
        return -((1 - pt) ** 2) * np.log(pt)
    return -np.log(pt)


def _grad_logits(p: np.ndarray, y: np.ndarray, objective: str) -> np.ndarray:
    """d(per-sample loss)/d(logits), [n, K]."""
    onehot = np.zeros_like(p)
    onehot[np.arange(len(y)), y] = 1.0
    g = p - onehot  # cross-entropy's
    if objective == "focal":
        pt = np.clip(p[np.arange(len(y)), y], 1e-12, 1.0)
        # d/dz of -(1-pt)^2 ln pt = [(1-pt)^2 - 2 (1-pt) pt ln pt] * d(-ln pt)/dz
        g = g * ((1 - pt) ** 2 - 2 * (1 - pt) * pt * np.log(pt))[:, None]
    return g


def _logged(p: np.ndarray, y: np.ndarray, objective: str) -> float:
    """The loss as the loop logs it: the mean over batches of each batch's reduction."""
    ps = _per_sample(p, y, objective)
    if objective == "sum":
        return float(np.mean([ps[i : i + BATCH].sum() for i in range(0, len(y), BATCH)]))
    return float(ps.mean())


def objective_run(
    path: Path,
    objective: str,
    epochs: int = 40,
    classes: int = 10,
    seed: int = 0,
    lr: float = 0.05,
    features: int = 60,
    n_train: int = 200,
    n_val: int = 600,
    spread: float = 0.5,
) -> Path:
    """Train and write one JSONL record per epoch (epoch, train_loss, train_acc, val_loss, val_acc)
    to `path`; returns it."""
    rng = np.random.default_rng(seed)
    n = n_train + n_val
    centers = rng.normal(0, spread, size=(classes, features))
    y = rng.integers(0, classes, size=n)
    x = centers[y] + rng.normal(0, 1.5, size=(n, features))
    xt, yt, xv, yv = x[:n_train], y[:n_train], x[n_train:], y[n_train:]
    w, b = np.zeros((features, classes)), np.zeros(classes)
    with path.open("w") as f:
        for epoch in range(epochs):
            for i in range(0, n_train, BATCH):
                xb, yb = xt[i : i + BATCH], yt[i : i + BATCH]
                g = _grad_logits(_probs(xb, w, b), yb, objective)
                scale = 1.0 if objective == "sum" else 1.0 / len(yb)  # (a sum's gradient is not averaged)
                w -= lr * scale * xb.T @ g
                b -= lr * scale * g.sum(axis=0)
            pt, pv = _probs(xt, w, b), _probs(xv, w, b)
            rec = {
                "epoch": epoch,
                "train_loss": _logged(pt, yt, objective),
                "train_acc": float((pt.argmax(1) == yt).mean()),
                "val_loss": _logged(pv, yv, objective),
                "val_acc": float((pv.argmax(1) == yv).mean()),
            }
            f.write(json.dumps(rec) + "\n")
    return path
