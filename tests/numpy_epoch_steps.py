"""A small MLP trained by numpy with minibatch SGD, logged the way a custom PyTorch loop
often logs: one JSONL record per batch with the epoch and the batch index *within* the epoch
(`{"epoch": e, "step": 0..B-1, "loss", "acc"}`; the key may be `iter`, `batch`, or absent), and
one `{"epoch": e, "val_loss", "val_acc"}` record at each epoch's end. The curves are the
training's own. With a share of its training labels random it overfits: it memorises them, the
training loss goes towards zero while the validation loss, after its best, climbs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)


def _forward(w1: np.ndarray, w2: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(hidden ReLU activations (n, h), class probabilities (n, k)) of the MLP."""
    h = np.maximum(x @ w1, 0.0)
    return h, _softmax(h @ w2)


def _score(p: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(mean cross-entropy in nats, accuracy) of probabilities `p` (n, k) on labels `y` (n,)."""
    loss = float(-np.log(np.clip(p[np.arange(len(y)), y], 1e-12, 1.0)).mean())
    return loss, float((p.argmax(1) == y).mean())


def per_batch_records(
    epochs: int = 30,
    n_train: int = 128,
    batch: int = 16,
    k: int = 4,
    d: int = 20,
    hidden: int = 64,
    sep: float = 3.0,
    lr: float = 0.3,
    flip: float = 0.3,
    seed: int = 0,
    step_key: str | None = "step",
) -> list[dict[str, float]]:
    """The records of one training (a one-hidden-layer ReLU MLP), in the order the loop writes
    them. `step_key`: the name of the within-epoch batch index (None: records carry the epoch
    only). `flip`: the share of training labels replaced by random ones (memorising them is what
    overfits; 0: a run that keeps learning)."""
    rng = np.random.default_rng(seed)
    mu = rng.normal(size=(k, d)) * sep / np.sqrt(d)

    def draw(n: int) -> tuple[np.ndarray, np.ndarray]:
        y = rng.integers(0, k, n)
        return mu[y] + rng.normal(size=(n, d)), y

    xt, yt = draw(n_train)
    noisy = rng.random(n_train) < flip
    yt = np.where(noisy, rng.integers(0, k, n_train), yt)
    xv, yv = draw(400)
    w1 = rng.normal(size=(d, hidden)) / np.sqrt(d)
    w2 = rng.normal(size=(hidden, k)) / np.sqrt(hidden)
    out: list[dict[str, float]] = []
    for e in range(epochs):
        order = rng.permutation(n_train)
        for b, a in enumerate(range(0, n_train, batch)):
            idx = order[a : a + batch]
            h, p = _forward(w1, w2, xt[idx])
            loss, acc = _score(p, yt[idx])
            g = p.copy()
            g[np.arange(len(idx)), yt[idx]] -= 1.0
            g /= len(idx)
            gh = (g @ w2.T) * (h > 0)
            w2 -= lr * h.T @ g
            w1 -= lr * xt[idx].T @ gh
            rec: dict[str, float] = {"epoch": e}
            if step_key is not None:
                rec[step_key] = b
            out.append({**rec, "loss": loss, "acc": acc})
        vl, va = _score(_forward(w1, w2, xv)[1], yv)
        out.append({"epoch": e, "val_loss": vl, "val_acc": va})
    return out


def write_jsonl(path: Path, records: list[dict[str, float]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path
