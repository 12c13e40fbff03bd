"""A too-high learning rate read as what it is (tester 15, faults 4 and 6): the training loss turns up
from its lowest value beside the validation loss, so the run diverges; it does not overfit, and a
collapsed run's steadily growing loss is no swing of a few confident mistakes.

The runs: numpy MLPs (two ReLU layers of 64, torch's initialisation) trained by SGD with momentum
0.9 whose learning rate grows x1.5-1.8 per epoch (tests/numpy_diverge.py), tester 15's torch recipe:
both losses fall for a few epochs, then rise together; the ReLUs die, every sample is predicted as
one class, and the loss grows 1.9 -> 230 over ten epochs (or overflows to NaN)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import read_runs
from numpy_diverge import diverging_run, write_jsonl

from lossacc_tui.analysis import Analyzer


def _run(
    tmp_path: Path, growth: float, seed: int
) -> tuple[list[dict[str, float]], dict[str, list[float]], Analyzer]:
    rows, facts = diverging_run(epochs=25, growth=growth, seed=seed, act="relu", hidden=(64, 64), lr=0.02)
    (run,) = read_runs(write_jsonl(tmp_path / "metrics.jsonl", rows))
    a = Analyzer(run)
    a.update()
    return rows, facts, a


# (on main: "val_loss 0.1757 -> 0.3789 since epoch 2 while loss 0.4514 -> 0.253", the training loss
# up from 0.1574 at epoch 3; "0.0828 -> 0.0966 ... while loss 0.1431 -> 0.1197", up from 0.0941)
@pytest.mark.parametrize(("growth", "seed"), [(1.8, 0), (1.5, 1), (1.5, 2)])
def test_overfitting_never_spans_a_rising_training_loss(tmp_path: Path, growth: float, seed: int) -> None:
    rows, _, a = _run(tmp_path, growth, seed)
    loss = [r["loss"] for r in rows]
    assert not all(v < 20 * min(loss) for v in loss)  # (the premise: the run diverged)
    for al in a.alerts:
        if al.kind != "overfitting":
            continue
        e = al.evidence
        b, n = int(e["best_x"]), int(e["now_x"])
        low = min(loss[b - 1 : n])  # the training loss's lowest from the validation best to the alert's end
        # the alert's own numbers: the training loss it quotes now is no higher than 1.15x that low
        assert e["train_loss_now"] <= 1.15 * low, (al.title, low)
        assert not al.active, al.title  # (the run ends diverged: no overfitting is open)
    # the divergence itself is reported, on the training loss
    assert any(al.kind == "loss-explosion" and al.data.get("subject") == "loss" for al in a.alerts)


# (on main: "val_loss swings 1.9435-106.3 (x54.7) while val_accuracy stays 0.24-0.25", critical, "a
# handful of extremely confident wrong predictions", with 3 of 4 samples wrong, all one class)
@pytest.mark.parametrize(("growth", "seed"), [(1.5, 0), (1.5, 2), (1.8, 0)])
def test_a_collapsed_divergence_is_no_swing(tmp_path: Path, growth: float, seed: int) -> None:
    rows, facts, a = _run(tmp_path, growth, seed)
    acc = [r["val_accuracy"] for r in rows]
    # the premise: every sample predicted as one class for the last ten epochs, the loss growing
    assert min(facts["top_share"][-10:]) == 1.0 and rows[-1]["val_loss"] > 10 * rows[-10]["val_loss"]
    for al in a.alerts:
        if al.kind != "val-loss-unstable":
            continue
        e = al.evidence
        best_before = max(acc[: int(e["loss_low_x"]) - 1])
        # the swing it describes is at an accuracy near the run's best, not after the collapse
        assert e["acc_high"] > best_before - 0.25, al.title
    # the divergence is reported on both losses
    subjects = {al.data.get("subject") for al in a.alerts if al.kind == "loss-explosion"}
    assert {"loss", "val_loss"} <= subjects
