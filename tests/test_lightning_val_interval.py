"""Lightning with `val_check_interval` < 1 evaluates several times an epoch and writes each
evaluation's row with the same epoch and its own global step. Read on the epoch axis, a tester's 60
evaluations fell on 9 x values: the plot drew them as vertical strokes, and the alerts named "the
best at epoch 0" for a best at step 175. The run here is real numpy training (softmax regression by
minibatch SGD) written the way Lightning's CSVLogger writes it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from conftest import read_runs

from lossacc_tui.analysis import Analyzer


def _lightning_csv(path: Path, epochs: int = 6, steps: int = 40, per_epoch: int = 4) -> Path:
    """epoch,step,train_loss,val_acc,val_loss: a training row every step, a validation row every
    steps / per_epoch steps (Lightning's row layout, one metric group a row)."""
    rng = np.random.default_rng(3)
    k, d, bs = 3, 6, 8
    centers = rng.normal(0, 0.8, (k, d))
    yv = rng.integers(0, k, 200)
    xv = centers[yv] + rng.normal(0, 1.0, (200, d))
    w, b = np.zeros((d, k)), np.zeros(k)
    rows = ["epoch,step,train_loss,val_acc,val_loss"]
    step = 0
    for e in range(epochs):
        for s in range(steps):
            y = rng.integers(0, k, bs)
            x = centers[y] + rng.normal(0, 1.0, (bs, d))
            z = x @ w + b
            z -= z.max(axis=1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=1, keepdims=True)
            rows.append(f"{e},{step},{-np.log(p[np.arange(bs), y]).mean():.6f},,")
            p[np.arange(bs), y] -= 1
            w -= 0.1 * x.T @ p / bs
            b -= 0.1 * p.sum(axis=0) / bs
            if (s + 1) % (steps // per_epoch) == 0:
                zv = xv @ w + b
                zv -= zv.max(axis=1, keepdims=True)
                logp = zv - np.log(np.exp(zv).sum(axis=1, keepdims=True))
                acc = (zv.argmax(axis=1) == yv).mean()
                rows.append(f"{e},{step},,{acc:.4f},{-logp[np.arange(200), yv].mean():.6f}")
            step += 1
    path.write_text("\n".join(rows) + "\n")
    return path


def test_several_evaluations_an_epoch_are_placed_by_their_step(tmp_path: Path) -> None:
    (run,) = read_runs(_lightning_csv(tmp_path / "metrics.csv"))
    assert run.x_axis == "step"
    val = run.by_role("val_loss")
    assert val is not None and len(val) == 24
    a = Analyzer(run)
    a.update()
    assert a.ctx.axis == "step"
    # every alert starts at a step the log wrote, never at a whole epoch
    steps = set(val.x_or_none("step").tolist()) | set(run.by_role("train_loss").x_or_none("step").tolist())
    for al in a.alerts:
        assert al.start in steps, (al.kind, al.start)


def test_one_evaluation_an_epoch_stays_on_the_epoch_axis(tmp_path: Path) -> None:
    (run,) = read_runs(_lightning_csv(tmp_path / "metrics.csv", per_epoch=1))
    assert run.x_axis == "epoch"
