"""A binary 95/5 model that predicts only the majority class, on real Keras and torch logs (tester 18's
faults N1 and N2, issue #9; tests/data/imbalance95/README.md says how they were made).

The validation accuracy is 485/510 at every evaluation while the loss falls by half or more, and
every sample is predicted as class 0 (per-sample truth beside each log). Before, the Keras run got
only an info `acc-flat-loss-down` saying "underconfident" (its loss started below the class-share
cost, so the base-rate reading never opened) and the torch run an info `acc-stuck` whose one-class
reading was only `possible`. The count of right answers held to the sample through a stretch where
the loss was at a constant guess's cost favours one class: a warning, `likely`; and a model that
may be calibrated at that share (mean confidence = accuracy) is never called underconfident."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import read_runs

from lossacc_tui.analysis import Analyzer
from lossacc_tui.analysis.alerts import Alert

DATA = Path(__file__).parent / "data" / "imbalance95"


def _alerts(path: Path) -> list[Alert]:
    (log,) = read_runs(path)
    a = Analyzer(log)
    a.update()
    return a.alerts


def _truth(name: str) -> list[dict[str, float]]:
    return [json.loads(line) for line in (DATA / name).read_text().splitlines() if line.strip()]


@pytest.mark.parametrize(
    ("log", "truth"),
    [
        ("keras_cut8.log", "keras_cut8_truth.jsonl"),
        ("torch.jsonl", "torch_truth.jsonl"),
        ("torch_print.log", "torch_truth.jsonl"),
    ],
)
def test_a_majority_class_predictor_is_a_warning_and_never_underconfident(log: str, truth: str) -> None:
    facts = _truth(truth)
    # the premise, from the per-sample facts: every sample predicted as one class at every
    # evaluation, the accuracy that class's share, and the model about calibrated at the end
    assert all(f["top_pred_frac"] == 1.0 for f in facts)
    assert all(abs(f["acc"] - f["majority_share"]) < 1e-9 for f in facts)
    assert abs(facts[-1]["mean_conf"] - facts[-1]["acc"]) < 0.01
    alerts = _alerts(DATA / log)
    stuck = [al for al in alerts if al.kind == "acc-stuck"]
    assert stuck, [al.kind for al in alerts]
    al = stuck[-1]
    assert al.severity == "warning", al.title
    strengths = {c.id: c.strength for c in al.claims}
    assert strengths.get("one-class-predictor") == "likely", al.claims
    assert strengths.get("at-majority-rate") == "likely", al.claims
    for other in alerts:
        for c in other.claims:
            assert c.id != "underconfident", (other.kind, c.text)
