"""acc-stuck on real numpy runs (issue #9, found by a tester outside the truth corpus):

- a healthy per-step run evaluated on a fresh 32-sample batch at every step lands on the same
  accuracy six times in a row by chance now and then; acc-stuck called that "the model predicts the
  most frequent class" (`likely`, a warning) on balanced classes. A run of equal values is now
  judged by how often the series' own noise repeats a value on its 1/n grid, corrected for how many
  places it was looked for;
- the same dead-ReLU collapse was a warning at 85/15 and information at 90/10, by how far its
  printed loss happened to wobble; it is now graded by what the numbers force, alike at every
  majority share: both accuracies frozen beyond chance after a noisy start, the losses settled at
  or above what a constant guess costs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import read_runs
from numpy_batches import batch_eval_run, write_jsonl
from numpy_collapse import dead_relu_run
from numpy_shift import split_unlike_training

from lossacc_tui.analysis import Analyzer
from lossacc_tui.analysis.detectors.repeat_chance import repeat_p, run_by_chance


def _longest_run(values: np.ndarray) -> int:
    change = np.flatnonzero(np.diff(values) != 0)
    bounds = np.concatenate([[-1], change, [len(values) - 1]])
    return int(np.diff(bounds).max())


@pytest.mark.parametrize("seed", [3, 4])
def test_chance_repeats_of_a_small_batch_accuracy_raise_no_stuck_alert(tmp_path: Path, seed: int) -> None:
    run = batch_eval_run(10_000, seed=seed, eval_batch=32)
    assert _longest_run(run["val_acc"]) >= 6  # (the premise: six equal accuracies in a row, by chance)
    assert abs(run["val_acc"][-2000:].mean() - 0.88) < 0.03  # (a healthy model on 50/50 classes)
    (log,) = read_runs(write_jsonl(tmp_path / "train.jsonl", run))
    a = Analyzer(log)
    a.update()
    assert not [al for al in a.alerts if al.kind == "acc-stuck"], [al.title for al in a.alerts]
    for al in a.alerts:
        for c in al.claims:
            assert not (c.id in ("at-majority-rate", "one-class-predictor") and c.strength == "likely"), (
                c.text
            )


@pytest.mark.parametrize("majority", [0.8, 0.85, 0.9, 0.93])
def test_the_same_dead_relu_collapse_is_graded_alike_at_every_majority_share(
    tmp_path: Path, majority: float
) -> None:
    (log,) = read_runs(dead_relu_run(tmp_path / "log.csv", majority, epochs=20))
    a = Analyzer(log)
    a.update()
    stuck = [al for al in a.alerts if al.kind == "acc-stuck"]
    assert len(stuck) == 1 and stuck[0].severity == "warning", [(al.title, al.severity) for al in stuck]
    strengths = {c.id: c.strength for c in stuck[0].claims}
    assert strengths.get("at-majority-rate") == "likely" and strengths.get("one-class-predictor") == "likely"
    # its numbers are those of its own span: the frozen accuracy, the latest loss
    acc = float(log.series["val_accuracy"].raw[-1])
    assert abs(stuck[0].evidence["acc_now"] - acc) < 1e-9


def test_repeat_chance_follows_the_grid_and_the_spread() -> None:
    # a 64-sample accuracy at 0.875 (binomial spread 2.6 samples) repeats 6 times with p ~ 3e-5:
    # about three such runs in 100,000 evaluations, none expected in 40
    p = repeat_p(6, 2.65 / 64, 64, 0.875)
    assert 1e-5 < p < 1e-4
    assert run_by_chance(6, 2.65 / 64, 64, 0.875, 100_000)
    assert not run_by_chance(6, 2.65 / 64, 64, 0.875, 40)
    # longer runs are rarer; a perfect score piles up at the edge of the grid and repeats easily
    assert repeat_p(10, 2.65 / 64, 64, 0.875) < p / 1000
    assert repeat_p(6, 2.65 / 64, 64, 1.0) > 100 * p
    assert repeat_p(6, 0.0, 64, 0.5) == 1.0  # a series that never moves repeats every time


def test_a_stuck_alert_whose_accuracy_moved_describes_its_own_frozen_stretch(tmp_path: Path) -> None:
    # logistic regression on 5,000 samples scored on a split of the other majority: val_accuracy holds
    # 0.568 for 8 epochs while the model still learns, then moves; the alert stays open (within a
    # point), and its "How sure" must quote the numbers of the stretch it describes, saying where that
    # stretch ended, not the latest loss beside the frozen accuracy nor "has not changed since"
    path = split_unlike_training(tmp_path / "log.csv", 5000, 60, 0.5)
    (log,) = read_runs(path)
    a = Analyzer(log)
    a.update()
    (stuck,) = [al for al in a.alerts if al.kind == "acc-stuck"]
    acc = log.series["val_accuracy"].raw
    loss = log.series["val_loss"].raw
    moved = int(np.flatnonzero(acc != acc[0])[0])  # (the premise: the accuracy moved at some epoch)
    assert 6 <= moved < len(acc) - 10 and stuck.active
    for c in stuck.claims:
        if c.id in ("classes", "diverging"):
            continue
        assert c.start == 0 and c.end == moved - 1, (c.id, c.start, c.end)
        assert "since" not in c.text or c.id != "at-majority-rate", c.text
    text = " ".join(c.text for c in stuck.claims)
    assert f"{loss[-1]:.4g}" not in text  # (the latest loss belongs to no frozen stretch)
    assert f"{loss[0]:.4g} -> {loss[moved - 1]:.4g}" in text, text
