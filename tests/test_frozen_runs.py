"""Runs whose model no step changes (tester 25's F0, F10, F11; session 16): a numpy MLP trained with
Adam at learning rate 0, or whose rate drops to 0 at an epoch (a schedule that ends), logs the same
loss and accuracy on both splits at every evaluation.

F0: acc-stuck read a frozen binary run's held accuracy as the share of the most frequent class
(`at-majority-rate`, likely) with a one-class network first, while the frozen model predicted a mix
of classes (its accuracy no class's share). F11: plateau advised lowering a learning rate the log's
own lr column read as 0. F10: a run that did nothing for 20 evaluations raised information only."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from conftest import read_runs
from numpy_adam import adam_mlp_run, write_keras_csv

from lossacc_tui.analysis import Analyzer
from lossacc_tui.analysis.params import Params

READINGS = ("at-majority-rate", "one-class-predictor")


def _analyse(path: Path) -> Analyzer:
    (run,) = read_runs(path)
    a = Analyzer(run)
    a.update()
    return a


def test_a_frozen_binary_run_is_not_read_as_a_majority_class_predictor(tmp_path: Path) -> None:
    rows, truth = adam_mlp_run(
        seed=1, classes=2, majority=0.8, lr=0.0, n_train=192, epochs=14, label_noise=0.0, wd=0.0
    )
    # the premise: nothing moves, and the frozen model predicts a mix (10 % as the other class), so
    # its accuracy 0.727 is no class's share (a one-class model scores exactly a share)
    assert len({(r["loss"], r["val_loss"], r["val_accuracy"]) for r in rows}) <= 2
    assert np.all(truth["one_class"] < 0.95)
    a = _analyse(write_keras_csv(tmp_path / "frozen.csv", rows))
    for al in a.alerts:
        for c in al.claims:
            assert not (c.id in READINGS and c.strength in ("likely", "follows")), (al.kind, c)
    stuck = [al for al in a.alerts if al.kind == "acc-stuck"]
    said = " ".join(c.text + " " + c.others for al in stuck for c in al.claims if c.id == "at-majority-rate")
    if said:  # (when acc-stuck opens, it names the frozen reading)
        assert "every logged loss and accuracy" in said
    (plateau,) = [al for al in a.alerts if al.kind == "plateau"]
    assert plateau.severity == "warning"
    assert "not updating since epoch 0" in plateau.title
    assert "lowering the learning rate (ReduceLROnPlateau)" not in plateau.explanation


def test_a_schedule_that_ends_at_zero_is_not_told_to_lower_the_learning_rate(tmp_path: Path) -> None:
    rows, _ = adam_mlp_run(
        seed=0,
        classes=2,
        majority=0.8,
        lr=0.003,
        n_train=192,
        epochs=24,
        lr_zero_from=8,
        label_noise=0.05,
        wd=0.0,
    )
    assert rows[7]["lr"] > 0 and all(r["lr"] == 0.0 for r in rows[8:])
    path = tmp_path / "lr0.csv"
    path.write_text(
        "epoch,accuracy,loss,lr,val_accuracy,val_loss\n"
        + "".join(
            f"{i},{r['accuracy']:.6f},{r['loss']:.6f},{r['lr']:.6g},{r['val_accuracy']:.6f},{r['val_loss']:.6f}\n"
            for i, r in enumerate(rows)
        )
    )
    a = _analyse(path)
    (plateau,) = [al for al in a.alerts if al.kind == "plateau"]
    assert plateau.severity == "warning"
    assert "not updating since epoch 8" in plateau.title
    text = plateau.explanation
    assert "learning rate reads 0 from epoch 8" in text
    assert "lowering the learning rate (ReduceLROnPlateau)" not in text
    assert "Lowering the learning rate of this run will not help: it is already 0" in text


def test_a_frozen_three_class_run_below_chance_warns(tmp_path: Path) -> None:
    rows, _ = adam_mlp_run(seed=3, classes=3, lr=0.0, n_train=192, epochs=20, label_noise=0.0, wd=0.0)
    assert rows[0]["val_accuracy"] < 1 / 3  # (the premise: a frozen start below chance)
    (run,) = read_runs(write_keras_csv(tmp_path / "frozen3.csv", rows))
    a = Analyzer(run, Params(n_classes=3))
    a.update()
    warned = [al for al in a.alerts if al.severity != "info"]
    assert any(al.kind == "plateau" and "not updating" in al.title for al in warned), [
        (al.kind, al.severity) for al in a.alerts
    ]
    (plateau,) = [al for al in a.alerts if al.kind == "plateau"]
    assert "below chance" in plateau.explanation


def test_a_healthy_run_is_not_read_as_frozen(tmp_path: Path) -> None:
    rows, _ = adam_mlp_run(seed=0, classes=3, lr=0.01, n_train=192, epochs=40)
    a = _analyse(write_keras_csv(tmp_path / "healthy.csv", rows))
    for al in a.alerts:
        assert "not updating" not in al.title, al.title
