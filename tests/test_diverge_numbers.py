"""Numbers that agree with each other on diverging runs (tester 15, fault 7).

The runs: numpy MLPs (two ReLU layers of 64) trained by SGD with momentum whose learning rate
triples every epoch (tests/numpy_diverge.py): in one epoch the training loss reaches 1e22-1e31 and
the weights overflow in its last step, so the validation loss is NaN at that epoch's end while the
validation loss before it was still within 3x its best. On main the `non-finite` alert called that
"a sudden numerical fault" because "the value before it was near the best", beside a training loss
of 1.4e31 in the same epoch."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from conftest import read_runs
from numpy_diverge import diverging_run, write_jsonl

from lossacc_tui.analysis import Analyzer
from lossacc_tui.analysis.quantities import fmt


def _analysed(tmp_path: Path, seed: int) -> tuple[list[dict[str, float]], Analyzer]:
    rows, _ = diverging_run(epochs=10, growth=3.0, seed=seed, act="relu", hidden=(64, 64), lr=0.02)
    (run,) = read_runs(write_jsonl(tmp_path / "metrics.jsonl", rows))
    a = Analyzer(run)
    a.update()
    return rows, a


@pytest.mark.parametrize("seed", [44, 56])
def test_a_nan_beside_an_exploded_training_loss_is_a_divergence(tmp_path: Path, seed: int) -> None:
    rows, a = _analysed(tmp_path, seed)
    k = next(i for i, r in enumerate(rows) if not math.isfinite(r["val_loss"]))
    # the premise: that epoch's training loss is finite and huge, the validation loss before near its best
    assert math.isfinite(rows[k]["loss"]) and rows[k]["loss"] > 1e6
    assert rows[k - 1]["val_loss"] < 3 * min(r["val_loss"] for r in rows[:k])
    (nf,) = [al for al in a.alerts if al.kind == "non-finite" and al.data.get("subject") == "val_loss"]
    assert "sudden numerical fault" not in nf.explanation
    assert fmt(rows[k]["loss"]) in nf.explanation  # the training loss beside it is named
    assert [c.strength for c in nf.claims if c.id == "diverging"] == ["likely"]


@pytest.mark.parametrize("seed", [44, 56])
def test_a_best_is_one_number_or_named_as_a_level(tmp_path: Path, seed: int) -> None:
    rows, a = _analysed(tmp_path, seed)
    for al in a.alerts:
        if al.kind != "loss-explosion":
            continue
        name = al.data["subject"]
        m = re.search(r"its best (level )?(\S+)$", al.title)
        assert m is not None, al.title
        upto = int(al.evidence["peak_x"])
        lowest = min(r[name] for r in rows[:upto] if math.isfinite(r[name]))
        if m.group(1) is None:  # "its best V": V is the series' lowest value, which other alerts quote
            assert m.group(2) == fmt(lowest), al.title
        else:  # "its best level V": the text gives the lowest value too
            assert f"lowest single value was {fmt(lowest)}" in al.explanation, al.explanation
    # no underflowed float printed as a probability, no "0% of the loss" beside a positive share
    for al in a.alerts:
        assert "e-324" not in al.explanation and " 0% of" not in al.explanation, al.title
