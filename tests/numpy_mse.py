"""A real (tiny) training run in numpy with a mean-squared-error loss on one-hot targets, logged
beside the accuracy of the same outputs: a one-hidden-layer ReLU network trained by minibatch
gradient descent on noisy Gaussian blobs, as a loop that compiled MSE where cross-entropy was meant
would log it (tester 19's `bad/mse`). The numbers are what the training computed."""

from __future__ import annotations

import numpy as np


def mse_rows(
    epochs: int = 12,
    classes: int = 10,
    seed: int = 0,
    lr: float = 0.5,
    spread: float = 1.3,
    features: int = 16,
    hidden: int = 32,
    n_train: int = 1200,
    n_val: int = 540,
) -> list[dict[str, float]]:
    """Per epoch: train_loss and val_loss (mean over samples and classes of (output - one-hot)^2),
    train_acc and val_acc (fractions, argmax of the outputs)."""
    rng = np.random.default_rng(seed)
    n = n_train + n_val
    centers = rng.normal(0, spread, size=(classes, features))
    y = rng.integers(0, classes, size=n)
    x = centers[y] + rng.normal(0, 1.0, size=(n, features))
    xt, yt, xv, yv = x[:n_train], y[:n_train], x[n_train:], y[n_train:]
    w1 = rng.normal(0, 1 / np.sqrt(features), (features, hidden))
    b1 = np.zeros(hidden)
    w2 = rng.normal(0, 1 / np.sqrt(hidden), (hidden, classes))
    b2 = np.zeros(classes)
    eye = np.eye(classes)
    rows: list[dict[str, float]] = []
    for _ in range(epochs):
        perm = rng.permutation(n_train)
        total = right = 0.0
        for i in range(0, n_train, 32):
            b = perm[i : i + 32]
            h = np.maximum(xt[b] @ w1 + b1, 0)
            out = h @ w2 + b2
            t = eye[yt[b]]
            total += float(((out - t) ** 2).mean()) * len(b)
            right += float((out.argmax(1) == yt[b]).sum())
            g = 2 * (out - t) / out.size  # d mean((out - t)^2) / d out
            gh = (g @ w2.T) * (h > 0)
            w2 -= lr * h.T @ g
            b2 -= lr * g.sum(0)
            w1 -= lr * xt[b].T @ gh
            b1 -= lr * gh.sum(0)
        out = np.maximum(xv @ w1 + b1, 0) @ w2 + b2
        rows.append(
            {
                "train_loss": total / n_train,
                "train_acc": right / n_train,
                "val_loss": float(((out - eye[yv]) ** 2).mean()),
                "val_acc": float((out.argmax(1) == yv).mean()),
            }
        )
    return rows
