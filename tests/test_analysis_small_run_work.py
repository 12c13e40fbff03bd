"""A small run's analysis does only the work its length and numbers can use (issue #12: a 10-epoch
run's analysis in 1-2 ms), and says the same as the general paths: a validation accuracy frozen for
fewer evaluations than val-frozen needs looks no training loss up, acc-stuck looks up no K for a
chance reading of an accuracy far from 1/K, a track whose points have no full long window computes
no long trend, acc-flat-loss-down runs no rule on a run whose accuracy climbs beyond its flat band,
and acc-stuck none on an accuracy held at a class share while the loss sits well below what a
constant guess scoring it costs. Runs: real numpy softmax regressions (`tests/numpy_training.py`),
analysed whole; compared with every rule run on every chunk (`detectors.base.QUIET_CHUNKS` off)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from lossacc_tui.analysis import Analyzer, stats
from lossacc_tui.analysis.detectors import acc_flat, base, stuck, val_frozen
from lossacc_tui.model import Batch, Run
from tests.numpy_training import softmax_regression

NAMES = ("train_loss", "train_acc", "val_loss", "val_acc")


def _run(seed: int, epochs: int = 10) -> Run:
    rows = softmax_regression(epochs=epochs, seed=seed)
    run = Run("r", "-", "csv")
    cols = {k: np.array([r[k] for r in rows]) for k in NAMES}
    run.add_batch(Batch(epochs, cols, {}, epoch=np.arange(float(epochs))))
    return run


Said = tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], str]


def _said(run: Run) -> Said:
    a = Analyzer(run)
    a.update()
    alerts = [(x.kind, x.severity, x.start, x.end, x.title, x.explanation, str(x.evidence)) for x in a.alerts]
    return alerts, [(s.state, s.start, s.end) for s in a.states], a.summary()


def _counting(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[int]:
    calls = [0]
    real: Callable[..., Any] = getattr(owner, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls


def _general(run_seed: int, monkeypatch: pytest.MonkeyPatch) -> Said:
    with monkeypatch.context() as m:
        m.setattr(base, "QUIET_CHUNKS", False)
        return _said(_run(run_seed))


@pytest.mark.parametrize("seed", [3, 8])
def test_a_short_frozen_validation_accuracy_looks_up_no_training_loss(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seed 3 holds 0.9917 (119 of 120) at all 10 epochs, seed 8 holds its accuracy over the last
    six: frozen, but for fewer than the 2 x 6 evaluations val-frozen opens on."""
    run = _run(seed)
    acc = run.series["val_acc"].values
    assert np.all(acc[-6:] == acc[-1])  # (a frozen window: the kind's first test holds)
    looked = _counting(monkeypatch, val_frozen, "lookup_level")
    said = _said(run)
    assert looked[0] == 0
    assert said == _general(seed, monkeypatch)


def test_acc_stuck_names_no_chance_k_far_from_chance(monkeypatch: pytest.MonkeyPatch) -> None:
    """Seed 4 holds its validation accuracy near 0.88 (acc-stuck reads its windows) with three
    classes, nowhere near 1/K: no K is looked up for a chance reading."""
    run = _run(4)
    backed = _counting(monkeypatch, stuck, "k_backed")
    said = _said(run)
    assert "acc-stuck" in [a[0] for a in said[0]]
    assert backed[0] == 0
    assert said == _general(4, monkeypatch)


def test_ten_points_compute_no_long_trend(monkeypatch: pytest.MonkeyPatch) -> None:
    """The long trend window is 2 x 8 x 3 = 48 evaluations: a 10-epoch run has none full."""
    summed = _counting(monkeypatch, stats, "lag_sum")
    said = _said(_run(0))
    assert summed[0] == 0
    assert said == _general(0, monkeypatch)


def test_a_climbing_accuracy_runs_no_acc_flat_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    """Seed 6's validation accuracy climbs 0.875 -> 0.95 over 10 epochs while its loss falls: no
    window of 8 evaluations (flat_window) holds it within its flat band where the loss fell, so
    acc-flat-loss-down cannot open and keeps the chunk back unjudged."""
    run = _run(6)
    acc = run.series["val_acc"].values
    assert acc[-1] - acc[0] > 0.05  # (the premise: far beyond the flat band)
    judged = _counting(monkeypatch, acc_flat.AccFlatLossDown, "conditions")
    said = _said(run)
    assert judged[0] == 0
    assert "acc-flat-loss-down" not in [a[0] for a in said[0]]
    assert said == _general(6, monkeypatch)


def test_a_held_share_with_a_loss_below_a_constant_guess_runs_no_acc_stuck_rule(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Seed 18 holds 0.85 (102 of 120) from its second epoch on, a share a one-class model could
    score, while its loss falls 0.367 -> 0.317 nats: its level below 0.8 x H(0.85) = 0.338 wherever
    the accuracy is frozen, and every value of the stretch held below 0.95 x H = 0.40. No rule of
    acc-stuck can open (each asks the loss for that much of a constant guess's cost), so none is
    run, and the run says what every rule run on it says."""
    run = _run(18)
    acc = run.series["val_acc"].values
    assert np.all(acc[-9:] == acc[-1]) and 0.5 <= acc[-1] < 1.0  # (the premise: frozen at a share)
    ruled = _counting(monkeypatch, stuck.AccStuck, "_long_share")
    said = _said(run)
    assert ruled[0] == 0  # (on main: the rules ran, the accuracy frozen at a share)
    assert "acc-stuck" not in [a[0] for a in said[0]]
    assert said == _general(18, monkeypatch)
