"""A per-step run evaluated on one FIXED small validation set, trained by numpy itself, with the
per-sample truth of every evaluation: softmax regression on Gaussian classes by minibatch SGD on
fresh training draws, and every `every` steps the same `n_val` validation samples scored. The truth
says what share of the validation loss the misclassified samples carry (never drawn by hand)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


def fixed_eval_run(
    steps: int,
    seed: int = 0,
    classes: int = 3,
    n_val: int = 48,
    every: int = 20,
    features: int = 20,
    spread: float = 2.0,
    lr: float = 0.05,
    batch: int = 32,
    lr_from: tuple[int, float] | None = None,
) -> tuple[list[dict[str, float]], list[dict[str, float]]]:
    """(rows, truth). rows: one dict per step with `step` and `train_loss` (the minibatch's mean
    cross-entropy before the update, nats), plus `val_loss` (mean cross-entropy, nats) and `val_acc`
    (fraction right) on the fixed validation set every `every` steps. truth: per evaluation,
    `step`, `n_wrong` and `wrong_loss_share` (the misclassified samples' share of the summed loss).
    With `lr_from` = (step, rate) the learning rate is that rate from that step on (a schedule gone
    wrong: a rate far too high makes the run diverge)."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(classes, features)) * spread / np.sqrt(features)

    def draw(n: int) -> tuple[np.ndarray, np.ndarray]:
        y = rng.integers(0, classes, n)
        return rng.normal(size=(n, features)) + centers[y], y

    def log_probs(x: np.ndarray) -> np.ndarray:
        z = x @ w + b
        z -= z.max(axis=1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=1, keepdims=True))

    xv, yv = draw(n_val)
    w = np.zeros((features, classes))
    b = np.zeros(classes)
    rows: list[dict[str, float]] = []
    truth: list[dict[str, float]] = []
    for s in range(1, steps + 1):
        x, y = draw(batch)
        lp = log_probs(x)
        row: dict[str, float] = {"step": s, "train_loss": float(-lp[np.arange(batch), y].mean())}
        g = (np.exp(lp) - np.eye(classes)[y]) / batch
        rate = lr if lr_from is None or s < lr_from[0] else lr_from[1]
        w -= rate * x.T @ g
        b -= rate * g.sum(axis=0)
        if s % every == 0:
            lp = log_probs(xv)
            ce = -lp[np.arange(n_val), yv]
            wrong = lp.argmax(axis=1) != yv
            row.update(val_loss=float(ce.mean()), val_acc=float(1.0 - wrong.mean()))
            share = float(ce[wrong].sum() / ce.sum()) if ce.sum() > 0 else float("nan")
            truth.append({"step": s, "n_wrong": int(wrong.sum()), "wrong_loss_share": share})
        rows.append(row)
    return rows, truth


def write_jsonl(path: Path, rows: list[dict[str, float]]) -> Path:
    """One JSON line per row (full precision)."""
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path
