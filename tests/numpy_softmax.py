"""Softmax classifiers trained by numpy on Gaussian classes, with the per-sample facts of every
evaluation (which class each sample is predicted as), for the one-class / chance readings of #9.
The curves are the training's own (never drawn):

- `step_run`: per-step SGD (batch 32), scored every `every` steps on a validation batch of `vb`
  samples, the same batch every time (`fixed`) or a fresh one; a Lightning-style step CSV;
- `epoch_run`: minibatch SGD over epochs on labels whose majority share is `imb` (0: balanced) and
  whose inputs carry `signal` (0: none), scored on the whole training and validation sets after
  each epoch; a Keras-style CSV."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass
class Facts:
    """Per evaluation: accuracy, the share of samples predicted as the most predicted class, the
    share of the most frequent label, and the share of the loss the misclassified samples carry
    (fractions)."""

    acc: list[float] = field(default_factory=list)
    pred_major: list[float] = field(default_factory=list)
    majority: list[float] = field(default_factory=list)
    wrong_loss: list[float] = field(default_factory=list)

    def add(self, probs: np.ndarray, y: np.ndarray, k: int) -> tuple[float, float]:
        """Record one evaluation of probabilities `probs` (n, k) on labels `y` (n,); returns
        (accuracy, mean cross-entropy in nats)."""
        pred = probs.argmax(1)
        ce = -np.log(np.clip(probs[np.arange(len(y)), y], 1e-12, 1.0))
        loss = float(ce.mean())
        self.wrong_loss.append(float(ce[pred != y].sum() / ce.sum()) if ce.sum() > 0 else 0.0)
        acc = float((pred == y).mean())
        self.acc.append(acc)
        self.pred_major.append(float(np.bincount(pred, minlength=k).max() / len(y)))
        self.majority.append(float(np.bincount(y, minlength=k).max() / len(y)))
        return acc, loss


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)


def _classes(rng: np.random.Generator, k: int, d: int, sep: float) -> np.ndarray:
    return rng.normal(size=(k, d)) * sep / np.sqrt(d)


def _draw(
    rng: np.random.Generator, mu: np.ndarray, n: int, imb: float, signal: float
) -> tuple[np.ndarray, np.ndarray]:
    k, d = mu.shape
    p = np.full(k, 1.0 / k)
    if imb > 0:
        p = np.full(k, (1 - imb) / (k - 1))
        p[0] = imb
    y = rng.choice(k, size=n, p=p)
    return rng.normal(size=(n, d)) + signal * mu[y], y


def step_run(
    path: Path,
    k: int,
    steps: int = 4000,
    every: int = 20,
    vb: int = 32,
    fixed: bool = True,
    seed: int = 0,
    sep: float = 2.0,
    lr: float = 0.05,
    d: int = 20,
    imb: float = 0.0,
    signal: float = 1.0,
) -> Facts:
    """Write `path` (step,train_loss,train_acc,val_loss,val_acc; full float precision) for a linear
    softmax model on `k` Gaussian classes (2,000 training and 1,000 validation samples; majority
    share `imb`, 0: balanced; inputs carrying `signal`, 0: none); returns the facts of each
    validation evaluation."""
    rng = np.random.default_rng(seed)
    mu = _classes(rng, k, d, sep)
    x, y = _draw(rng, mu, 2000, imb, signal)
    xv, yv = _draw(rng, mu, 1000, imb, signal)
    w, b = rng.normal(size=(d, k)) * 0.01, np.zeros(k)
    fixed_idx = rng.choice(len(yv), vb, replace=False)
    onehot = np.eye(k)[y]
    facts = Facts()
    lines = ["step,train_loss,train_acc,val_loss,val_acc"]
    for s in range(1, steps + 1):
        i = rng.integers(0, len(y), 32)
        p = _softmax(x[i] @ w + b)
        g = (p - onehot[i]) / 32
        w -= lr * x[i].T @ g
        b -= lr * g.sum(0)
        tl = float(-np.log(np.clip(p[np.arange(32), y[i]], 1e-12, 1)).mean())
        ta = float((p.argmax(1) == y[i]).mean())
        if s % every == 0:
            j = fixed_idx if fixed else rng.choice(len(yv), vb, replace=False)
            va, vl = facts.add(_softmax(xv[j] @ w + b), yv[j], k)
            lines.append(f"{s},{tl!r},{ta!r},{vl!r},{va!r}")
        else:
            lines.append(f"{s},{tl!r},{ta!r},,")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return facts


def epoch_run(
    path: Path,
    k: int,
    epochs: int = 30,
    imb: float = 0.0,
    signal: float = 1.0,
    seed: int = 0,
    n_train: int = 400,
    n_val: int = 300,
    lr: float = 0.1,
    d: int = 10,
    sep: float = 2.0,
    hidden: int = 0,
    shift: float = 0.0,
    val_shuffled: float = 0.0,
) -> Facts:
    """Write `path` (epoch,accuracy,loss,val_accuracy,val_loss; full float precision, as Keras'
    CSVLogger) for a softmax model (linear, or with one ReLU layer of `hidden` units) trained by
    minibatch SGD (batch 32); the validation inputs are moved by one random vector of scale `shift`
    (a covariate shift; 0: none); a share `val_shuffled` of the validation labels is drawn anew at
    random (labels shuffled apart from their inputs). Returns the facts of each validation evaluation."""
    rng = np.random.default_rng(seed)
    mu = _classes(rng, k, d, sep)
    x, y = _draw(rng, mu, n_train, imb, signal)
    xv, yv = _draw(rng, mu, n_val, imb, signal)
    if shift:
        xv = xv + shift * rng.normal(size=d)
    if val_shuffled:
        m = rng.random(len(yv)) < val_shuffled
        yv = yv.copy()
        yv[m] = rng.integers(0, k, int(m.sum()))
    h = hidden or d
    w1 = rng.normal(size=(d, h)) * np.sqrt(2 / d) if hidden else np.eye(d)
    b1 = np.zeros(h)
    w, b = rng.normal(size=(h, k)) * 0.01, np.zeros(k)

    def feats(a: np.ndarray) -> np.ndarray:
        return np.maximum(a @ w1 + b1, 0.0) if hidden else a

    facts, train = Facts(), Facts()
    lines = ["epoch,accuracy,loss,val_accuracy,val_loss"]
    for e in range(epochs):
        perm = rng.permutation(len(y))
        for a in range(0, len(y), 32):
            i = perm[a : a + 32]
            hi = feats(x[i])
            g = (_softmax(hi @ w + b) - np.eye(k)[y[i]]) / len(i)
            if hidden:
                gh = (g @ w.T) * (hi > 0)
                w1 -= lr * x[i].T @ gh
                b1 -= lr * gh.sum(0)
            w -= lr * hi.T @ g
            b -= lr * g.sum(0)
        ta, tl = train.add(_softmax(feats(x) @ w + b), y, k)
        va, vl = facts.add(_softmax(feats(xv) @ w + b), yv, k)
        lines.append(f"{e},{ta!r},{tl!r},{va!r},{vl!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return facts
