"""Long, noisy, real training runs in numpy: softmax regression trained by minibatch SGD and
evaluated on a small validation set after every step, the way a per-step validation log looks.

Two regimes, both computed by the training itself (never drawn by hand):

- `healthy`: every minibatch is a fresh draw from the data distribution (no sample is seen twice),
  so the model cannot overfit; the validation loss falls and then wanders around its floor with
  the SGD noise of the weights, the validation accuracy moves by whole samples of a small set;
- `overfit`: a training set smaller than the number of features (most of them pure noise), reused
  for every minibatch with no regularisation: the training loss goes to 0, the weights grow, and
  the validation loss turns up and keeps rising.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def sgd_run(
    steps: int,
    seed: int = 0,
    overfit: bool = False,
    classes: int = 4,
    features: int = 10,
    n_val: int = 200,
    batch: int = 32,
    lr: float = 0.05,
    n_train: int = 60,
    informative: int = 4,
    spread: float = 1.5,
) -> dict[str, np.ndarray]:
    """Per step: `train_loss` (the minibatch's mean cross-entropy before the update, nats),
    `val_loss` (mean cross-entropy on the validation set after the update, nats) and `val_acc`
    (fraction of the `n_val` validation samples classified right). `overfit` reuses a fixed
    training set of `n_train` samples with `features` dimensions, of which `informative` carry the
    class; otherwise every minibatch is fresh data. Arrays of length `steps`."""
    rng = np.random.default_rng(seed)
    centers = np.zeros((classes, features))
    centers[:, :informative] = rng.normal(0, spread, size=(classes, informative))

    def draw(n: int) -> tuple[np.ndarray, np.ndarray]:
        y = rng.integers(0, classes, size=n)
        return centers[y] + rng.normal(0, 1.0, size=(n, features)), y

    xv, yv = draw(n_val)
    xt, yt = draw(n_train) if overfit else (None, None)
    w = np.zeros((features, classes))
    b = np.zeros(classes)
    out = {k: np.empty(steps) for k in ("train_loss", "val_loss", "val_acc")}
    rv = np.arange(n_val)
    rb = np.arange(batch)
    onehot = np.eye(classes)
    chunk = 1000  # minibatches drawn a block at a time (one generator call per block, not per step)
    for s0 in range(0, steps, chunk):
        c = min(chunk, steps - s0)
        if xt is None:
            yy = rng.integers(0, classes, size=(c, batch))
            xx = centers[yy] + rng.normal(0, 1.0, size=(c, batch, features))
        else:
            kk = rng.integers(0, len(xt), size=(c, batch))
            xx, yy = xt[kk], yt[kk]
        tt = onehot[yy]
        for j in range(c):
            xb, yb = xx[j], yy[j]
            z = xb @ w + b
            z -= z.max(axis=1, keepdims=True)
            e = np.exp(z)
            se = e.sum(axis=1, keepdims=True)
            out["train_loss"][s0 + j] = float((np.log(se[:, 0]) - z[rb, yb]).mean())
            g = e / se - tt[j]
            w -= (lr / batch) * (xb.T @ g)
            b -= (lr / batch) * g.sum(axis=0)
            zv = xv @ w + b
            mx = zv.max(axis=1)
            lse = np.log(np.exp(zv - mx[:, None]).sum(axis=1)) + mx
            out["val_loss"][s0 + j] = float((lse - zv[rv, yv]).mean())
            out["val_acc"][s0 + j] = float((zv[rv, yv] >= mx).mean())
    return out


def write_csv(path: Path, run: dict[str, np.ndarray]) -> Path:
    """A run as a CSV with one row per step: step,train_loss,val_loss,val_acc (floats by repr)."""
    n = len(run["val_loss"])
    with path.open("w") as f:
        f.write("step,train_loss,val_loss,val_acc\n")
        tl, vl, va = run["train_loss"], run["val_loss"], run["val_acc"]
        for s in range(n):
            f.write(f"{s},{float(tl[s])!r},{float(vl[s])!r},{float(va[s])!r}\n")
    return path
