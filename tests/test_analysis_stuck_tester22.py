"""acc-stuck's one-class reading on tester 22's plain binary BCE run (issue #9, session 14, tester 22's
F1; tests/data/tester22_binary/README.md says how it was made).

A torch MLP with plain BCEWithLogitsLoss on 100 validation samples (labels 62/38) held val_acc 0.93
for 9 evaluations: the same 7 samples wrong throughout, 67 % of the samples predicted as the majority
class, the loss falling 0.438 -> 0.244. It was a warning with `at-majority-rate (likely)` ("0.93 is
the share of the most frequent class") and `one-class-predictor (likely)`, the held accuracy taken for
the majority share. The values it logged (0.73 ... 0.94, 2 decimals) fit no evaluation set under 80
samples, so 0.93 may leave as few as 6 samples off one class: a handful of hard samples a model
predicting both classes keeps wrong, which a held count cannot tell from a collapse. Now information,
and (session 16) neither reading offered: the loss still falls beyond its noise through the base-rate
cost, as every run falling from ln 2 does; What happened says so and what decides."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import read_runs

from lossacc_tui.analysis import Analyzer

DATA = Path(__file__).parent / "data" / "tester22_binary"
READINGS = ("at-majority-rate", "one-class-predictor")


def test_a_handful_of_hard_samples_held_wrong_is_not_read_as_a_one_class_collapse() -> None:
    text = (DATA / "binary_thresh_truth.jsonl").read_text()
    truth = [json.loads(line) for line in text.splitlines() if line.strip()]
    held = [t for t in truth if 11 <= t["epoch"] <= 19]
    # the premise: 0.93 held with 7 wrong, both classes predicted, the majority share 0.62
    assert all(t["acc"] == 0.93 and t["n_wrong"] == 7 for t in held)
    assert all(t["pred_major_share"] == 0.67 and t["label_major_share"] == 0.62 for t in held)
    assert held[-1]["loss"] < 0.6 * held[0]["loss"]

    (run,) = read_runs(DATA / "binary_thresh.jsonl")
    a = Analyzer(run)
    a.update()
    stuck = [al for al in a.alerts if al.kind == "acc-stuck"]
    assert stuck, [al.kind for al in a.alerts]
    for al in stuck:
        assert al.severity == "info", al.title
        for c in al.claims:
            assert not (c.id in READINGS and c.strength in ("likely", "follows")), c
    # neither reading is offered (both were false here: 67 % predicted as the majority, 0.62 its
    # share): the loss falls beyond its noise through the base-rate cost, as every run falling from
    # ln 2 does, and What happened says so and what decides
    assert all(c.id not in READINGS for al in stuck for c in al.claims), [al.claims for al in stuck]
    text = " ".join(al.explanation for al in stuck)
    assert "still falls beyond its noise" in text and "neither reading is stated" in text
    assert "predicted-class counts decide, or --majority RATE" in text
