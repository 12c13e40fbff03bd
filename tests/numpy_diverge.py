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
from itertools import pairwise
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


def _act(z: np.ndarray, act: str) -> np.ndarray:
    """The hidden activation: tanh, or relu (max(z, 0))."""
    return np.tanh(z) if act == "tanh" else np.maximum(z, np.float32(0))


def _forward(params: list[np.ndarray], x: np.ndarray, act: str) -> list[np.ndarray]:
    """Activations of every layer, input first and logits last ([w, b] pairs in `params`)."""
    out = [x]
    for k in range(0, len(params), 2):
        z = out[-1] @ params[k] + params[k + 1]
        out.append(z if k + 2 == len(params) else _act(z, act))
    return out


def _backward(params: list[np.ndarray], acts: list[np.ndarray], g: np.ndarray, act: str) -> list[np.ndarray]:
    """Gradients of the mean loss for `params`, from g = dloss/dlogits ([n, K], already / n)."""
    grads: list[np.ndarray] = [np.empty(0)] * len(params)
    for k in range(len(params) - 2, -1, -2):
        h = acts[k // 2]
        grads[k], grads[k + 1] = h.T @ g, g.sum(axis=0)
        if k:
            g = (g @ params[k].T) * (1 - h * h if act == "tanh" else h > 0)
    return grads


def diverging_run(
    epochs: int = 14,
    growth: float = 1.6,
    lr: float = 0.05,
    seed: int = 0,
    classes: int = 4,
    features: int = 10,
    hidden: tuple[int, ...] = (32,),
    n_train: int = 1000,
    n_val: int = 500,
    batch: int = 64,
    spread: float = 1.2,
    act: str = "tanh",
    batches: list[dict[str, float]] | None = None,
) -> tuple[list[dict[str, float]], dict[str, list[float]]]:
    """Per-epoch records {epoch, step, loss, accuracy, val_loss, val_accuracy} of an MLP
    (`features` -> `hidden` layers -> `classes`, weights and biases drawn as torch's nn.Linear draws
    them, U(+-1/sqrt(fan_in)); hidden activation `act`: "tanh", or "relu", whose units die under
    large steps and can leave one class predicted for every sample) on Gaussian class blobs
    (centres N(0, `spread`) per feature, unit noise), trained by SGD with momentum 0.9 at learning
    rate lr x growth**epoch (epoch from 0). `loss`/`accuracy` are the means over the epoch's
    minibatches before each update (nats / fraction); `val_loss`/`val_accuracy` are over `n_val`
    held-out samples at the epoch's end. Also returns per-evaluation facts: `wrong` (validation
    mistakes, count), `conf_wrong_09` (share of mistakes made with confidence > 0.9), `top_share`
    (share of samples predicted as the most predicted class). All float32 arithmetic, so a large
    enough step overflows to inf/NaN. `batches`, when given, receives one record per step as a
    per-step logger writes it: {epoch (fractional: steps done / steps an epoch), step, loss (that
    minibatch's mean, nats)}."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(0, spread, size=(classes, features))

    def draw(n: int) -> tuple[np.ndarray, np.ndarray]:
        y = rng.integers(0, classes, size=n)
        return (centers[y] + rng.normal(0, 1.0, size=(n, features))).astype(np.float32), y

    xt, yt = draw(n_train)
    xv, yv = draw(n_val)
    sizes = [features, *hidden, classes]
    params: list[np.ndarray] = []
    for fan_in, fan_out in pairwise(sizes):
        bound = 1 / np.sqrt(fan_in)
        params += [
            rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32),
            rng.uniform(-bound, bound, fan_out).astype(np.float32),
        ]
    vel = [np.zeros_like(q) for q in params]
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
                acts = _forward(params, xt[idx], act)
                p, ce = _softmax_xent(acts[-1], yt[idx])
                losses.append(float(np.mean(ce)))
                hits.append(float(np.mean(np.argmax(p, axis=1) == yt[idx])))
                grads = _backward(params, acts, (p - onehot[yt[idx]]) / len(idx), act)
                vel = [np.float32(0.9) * m + q for m, q in zip(vel, grads, strict=True)]
                params = [q - rate * m for q, m in zip(params, vel, strict=True)]
            step += 1
            if batches is not None:
                per_epoch = -(-n_train // batch)
                batches.append({"epoch": round(step / per_epoch, 4), "step": step, "loss": losses[-1]})
        with np.errstate(over="ignore", invalid="ignore"):
            p, ce = _softmax_xent(_forward(params, xv, act)[-1], yv)
        pred = np.argmax(p, axis=1)
        wrong = pred != yv
        with np.errstate(over="ignore", invalid="ignore"):  # (means over values that overflowed)
            epoch_loss, val_loss = float(np.mean(losses)), float(np.mean(ce))
        rows.append(
            {
                "epoch": ep + 1,
                "step": step,
                "loss": epoch_loss,
                "accuracy": float(np.mean(hits)),
                "val_loss": val_loss,
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
