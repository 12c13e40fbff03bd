"""A short chunk (a small run, a live update's few new points) takes short paths through the analysis
that give the numbers of the general ones: the loss at the accuracy's last evaluations looked up in
one call (`stuck_windows.ONE_LOOKUP_UNDER`), the first occurrences of a few accuracy values found by a walk
(`gridfeed._SHORT`), the training split's level and the training loss at the validation points
computed once a pass for every kind that reads them (`passmemo.shared_in_pass`), a chunk where a
kind's first rule holds nowhere answered at once (`detectors.base.QUIET_CHUNKS`). These tests feed
real numpy trainings point by point and in pieces, and compare the alerts, their texts and the band
with the general paths forced.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from lossacc_tui.analysis import Analyzer, gridfeed, passmemo
from lossacc_tui.analysis.detectors import base, series_at, stuck_windows, train_join, train_noise
from lossacc_tui.model import Batch, Run
from tests.numpy_adam import adam_mlp_run
from tests.numpy_collapse import dead_relu_run
from tests.numpy_sgd import sgd_run
from tests.numpy_training import softmax_regression

REPO = Path(__file__).resolve().parents[1]
NAMES = {"accuracy": "train_acc", "loss": "train_loss", "val_accuracy": "val_acc", "val_loss": "val_loss"}


def _softmax(epochs: int, seed: int, **kw: float) -> dict[str, np.ndarray]:
    rows = softmax_regression(epochs=epochs, seed=seed, **kw)  # type: ignore[arg-type]
    return {k: np.array([r[k] for r in rows]) for k in ("train_loss", "train_acc", "val_loss", "val_acc")}


def _overfit(seed: int) -> dict[str, np.ndarray]:
    """An MLP trained by Adam on 100 samples with 30 % of the labels wrong: it overfits."""
    rows, _ = adam_mlp_run(seed=seed, wd=0.0, label_noise=0.3, n_train=100, epochs=40)
    return {NAMES[k]: np.array([r[k] for r in rows]) for k in NAMES}


def _collapsed(tmp: Path) -> dict[str, np.ndarray]:
    """A ReLU network whose units all die at epoch 3 (its Keras CSV): the accuracy freezes at the
    majority share, the case acc-stuck's windows of the loss are read for."""
    data = np.genfromtxt(dead_relu_run(tmp / "log.csv", 0.7, epochs=14), delimiter=",", names=True)
    return {NAMES[k]: np.asarray(data[k], dtype=np.float64) for k in NAMES}


def _analyse(cols: dict[str, np.ndarray], cuts: list[int]) -> tuple[list[tuple], list[tuple]]:
    run = Run("r", "-", "csv")
    a = Analyzer(run)
    for lo, hi in itertools.pairwise(cuts):
        batch = {k: v[lo:hi] for k, v in cols.items()}
        run.add_batch(Batch(hi - lo, batch, {}, epoch=np.arange(lo, hi, dtype=np.float64)))
        a.update()
    alerts = [
        (x.kind, x.severity, x.start, x.end, x.title, x.active, x.explanation, str(x.evidence))
        for x in a.alerts
    ]
    return alerts, [(s.state, s.start, s.end) for s in a.states]


def _general(monkeypatch: pytest.MonkeyPatch) -> None:
    """Force the general paths: a lookup per row, numpy's first occurrences, nothing shared, every
    rule of a kind run on a chunk where its first rule holds nowhere."""
    monkeypatch.setattr(stuck_windows, "ONE_LOOKUP_UNDER", 0)
    monkeypatch.setattr(base, "QUIET_CHUNKS", False)
    monkeypatch.setattr(gridfeed, "_SHORT", -1)
    alone = lambda key, objs, arrays, compute: compute()  # noqa: E731
    monkeypatch.setattr(series_at, "shared_in_pass", alone)
    monkeypatch.setattr(train_join, "shared_in_pass", alone)
    monkeypatch.setattr(train_noise, "shared_in_pass", alone)


@pytest.mark.parametrize("source", ["collapse", "overfit", "healthy", "fall", "steps"])
def test_short_paths_give_the_general_paths_alerts(
    source: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if source == "collapse":
        cols = _collapsed(tmp_path)
    elif source == "overfit":
        cols = _overfit(0)
    elif source == "steps":  # logged at every SGD step on fresh data: a lucky peak, no fall
        cols = dict(sgd_run(3000, seed=1))
    elif source == "fall":  # a model learning a biased label: 0.879 -> 0.806 on 2,000 samples
        data = np.genfromtxt(
            REPO / "benchmarks" / "eval_data" / "underreported-8.csv", delimiter=",", names=True
        )
        cols = {
            k: np.asarray(data[k], dtype=np.float64)
            for k in ("train_loss", "train_acc", "val_loss", "val_acc")
        }
    else:
        cols = _softmax(40, 1)
    n = len(cols["val_loss"])
    pieces = [
        list(range(n + 1)) if n < 100 else [0, *range(1, 40), 1500, 1501, 1510, n],  # as a live log grows
        [0, 3, 4, 11, n],
        [0, n],
    ]
    short = [_analyse(cols, cuts) for cuts in pieces]
    kinds = {k for alerts, _ in short for k, *_ in alerts}
    want = {
        "collapse": {"acc-stuck"},
        "overfit": {"overfitting", "loss-up-acc-up"},
        "healthy": set(),
        "fall": {"loss-down-acc-down"},
        "steps": set(),
    }[source]
    assert not want or want & kinds, kinds
    with monkeypatch.context() as m:
        _general(m)
        general = [_analyse(cols, cuts) for cuts in pieces]
    assert short == general


def test_levels_read_by_several_kinds_are_computed_once_a_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """A small run with a training split: chance's corroboration (three kinds), overfitting and
    val-degrading read the same levels at the same points; each is computed once a pass."""
    cols = _softmax(12, 0)
    calls = {"level": 0, "train": 0}

    def counted(name: str, fn):  # type: ignore[no-untyped-def]
        def run(*args, **kw):  # type: ignore[no-untyped-def]
            calls[name] += 1
            return fn(*args, **kw)

        return run

    monkeypatch.setattr(base, "QUIET_CHUNKS", False)  # (every rule reads its levels)
    monkeypatch.setattr(series_at, "_lookup_level", counted("level", series_at._lookup_level))
    monkeypatch.setattr(train_join, "_train_level", counted("train", train_join._train_level))
    shared = _analyse(cols, [0, len(cols["val_loss"])])
    once = dict(calls)
    calls.update(level=0, train=0)
    with monkeypatch.context() as m:
        alone = lambda key, objs, arrays, compute: compute()  # noqa: E731
        m.setattr(series_at, "shared_in_pass", alone)
        m.setattr(train_join, "shared_in_pass", alone)
        assert _analyse(cols, [0, len(cols["val_loss"])]) == shared
    assert once["train"] * 2 <= calls["train"], (once, calls)
    assert once["level"] < calls["level"], (once, calls)
    # outside a pass nothing is kept: each call computes
    with passmemo.one_pass():
        pass
    assert passmemo.shared_in_pass(("t",), (), (np.zeros(3),), lambda: np.ones(3)).tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("cut", [3, 9, 17, 30])
def test_a_skipped_span_leaves_the_line_since_the_best_as_a_fit_would(cut: int) -> None:
    """`SpanTrend.skip` (a kind that cannot open on a chunk) moves the line's state on as `feed`
    does: the next chunk's fit is the same, bit for bit, on a real Adam run that overfits."""
    from lossacc_tui.analysis import span_memo, stats
    from lossacc_tui.analysis.span_trend import SpanTrend

    y = _overfit(0)["val_loss"]
    idx = np.arange(len(y))
    _, best_idx = stats.running_extreme(y, np.nan, -1, idx, high=False)
    fed, skipped = SpanTrend(), SpanTrend()
    span_memo.forget()
    fed.feed(y[:cut], idx[:cut], best_idx[:cut])
    skipped.skip(y[:cut], idx[:cut], best_idx[:cut])
    span_memo.forget()  # (the second fit is computed, not handed over from the first)
    a = fed.feed(y[cut:], idx[cut:], best_idx[cut:])
    span_memo.forget()
    b = skipped.feed(y[cut:], idx[cut:], best_idx[cut:])
    for name in ("t", "slope", "rise", "m", "noise", "wander", "spans", "recent", "k"):
        assert getattr(a, name).tobytes() == getattr(b, name).tobytes(), name
    assert np.isfinite(a.noise).any() and np.isfinite(a.t).any()


def test_a_level_quoted_by_a_text_is_the_tracks_level_bit_for_bit() -> None:
    """`level` (the mean of the last `half` values an alert's text quotes) added in plain floats for
    one point gives the bits of the tracks' rolling mean, NaN and inf values in the window too."""
    from lossacc_tui.analysis import stats
    from lossacc_tui.analysis.detectors.series_at import _plain_level

    y = _overfit(1)["val_loss"].copy()
    y[[3, 17, 18]] = [np.nan, np.inf, -0.0]
    for w in (1, 2, 5, 9):
        for j in range(len(y)):
            win = stats.Window(y, j, j + 1, w + 1)
            with np.errstate(all="ignore"):
                want = win.chunk(stats.rolling_mean(win.buf, w))[0]
            assert np.float64(_plain_level(y, j, w)).tobytes() == want.tobytes(), (w, j)
