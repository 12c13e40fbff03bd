"""Shuffled validation labels with K unknown (tester h19t's real torch run,
tests/data/h19t_shuffled_val_labels: 10 balanced classes, val_accuracy 0.090-0.0975 at all 30
evaluations, val_loss 3.28 -> 13.73, training accuracy 0.591 -> 0.99). `val-unlike-train` had
favoured "classes the training samples do not hold" (`likely`) on an accuracy that sits at 1/10:
unseen classes give an accuracy near 0 (rw-02: 0.0000), not a steady guess's rate. The per-sample
facts beside the log: the same classes and shares in both splits, labels unrelated to inputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lossacc_tui.cli import main

DATA = Path(__file__).parent / "data" / "h19t_shuffled_val_labels"
RW02 = Path("/work/shared/cases/analysis/rw-02-keras4298-valsplit-acc0")


def _alerts(capsys: pytest.CaptureFixture[str], path: Path, *extra: str) -> dict[str, dict]:
    assert main(["check", "--json", *extra, str(path)]) == 0
    (run,) = json.loads(capsys.readouterr().out)["runs"]
    return {a["kind"]: a for a in run["alerts"]}


def test_facts_say_same_classes_in_both_splits() -> None:
    facts = [json.loads(line) for line in (DATA / "facts.jsonl.txt").read_text().splitlines()]
    assert len(facts) == 30
    # no validation class is unseen: the model's answers spread like the labels (about 1/10 each)
    assert all(0.089 <= f["acc"] <= 0.1 and f["pred_major_share"] < 0.15 for f in facts)


def test_an_accuracy_at_one_over_k_favours_unrelated_labels_not_unseen_classes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    alerts = _alerts(capsys, DATA / "metrics.csv")
    claims = {c["id"]: c for c in alerts["val-unlike-train"]["claims"]}
    assert claims["split-unlike-training"]["strength"] == "possible"
    lu = claims["labels-unrelated"]
    # training accuracy 0.591 at the first evaluation: training labels carry signal
    assert lu["strength"] == "likely"
    text = " ".join(alerts["val-unlike-train"]["explanation"].split())
    assert "all 30 evaluations" in text and "K = 9-13" in text
    assert "an accuracy near 0 on them" in text  # what unseen classes would give, said


def test_k_given_still_reads_val_at_chance(capsys: pytest.CaptureFixture[str]) -> None:
    alerts = _alerts(capsys, DATA / "metrics.csv", "--classes", "10")
    assert "val-at-chance" in alerts and "val-unlike-train" not in alerts


@pytest.mark.skipif(not RW02.exists(), reason="shared case rw-02 not on this machine")
def test_an_accuracy_of_zero_keeps_the_unseen_classes_reading(capsys: pytest.CaptureFixture[str]) -> None:
    alerts = _alerts(capsys, RW02 / "minimal.txt")
    claims = {c["id"]: c for c in alerts["val-unlike-train"]["claims"]}
    assert claims["split-unlike-training"]["strength"] == "likely"
    assert "labels-unrelated" not in claims
