"""A real (tiny) training run in numpy, for tests that need a log written the way a framework
writes it: softmax regression trained by gradient descent on two noisy Gaussian blobs per class.
The numbers are what the training computed, never drawn by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def softmax_regression(
    epochs: int = 8,
    classes: int = 3,
    seed: int = 0,
    lr: float = 0.1,
    eval_fp16: bool = False,
    features: int = 4,
    n_train: int = 480,
    n_val: int = 120,
    spread: float = 1.5,
) -> list[dict[str, float]]:
    """Per epoch: train_loss, train_acc (on the training split), val_loss, val_acc (held-out split);
    losses are mean cross-entropy in nats, accuracies fractions. `eval_fp16` evaluates the held-out
    split the way a half-precision evaluation does: probabilities in float16 and no epsilon in the
    log, so a confident mistake whose probability underflows to 0 makes val_loss infinite.
    Many `features` (most of them noise) beside few `n_train` samples make a run that overfits:
    the training loss keeps falling while the held-out loss turns up."""
    rng = np.random.default_rng(seed)
    n = n_train + n_val
    centers = rng.normal(0, spread, size=(classes, features))
    y = rng.integers(0, classes, size=n)
    x = centers[y] + rng.normal(0, 1.2, size=(n, features))
    xt, yt, xv, yv = x[:n_train], y[:n_train], x[n_train:], y[n_train:]
    w = np.zeros((features, classes))
    b = np.zeros(classes)

    def stats(xs: np.ndarray, ys: np.ndarray, fp16: bool = False) -> tuple[float, float, np.ndarray]:
        z = xs @ w + b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        if fp16:
            with np.errstate(divide="ignore"):
                half = p.astype(np.float16)
                loss = float(-np.log(half[np.arange(len(ys)), ys].astype(np.float64)).mean())
            return loss, float((half.argmax(axis=1) == ys).mean()), p
        loss = float(-np.log(p[np.arange(len(ys)), ys] + 1e-12).mean())
        return loss, float((p.argmax(axis=1) == ys).mean()), p

    out = []
    for _ in range(epochs):
        for i in range(0, len(xt), 32):
            xb, yb = xt[i : i + 32], yt[i : i + 32]
            _, _, p = stats(xb, yb)
            p[np.arange(len(yb)), yb] -= 1
            w -= lr * xb.T @ p / len(yb)
            b -= lr * p.mean(axis=0)
        tl, ta, _ = stats(xt, yt)
        vl, va, _ = stats(xv, yv, eval_fp16)
        out.append({"train_loss": tl, "train_acc": ta, "val_loss": vl, "val_acc": va})
    return out


def keras_csv(path: Path, rows: list[dict[str, float]]) -> Path:
    """Per-epoch rows of tests/numpy_training.py written as a Keras CSVLogger file (floats by repr)."""
    path.write_text(
        "epoch,loss,accuracy,val_loss,val_accuracy\n"
        + "".join(
            f"{e},{r['train_loss']!r},{r['train_acc']!r},{r['val_loss']!r},{r['val_acc']!r}\n"
            for e, r in enumerate(rows)
        )
    )
    return path
