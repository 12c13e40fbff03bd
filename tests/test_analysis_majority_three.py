"""A 3-class 85/10/5 model that predicts only the majority class, on real torch and Keras logs
(tester 19's fault F0, issue #9; tests/data/tester19_maj3/README.md says how they were made).

The validation accuracy holds at one count of right answers for 16-23 evaluations and the training
accuracy holds too, while the loss settles (torch) or creeps down (Keras) at or above the 0.476
nats a constant guess scoring that accuracy costs at least. Before, the torch run got only an info
`plateau` ("its latest evaluation is its best") and the Keras run an info `acc-flat-loss-down`:
with three classes the loss neither moved by 10 % over the held stretch (the binary 95/5 path) nor
wobbled like a collapsed network's. Now both get the acc-stuck warning with the one-class reading
`likely`, as the binary 95/5 run does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import read_runs

from lossacc_tui.analysis import Analyzer

DATA = Path(__file__).parent / "data" / "tester19_maj3"


@pytest.mark.parametrize(
    ("log", "truth", "majority"),
    [
        ("torch.jsonl", "torch_truth.jsonl", 0.8167),
        ("torch_print.log", "torch_truth.jsonl", 0.8167),
        ("keras.log", "keras_truth.jsonl", 0.8183),
    ],
)
def test_a_three_class_majority_predictor_is_an_acc_stuck_warning(
    log: str, truth: str, majority: float
) -> None:
    facts = [json.loads(line) for line in (DATA / truth).read_text().splitlines() if line.strip()]
    # the premise, from the per-sample facts: from epoch 5 on nearly every sample is predicted as
    # class 0 and the accuracy is the majority share of the validation split
    late = [f for f in facts if f["epoch"] >= 5]
    assert all(f["top_pred_share"] >= 0.995 and f["top_pred_class"] == 0 for f in late)
    assert sum(abs(f["acc"] - majority) < 1e-4 for f in late) >= 16
    (run,) = read_runs(DATA / log)
    a = Analyzer(run)
    a.update()
    stuck = [al for al in a.alerts if al.kind == "acc-stuck"]
    assert stuck, [(al.kind, al.title) for al in a.alerts]
    al = stuck[-1]
    assert al.severity == "warning", al.title
    strengths = {c.id: c.strength for c in al.claims}
    assert strengths.get("one-class-predictor") == "likely", al.claims
    assert strengths.get("at-majority-rate") == "likely", al.claims
