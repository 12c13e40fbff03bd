"""A metric given the accuracy role whose name says it is not plain accuracy (`--map val_acc=val_f1`,
the README's example) gets no accuracy arithmetic: no (1 - a) ln 2 floor, no "x % of the predictions
are wrong", no chance level, no sample count; only its trend beside the loss, and a note saying why.
Tester h19t: an F1 of 0.2 on a healthy imbalanced run was "80 % of the predictions are wrong ... not
cross-entropy (follows)". Here a real (numpy) logistic regression on an imbalanced binary task logs
both its accuracy and its minority-class F1."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.truth.score import check_json  # noqa: E402
from lossacc_tui.acc_nature import not_share  # noqa: E402


def imbalanced_run(path: Path, epochs: int = 12, seed: int = 3) -> Path:
    """Logistic regression by mini-batch gradient descent, 8 % positives, 2,000 validation samples:
    per epoch train_loss, val_loss (mean binary cross-entropy, nats), val_acc and val_f1 (the positive
    class's F1) of the same predictions, written as a CSV."""
    rng = np.random.default_rng(seed)
    n_train, n_val, features = 4000, 2000, 6
    n = n_train + n_val
    y = (rng.random(n) < 0.08).astype(float)
    x = rng.normal(0, 1, size=(n, features)) + np.outer(y, rng.normal(0, 0.9, size=features))
    xt, yt, xv, yv = x[:n_train], y[:n_train], x[n_train:], y[n_train:]
    w, b = np.zeros(features), -1.0

    def evaluate(xs: np.ndarray, ys: np.ndarray) -> tuple[float, float, float]:
        p = 1 / (1 + np.exp(-(xs @ w + b)))
        loss = float(-(ys * np.log(p + 1e-12) + (1 - ys) * np.log(1 - p + 1e-12)).mean())
        pred = p > 0.5
        tp = float((pred & (ys == 1)).sum())
        f1 = 2 * tp / max(1.0, float(pred.sum() + (ys == 1).sum()))
        return loss, float((pred == (ys == 1)).mean()), f1

    rows = ["epoch,train_loss,val_loss,val_acc,val_f1"]
    for epoch in range(epochs):
        for i in range(0, n_train, 64):
            xb, yb = xt[i : i + 64], yt[i : i + 64]
            g = 1 / (1 + np.exp(-(xb @ w + b))) - yb
            w -= 0.05 * xb.T @ g / len(yb)
            b -= 0.05 * float(g.mean())
        tl, _, _ = evaluate(xt, yt)
        vl, va, vf = evaluate(xv, yv)
        rows.append(f"{epoch},{tl!r},{vl!r},{va!r},{vf!r}")
    path.write_text("\n".join(rows) + "\n")
    return path


def _run(doc: dict[str, Any]) -> dict[str, Any]:
    (run,) = doc["runs"]
    return run


def test_the_run_is_what_it_says(tmp_path: Path) -> None:
    lines = imbalanced_run(tmp_path / "metrics.csv").read_text().splitlines()[1:]
    last = [float(v) for v in lines[-1].split(",")]
    # an accurate model whose F1 is low: read as an accuracy, the F1 would break the ln 2 floor
    assert last[3] > 0.9 and last[4] < 0.6 and last[2] < (1 - last[4]) * np.log(2), last


def test_an_f1_mapped_to_the_accuracy_role_gets_no_accuracy_arithmetic(tmp_path: Path) -> None:
    run = _run(check_json([imbalanced_run(tmp_path / "metrics.csv")], ["--map", "val_acc=val_f1"]))
    kinds = [a["kind"] for a in run["alerts"]]
    assert "not-cross-entropy" not in kinds, kinds
    text = " ".join(a["explanation"] + " " + a["title"] for a in run["alerts"])
    for words in ("ln 2", "predictions are wrong", "samples are wrong", "chance", "nats"):
        assert words not in text, (words, text)
    notes = [p["message"] if isinstance(p, dict) else p for p in run["problems"]]
    assert any("val_f1 (read as val_acc) is an F-score" in str(n) for n in notes), notes


def test_the_accuracy_itself_is_still_read_as_one(tmp_path: Path) -> None:
    run = _run(check_json([imbalanced_run(tmp_path / "metrics.csv")]))
    notes = [str(p) for p in run["problems"]]
    assert not any("not the share of samples" in n for n in notes), notes


def test_names_that_say_what_the_metric_is() -> None:
    named = ("eval_f1", "val_auc", "val/mAP@0.5", "val_mIoU", "valid_recall", "val_balanced_accuracy")
    assert all(not_share(n) for n in named)
    assert not any(not_share(n) for n in ("val_acc", "eval_accuracy", "prec1", "Acc@1", "val_top1"))
