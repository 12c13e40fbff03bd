"""A real diverging run in numpy: a one-hidden-layer tanh network trained by minibatch SGD whose
learning rate grows by a constant factor every epoch (the way an over-eager schedule or a learning
rate range test drives a run past its stable step size). Nothing is drawn by hand: every number is
what the training computed.

The run converges for a few epochs, then the steps outgrow the loss surface's curvature: the
training loss (the mean of the epoch's minibatch losses, as Keras and most loops log it) turns up
from its lowest value, the validation loss rises with it, and with a fast enough growth the weights
overflow to inf/NaN (numpy's float32 arithmetic, the default dtype of torch and Keras).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


def _softmax_xent(z: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(probabilities [n, K], per-sample cross-entropy [n], nats) of logits z [n, K] for labels y [n]."""
    with np.errstate(over="ignore", invalid="ignore"):
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        p = e / e.sum(axis=1, keepdims=True)
        logp = z - np.log(e.sum(axis=1, keepdims=True))
    return p, -logp[np.arange(len(y)), y]


def diverging_run(
    epochs: int = 14,
    growth: float = 1.6,
    lr: float = 0.05,
    seed: int = 0,
    classes: int = 4,
    features: int = 10,
    hidden: int = 32,
    n_train: int = 1000,
    n_val: int = 500,
    batch: int = 64,
    spread: float = 1.2,
) -> tuple[list[dict[str, float]], dict[str, list[float]]]:
    """Per-epoch records {epoch, step, loss, accuracy, val_loss, val_accuracy} of a tanh MLP
    (`features` -> `hidden` -> `classes`) on Gaussian class blobs (centres N(0, `spread`) per
    feature, unit noise), trained by SGD with momentum 0.9 at learning rate lr x growth**epoch
    (epoch from 0). `loss`/`accuracy` are the means over the epoch's minibatches before each update
    (nats / fraction); `val_loss`/`val_accuracy` are over `n_val` held-out samples at the epoch's end.
    Also returns per-evaluation facts: `wrong` (validation mistakes, count), `conf_wrong_09`
    (share of mistakes made with confidence > 0.9), `top_share` (share of samples predicted as the
    most predicted class). All float32 arithmetic, so a large enough step overflows to inf/NaN."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(0, spread, size=(classes, features))

    def draw(n: int) -> tuple[np.ndarray, np.ndarray]:
        y = rng.integers(0, classes, size=n)
        return (centers[y] + rng.normal(0, 1.0, size=(n, features))).astype(np.float32), y

    xt, yt = draw(n_train)
    xv, yv = draw(n_val)
    w1 = (rng.normal(0, 1, (features, hidden)) / np.sqrt(features)).astype(np.float32)
    w2 = (rng.normal(0, 1, (hidden, classes)) / np.sqrt(hidden)).astype(np.float32)
    v1, v2 = np.zeros_like(w1), np.zeros_like(w2)
    onehot = np.eye(classes, dtype=np.float32)
    rows: list[dict[str, float]] = []
    facts: dict[str, list[float]] = {"wrong": [], "conf_wrong_09": [], "top_share": []}
    step = 0
    for ep in range(epochs):
        rate = np.float32(lr * growth**ep)
        order = rng.permutation(n_train)
        losses, hits = [], []
        for s in range(0, n_train, batch):
            idx = order[s : s + batch]
            with np.errstate(over="ignore", invalid="ignore"):
                h = np.tanh(xt[idx] @ w1)
                p, ce = _softmax_xent(h @ w2, yt[idx])
                losses.append(float(np.mean(ce)))
                hits.append(float(np.mean(np.argmax(p, axis=1) == yt[idx])))
                g = (p - onehot[yt[idx]]) / len(idx)
                g2 = h.T @ g
                g1 = xt[idx].T @ ((g @ w2.T) * (1 - h * h))
                v1 = np.float32(0.9) * v1 + g1
                v2 = np.float32(0.9) * v2 + g2
                w1 = w1 - rate * v1
                w2 = w2 - rate * v2
            step += 1
        with np.errstate(over="ignore", invalid="ignore"):
            p, ce = _softmax_xent(np.tanh(xv @ w1) @ w2, yv)
        pred = np.argmax(p, axis=1)
        wrong = pred != yv
        rows.append(
            {
                "epoch": ep + 1,
                "step": step,
                "loss": float(np.mean(losses)),
                "accuracy": float(np.mean(hits)),
                "val_loss": float(np.mean(ce)),
                "val_accuracy": float(np.mean(~wrong)),
            }
        )
        facts["wrong"].append(float(np.count_nonzero(wrong)))
        conf = p.max(axis=1)
        facts["conf_wrong_09"].append(float(np.mean(conf[wrong] > 0.9)) if wrong.any() else 0.0)
        facts["top_share"].append(float(np.bincount(pred, minlength=classes).max() / n_val))
    return rows, facts


def write_jsonl(path: Path, rows: list[dict[str, float]]) -> Path:
    """One JSON object per epoch, as a plain training loop writes it (NaN as JSON's NaN token)."""
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path
