"""Label smoothing (timm's default 0.1, Keras' `label_smoothing=`, HF's `label_smoothing_factor`)
on healthy runs: no critical alert, no `val-loss-unstable` on a loss carried by right answers, and
no `likely` claim that mistakes carry the loss when they do not.

A tester saw a healthy smoothed run paged critical ("val_loss swings 0.0548-0.1891 (x3.5)" at
validation accuracy 1: no mistake, so "inf nats a mistake"), a `confident-mistakes` claim beside
"every sample is classified right", and `mistakes-carry-loss` graded `likely` where the one mistake
carried 2.7 % of the loss: the training loss' fall was read as the model growing more confident,
but a smoothed training loss keeps a floor above the validation loss and says nothing of that.
The runs are real numpy trainings against smoothed targets; the truth is per sample."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import read_runs
from numpy_smoothing import smoothed_run
from numpy_training import keras_csv

from lossacc_tui.analysis import Analyzer


@pytest.mark.parametrize(
    ("seed", "classes", "eps"),
    [(0, 10, 0.1), (1, 10, 0.1), (2, 10, 0.1), (0, 5, 0.2), (2, 3, 0.2), (3, 5, 0.1)],
)
def test_smoothed_runs_get_no_false_page_and_no_false_likely(
    tmp_path: Path, seed: int, classes: int, eps: float
) -> None:
    rows = smoothed_run(classes=classes, eps=eps, seed=seed)
    (run,) = read_runs(keras_csv(tmp_path / "log.csv", rows))
    a = Analyzer(run)
    a.update()
    assert not [al.title for al in a.alerts if al.severity == "critical"]
    for al in a.alerts:
        if al.kind == "val-loss-unstable":
            hi = int(al.evidence["loss_high_x"])
            assert rows[hi]["val_acc"] < 1.0, al.title  # (a rise on right answers alone is no swing)
        for c in al.claims:
            end = rows[int(c.end)]
            if c.id == "confident-mistakes":
                assert end["val_acc"] < 1.0, (al.kind, c.text)
            if c.id == "mistakes-carry-loss" and c.strength in ("follows", "likely"):
                assert end["mistake_share"] > 0.5, (al.kind, c.strength, end["mistake_share"], c.text)
    # the run really is what the test says: training accuracy 1 with a smoothed training loss
    # floored above the validation loss
    assert rows[-1]["train_acc"] == 1.0 and rows[-1]["train_loss"] > rows[-1]["val_loss"]


def _analyse(tmp_path: Path, rows: list[dict[str, float]], classes: int | None = None) -> Analyzer:
    """The run as a Keras CSVLogger file, with the recipe's config.json beside it when `classes` is
    given (timm, Hydra and HF write num_classes there)."""
    if classes is not None:
        (tmp_path / "config.json").write_text(json.dumps({"num_classes": classes}))
    (run,) = read_runs(keras_csv(tmp_path / "log.csv", rows))
    a = Analyzer(run)
    a.update()
    return a


def _at(rows: list[dict[str, float]], x: float) -> dict[str, float]:
    return rows[int(x)]


@pytest.mark.parametrize(
    ("seed", "classes", "eps", "known"),
    [(0, 10, 0.1, False), (1, 10, 0.1, False), (1, 5, 0.1, True), (1, 3, 0.2, False), (2, 3, 0.2, True)],
)
def test_a_smoothed_rise_without_more_mistakes_is_information_read_as_smoothing(
    tmp_path: Path, seed: int, classes: int, eps: float, known: bool
) -> None:
    # main paged every one of these as `overfitting` and `loss-up-acc-up` warnings (val_loss up 95-349 %
    # at validation accuracy 0.99-1), most with "a minority of confidently wrong samples may carry most
    # of the loss" where the mistakes carried 0-10 % of it
    rows = smoothed_run(classes=classes, eps=eps, seed=seed)
    a = _analyse(tmp_path, rows, classes if known else None)
    rises = [al for al in a.alerts if al.kind in ("overfitting", "loss-up-acc-up", "val-loss-unstable")]
    assert rises
    for al in rises:
        ids = {c.id: c for c in al.claims}
        end = _at(rows, al.claims[-1].end)
        start = _at(rows, ids["label-smoothing"].start) if "label-smoothing" in ids else None
        if start is not None and end["n_wrong"] <= start["n_wrong"]:
            # no more mistakes than where the rise began: right answers settling at the smoothed target
            assert al.severity == "info", (al.kind, al.title)
            assert ids["label-smoothing"].strength == "likely"
            # and the text a user reads says so, not that the model learns noise that does not carry over
            assert "label smoothing" in al.explanation and "noise included" not in al.explanation
        for c in al.claims:
            truth = _at(rows, c.end)
            if c.id == "mistakes-carry-loss":
                assert truth["mistake_share"] > 0.5, (al.kind, c.strength, truth["mistake_share"], c.text)
            if c.id == "right-answers-carry-loss":
                assert truth["mistake_share"] < 0.5, (al.kind, c.strength, truth["mistake_share"])
            assert c.id != "confident-mistakes" or truth["val_acc"] < 1.0
    # the reading is there on every rise alert whose training loss sits above the validation loss
    for al in rises:
        if al.kind != "val-loss-unstable":
            assert "label-smoothing" in {c.id for c in al.claims}, (al.kind, al.title)
    assert not [
        al for al in a.alerts if al.severity != "info" and al.kind in ("overfitting", "loss-up-acc-up")
    ]


def test_with_k_known_the_floor_names_the_smoothing_and_bounds_the_mistakes(tmp_path: Path) -> None:
    # K = 10 from the recipe's config.json: the training loss levels off at H(eps, K), which names eps;
    # a mistake then costs at most about ln(K / eps) nats, so right answers carry most of the loss
    rows = smoothed_run(classes=10, eps=0.1, seed=1)
    a = _analyse(tmp_path, rows, 10)
    smooth = [c for al in a.alerts for c in al.claims if c.id == "label-smoothing"]
    assert smooth and all(c.strength == "likely" for c in smooth)
    named = [c.value for c in smooth if c.value is not None]
    assert named and all(0.08 <= v <= 0.12 for v in named), named
    right = [c for al in a.alerts for c in al.claims if c.id == "right-answers-carry-loss"]
    assert any(c.strength == "likely" for c in right)
    for c in right:
        assert _at(rows, c.end)["mistake_share"] < 0.5
    assert "label smoothing" in a.alerts[0].explanation or any(
        "label smoothing" in al.explanation for al in a.alerts
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_real_overfit_on_a_smoothed_run_stays_a_warning(tmp_path: Path, seed: int) -> None:
    # 40 training samples, 256 hidden units: the validation mistakes grow (30 -> 38 of 300 and more)
    # while the smoothed training loss sits at its floor: more mistakes is an overfit, smoothed or not
    rows = smoothed_run(classes=5, eps=0.1, seed=seed, n_train=40, sep=1.2, hidden=256, epochs=60)
    a = _analyse(tmp_path, rows, 5)
    over = [al for al in a.alerts if al.kind == "overfitting"]
    assert over and all(al.severity == "warning" for al in over)
    for al in over:
        more = [c for c in al.claims if c.id == "more-mistakes"]
        assert more and _at(rows, more[0].end)["n_wrong"] > _at(rows, more[0].start)["n_wrong"]
    # ... yet the smoothed training loss falling toward its floor (0.39 nats at training accuracy 1) is
    # no model growing surer: main read it so, and said `likely` that mistakes carry the loss where they
    # carried 41 % (seed 2)
    for al in a.alerts:
        for c in al.claims:
            share = _at(rows, c.end)["mistake_share"]
            if c.strength in ("follows", "likely") and c.id == "mistakes-carry-loss":
                assert share > 0.5, (al.kind, c.strength, share, c.text)
            if c.strength in ("follows", "likely") and c.id == "right-answers-carry-loss":
                assert share < 0.5, (al.kind, c.strength, share, c.text)


def test_a_frozen_accuracy_on_a_smoothed_run_is_no_one_class_model(tmp_path: Path) -> None:
    # tester 10's K-10_smooth-0.1_seed-1 got a `likely` at-majority-rate (0.98, where the most frequent
    # class is 11.7 %) because the smoothed training loss, far above the label entropy at training
    # accuracy 1, was read as a network that fits nothing. This run holds val_accuracy 0.9933 for six
    # evaluations on main, which opened acc-stuck with a one-class reading (12 % predicted as one class)
    rows = smoothed_run(classes=10, eps=0.1, seed=10, epochs=40)
    a = _analyse(tmp_path, rows, 10)
    for al in a.alerts:
        for c in al.claims:
            if c.id == "one-class-predictor":
                assert _at(rows, c.end)["pred_share"] >= 0.9, (al.kind, c.text)
            if c.id == "at-majority-rate":
                assert abs(_at(rows, c.end)["val_acc"] - _at(rows, c.end)["majority"]) < 0.02, c.text
    assert max(r["pred_share"] for r in rows) < 0.2  # (the truth: no model predicting one class)
