"""A top-k accuracy (k > 1) is not the accuracy: a sample counts when its class is among the k most
probable, so the cross-entropy bounds the analysis reasons with (a mistake costs at least ln 2, a
right answer less than ln K) do not hold for it. A tester logged only Keras'
`val_sparse_top_k_categorical_accuracy` (k = 5) of a real 10-class run: it was read as the accuracy,
at 1.0, and the tool claimed as `follows` that every sample is classified right and right answers
carry all of the loss, where 9 % of samples were wrong and carried 68 % of it. The run here is a
real numpy training; its top-1 and top-5 accuracies are computed from its probabilities."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import read_runs

from lossacc_tui.analysis import Analyzer


def top_k_run(seed: int = 0, classes: int = 10, epochs: int = 30) -> list[dict[str, float]]:
    """Softmax regression by minibatch SGD on overlapping Gaussian classes, many noise features
    and few samples (it overfits); per epoch the mean cross-entropy (nats), top-1 and top-5
    accuracy of both splits, and the share of the validation loss the top-1 mistakes carry."""
    rng = np.random.default_rng(seed)
    d, n_train, n_val = 40, 300, 600
    centers = rng.normal(0, 0.45, size=(classes, d))
    y = rng.integers(0, classes, size=n_train + n_val)
    x = centers[y] + rng.normal(0, 1.0, size=(len(y), d))
    xt, yt, xv, yv = x[:n_train], y[:n_train], x[n_train:], y[n_train:]
    w, b = np.zeros((d, classes)), np.zeros(classes)

    def probs(xs: np.ndarray) -> np.ndarray:
        z = xs @ w + b
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def scores(xs: np.ndarray, ys: np.ndarray) -> tuple[float, float, float, float]:
        p = probs(xs)
        ce = -np.log(p[np.arange(len(ys)), ys] + 1e-12)
        right = p.argmax(1) == ys
        top5 = (np.argsort(-p, axis=1)[:, :5] == ys[:, None]).any(axis=1)
        return float(ce.mean()), float(right.mean()), float(top5.mean()), float(ce[~right].sum() / ce.sum())

    rows = []
    for _ in range(epochs):
        for i in range(0, n_train, 32):
            xb, yb = xt[i : i + 32], yt[i : i + 32]
            g = probs(xb)
            g[np.arange(len(yb)), yb] -= 1
            w -= 0.5 * xb.T @ g / len(yb)
            b -= 0.5 * g.mean(axis=0)
        tl, ta, t5, _ = scores(xt, yt)
        vl, va, v5, share = scores(xv, yv)
        rows.append(
            {"loss": tl, "acc": ta, "top5": t5, "val_loss": vl, "val_acc": va, "val_top5": v5, "share": share}
        )
    return rows


def write(path: Path, rows: list[dict[str, float]], names: dict[str, str]) -> Path:
    """A Keras CSVLogger file of `rows` with the columns `names` maps to row keys."""
    cols = list(names)
    path.write_text(
        "epoch,"
        + ",".join(cols)
        + "\n"
        + "".join(f"{e}," + ",".join(repr(r[names[c]]) for c in cols) + "\n" for e, r in enumerate(rows))
    )
    return path


@pytest.mark.parametrize(
    "val_name",
    [
        "val_sparse_top_k_categorical_accuracy",
        "val_top_k_categorical_accuracy",
        "val_top5_acc",
        "val_top_5_accuracy",
    ],
)
def test_a_top_k_accuracy_alone_is_not_read_as_the_accuracy(tmp_path: Path, val_name: str) -> None:
    rows = top_k_run()
    last = rows[-1]
    # the run is what the test says: top-5 near 1, top-1 well below it, mistakes carrying most of the loss
    assert last["val_top5"] > 0.95 and last["val_acc"] < 0.9 and last["share"] > 0.5
    train_name = val_name.removeprefix("val_")
    path = write(
        tmp_path / "log.csv",
        rows,
        {"loss": "loss", train_name: "top5", "val_loss": "val_loss", val_name: "val_top5"},
    )
    (run,) = read_runs(path)
    assert run.series[val_name].role == "other" and run.series[train_name].role == "other"
    notes = " ".join(p.message for p in run.problems)
    assert f"--map val_acc={val_name}" in notes and "top-k accuracy" in notes
    a = Analyzer(run)
    a.update()
    for al in a.alerts:
        for c in al.claims:  # no claim may rest on a top-5 hit being a right answer
            assert c.id not in ("right-answers-carry-loss", "fewer-mistakes", "more-mistakes"), (
                al.kind,
                c.text,
            )


def test_top_1_beside_top_5_is_the_accuracy(tmp_path: Path) -> None:
    rows = top_k_run(seed=1)
    names = {
        "loss": "loss",
        "val_loss": "val_loss",
        "eval_top5_accuracy": "val_top5",
        "eval_accuracy": "val_acc",
    }
    (run,) = read_runs(write(tmp_path / "log.csv", rows, names))
    assert run.series["eval_accuracy"].role == "val_acc"
    assert run.series["eval_top5_accuracy"].role == "other"
    assert not [p for p in run.problems if "top-k" in p.message]  # (a top-1 is there: nothing to say)
