"""Advice never states a guess about the run's future as fact (issue #9, tester 22 F3).

acc-flat-loss-down said "more epochs at this setting buy calibration, not accuracy" and "Accuracy
cannot move until samples cross the threshold, which capacity, the features or label noise in this
data may not allow" on a run whose accuracy went on to climb. Data: tester 21's slow imbalanced run
(tests/data/tester21_slow_climb/README.md: right answers 64 of 117 at epoch 9, flat to about epoch
15, then a slow climb to 95 at epoch 59), a real torch loop's own log."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from conftest import read_runs

from lossacc_tui.analysis.analyzer import Analyzer
from lossacc_tui.analysis.kinds import explain_kind

LOG = Path(__file__).parent / "data" / "tester21_slow_climb" / "train.jsonl"

#: words that state the run's future (or a ceiling) as fact
AS_FACT = ("buy calibration, not accuracy", "cannot move until", "may not allow")


def test_a_flat_accuracy_that_later_climbs_was_never_called_a_ceiling() -> None:
    [run] = read_runs(LOG)
    an = Analyzer(run)
    an.update()
    acc = run.series["val_acc"]
    later_best = float(np.nanmax(acc.raw))
    flat = [a for a in an.alerts if a.kind == "acc-flat-loss-down"]
    assert flat, "the run's flat start (epochs 9-15) opens acc-flat-loss-down"
    for a in flat:
        # the same log shows the accuracy climbing well past the flat range afterwards
        assert later_best > a.evidence["acc_high"] + 0.05
        text = a.explanation
        for words in AS_FACT:
            assert words not in text, (words, a.title)
        # the advice says what decides instead: the accuracy over the next evaluations
        assert "next evaluations decides" in text
        assert "not in the logged numbers" in text
    general = explain_kind("acc-flat-loss-down")
    assert not any(w in general for w in AS_FACT)
    assert "later evaluations decides" in general
