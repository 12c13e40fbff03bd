"""A `loss-up-acc-up` alert that closes with no new best of the loss says why (tester 19, F2): its
accuracy's level fell twice its tolerance below where it was at the best loss. On main its text said
only "It closes at a new best of val_loss" beside an alert closed while the loss kept rising and no
new best came. The runs: real numpy trainings (label-smoothed) that overfit with more mistakes."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import read_runs
from numpy_smoothing import smoothed_run
from numpy_training import keras_csv

from lossacc_tui.analysis import Analyzer


@pytest.mark.parametrize(("seed", "classes"), [(2, 3), (1, 3)])
def test_an_alert_closed_by_a_falling_accuracy_states_that_rule(
    tmp_path: Path, seed: int, classes: int
) -> None:
    rows = smoothed_run(classes=classes, eps=0.1, seed=seed, epochs=60, n_train=200, n_val=600, sep=1.2)
    (run,) = read_runs(keras_csv(tmp_path / "log.csv", rows))
    a = Analyzer(run)
    a.update()
    val = [r["val_loss"] for r in rows]
    closed = []
    for al in a.alerts:
        if al.kind != "loss-up-acc-up" or al.active:
            continue
        best = min(val[: int(al.end) + 2])
        # (closed with no new best at the evaluation that closed it: the accuracy rule closed it)
        if int(al.end) + 1 < len(val) and val[int(al.end) + 1] > best:
            closed.append(al)
    assert closed  # (the case under test)
    for al in closed:
        text = " ".join(al.explanation.split())
        assert "falls more than twice that tolerance below where it was at the best loss" in text, text
