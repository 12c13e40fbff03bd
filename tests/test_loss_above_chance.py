"""A run broken beyond chance gets a critical alert (tester 17, fault 1): a loss far above ln K, what a
uniform guess costs, with accuracy at chance and the training loss no lower. `acc-at-chance` needs the
loss about ln K, so the worse the divergence, the quieter the tool was: `check` exited 0 with a plateau
note. Runs: numpy MLPs trained by SGD with momentum at a learning rate far too large
(tests/numpy_diverge.py, no schedule), and tester 17's Lightning, Keras and sklearn runs
(tests/data/tester17_broken/README.md says how they were made)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from conftest import read_runs
from numpy_diverge import diverging_run, write_jsonl

from lossacc_tui.analysis import Analyzer
from lossacc_tui.analysis.params import Params

DATA = Path(__file__).parent / "data" / "tester17_broken"


def _alerts(path: Path, classes: int | None = None) -> list:
    (run,) = read_runs(path)
    a = Analyzer(run, Params(n_classes=classes) if classes else None)
    a.update()
    return [al for al in a.alerts if al.kind == "loss-above-chance"]


def _no_placeholders(al) -> None:
    text = al.title + al.explanation
    assert "nan" not in text.lower().replace("nan,", "") and "inf " not in text and "?" not in text


# (on main: no warning or critical alert at all; the kind did not exist)
@pytest.mark.parametrize(("spread", "seed"), [(0.3, 0), (0.3, 1), (0.6, 1)])
@pytest.mark.parametrize("known", [False, True])
def test_a_numpy_run_at_a_huge_learning_rate_is_critical(
    tmp_path: Path, spread: float, seed: int, known: bool
) -> None:
    rows, _ = diverging_run(epochs=15, growth=1.0, lr=5.0, seed=seed, classes=10, hidden=(32,), spread=spread)
    # the premise: both losses far above ln 10 at the end, accuracy well under one half
    assert min(r["val_loss"] for r in rows[-5:]) > 3 * math.log(10) and rows[-1]["loss"] > 3 * math.log(10)
    assert max(r["val_accuracy"] for r in rows) < 0.45
    if known:
        (tmp_path / "hparams.yaml").write_text("num_classes: 10\n")
    (al,) = _alerts(write_jsonl(tmp_path / "metrics.jsonl", rows))
    assert al.severity == "critical" and al.active
    _no_placeholders(al)
    ids = {c.id: c for c in al.claims}
    assert "worse-than-chance" in ids
    if known:  # arithmetic with K: a right answer costs at most ln K, so mistakes carry the rest
        assert ids["worse-than-chance"].strength == "follows"
        assert ids["mistakes-carry-loss"].strength == "follows"
        assert "ln 10" in al.title
    else:  # no K: the text says so and what the numbers still tell
        assert ids["worse-than-chance"].strength == "likely" and "not known" in ids["worse-than-chance"].text
    assert "learning rate far too large" in al.explanation


def test_a_healthy_numpy_run_gets_none(tmp_path: Path) -> None:
    rows, _ = diverging_run(epochs=15, growth=1.0, lr=0.05, seed=0, classes=10, hidden=(32,), spread=0.6)
    (tmp_path / "hparams.yaml").write_text("num_classes: 10\n")
    assert rows[-1]["val_accuracy"] > 0.3  # (the premise: it learns)
    assert _alerts(write_jsonl(tmp_path / "metrics.jsonl", rows)) == []


# (on main: "[info] plateau" only, and exit 0)
@pytest.mark.parametrize("name", ["lightning_lr50_metrics.csv", "keras_lr1e5_training.log"])
def test_tester17_framework_runs_far_above_ln_k(name: str) -> None:
    (al,) = _alerts(DATA / name)
    assert al.severity == "critical" and al.active and al.start == 0
    _no_placeholders(al)


def test_keras_clip_ceiling_named_only_where_the_loss_sits_on_it() -> None:
    (keras,) = _alerts(DATA / "keras_lr1e5_training.log")
    (pl,) = _alerts(DATA / "lightning_lr50_metrics.csv")
    assert "ln 1e7" in keras.explanation  # 14.50629 = 0.9 x ln 1e7
    assert "ln 1e7" not in pl.explanation  # 14.42: within 0.6 % by chance, not a clip


def test_a_training_only_log_stuck_above_ln_k_with_k_known() -> None:
    (al,) = _alerts(DATA / "sklearn_lr5.txt", classes=10)
    assert al.severity == "critical" and al.active
    assert al.start >= 5  # (not while the loss still fell 11.6 -> 3.7)
    assert _alerts(DATA / "sklearn_lr5.txt") == []  # no accuracy and no K: nothing says what chance costs
