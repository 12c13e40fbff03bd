"""val-loss-unstable describes one swing its condition found: a rise from a trough to a high inside
one window, with the accuracy of that stretch.

A tester found (a real binary MLP at a high learning rate): "val_loss swings 0.677-3.7457 (x5.5)
while val_accuracy stays 0.5-0.75", the "trough" 0.677 three epochs after the high (a recovery, not a
swing), claims spanning epoch 4 to 1, and an accuracy range over the whole open span, 25 points,
beside "accuracy within 25 points cannot come from the bulk of the data moving"."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from conftest import read_runs
from numpy_batches import batch_eval_run, write_jsonl
from numpy_training import keras_csv, softmax_regression

from lossacc_tui.analysis import Analyzer
from lossacc_tui.analysis.params import Params


@pytest.mark.parametrize("lr", [20.0, 50.0])
def test_the_swing_is_a_rise_with_its_own_accuracy(tmp_path: Path, lr: float) -> None:
    # logistic regression at a learning rate far too high: val_loss jumps and falls back by turns
    rows = softmax_regression(
        epochs=30, classes=2, seed=3, lr=lr, features=4, n_train=480, n_val=100, spread=1.0
    )
    (run,) = read_runs(keras_csv(tmp_path / "log.csv", rows))
    a = Analyzer(run)
    a.update()
    found = [al for al in a.alerts if al.kind == "val-loss-unstable"]
    assert found
    band = Params().unstable_acc_band
    for al in found:
        e = al.evidence
        lo, hi = int(e["loss_low_x"]), int(e["loss_high_x"])
        assert lo < hi  # a trough before its high
        assert hi - lo < Params().unstable_window
        assert (e["loss_low"], e["loss_high"]) == (rows[lo]["val_loss"], rows[hi]["val_loss"])
        accs = [r["val_acc"] for r in rows[lo : hi + 1]]
        assert (e["acc_low"], e["acc_high"]) == (min(accs), max(accs))
        assert max(accs) - min(accs) <= band + 1e-12  # what "barely moves" means here
        title = re.search(r"swings ([0-9.]+)-([0-9.]+) .* stays ([0-9.]+)-([0-9.]+)", al.title)
        assert title is not None, al.title
        assert math.isclose(float(title[1]), e["loss_low"], rel_tol=1e-3)
        assert math.isclose(float(title[3]), min(accs), abs_tol=1e-3)
        for c in al.claims:
            assert c.start <= c.end, (c.id, c.start, c.end)
        assert f"within {100 * (max(accs) - min(accs)):.1f} points" in al.explanation


def test_right_answers_reading_names_the_classes_it_needs(tmp_path: Path) -> None:
    rows = softmax_regression(
        epochs=30, classes=2, seed=3, lr=20.0, features=4, n_train=480, n_val=100, spread=1.0
    )
    (run,) = read_runs(keras_csv(tmp_path / "log.csv", rows))
    a = Analyzer(run)
    a.update()
    text = " ".join(al.explanation for al in a.alerts)
    needs = re.findall(
        r"right answers could carry the rest \(up to ([0-9.]+) nats each.*?\)(, which needs K >= (\d+))?",
        text,
    )
    assert needs
    for nats, clause, k in needs:
        if float(nats) > math.log(2) + 1e-3:  # (more than a binary right answer can cost)
            assert clause and int(k) >= math.exp(float(nats)) - 1, (nats, clause)


@pytest.mark.parametrize("seed", [0, 2])
def test_batch_noise_of_a_healthy_per_step_run_is_no_swing(tmp_path: Path, seed: int) -> None:
    """A healthy run evaluated on a fresh 32-sample batch at every step: the batch's mean loss
    triples now and then from sampling alone (13-23 warnings in 10,000 steps before); the swing must
    stand out of the series' own noise."""
    run = batch_eval_run(10_000, seed=seed, eval_batch=32)
    (r,) = read_runs(write_jsonl(tmp_path / "train.jsonl", run))
    a = Analyzer(r)
    a.update()
    assert [al.title for al in a.alerts if al.kind == "val-loss-unstable"] == []
