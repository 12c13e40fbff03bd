"""A long per-step run evaluated on a fresh small validation batch at every step, trained by numpy
itself: binary logistic regression by minibatch SGD on balanced classes (50/50), each step's
validation accuracy counted on its own `eval_batch` samples, so it moves on the grid 1/eval_batch
and lands on the same value several steps in a row by chance now and then (never drawn by hand)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def batch_eval_run(
    steps: int,
    seed: int = 0,
    eval_batch: int = 32,
    batch: int = 32,
    lr: float = 0.05,
    features: int = 20,
    flip: float = 0.0,
    every: int = 1,
    score_noise: float = 0.4,
) -> dict[str, np.ndarray]:
    """Per step: `train_loss` (the minibatch's mean cross-entropy before the update, nats),
    `val_loss` and `val_acc` (mean cross-entropy in nats and fraction right on a fresh batch of
    `eval_batch` validation samples, after the update). Labels are the sign of a fixed linear score
    plus `score_noise` times its scale (at 0.4, about 12 % of them on the wrong side), classes
    balanced; with `flip`, that share of labels (training and validation) is then swapped whatever
    the sample, so some mistakes sit far on the wrong side and cost many nats: a heavy upper tail
    of a batch's mean loss. Arrays of length `steps`; with `every` > 1 only every `every`-th step is
    kept (length steps // every, each with that step's training loss)."""
    rng = np.random.default_rng(seed)
    w_true = rng.normal(size=features)

    def draw(shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        x = rng.normal(size=(*shape, features))
        score = x @ w_true + score_noise * np.linalg.norm(w_true) * rng.normal(size=shape)
        y = (score > 0).astype(np.float64)
        if flip > 0:
            y = np.where(rng.random(shape) < flip, 1.0 - y, y)
        return x, y

    w = np.zeros(features)
    b = 0.0
    ws = np.empty((steps, features))
    bs = np.empty(steps)
    train_loss = np.empty(steps)
    block = 2000
    for s0 in range(0, steps, block):
        c = min(block, steps - s0)
        xx, yy = draw((c, batch))
        for j in range(c):
            z = xx[j] @ w + b
            p = 1.0 / (1.0 + np.exp(-z))
            # cross-entropy from the logits: log(1 + e^z) - y z
            train_loss[s0 + j] = float(np.mean(np.logaddexp(0.0, z) - yy[j] * z))
            g = (p - yy[j]) / batch
            w -= lr * (xx[j].T @ g)
            b -= lr * float(g.sum())
            ws[s0 + j], bs[s0 + j] = w, b
    val_loss = np.empty(steps)
    val_acc = np.empty(steps)
    for s0 in range(0, steps, block):
        c = min(block, steps - s0)
        xv, yv = draw((c, eval_batch))
        z = np.einsum("sbf,sf->sb", xv, ws[s0 : s0 + c]) + bs[s0 : s0 + c, None]
        val_loss[s0 : s0 + c] = np.mean(np.logaddexp(0.0, z) - yv * z, axis=1)
        val_acc[s0 : s0 + c] = np.mean((z > 0) == (yv > 0.5), axis=1)
    keep = slice(every - 1, None, every)
    return {"train_loss": train_loss[keep], "val_loss": val_loss[keep], "val_acc": val_acc[keep]}


def write_jsonl(path: Path, run: dict[str, np.ndarray]) -> Path:
    """One JSON line per step: step, train_loss, val_loss, val_acc (full precision)."""
    n = len(run["val_acc"])
    t, v, a = (run[k].tolist() for k in ("train_loss", "val_loss", "val_acc"))
    lines = [
        f'{{"step": {s}, "train_loss": {t[s]!r}, "val_loss": {v[s]!r}, "val_acc": {a[s]!r}}}'
        for s in range(n)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path
