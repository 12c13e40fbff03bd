"""Checkpoint advice never compares a checkpoint with itself: when the best loss and the best
accuracy are the same evaluation, that checkpoint is named once (tester 9 fault 11: "Compare the
checkpoints at epoch 0 (best val_loss) and 0 (best val_accuracy so far, 0)"). Data:
tests/data/val_permuted/training.log (tester 9's numpy training whose validation labels were
permuted: both bests at epoch 0)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import DEMO

from lossacc_tui.cli import main

DATA = Path(__file__).parent / "data"
SELF = re.compile(r"checkpoints at (epoch|step) ([\d.e+-]+) \([^)]*\) and (?:\1 )?\2 \(")


def _explanations(capsys: pytest.CaptureFixture[str], path: Path) -> list[str]:
    main(["check", "--json", str(path)])
    doc = json.loads(capsys.readouterr().out)
    return [" ".join(a["explanation"].split()) for r in doc["runs"] for a in r["alerts"]]


def test_one_evaluation_best_on_both_is_named_once(capsys: pytest.CaptureFixture[str]) -> None:
    texts = _explanations(capsys, DATA / "val_permuted" / "training.log")
    # (a log in Keras CSVLogger's shape counts epochs from 0: Keras' own number is said beside it)
    both = re.compile(
        r"checkpoint at epoch 0 (?:\(epoch 1 in Keras' [^)]*\) )?holds both the best val_loss and the best"
    )
    advice = [t for t in texts if both.search(t)]
    assert advice, "the rise alert names the one checkpoint that holds both bests"
    assert not any(SELF.search(t) for t in texts)
    assert not any("and 0 (best" in t for t in texts)


def test_two_different_bests_still_name_both_with_their_unit(capsys: pytest.CaptureFixture[str]) -> None:
    texts = _explanations(capsys, DEMO)
    pairs = [
        m
        for t in texts
        for m in re.finditer(r"checkpoints at (epoch|step) (\S+) \(best [^)]*\) and (\S+) (\S+)", t)
    ]
    assert pairs, "a demo run with its best loss and best accuracy at different epochs"
    for m in pairs:
        assert m.group(3) == m.group(1) and m.group(4) != m.group(2)
