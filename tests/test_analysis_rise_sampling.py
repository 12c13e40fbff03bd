"""Rises of the validation loss that the numbers do not carry are no `overfitting` / `loss-up-acc-up`
warning; rises they do carry still are. Every run is trained here by numpy (tests/numpy_adam.py: an
MLP by Adam with L2 weight decay, logged the way Keras logs), and the truth is computed from the
per-sample validation losses of each epoch.

- Weight decay settling after an early best (tester 9's `wd_mid` is seed 0): the validation loss
  wanders 3-5 % above its lowest value on a fixed 300-sample set. The rise is within two standard
  errors of the mean loss (the per-sample losses' spread / sqrt(n)): another 300 samples could show
  it reversed.
- A collapse to the majority class (85 %) after a first evaluation at 95-99 %: the first epoch's
  training mean holds the untrained model's losses, and the collapsed network's training loss then
  falls only as its output bias learns the class prior; the model fits nothing (one class predicted
  for every validation sample), which is no overfitting.
- A no-signal run (K = 5) whose accuracy holds at chance: `loss-up-acc-up` does not read an
  accuracy "holding" at 1/K.
- Controls: label noise without weight decay overfits far beyond the sampling noise (16-21 standard
  errors), from a best at the first evaluation too: still a warning."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import read_runs
from numpy_adam import adam_mlp_run, write_keras_csv

from lossacc_tui.analysis import Analyzer

RISES = {"overfitting", "loss-up-acc-up"}


def _analyse(tmp_path: Path, **kw: Any) -> tuple[list, dict[str, np.ndarray]]:
    rows, truth = adam_mlp_run(**kw)
    (run,) = read_runs(write_keras_csv(tmp_path / "log.csv", rows))
    a = Analyzer(run)
    a.update()
    return a.alerts, truth


def _rise_in_standard_errors(losses: np.ndarray) -> float:
    """(mean loss over the last three epochs - the lowest epoch's) / that epoch's standard error."""
    m = losses.mean(axis=1)
    b = int(np.argmin(m))
    return float((m[-3:].mean() - m[b]) / (losses[b].std() / np.sqrt(losses.shape[1])))


@pytest.mark.parametrize(("seed", "wd"), [(0, 0.05), (10, 0.05), (7, 0.1)])
def test_weight_decay_wander_within_sampling_noise_is_no_warning(
    tmp_path: Path, seed: int, wd: float
) -> None:
    alerts, truth = _analyse(tmp_path, seed=seed, wd=wd)
    assert _rise_in_standard_errors(truth["losses"]) < 1.0  # (the truth: no rise the samples carry)
    warned = [(al.kind, al.title) for al in alerts if al.kind in RISES and al.severity != "info"]
    assert warned == []


@pytest.mark.parametrize("seed", [0, 2])
def test_label_noise_overfit_is_still_a_warning(tmp_path: Path, seed: int) -> None:
    alerts, truth = _analyse(tmp_path, seed=seed, wd=0.0, label_noise=0.3, n_train=100, epochs=40)
    assert _rise_in_standard_errors(truth["losses"]) > 10.0
    assert any(al.kind in RISES and al.severity == "warning" for al in alerts)


@pytest.mark.parametrize("seed", [5, 9, 11])
def test_collapse_to_the_majority_class_is_no_overfitting(tmp_path: Path, seed: int) -> None:
    alerts, truth = _analyse(
        tmp_path, seed=seed, classes=2, majority=0.85, kill_at=1, epochs=16, label_noise=0.0, sep=1.0, lr=0.05
    )
    assert truth["right"][0].mean() > 0.9  # the first evaluation is the best model ...
    assert (truth["one_class"][2:] == 1.0).all()  # ... then every sample is predicted as one class
    warned = [al.title for al in alerts if al.kind == "overfitting" and al.severity != "info"]
    assert warned == []
    assert "acc-stuck" in {al.kind for al in alerts}  # (the collapse is read as what it is)


def test_no_signal_accuracy_at_chance_is_no_loss_up_acc_up(tmp_path: Path) -> None:
    alerts, truth = _analyse(
        tmp_path, seed=0, classes=5, sep=0.0, label_noise=0.0, wd=0.0, n_train=400, hidden=64, lr=0.0005,
        features=10, epochs=30,
    )  # fmt: skip
    right = truth["right"].mean(axis=1)
    se = np.sqrt(0.2 * 0.8 / truth["right"].shape[1])
    assert (np.abs(right - 0.2) < 3 * se).all()  # the truth: at chance at every epoch
    kinds = {al.kind for al in alerts if al.severity != "info"}
    assert "acc-at-chance" in kinds and "loss-up-acc-up" not in kinds
