"""A multi-label run (5 labels a sample, BCE averaged over them, exact-match accuracy) is not a
metric reading the labels wrongly: its accuracy climbs with training, which a label-format bug's
does not (rw-01: sparse labels, accuracy 0.07-0.10 on both splits while the loss falls). Tester
h19t's real torch run, with its per-sample facts beside it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.truth.score import check_json  # noqa: E402

RUN = REPO / "tests" / "data" / "tester_h19t" / "multilabel"
RW01 = REPO.parent / "shared" / "cases" / "analysis" / "rw-01-tf62460-sparse-acc" / "sparse_labels_stdout.txt"


def not_ce(path: Path) -> dict[str, Any]:
    """The not-cross-entropy claim, with the alert's explanation beside it ("explanation")."""
    doc = check_json([path], [])
    (alert,) = [a for run in doc["runs"] for a in run["alerts"] if a["kind"] == "not-cross-entropy"]
    (claim,) = [c for c in alert["claims"] if c["id"] == "not-cross-entropy"]
    return {**claim, "explanation": alert["explanation"]}


def test_the_facts_are_a_right_metric_on_a_multi_label_loss() -> None:
    facts = [json.loads(x) for x in (RUN / "facts.jsonl").read_text().splitlines()]
    # a single-label mistake costs at least ln 2: these cost less, which only several labels allow
    assert min(f["min_loss_wrong"] for f in facts) < 0.69


def test_a_climbing_accuracy_favours_multi_label_over_a_label_format_bug() -> None:
    claim = not_ce(RUN / "metrics.csv")
    text = claim["text"]
    assert "most likely reads the labels differently" not in text, text
    assert "multi-label" in text and "climbed 0.1633 -> 1" in text, text
    assert "reading the labels differently (sparse vs one-hot) is disfavoured" in claim["explanation"]


@pytest.mark.skipif(not RW01.is_file(), reason="shared cases not beside the repo")
def test_an_accuracy_stuck_near_chance_on_both_splits_keeps_the_metric_reading() -> None:
    claim = not_ce(RW01)
    assert claim["strength"] == "likely"
    assert "most likely reads the labels differently from the loss" in claim["text"]
