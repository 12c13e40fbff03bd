"""Small evaluation sets: a move within what a few hundred (or a few dozen) samples let a metric
wander is no warning, while a short run whose rise is beyond that still warns.

Data: a two-layer tanh network trained by minibatch SGD in numpy here (a binary task with 10 % label
noise, a validation set of 200 fixed samples), a committed head of a healthy SGD run evaluated on a
fresh 32-sample batch each step (`data/sgd_eval32_head.jsonl`, written by a tester's numpy training
loop through `check --follow --json`), and the truth corpus's five-epoch torch run that overfits."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from test_analysis_agreement import run_of  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
SHORT_OVERFIT = REPO / "benchmarks" / "truth" / "corpus" / "short-overfit-torch" / "s0" / "train.jsonl"


def _ce(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return -(y * np.log(p) + (1 - y) * np.log(1 - p))


def _sgd_fixed_val(path: Path, steps: int, lr: float, n_train: int, seed: int) -> tuple[float, float]:
    """Train a 20-16-1 tanh network by SGD (batch 32) and log, every step, the batch's loss and
    accuracy and those of the first 200 validation samples (always the same ones) as JSON lines.
    Returns the full 20,000-sample validation (loss, accuracy) at the end: the truth the 200
    samples estimate. Losses in nats, accuracies fractions."""
    rs = np.random.RandomState(seed)
    w_true = np.random.RandomState(123).randn(20)

    def draw(n: int, r: np.random.RandomState) -> tuple[np.ndarray, np.ndarray]:
        x = r.randn(n, 20)
        y = (x @ w_true + 0.5 * r.randn(n) > 0).astype(float)
        flip = r.rand(n) < 0.1
        y[flip] = 1 - y[flip]
        return x, y

    xt, yt = draw(n_train, rs)
    xv, yv = draw(20000, np.random.RandomState(99))
    w1, b1, w2, b2 = rs.randn(20, 16) * 0.3, np.zeros(16), rs.randn(16) * 0.3, 0.0

    def predict(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        h = np.tanh(x @ w1 + b1)
        return h, 1 / (1 + np.exp(-(h @ w2 + b2)))

    lines = []
    for s in range(steps):
        i = rs.randint(0, n_train, 32)
        h, p = predict(xt[i])
        g = (p - yt[i]) / 32
        gh = np.outer(g, w2) * (1 - h**2)
        w2, b2 = w2 - lr * h.T @ g, b2 - lr * g.sum()
        w1, b1 = w1 - lr * xt[i].T @ gh, b1 - lr * gh.sum(0)
        _, pv = predict(xv[:200])
        rec = {
            "step": s,
            "train_loss": float(_ce(p, yt[i]).mean()),
            "train_acc": float(((p > 0.5) == yt[i]).mean()),
            "val_loss": float(_ce(pv, yv[:200]).mean()),
            "val_acc": float(((pv > 0.5) == yv[:200]).mean()),
        }
        lines.append(json.dumps(rec))
    path.write_text("\n".join(lines) + "\n")
    _, pv = predict(xv)
    return float(_ce(pv, yv).mean()), float(((pv > 0.5) == yv).mean())


def _loud(run: dict[str, Any], kind: str) -> list[str]:
    return [
        f"{a['title']} ({a['start']}-{a['end']})"
        for a in run["alerts"]
        if a["kind"] == kind and a["severity"] in ("warning", "critical")
    ]


def test_accuracy_wobbling_on_200_fixed_samples_is_no_fall(tmp_path: Path) -> None:
    # Before: val_acc 0.915 -> 0.895 (4 of 200 samples, one binomial standard error) while val_loss
    # improved opened `loss-down-acc-down` warnings at steps 529 and 553 of this run, which is
    # healthy on the full 20,000 validation samples (loss 0.368, accuracy 0.874 at the end); seed 1
    # gave 5 such warnings, seed 2 gave 31.
    path = tmp_path / "fixed200.jsonl"
    _, full_acc = _sgd_fixed_val(path, steps=1500, lr=0.05, n_train=5000, seed=3)
    assert full_acc > 0.85, "the run must be healthy for this test to mean anything"
    rows = [json.loads(s) for s in path.read_text().splitlines()]
    acc = np.array([r["val_acc"] for r in rows])
    assert acc[500:].max() - acc[500:].min() >= 0.02, "the 200 samples must wobble by a few samples"
    assert not _loud(run_of(path), "loss-down-acc-down")


def test_a_32_sample_rise_two_evaluations_in_is_no_overfitting() -> None:
    # Steps 4-9 of a healthy run: val_loss 0.641 (the lucky low of five) then 0.74, 0.79, 0.65,
    # 0.81, 0.81 on fresh 32-sample batches while the batch training loss fell 0.85 -> 0.68. The
    # short-run rule (two evaluations 2 x rise_rel above the best) warned `overfitting` at step 8;
    # 32 samples move a mean loss of 0.7 nats by about 0.12 between evaluations.
    run = run_of(DATA / "sgd_eval32_head.jsonl")
    assert not _loud(run, "overfitting")
    assert not _loud(run, "loss-up-acc-up")


def test_a_five_epoch_run_that_overfits_still_warns_from_its_fourth_evaluation() -> None:
    # val_loss 1.093, 0.899, 0.829, 1.000, 1.105 on 539 samples while the training loss falls
    # 1.72 -> 0.004: the rise (0.17 and 0.28 nats) is far beyond what 539 samples move a mean of
    # about 1 nat (0.04), so it warns, and says how little evidence a short run gives.
    run = run_of(SHORT_OVERFIT)
    over = [a for a in run["alerts"] if a["kind"] == "overfitting"]
    assert over and over[0]["severity"] == "warning", run["alerts"]
    assert over[0]["start"] <= 5


ZERO_COUNT = re.compile(r"(?<![\d.,])(0|1) (evaluations|epochs|steps|samples|times|points)\b|last 0\b")


def test_no_explanation_counts_zero_or_one_in_the_plural() -> None:
    # The head of a healthy 100,000-step SGD run (fresh 64-sample validation batch each step):
    # a plateau that opened where the latest evaluation is the best said "0 evaluations later",
    # "No evaluation in the last 0 beat 0.5052" and "saves the next 0 evaluations' compute".
    texts = []
    for name in ("sgd_eval64_head.jsonl", "sgd_eval32_head.jsonl"):
        for a in run_of(DATA / name)["alerts"]:
            texts += [a["title"], a["explanation"]] + [c["text"] for c in a.get("claims", [])]
    plateau = [
        a
        for a in run_of(DATA / "sgd_eval64_head.jsonl")["alerts"]
        if "latest evaluation is its best" in a["title"]
    ]
    assert plateau, "the log must hold a plateau whose latest evaluation is its best"
    assert "its latest evaluation" in plateau[0]["explanation"]
    bad = [m.group(0) for t in texts for m in [ZERO_COUNT.search(t)] if m]
    assert not bad, bad


def test_a_fall_from_the_first_evaluation_far_beyond_noise_is_a_fall() -> None:
    # numpy logistic regression on labels whose positives are under-reported in training (the
    # labelled benchmark's `underreported-8`): val_acc 0.879 (its first evaluation) -> 0.806 on 2,000
    # samples while val_loss falls 0.644 -> 0.410; per-sample truth: the samples turning wrong were
    # near the threshold. The peak at the first evaluation was ignored, so nothing was raised.
    run = run_of(REPO / "benchmarks" / "eval_data" / "underreported-8.csv")
    down = [a for a in run["alerts"] if a["kind"] == "loss-down-acc-down"]
    assert down and down[0]["severity"] == "warning", [a["title"] for a in run["alerts"]]
    assert down[0]["evidence"]["peak_acc"] > down[0]["evidence"]["now_acc"] + 0.05
