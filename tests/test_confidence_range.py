"""What a loss and an accuracy allow of the mean confidence (`analysis.confidence_range`), and the
texts that speak of underconfidence, on real PyTorch runs with the per-sample confidences of every
evaluation beside them (tests/data/confidence, made by benchmarks/truth/confidence_runs.py)."""

from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.truth.score import check_json  # noqa: E402
from lossacc_tui.analysis.confidence_range import (  # noqa: E402
    CAL_TOL,
    confidence_high,
    confidence_low,
    confident_mistakes_least_loss,
    underconfidence_least_loss,
    underconfidence_possible,
)

DATA = Path(__file__).parent / "data" / "confidence"
RUNS = ("wine-adam-fast-s1", "cancer-sgd-small-init-s0", "digits-adam-s0")


def _facts(run: str) -> dict[float, dict]:
    rows = [json.loads(x) for x in (DATA / run / "facts.jsonl").read_text().splitlines() if x.strip()]
    return {float(r["epoch"]): r for r in rows}


def _flat_alerts(run: str) -> list[dict]:
    doc = check_json([DATA / run / "train.jsonl"])
    return [a for r in doc["runs"] for a in r["alerts"] if a["kind"] == "acc-flat-loss-down"]


@pytest.mark.parametrize("run", RUNS)
def test_every_real_evaluation_lies_in_the_range_its_loss_and_accuracy_allow(run: str) -> None:
    for r in _facts(run).values():
        loss, acc, conf, k = r["loss"], r["accuracy"], r["mean_conf"], r["k"]
        for kk in (None, k):
            assert confidence_low(loss, acc, kk) - 1e-6 <= conf <= confidence_high(loss, acc) + 1e-6
        if not underconfidence_possible(loss, acc, k):
            assert conf >= acc - CAL_TOL
        if r["confident_wrong_share"] is not None and r["confident_wrong_share"] >= 0.5:
            assert loss >= confident_mistakes_least_loss(acc)


def test_loss_and_accuracy_never_force_underconfidence() -> None:
    for acc in (0.3, 0.6, 0.9, 0.99):
        for loss in (acc and (1 - acc) * math.log(2), 0.05, 0.5, 3.0):
            assert confidence_high(loss, acc) >= acc
        least = underconfidence_least_loss(acc, None)
        assert confidence_low(least, acc, None) == pytest.approx(acc - CAL_TOL)


def test_a_flat_accuracy_at_a_low_loss_is_told_underconfidence_is_ruled_out() -> None:
    # val_acc 0.9815 while val_loss fell to 0.0331: every model with that pair has a mean confidence
    # of 0.9707 or more (the run's: 0.987); the old text argued from the training loss only
    (a,) = _flat_alerts("wine-adam-fast-s1")
    assert not any(c["id"] == "underconfident" for c in a["claims"])
    text = json.dumps(a)
    assert "Underconfidence (mean confidence below accuracy) is no reading here" in text
    m = re.search(r"puts the model's mean confidence at ([0-9.]+) or more", text)
    assert m is not None
    truth = _facts("wine-adam-fast-s1")[float(a["evidence"]["now_x"])]
    assert float(m.group(1)) <= truth["mean_conf"]
    assert truth["mean_conf"] >= truth["accuracy"] - CAL_TOL


@pytest.mark.parametrize("run", ["cancer-sgd-small-init-s0", "digits-adam-s0"])
def test_the_underconfident_reading_states_the_open_range_holding_the_true_confidence(run: str) -> None:
    # (cancer: underconfident in truth; digits: calibrated within 2 points, the other reading)
    facts = _facts(run)
    seen = 0
    for a in _flat_alerts(run):
        for c in (c for c in a["claims"] if c["id"] == "underconfident"):
            seen += 1
            assert c["strength"] == "possible"  # (a pair never forces it)
            text = json.dumps(a)
            m = re.search(r"allow a mean confidence anywhere from ([0-9.]+) \(.*?\) to ([0-9.]+)", text)
            assert m is not None, text
            truth = facts[float(c["end"])]
            assert float(m.group(1)) <= truth["mean_conf"] <= float(m.group(2))
            assert "Per-sample confidences decide" in text or "per-sample confidences" in text
    assert seen
