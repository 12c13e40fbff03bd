"""A loss-up-acc-up alert says the validation loss rises while the accuracy holds or rises, and its
text quotes its span's own numbers.

- It opens only where the logged accuracy holds: tester 19's scikit-learn run (skimb4) had it open
  at epoch 10 on a three-evaluation mean that still held while the logged values went 0.8044, 0.8000,
  0.7744 against 0.8011 at the best loss (then 0.7267): a user read "accuracy holds" of a falling one.
- A closed alert's "highest" numbers are those of its span, not of the evaluations after it that
  confirmed its close (tester 20: "peak 1.0275 at epoch 11" for a span of epochs 8-10), and its title
  says "fell" when the logged accuracy is below where it was by more than the alert's tolerance."""

from __future__ import annotations

import math
import re
from pathlib import Path

from conftest import read_runs
from numpy_smoothing import smoothed_run
from numpy_training import keras_csv

from lossacc_tui.analysis import Analyzer
from lossacc_tui.source import discover

LOG = Path(__file__).parent / "data" / "tester19_skimb4" / "train.log"


def test_it_opens_only_where_the_logged_accuracy_holds() -> None:
    """Read as a live log (one record at a time), the alert is told at the record it opens at: the
    accuracy that record logs is within the alert's tolerance of where it was at the best loss."""
    src = discover(LOG)[0]
    lines = LOG.read_bytes().splitlines(keepends=True)
    analyzer: Analyzer | None = None
    opened = []
    for line in lines:
        src.feed(0, line)
        run = src.runs[0]
        if not run.points:
            continue
        analyzer = analyzer or Analyzer(run)
        for what, al in analyzer.update():
            if what == "opened" and al.kind == "loss-up-acc-up":
                acc = run.by_role("val_acc")
                assert acc is not None
                opened.append((al, float(acc.values[-1])))
    for al, last in opened:
        e = al.evidence
        assert last >= e["best_acc"] - e["acc_tol"], (al.title, last, e["best_acc"], e["acc_tol"])
    assert analyzer is not None
    # (the rise with more mistakes is still a warning: overfitting's)
    assert any(a.kind == "overfitting" and a.severity == "warning" for a in analyzer.alerts)


def test_a_closed_alerts_highest_numbers_are_its_spans_own(tmp_path: Path) -> None:
    """A real numpy training (3 classes, label smoothing 0.1) whose loss-up-acc-up closes when its
    accuracy level falls: the loss was higher at the evaluation that closed it than anywhere in the
    span, and the text had dated its peak there."""
    rows = smoothed_run(classes=3, eps=0.1, seed=2, epochs=60, n_train=200, n_val=600, sep=1.2)
    (run,) = read_runs(keras_csv(tmp_path / "log.csv", rows))
    a = Analyzer(run)
    a.update()
    closed = [al for al in a.alerts if al.kind == "loss-up-acc-up" and not al.active]
    assert closed  # (the case under test)
    loss, acc = run.by_role("val_loss"), run.by_role("val_acc")
    assert loss is not None and acc is not None
    for al in closed:
        assert al.end is not None
        e = al.evidence
        assert al.start <= e["peak_x"] <= al.end and al.start <= e["max_acc_x"] <= al.end, (al, e)
        inside = [k for k, x in enumerate(acc.x("epoch")) if al.start <= x <= al.end]
        text = " ".join(al.explanation.replace("*", "").split())
        quoted = (
            (loss, r"to [0-9.]+ at epoch [0-9]+ \(highest over its span ([0-9.]+) at epoch ([0-9]+)\)"),
            (acc, r"points; highest over its span ([0-9.]+) at epoch ([0-9]+)\)"),
        )
        for series, pattern in quoted:
            span = [float(series.values[k]) for k in inside]
            m = re.search(pattern, text)
            if m is None:  # (no separate highest: the span's last value is its highest)
                assert series is loss and max(span) == span[-1], text
                continue
            assert al.start <= int(m.group(2)) <= al.end, (m.group(0), al.start, al.end)
            assert math.isclose(float(m.group(1)), max(span), abs_tol=6e-4), (m.group(0), max(span))
        if e["best_acc"] - e["now_acc"] > e["acc_tol"]:
            assert " fell " in al.title, al.title
