"""val-at-chance: validation labels shuffled apart from their inputs (or a validation set of another
task). Validation accuracy jitters at 1/K while the validation loss sits far ABOVE ln K and training
fits: the model answers with confidence, right only as often as a guess. main had no reading for it
(tester 10's K-3_val_noise-0.67 and K-5_val_noise-0.8 runs got `overfitting` and `val-frozen` with a
"one class predicted" reading, while the truth had 22-39 % of samples predicted as the most frequent
class). The runs are real numpy trainings; the truth is per sample."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from conftest import read_runs
from numpy_smoothing import smoothed_run
from numpy_training import keras_csv

from lossacc_tui.analysis import Analyzer


def _analyse(tmp_path: Path, rows: list[dict[str, float]], classes: int | None) -> Analyzer:
    if classes is not None:  # (the recipe's config.json names K, as Hydra, timm and HF write it)
        (tmp_path / "config.json").write_text(json.dumps({"num_classes": classes}))
    (run,) = read_runs(keras_csv(tmp_path / "log.csv", rows))
    a = Analyzer(run)
    a.update()
    return a


@pytest.mark.parametrize("classes", [3, 5, 10])
def test_shuffled_validation_labels_get_a_chance_reading_naming_the_labels(
    tmp_path: Path, classes: int
) -> None:
    rows = smoothed_run(classes=classes, eps=0.0, seed=0, shuffle_val_labels=True)
    a = _analyse(tmp_path, rows, classes)
    (al,) = [al for al in a.alerts if al.kind == "val-at-chance"]
    assert al.severity == "warning"
    (c,) = [c for c in al.claims if c.id == "labels-unrelated"]
    assert c.strength == "likely"  # (the training accuracy was far above 1/K at the first evaluation)
    end = rows[int(c.end)]
    # the truth: accuracy at chance, the loss far above ln K, and no one-class model behind it
    assert abs(end["val_acc"] - 1 / classes) <= 3 * math.sqrt((1 / classes) * (1 - 1 / classes) / 300)
    assert end["val_loss"] > 1.5 * math.log(classes) and end["pred_share"] < 0.5
    assert f"1/{classes}" in al.title and "ln" in al.title
    # no claim says the loss sits at ln K (it is far above it)
    assert not [c for x in a.alerts for c in x.claims if c.id == "at-chance"]


def test_memorised_random_labels_leave_the_reading_open(tmp_path: Path) -> None:
    # labels without signal in both splits: the model memorises its training labels (training accuracy
    # 0.31 = 1/3 at the first evaluation, 1.0 at the end); the validation labels are unrelated to its
    # answers too, but the numbers no longer favour a fault in the validation labels alone
    rows = smoothed_run(classes=3, eps=0.0, seed=0, random_labels=True, hidden=256, epochs=60, n_train=200)
    a = _analyse(tmp_path, rows, 3)
    (al,) = [al for al in a.alerts if al.kind == "val-at-chance"]
    (c,) = [c for c in al.claims if c.id == "labels-unrelated"]
    assert c.strength == "possible" and "memorised" in c.others
    assert rows[0]["train_acc"] < 0.5 and rows[-1]["train_acc"] == 1.0


@pytest.mark.parametrize("classes", [3, 10])
def test_no_chance_reading_on_a_healthy_run_or_without_k(tmp_path: Path, classes: int) -> None:
    healthy = smoothed_run(classes=classes, eps=0.0, seed=1)
    known, sub = tmp_path / "k", tmp_path / "nok"  # (sibling folders: a config is read up the tree)
    known.mkdir()
    sub.mkdir()
    assert not [al for al in _analyse(known, healthy, classes).alerts if al.kind == "val-at-chance"]
    shuffled = smoothed_run(classes=classes, eps=0.0, seed=1, shuffle_val_labels=True)
    # K unknown: 1/accuracy does not name K (0.23 rounds to 4 for a 5-class run), so no reading
    assert not [al for al in _analyse(sub, shuffled, None).alerts if al.kind == "val-at-chance"]
