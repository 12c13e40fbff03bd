"""A one-class reading of an accuracy says what it needs of the class shares, and is not offered once
the shares rule it out (#9: "possible" claims name what would decide; tester 16 fault 3).

A model predicting one class for 90 % or more of the samples gets at most that class's share of them
right plus the 10 % it predicts otherwise: a reading of accuracy a needs a class holding at least
a - 0.1 of the samples. Nothing else in an accuracy and a loss bounds the shares
(`detectors/one_class.py`), so with the shares unknown the reading stays `possible` and its text
names the share it needs; given with `--majority`, the share decides."""

from __future__ import annotations

from pathlib import Path

from lossacc_tui.analysis.params import Params
from lossacc_tui.feed import read_finished
from lossacc_tui.source import discover
from tests.numpy_smoothing import smoothed_run


def _one_class(path: Path, params: Params | None = None) -> list[tuple[str, str, str]]:
    """(kind, strength, the claim's alternatives) of every one-class-predictor claim of the log."""
    feed = read_finished(list(discover(path)), params)
    return [
        (a.kind, c.strength, c.others)
        for run in feed.runs
        for a in feed.alerts(run)
        for c in a.claims
        if c.id == "one-class-predictor"
    ]


def test_a_near_perfect_model_at_three_decimals_names_the_share_a_one_class_reading_needs(
    tmp_path: Path,
) -> None:
    # 10 balanced classes, label smoothing 0.1: 599 of 600 validation samples right from epoch 4 on,
    # printed to 3 decimals ("0.998") as a console line, no training accuracy, K unknown
    rows = smoothed_run(classes=10, eps=0.1, epochs=30, n_train=1600, n_val=600, sep=2.2, seed=0)
    assert rows[-1]["n_wrong"] == 1 and rows[-1]["pred_share"] < 0.12 and rows[-1]["majority"] < 0.12
    log = tmp_path / "train.log"
    log.write_text(
        "".join(
            f"epoch {e} train_loss {r['train_loss']:.3f} val_loss {r['val_loss']:.3f} "
            f"val_acc {r['val_acc']:.3f}\n"
            for e, r in enumerate(rows)
        )
    )
    # nothing logged bounds the shares (any accuracy is some class's share of some split), so acc-stuck's
    # one-class reading stays possible; before, it named only the predicted-class counts as what decides
    found = _one_class(log)
    assert [(kind, strength) for kind, strength, _ in found] == [("acc-stuck", "possible")]
    assert "needs a class holding at least 89% of the samples val_acc is measured on" in found[0][2]
    # the split's largest class share (11 %) rules it out: before, the claim stayed beside --majority
    assert _one_class(log, Params(majority_rate=rows[-1]["majority"])) == []
