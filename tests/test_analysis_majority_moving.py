"""An accuracy that moves around the majority-class rate the user gave (--majority) is near that
rate, not stuck: tester h19t's imbalanced PyTorch run (2,000 validation samples, 6.95 % positives,
majority share 0.9305), whose validation accuracy moved between 0.9205 and 0.9425 while 6-47
predictions changed class at every evaluation (its own per-sample facts, beside the log)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.truth.score import check_json  # noqa: E402

RUN = REPO / "tests" / "data" / "tester_h19t" / "imb_majority_stuck.log"
FACTS = RUN.with_suffix(".facts.jsonl")


def stuck_alerts(*extra: str) -> list[dict[str, Any]]:
    doc = check_json([RUN], list(extra))
    return [a for run in doc["runs"] for a in run["alerts"] if a["kind"] == "acc-stuck"]


def test_the_facts_are_a_moving_accuracy_with_predictions_changing() -> None:
    facts = [json.loads(x) for x in FACTS.read_text().splitlines()]
    accs = [f["acc"] for f in facts]
    assert max(accs) - min(accs) > 0.02
    assert all(f["flips"] > 0 for f in facts[1:])


def test_a_moving_accuracy_near_the_given_rate_is_not_called_stuck_from_its_first_value() -> None:
    (alert,) = stuck_alerts("--majority", "0.9305")
    # not opened on the first evaluation alone (a one-value window is "equal" by construction)
    assert alert["start"] > 1
    title, text = alert["title"], alert["explanation"]
    assert "stuck" not in title, title
    # the title's tolerance covers every value of the span: 0.9205 and 0.9425 are 1.0 and 1.2 points off
    assert "within 1.2 points of the majority-class rate 0.9305" in title, title
    assert "was 0.9305 from epoch 1" not in text
    assert "stayed between 0.9205 and 0.9425" in text, text
    # the favoured reading must not say the predictions stopped changing: the accuracy moved
    assert "none of its predictions on these samples changes" not in text
    assert "does not move" not in text


def test_without_the_rate_nothing_is_stuck() -> None:
    assert stuck_alerts() == []


def test_a_set_size_the_values_do_not_decide_is_not_stated_as_a_fact() -> None:
    # the accuracies fit grids of 1/1999 to 1/2001 (the set held 2,000): a count of samples is said
    # against "about 1,999-2,001", never against "the 1,999 samples"
    doc = check_json([RUN], [])
    text = " ".join(a["explanation"] for run in doc["runs"] for a in run["alerts"])
    assert "of the 1,999 samples" not in text
    assert "of the about 1,999-2,001 samples" in text


def test_the_rate_given_and_the_accuracy_are_not_counted_on_a_size_the_values_leave_open() -> None:
    (alert,) = stuck_alerts("--majority", "0.9305")
    assert "1999 samples apart" not in alert["explanation"]
    assert "(1 of the about 1,999-2,001 samples apart)" in alert["explanation"]
