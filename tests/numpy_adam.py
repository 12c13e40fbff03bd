"""A one-hidden-layer ReLU network trained by numpy itself with Adam and L2 weight decay, logged the
way Keras' CSVLogger logs it: the training loss and accuracy of an epoch are the means over that
epoch's minibatches (the first epoch's mean holds the untrained model's losses), the validation
loss and accuracy those of the model at the epoch's end on a fixed validation set. The per-sample
validation losses of every epoch come back beside the log (never drawn by hand)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def adam_mlp_run(
    seed: int = 0,
    classes: int = 3,
    n_train: int = 200,
    n_val: int = 300,
    features: int = 20,
    hidden: int = 128,
    epochs: int = 60,
    lr: float = 0.01,
    wd: float = 0.05,
    sep: float = 1.2,
    batch: int = 32,
    label_noise: float = 0.1,
    majority: float | None = None,
    kill_at: int | None = None,
    evals_per_epoch: int = 1,
    lr_zero_from: int | None = None,
) -> tuple[list[dict[str, float]], dict[str, np.ndarray]]:
    """(rows, truth). rows: per epoch `loss`, `accuracy` (means over the epoch's minibatches,
    nats / fractions), `val_loss`, `val_accuracy` (the model at the epoch's end on the fixed
    validation set). truth: `losses`, shape (epochs, n_val), each validation sample's cross-entropy
    (nats); `one_class`, shape (epochs,), the share of validation samples predicted as the class
    predicted most; `right`, shape (epochs, n_val), whether each was classified right.
    `label_noise`: the share of labels (both splits) moved to another class, drawn uniformly.
    `majority`: class 0's share (the rest share the others equally); None: balanced. `kill_at`: at
    the start of that epoch every hidden unit's bias drops by 100 (one destructive step), which
    switches every ReLU off: only the output bias learns after it, so the network predicts one
    class for every sample (a collapse to the majority class). `evals_per_epoch`: evaluations per
    epoch, each row then at a fractional `epoch` (its training loss and accuracy the means over the
    minibatches since the evaluation before). `lr_zero_from`: from that epoch on the learning rate is
    0 (a schedule that ends there); each row then carries the epoch's `lr`."""
    rng = np.random.default_rng(seed)
    means = rng.normal(0, 1, (classes, features)) * sep / np.sqrt(2)

    def draw(n: int) -> tuple[np.ndarray, np.ndarray]:
        share = np.full(classes, 1 / classes)
        if majority is not None:
            share = np.r_[majority, np.full(classes - 1, (1 - majority) / (classes - 1))]
        y = rng.choice(classes, n, p=share)
        return means[y] + rng.normal(0, 1, (n, features)), y

    def noisy(y: np.ndarray) -> np.ndarray:  # (a label moved to one of the other classes)
        y = y.copy()
        flip = rng.random(len(y)) < label_noise
        y[flip] = (y[flip] + rng.integers(1, classes, int(flip.sum()))) % classes
        return y

    (xt, yt), (xv, yv) = draw(n_train), draw(n_val)
    yt, yv = noisy(yt), noisy(yv)
    params = [
        rng.normal(0, np.sqrt(2 / features), (features, hidden)),
        np.zeros(hidden),
        rng.normal(0, np.sqrt(1 / hidden), (hidden, classes)),
        np.zeros(classes),
    ]
    m = [np.zeros_like(q) for q in params]
    v = [np.zeros_like(q) for q in params]

    def forward(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        h = np.maximum(0.0, x @ params[0] + params[1])
        z = h @ params[2] + params[3]
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        return h, p / p.sum(axis=1, keepdims=True)

    rows: list[dict[str, float]] = []
    n_rows = epochs * evals_per_epoch
    val_losses = np.zeros((n_rows, n_val))
    one_class = np.zeros(n_rows)
    right = np.zeros((n_rows, n_val), dtype=bool)
    starts = list(range(0, n_train, batch))
    ends = {starts[(c + 1) * len(starts) // evals_per_epoch - 1]: c for c in range(evals_per_epoch)}
    t = 0
    for e in range(epochs):
        if e == kill_at:
            params[1] -= 100.0
        lr_e = 0.0 if lr_zero_from is not None and e >= lr_zero_from else lr
        order = rng.permutation(n_train)
        bl, ba = [], []
        for k in starts:
            i = order[k : k + batch]
            x, y = xt[i], yt[i]
            h, p = forward(x)
            bl.append(float(-np.log(p[np.arange(len(y)), y] + 1e-12).mean()))
            ba.append(float((p.argmax(axis=1) == y).mean()))
            g = p.copy()
            g[np.arange(len(y)), y] -= 1.0
            g /= len(y)
            gh = (g @ params[2].T) * (h > 0)
            grads = [x.T @ gh + wd * params[0], gh.sum(0), h.T @ g + wd * params[2], g.sum(0)]
            t += 1
            for q, gq, mq, vq in zip(params, grads, m, v, strict=True):
                mq *= 0.9
                mq += 0.1 * gq
                vq *= 0.999
                vq += 0.001 * gq * gq
                q -= lr_e * (mq / (1 - 0.9**t)) / (np.sqrt(vq / (1 - 0.999**t)) + 1e-8)
            if k not in ends:
                continue
            r = len(rows)
            _, p = forward(xv)
            ce = -np.log(np.clip(p[np.arange(n_val), yv], 1e-300, None))
            val_losses[r] = ce
            pred = p.argmax(axis=1)
            one_class[r] = np.bincount(pred, minlength=classes).max() / n_val
            right[r] = pred == yv
            rows.append(
                {
                    "epoch": e + (ends[k] + 1) / evals_per_epoch if evals_per_epoch > 1 else float(e),
                    "loss": float(np.mean(bl)),
                    "accuracy": float(np.mean(ba)),
                    "val_loss": float(ce.mean()),
                    "val_accuracy": float((pred == yv).mean()),
                }
            )
            if lr_zero_from is not None:
                rows[-1]["lr"] = lr_e
            bl, ba = [], []
    return rows, {"losses": val_losses, "one_class": one_class, "right": right}


def write_keras_csv(path: Path, rows: list[dict[str, float]]) -> Path:
    """The rows as a Keras CSVLogger file (0-based epochs, fractional ones to 6 significant digits;
    six decimals as Keras prints float32)."""
    path.write_text(
        "epoch,accuracy,loss,val_accuracy,val_loss\n"
        + "".join(
            f"{r['epoch']:.6g},{r['accuracy']:.6f},{r['loss']:.6f},{r['val_accuracy']:.6f},{r['val_loss']:.6f}\n"
            for r in rows
        )
    )
    return path
