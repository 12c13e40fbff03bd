"""A run left at chance by a learning rate far too large is not sent to raise it (tester 17, fault 7):
`acc-at-chance` named only "a learning rate that is zero or far too small", even where the training
loss had been above ln K, worse than a uniform guess, before settling at it. And one K on the screen:
the alert read K = 10 from the run's levels while the summary beside it said the number of classes was
unknown. Runs: numpy MLPs (two ReLU layers of 64) trained by SGD with momentum at a learning rate far
too large (tests/numpy_diverge.py): the units die and every sample lands in one class, loss about
ln 10; and tester 17's Keras lr = 3 run (tests/data/tester17_broken/README.md)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from conftest import read_runs
from numpy_diverge import diverging_run, write_jsonl

from lossacc_tui.analysis import Analyzer

DATA = Path(__file__).parent / "data" / "tester17_broken"


def _analyzed(path: Path) -> Analyzer:
    (run,) = read_runs(path)
    a = Analyzer(run)
    a.update()
    return a


def _check(a: Analyzer, first_too_large: bool) -> None:
    (al,) = [al for al in a.alerts if al.kind == "acc-at-chance"]
    why = al.explanation.split("**Why.**", 1)[1].split("**What to check next.**", 1)[0]
    assert "far too large" in why
    if first_too_large:  # the training loss was above ln K first: the large step is named first
        assert "learning rate far too large first" in why
        assert "too small" not in why
    # the summary names the alert's K and says where it comes from (on main: "unknown" beside "K = 10")
    k = al.data["k"]
    line = next(x for x in a.summary().splitlines() if "classes" in x)
    assert f"K = {k}" in line and "not known" in line and "unknown" not in line


# (on main: "a learning rate that is zero or far too small" only; summary "the number of classes is
# unknown (pass --classes K)")
@pytest.mark.parametrize("seed", [0, 1])
def test_numpy_collapse_by_a_huge_step(tmp_path: Path, seed: int) -> None:
    rows, facts = diverging_run(
        epochs=20, growth=1.0, lr=1.0, seed=seed, classes=10, act="relu", hidden=(64, 64)
    )
    assert min(facts["top_share"][-5:]) == 1.0  # (the premise: one class predicted for every sample)
    assert max(r["loss"] for r in rows) > 1.1 * math.log(10)  # (and a training loss above ln 10 first)
    _check(_analyzed(write_jsonl(tmp_path / "metrics.jsonl", rows)), first_too_large=True)


def test_tester17_keras_lr3() -> None:
    _check(_analyzed(DATA / "keras_lr3_training.log"), first_too_large=True)
