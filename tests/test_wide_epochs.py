"""Per-step training logs with few evaluations: an ImageNet-sized epoch (thousands of steps between
two evaluations), and a validation that starts late (after 10,000 steps, then at every step). Both
raised a traceback (`window must be at most 10,000 evaluations`): the training loss's level is the
mean of about an evaluation's worth of steps, and that window had been refused as a parameter out of
range. The runs are real numpy training (softmax regression by minibatch SGD)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from conftest import read_runs

from lossacc_tui.analysis import Analyzer


def _sgd_jsonl(path: Path, epochs: int, steps: int, late: int | None = None) -> Path:
    """`steps` minibatch steps an epoch, the training loss at every step; validation at each
    epoch's end, or (`late`) at every step from that step on. Every batch is drawn up front (the
    training itself is step by step)."""
    rng = np.random.default_rng(0)
    k, d, bs, n = 3, 4, 4, epochs * steps
    centers = rng.normal(0, 1.0, (k, d))
    ys = rng.integers(0, k, (n, bs))
    xs = centers[ys] + rng.normal(0, 1.5, (n, bs, d))
    yv = rng.integers(0, k, 300)
    xv = centers[yv] + rng.normal(0, 1.5, (300, d))
    w, b = np.zeros((d, k)), np.zeros(k)
    rows = np.arange(bs)

    def val() -> str:
        z = xv @ w + b
        z -= z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        loss, acc = -logp[np.arange(300), yv].mean(), (z.argmax(1) == yv).mean()
        return f', "val_loss": {loss:.5f}, "val_acc": {acc:.4f}'

    lines = []
    for step in range(n):
        x, y = xs[step], ys[step]
        z = x @ w + b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        loss = -np.log(p[rows, y]).mean()
        p[rows, y] -= 1
        p /= bs
        w -= 0.05 * x.T @ p
        b -= 0.05 * p.sum(axis=0)
        extra = val() if late is not None and step >= late else ""
        lines.append(f'{{"step": {step}, "epoch": {step // steps}, "train_loss": {loss:.5f}{extra}}}')
        if late is None and (step + 1) % steps == 0:
            lines.append(f'{{"step": {step}, "epoch": {step // steps}{val()}}}')
    path.write_text("\n".join(lines) + "\n")
    return path


def _analysed(path: Path) -> dict[str, int]:
    """The run read and analysed as `check` does (a traceback fails the test): points per metric."""
    (run,) = read_runs(path)
    a = Analyzer(run)
    a.update()
    assert a.alerts is not None and a.summary() is not None
    return {name: len(s) for name, s in run.series.items()}


def test_an_epoch_of_thousands_of_steps_is_analysed(tmp_path: Path) -> None:
    counts = _analysed(_sgd_jsonl(tmp_path / "log.jsonl", epochs=3, steps=5_100))
    assert counts == {"train_loss": 3 * 5_100, "val_loss": 3, "val_acc": 3}


def test_a_validation_that_starts_late_is_not_read_as_one_evaluation_per_epoch(tmp_path: Path) -> None:
    counts = _analysed(_sgd_jsonl(tmp_path / "log.jsonl", epochs=1, steps=10_100, late=10_050))
    assert counts["val_loss"] == 50 and counts["train_loss"] == 10_100
