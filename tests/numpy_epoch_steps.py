"""A small MLP trained by numpy with minibatch SGD, logged the way a custom PyTorch loop
often logs: one JSONL record per batch with the epoch and the batch index *within* the epoch
(`{"epoch": e, "step": 0..B-1, "loss", "acc"}`; the key may be `iter`, `batch`, or absent), and
one `{"epoch": e, "val_loss", "val_acc"}` record at each epoch's end (`per_batch_records`); or
Keras-like per-epoch records, from scratch or resumed from a checkpoint (`per_epoch_records`).
The curves are the training's own. With a share of its training labels random it overfits: it
memorises them, the training loss goes towards zero while the validation loss, after its best,
climbs."""

from __future__ import annotations

import json
from dataclasses import dataclass
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


@dataclass
class Checkpoint:
    """The MLP's weights and its data after some epochs (what a resumed job loads)."""

    w1: np.ndarray
    w2: np.ndarray
    data: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    rng: np.random.Generator


def per_epoch_records(
    epochs: range, ckpt: Checkpoint | None = None, lr: float = 0.3, seed: int = 0
) -> tuple[list[dict[str, float]], dict[int, Checkpoint]]:
    """Keras-like per-epoch records (`epoch, accuracy, loss, val_accuracy, val_loss`) of the same
    MLP as `per_batch_records` (30 % of its training labels random), trained over `epochs`, from
    scratch or from `ckpt`; returns them and the checkpoint saved after each epoch."""
    if ckpt is None:
        rng = np.random.default_rng(seed)
        k, d, hidden = 4, 20, 64
        mu = rng.normal(size=(k, d)) * 3.0 / np.sqrt(d)
        yt = rng.integers(0, k, 128)
        xt = mu[yt] + rng.normal(size=(128, d))
        yt = np.where(rng.random(128) < 0.3, rng.integers(0, k, 128), yt)
        yv = rng.integers(0, k, 400)
        xv = mu[yv] + rng.normal(size=(400, d))
        ckpt = Checkpoint(
            rng.normal(size=(d, hidden)) / np.sqrt(d),
            rng.normal(size=(hidden, k)) / np.sqrt(hidden),
            (xt, yt, xv, yv),
            rng,
        )
    w1, w2, rng = ckpt.w1.copy(), ckpt.w2.copy(), ckpt.rng
    xt, yt, xv, yv = ckpt.data
    out: list[dict[str, float]] = []
    saved: dict[int, Checkpoint] = {}
    for e in epochs:
        order = rng.permutation(len(yt))
        for a in range(0, len(yt), 16):
            idx = order[a : a + 16]
            h, p = _forward(w1, w2, xt[idx])
            g = p.copy()
            g[np.arange(len(idx)), yt[idx]] -= 1.0
            g /= len(idx)
            gh = (g @ w2.T) * (h > 0)
            w2 -= lr * h.T @ g
            w1 -= lr * xt[idx].T @ gh
        tl, ta = _score(_forward(w1, w2, xt)[1], yt)
        vl, va = _score(_forward(w1, w2, xv)[1], yv)
        out.append({"epoch": e, "accuracy": ta, "loss": tl, "val_accuracy": va, "val_loss": vl})
        saved[e] = Checkpoint(w1.copy(), w2.copy(), ckpt.data, np.random.default_rng(seed + 1 + e))
    return out, saved
