"""The numpy models behind the demo logs and the mini-batch loop that trains them.

A dense ReLU network (softmax regression when it has no hidden layer), mean cross-entropy,
SGD with momentum and Adam, and ``fit``, which records every step and epoch the way
frameworks report them.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from data import F32, Data

# ---------------------------------------------------------------------------------------------
# Model, loss and optimisers
# ---------------------------------------------------------------------------------------------


class MLP:
    """Dense ReLU network with a linear output layer (softmax regression when no hidden layer)."""

    def __init__(self, sizes: Sequence[int], rng: np.random.Generator, init_scale: float = 1.0) -> None:
        self.sizes = list(sizes)
        self.params: list[np.ndarray] = []
        for fan_in, fan_out in itertools.pairwise(sizes):
            w = rng.standard_normal((fan_in, fan_out)) * math.sqrt(2.0 / fan_in) * init_scale
            self.params += [w.astype(F32), np.zeros(fan_out, F32)]

    @property
    def n_params(self) -> int:
        return int(sum(p.size for p in self.params))

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """Logits and the layer inputs needed by ``backward``."""
        acts = [x]
        h = x
        n_layers = len(self.params) // 2
        with np.errstate(all="ignore"):
            for i in range(n_layers):
                h = h @ self.params[2 * i] + self.params[2 * i + 1]
                if i < n_layers - 1:
                    h = np.maximum(h, 0)
                    acts.append(h)
        return h, acts

    def backward(self, acts: list[np.ndarray], dlogits: np.ndarray) -> list[np.ndarray]:
        """Gradients of the loss for every parameter, given d(loss)/d(logits)."""
        n_layers = len(self.params) // 2
        grads: list[np.ndarray] = [np.empty(0, F32)] * len(self.params)
        dz = dlogits
        with np.errstate(all="ignore"):
            for i in reversed(range(n_layers)):
                grads[2 * i] = acts[i].T @ dz
                grads[2 * i + 1] = dz.sum(0)
                if i > 0:
                    dz = (dz @ self.params[2 * i].T) * (acts[i] > 0)
        return grads


def log_softmax(z: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        s = z - z.max(1, keepdims=True)
        return s - np.log(np.exp(s).sum(1, keepdims=True))


def cross_entropy(z: np.ndarray, y: np.ndarray) -> tuple[float, float, np.ndarray]:
    """Mean cross-entropy, accuracy and d(loss)/d(logits) for one batch."""
    n = len(y)
    lp = log_softmax(z)
    loss = float(-lp[np.arange(n), y].mean())
    acc = float((z.argmax(1) == y).mean())
    with np.errstate(all="ignore"):
        grad = np.exp(lp)
        grad[np.arange(n), y] -= 1
        grad /= F32(n)
    return loss, acc, grad


class SGD:
    """Plain SGD with (heavy-ball) momentum, no clipping."""

    def __init__(self, params: list[np.ndarray], lr: float, momentum: float = 0.0) -> None:
        self.lr, self.momentum = lr, momentum
        self.buf = [np.zeros_like(p) for p in params]

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        with np.errstate(all="ignore"):
            for p, g, b in zip(params, grads, self.buf, strict=True):
                b *= F32(self.momentum)
                b += g
                p -= F32(self.lr) * b


class Adam:
    """Adam (Kingma & Ba) with bias correction, no weight decay."""

    def __init__(self, params: list[np.ndarray], lr: float, b1: float = 0.9, b2: float = 0.999) -> None:
        self.lr, self.b1, self.b2, self.eps = lr, b1, b2, 1e-7
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.t = 0

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        self.t += 1
        c1, c2 = 1 - self.b1**self.t, 1 - self.b2**self.t
        with np.errstate(all="ignore"):
            for p, g, m, v in zip(params, grads, self.m, self.v, strict=True):
                m *= F32(self.b1)
                m += F32(1 - self.b1) * g
                v *= F32(self.b2)
                v += F32(1 - self.b2) * g * g
                p -= F32(self.lr / c1) * m / (np.sqrt(v / F32(c2)) + F32(self.eps))


Optimizer = SGD | Adam


# ---------------------------------------------------------------------------------------------
# Training loop
# ---------------------------------------------------------------------------------------------


@dataclass
class StepLog:
    """One optimiser step: batch loss/accuracy before the update, gradient norm, lr used."""

    epoch: int
    index: int  # batch index inside the epoch
    step: int  # 0-based global step
    size: int
    loss: float
    acc: float
    grad_norm: float
    lr: float


@dataclass
class EpochLog:
    """One epoch: running train means (as frameworks report them) and validation metrics."""

    epoch: int  # 0-based
    train_loss: float
    train_acc: float
    val_loss: float
    val_acc: float
    lr: float
    steps: list[StepLog]
    extra: dict[str, float] = field(default_factory=dict)


LrFn = Callable[[int, int], float]  # (epoch, global step) -> learning rate
AugmentFn = Callable[[np.ndarray, np.random.Generator], np.ndarray]
ValMetricsFn = Callable[[np.ndarray, np.ndarray], dict[str, float]]


def global_grad_norm(grads: list[np.ndarray]) -> float:
    with np.errstate(all="ignore"):
        return float(math.sqrt(sum(float(np.sum(g.astype(np.float64) ** 2)) for g in grads)))


def evaluate(model: MLP, x: np.ndarray, y: np.ndarray) -> tuple[float, float, np.ndarray]:
    z, _ = model.forward(x)
    loss, acc, _ = cross_entropy(z, y)
    return loss, acc, z


def fit(
    model: MLP,
    data: Data,
    opt: Optimizer,
    epochs: int,
    batch_size: int,
    seed: int,
    lr_fn: LrFn | None = None,
    augment: AugmentFn | None = None,
    val_metrics: ValMetricsFn | None = None,
) -> list[EpochLog]:
    """Mini-batch training; returns one EpochLog per epoch (with its steps)."""
    rng = np.random.default_rng(seed)
    n = len(data.y_train)
    history: list[EpochLog] = []
    step = 0
    for epoch in range(epochs):
        order = rng.permutation(n)
        steps: list[StepLog] = []
        loss_sum = acc_sum = 0.0
        for index, start in enumerate(range(0, n, batch_size)):
            if lr_fn is not None:
                opt.lr = lr_fn(epoch, step)
            idx = order[start : start + batch_size]
            xb = data.x_train[idx]
            if augment is not None:
                xb = augment(xb, rng)
            z, acts = model.forward(xb)
            loss, acc, dz = cross_entropy(z, data.y_train[idx])
            grads = model.backward(acts, dz)
            steps.append(StepLog(epoch, index, step, len(idx), loss, acc, global_grad_norm(grads), opt.lr))
            opt.step(model.params, grads)
            loss_sum += loss * len(idx)
            acc_sum += acc * len(idx)
            step += 1
        val_loss, val_acc, z = evaluate(model, data.x_val, data.y_val)
        extra = val_metrics(z, data.y_val) if val_metrics else {}
        history.append(EpochLog(epoch, loss_sum / n, acc_sum / n, val_loss, val_acc, opt.lr, steps, extra))
    return history
