"""A loss that is NaN from its first evaluation and finite at the latest ones is described by its
span's own numbers: NaN from the first evaluation to the last NaN one, finite since, with the finite
value; never "it has not been finite at any evaluation so far" beside a finite latest value, and no
"argmax over NaN logits" reading of the accuracy at an evaluation whose loss is finite (tester 19's
`runs/bad/nanN11`: NaN at 11 of 12 epochs, the 12th finite, said "never finite" while active).

The run is real numpy training: a softmax model started with large weights, trained with a stable
softmax and weight decay, whose logging code computes the loss with a naive `exp(z) / sum(exp(z))`:
while the logits exceed what `exp` can hold (about 709) the logged loss is NaN (inf / inf), and once
the decay has shrunk them it is finite, while the model trains through it all."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from conftest import read_runs

from lossacc_tui.analysis import Analyzer


def _naive_loss_run(epochs: int) -> list[dict[str, float]]:
    """Per epoch: the logged train_loss/val_loss (mean cross-entropy in nats through a naive softmax:
    NaN while the logits overflow exp) and train_acc/val_acc (fractions)."""
    rng = np.random.default_rng(0)
    k, d = 3, 4
    centers = rng.normal(0, 1.5, size=(k, d))
    y = rng.integers(0, k, size=600)
    x = centers[y] + rng.normal(0, 1.2, size=(600, d))
    xt, yt, xv, yv = x[:480], y[:480], x[480:], y[480:]
    w, b = rng.normal(0, 150.0, size=(d, k)), np.zeros(k)

    def stable(xs: np.ndarray) -> np.ndarray:
        z = xs @ w + b
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def naive_loss(xs: np.ndarray, ys: np.ndarray) -> float:
        with np.errstate(over="ignore", invalid="ignore"):
            e = np.exp(xs @ w + b)
            p = e / e.sum(axis=1, keepdims=True)
            return float(-np.log(p[np.arange(len(ys)), ys] + 1e-12).mean())

    out = []
    for epoch in range(epochs):
        for i in range(0, len(xt), 32):
            xb, yb = xt[i : i + 32], yt[i : i + 32]
            g = stable(xb)
            g[np.arange(len(yb)), yb] -= 1
            w -= 0.1 * xb.T @ g / len(yb) + 0.02 * w
            b -= 0.1 * g.mean(axis=0)
        out.append(
            {
                "epoch": epoch,
                "train_loss": naive_loss(xt, yt),
                "train_acc": float((stable(xt).argmax(axis=1) == yt).mean()),
                "val_loss": naive_loss(xv, yv),
                "val_acc": float((stable(xv).argmax(axis=1) == yv).mean()),
            }
        )
    return out


def test_a_loss_nan_from_the_start_then_finite_is_told_with_its_span(tmp_path: Path) -> None:
    rows = _naive_loss_run(epochs=4)
    first_finite = next(r["epoch"] for r in rows if np.isfinite(r["train_loss"]))
    assert 0 < first_finite == len(rows) - 1  # (NaN from the first epoch, finite at the last)
    log = tmp_path / "log.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in rows))  # (json writes NaN as the loop's did)
    (run,) = read_runs(log)
    analyzer = Analyzer(run)
    analyzer.update()
    (alert,) = [a for a in analyzer.alerts if a.kind == "non-finite" and a.data["subject"] == "train_loss"]
    assert alert.active
    text = alert.explanation
    assert "not been finite" not in text and "never finite" not in text and "NaN logits" not in text
    assert f"from epoch 0 to epoch {first_finite - 1}" in text
    assert f"epoch {first_finite} ({rows[-1]['train_loss']:.4f})" in text
    last_nan = first_finite - 1
    assert alert.title == f"train_loss was NaN at epochs 0-{last_nan}, finite since epoch {first_finite}"
