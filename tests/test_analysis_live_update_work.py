"""A live log's update does the work its new record needs (issue #12): a run of equal validation
accuracies that goes on from one update to the next has its chance of repeating judged on the
noise read once, when it first froze, not read again at every record. Runs: a real numpy softmax
regression (`tests/numpy_training.py`) fed an epoch at a time, as `check --follow` and the view
read a growing log; what it says at the end is what the same run analysed at once says."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from lossacc_tui.analysis import Analyzer
from lossacc_tui.analysis.detectors import repeat_chance
from lossacc_tui.model import Batch, Run
from tests.numpy_training import softmax_regression

NAMES = ("train_loss", "train_acc", "val_loss", "val_acc")


def _said(a: Analyzer) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], str]:
    alerts = [(x.kind, x.severity, x.start, x.end, x.title, x.explanation, str(x.evidence)) for x in a.alerts]
    return alerts, [(s.state, s.start, s.end) for s in a.states], a.summary()


def test_a_held_accuracy_read_record_by_record_reads_its_noise_once_a_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    epochs = 100
    rows = softmax_regression(epochs=epochs, seed=0)
    cols = {k: np.array([r[k] for r in rows]) for k in NAMES}
    acc = cols["val_acc"]
    starts = np.flatnonzero(np.concatenate(([True], np.diff(acc) != 0)))
    lengths = np.diff(np.concatenate((starts, [epochs])))
    held = int((lengths >= 6).sum())  # (runs of equal values as long as acc-stuck's window, 6)
    assert held >= 1 and lengths.max() >= 40  # (the premise: 61 epochs at one value at the end)
    reads = [0]
    real = repeat_chance.noise_many

    def counted(*args: Any, **kwargs: Any) -> Any:
        reads[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(repeat_chance, "noise_many", counted)
    run = Run("live", "-", "csv")
    live = Analyzer(run)
    for e in range(epochs):
        run.add_batch(Batch(1, {k: v[e : e + 1] for k, v in cols.items()}, {}, epoch=np.array([float(e)])))
        live.update()
    assert reads[0] <= held  # (on main: read at each of its 61 frozen records)
    whole = Run("whole", "-", "csv")
    whole.add_batch(Batch(epochs, cols, {}, epoch=np.arange(float(epochs))))
    once = Analyzer(whole)
    once.update()
    assert _said(live)[:2] == _said(once)[:2]
    assert "plateau" in [x.kind for x in live.alerts]  # (what the run says: its loss has stopped)
