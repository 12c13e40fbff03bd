"""Softmax regression trained by numpy minibatch SGD on Gaussian classes with an objective other
than a mean cross-entropy, logged the way the training loop computes it (tester 21's recipes):

- "sum": cross-entropy summed over each batch of 32 (torch `reduction='sum'`), the logged loss the
  mean over batches of those sums (32x a mean);
- "focal": focal loss -(1 - p)^2 ln p per sample, averaged (a mistake near the threshold costs less
  than ln 2 in it);
- "l2": mean cross-entropy plus wd * sum(w^2), the penalty added to the loss the loop minimises and
  logs for both splits (tester 22's `aux_wd`: a regulariser added to "the loss");
- "pos_weight": two classes, the positive one's cross-entropy weighted by `pos_weight` and averaged over
  the samples (torch `BCEWithLogitsLoss(pos_weight=)` on the logit difference; tester 21's `bcepw_imb`);
- "mean": plain mean cross-entropy (the control).

`facts`, when given a list, receives each epoch's per-sample truth of the validation split: accuracy,
the share of the logged loss its mistakes and its right answers carry, the mean confidence, and the
term added to the loss (`added`, nats).

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


def _per_sample(p: np.ndarray, y: np.ndarray, objective: str, pos_weight: float = 1.0) -> np.ndarray:
    """The objective's loss of each sample (nats for cross-entropy), [n]."""
    pt = np.clip(p[np.arange(len(y)), y], 1e-12, 1.0)
    if objective == "focal":
        return -((1 - pt) ** 2) * np.log(pt)
    if objective == "pos_weight":
        return -np.where(y == 1, pos_weight, 1.0) * np.log(pt)
    return -np.log(pt)


def _grad_logits(p: np.ndarray, y: np.ndarray, objective: str, pos_weight: float = 1.0) -> np.ndarray:
    """d(per-sample loss)/d(logits), [n, K]."""
    onehot = np.zeros_like(p)
    onehot[np.arange(len(y)), y] = 1.0
    g = p - onehot  # cross-entropy's
    if objective == "focal":
        pt = np.clip(p[np.arange(len(y)), y], 1e-12, 1.0)
        # d/dz of -(1-pt)^2 ln pt = [(1-pt)^2 - 2 (1-pt) pt ln pt] * d(-ln pt)/dz
        g = g * ((1 - pt) ** 2 - 2 * (1 - pt) * pt * np.log(pt))[:, None]
    if objective == "pos_weight":
        g = g * np.where(y == 1, pos_weight, 1.0)[:, None]
    return g


def _logged(p: np.ndarray, y: np.ndarray, objective: str, pos_weight: float = 1.0) -> float:
    """The loss as the loop logs it: the mean over batches of each batch's reduction."""
    ps = _per_sample(p, y, objective, pos_weight)
    if objective == "sum":
        return float(np.mean([ps[i : i + BATCH].sum() for i in range(0, len(y), BATCH)]))
    return float(ps.mean())


def _facts(p: np.ndarray, y: np.ndarray, logged: float, ps: np.ndarray) -> dict[str, float]:
    """Per-sample truth of one evaluation: accuracy, the shares of the logged loss (`logged`, nats a
    sample) the mistakes and the right answers carry (their per-sample losses `ps`; the rest of it
    is an added term), mean confidence (top-class probability)."""
    right = p.argmax(1) == y
    total = logged * len(y)
    return {
        "acc": float(right.mean()),
        "wrong_share": float(ps[~right].sum() / total),
        "right_share": float(ps[right].sum() / total),
        "mean_conf": float(p.max(1).mean()),
    }


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
    wd: float = 0.0,
    positive: float = 0.5,
    pos_weight: float = 1.0,
    facts: list[dict[str, float]] | None = None,
) -> Path:
    """Train and write one JSONL record per epoch (epoch, train_loss, train_acc, val_loss, val_acc)
    to `path`; returns it. `wd`: the "l2" penalty's weight; `positive`: the share of class 1 with
    `pos_weight` (its classes are then 2, whatever `classes` says)."""
    rng = np.random.default_rng(seed)
    n = n_train + n_val
    classes = 2 if objective == "pos_weight" else classes
    centers = rng.normal(0, spread, size=(classes, features))
    if objective == "pos_weight":
        y = (rng.random(n) < positive).astype(int)
    else:
        y = rng.integers(0, classes, size=n)
    x = centers[y] + rng.normal(0, 1.5, size=(n, features))
    xt, yt, xv, yv = x[:n_train], y[:n_train], x[n_train:], y[n_train:]
    w, b = np.zeros((features, classes)), np.zeros(classes)
    with path.open("w") as f:
        for epoch in range(epochs):
            for i in range(0, n_train, BATCH):
                xb, yb = xt[i : i + BATCH], yt[i : i + BATCH]
                g = _grad_logits(_probs(xb, w, b), yb, objective, pos_weight)
                scale = 1.0 if objective == "sum" else 1.0 / len(yb)  # (a sum's gradient is not averaged)
                w -= lr * (scale * xb.T @ g + 2.0 * wd * w)
                b -= lr * scale * g.sum(axis=0)
            pt, pv = _probs(xt, w, b), _probs(xv, w, b)
            penalty = wd * float((w**2).sum())  # (0 unless "l2": the term the loop adds to both losses)
            val_loss = _logged(pv, yv, objective, pos_weight) + penalty
            rec = {
                "epoch": epoch,
                "train_loss": _logged(pt, yt, objective, pos_weight) + penalty,
                "train_acc": float((pt.argmax(1) == yt).mean()),
                "val_loss": val_loss,
                "val_acc": float((pv.argmax(1) == yv).mean()),
            }
            f.write(json.dumps(rec) + "\n")
            if facts is not None:
                facts.append(_facts(pv, yv, val_loss, _per_sample(pv, yv, objective, pos_weight)))
                facts[-1]["added"] = penalty
    return path
