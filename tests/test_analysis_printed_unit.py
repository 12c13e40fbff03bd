"""A change of one printed unit of an accuracy is no trend.

A tester found `loss-down-acc-down` warning "val_accuracy 0.97 -> 0.96" on a real run evaluated on
100 samples (one sample, 3 -> 4 wrong, while the loss reached its best): values printed with 2
decimals cannot reveal their set's size (every grid as fine as 0.01 fits them), so the drop was
judged against the series' small noise alone. One unit of the printing is now the least change
that counts, whatever the set."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import read_runs
from numpy_training import keras_csv, softmax_regression

from lossacc_tui.analysis import Analyzer


@pytest.mark.parametrize("seed", [2, 4, 6])
def test_one_sample_of_a_100_sample_set_is_no_fall(tmp_path: Path, seed: int) -> None:
    rows = softmax_regression(
        epochs=60, classes=2, seed=seed, lr=0.05, features=8, n_train=200, n_val=100, spread=0.8
    )
    assert all(round(r["val_acc"] * 100) == r["val_acc"] * 100 for r in rows)  # (k/100: 2 decimals)
    (run,) = read_runs(keras_csv(tmp_path / "log.csv", rows))
    a = Analyzer(run)
    a.update()
    one_unit = [
        al.title
        for al in a.alerts
        if al.kind == "loss-down-acc-down"
        and al.severity != "info"
        and al.evidence["peak_acc"] - al.evidence["now_acc"] <= 0.01 + 1e-9
    ]
    assert one_unit == []


@pytest.mark.parametrize("seed", [1, 3])
def test_a_one_unit_accuracy_range_reads_as_a_size_in_points(tmp_path: Path, seed: int) -> None:
    """The explanations said "The accuracy range from epoch 0 to 15 is 1 points": a size in
    percentage points is written "1.0 points", "0.33 points", never "1 points"."""
    rows = softmax_regression(
        epochs=60, classes=2, seed=seed, lr=0.05, features=8, n_train=200, n_val=100, spread=0.8
    )
    (run,) = read_runs(keras_csv(tmp_path / "log.csv", rows))
    a = Analyzer(run)
    a.update()
    text = " ".join(al.explanation for al in a.alerts)
    assert "points" in text
    assert re.findall(r"(?<![\d.])1 points", text) == []
