"""The same training written by different loggers raises the same alert kinds, severities and claims
(#9's "Done when"; tester 15 fault 5): what a format does not carry (a training accuracy, digits)
must not change the reading, and the per-sample facts decide which reading is right."""

from __future__ import annotations

from pathlib import Path

from lossacc_tui.feed import read_finished
from lossacc_tui.source import discover
from tests.numpy_formats import write_formats

Reading = list[tuple[str, str, tuple[tuple[str, str], ...]]]


def _reading(path: Path) -> Reading:
    """Every alert of the log's runs as (kind, severity, sorted (claim id, strength))."""
    feed = read_finished(list(discover(path)))
    return sorted(
        (a.kind, a.severity, tuple(sorted((c.id, c.strength) for c in a.claims)))
        for run in feed.runs
        for a in feed.alerts(run)
    )


def test_a_one_class_model_reads_alike_with_and_without_a_training_accuracy(tmp_path: Path) -> None:
    # a 94/6 split whose inputs carry little signal: Adam drives the model to predict the majority
    # class for every validation sample from epoch 3 on, while its confidence still follows the inputs
    # (the training loss ends below the entropy of the training split's shares)
    paths, facts = write_formats(tmp_path, signal=0.1, lr=1e-2)
    assert all(share == 1.0 for share in facts.pred_major[2:])
    assert facts.acc[-1] == facts.majority[-1]
    readings = {fmt: _reading(p) for fmt, p in paths.items()}
    # JSONL and the printed log carry the training accuracy (frozen at the training split's majority
    # share), the Trainer's state does not: it was a warning with `likely` claims there and an info
    # with `possible` ones in the other two
    assert readings["jsonl"] == readings["hf"] == readings["print"], readings
    stuck = [r for r in readings["jsonl"] if r[0] == "acc-stuck"]
    assert stuck and stuck[0][1] == "warning"
    assert ("one-class-predictor", "likely") in stuck[0][2] and ("at-majority-rate", "likely") in stuck[0][2]
