"""Work shared between detectors within an analysis pass gives the numbers each would compute alone.

Several detectors fit the same validation loss (`span_trend.SpanTrend`: overfitting and
loss-up-acc-up) and read its noise over many evaluations (`LongNoise`: the state band, acc-flat),
and ask for the same binary entropy of the accuracy; `span_memo.MEMO` and `stats.pass_memo`
compute each once a pass. These tests feed real numpy trainings and compare bit for bit with the
same work done without sharing, and the whole analysis (alerts, band) with sharing switched off.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from lossacc_tui.analysis import Analyzer, span_memo, span_trend, stats
from lossacc_tui.analysis.detectors import base_rate
from lossacc_tui.model import Batch, Run
from tests.numpy_training import softmax_regression


def _rows(epochs: int, seed: int) -> dict[str, np.ndarray]:
    """A softmax regression run long past its best: the held-out loss flattens and turns up, so
    spans since the best grow and restart."""
    rows = softmax_regression(epochs=epochs, seed=seed)
    return {k: np.array([r[k] for r in rows]) for k in ("train_loss", "train_acc", "val_loss", "val_acc")}


def _best_idx(y: np.ndarray) -> np.ndarray:
    out = np.zeros(len(y), dtype=np.int64)
    best, at = np.inf, 0
    for i, v in enumerate(y):
        if np.isfinite(v) and v < best:
            best, at = v, i
        out[i] = at
    return out


def _fit_bytes(fit: span_trend.SpanFit) -> bytes:
    return b"".join(
        np.asarray(a).tobytes()
        for a in (fit.t, fit.slope, fit.rise, fit.m, fit.noise, fit.wander, fit.spans, fit.recent, fit.k)
    )


@pytest.mark.parametrize("seed", [0, 1])
def test_feeders_of_one_series_get_what_a_lone_feeder_gets(seed: int) -> None:
    y = _rows(400, seed)["val_loss"]
    bi = _best_idx(y)
    cuts = [0, 7, 8, 150, 151, 300, 400]
    # alone: a fresh instance of each, fed in one piece, nothing shared
    span_trend.forget()
    alone_fit = _fit_bytes(span_trend.SpanTrend().feed(y, np.arange(400), bi))
    span_trend.forget()
    alone_band = np.concatenate(span_trend.LongNoise(span_trend.BAND_WANDER_MIN).feed(y, np.arange(400)))
    span_trend.forget()
    alone_noise = np.concatenate(span_trend.LongNoise().feed(y, np.arange(400)))
    span_trend.forget()
    # shared: two fits, the band's and acc-flat's noise, fed chunk by chunk in turn
    fits = [span_trend.SpanTrend(), span_trend.SpanTrend()]
    band, noise = span_trend.LongNoise(span_trend.BAND_WANDER_MIN), span_trend.LongNoise()
    got_fits: list[list[bytes]] = [[], []]
    got_band, got_noise = [], []
    for a, b in itertools.pairwise(cuts):
        idx = np.arange(a, b)
        got_band.append(np.concatenate(band.feed(y[a:b], idx)))
        for k, fit in enumerate(fits):
            got_fits[k].append(_fit_bytes(fit.feed(y[a:b], idx, bi[a:b])))
        got_noise.append(np.concatenate(noise.feed(y[a:b], idx)))
    span_trend.forget()
    # (chunked output is grouped per chunk: regroup the lone results the same way)
    for k in range(2):
        parts = [np.frombuffer(p).reshape(9, -1) for p in got_fits[k]]
        assert np.concatenate(parts, axis=1).tobytes() == np.frombuffer(alone_fit).reshape(9, -1).tobytes()
    bands = np.concatenate([g.reshape(2, -1) for g in got_band], axis=1)
    noises = np.concatenate([g.reshape(2, -1) for g in got_noise], axis=1)
    assert bands.tobytes() == alone_band.reshape(2, -1).tobytes()
    assert noises.tobytes() == alone_noise.reshape(2, -1).tobytes()
    # the wander needs BAND_WANDER_MIN points for the band, 3 for acc-flat: the shared work kept both
    assert np.isnan(bands[1, : span_trend.BAND_WANDER_MIN - 1]).all()
    assert np.isfinite(noises[1, 20:60]).any()


def _analyse(cols: dict[str, np.ndarray], cuts: list[int]) -> tuple[list[tuple], list[tuple]]:
    run = Run("r", "-", "csv")
    a = Analyzer(run)
    for lo, hi in itertools.pairwise(cuts):
        batch = {k: v[lo:hi] for k, v in cols.items()}
        run.add_batch(Batch(hi - lo, batch, {}, epoch=np.arange(lo, hi, dtype=np.float64)))
        a.update()
    alerts = [(x.kind, x.severity, x.start, x.end, x.title, x.active) for x in a.alerts]
    states = [(s.state, s.start, s.end) for s in a.states]
    return alerts, states


def test_analysis_is_the_same_without_shared_work(monkeypatch: pytest.MonkeyPatch) -> None:
    cols = _rows(500, 2)
    cuts = [0, 40, 41, 200, 500]
    shared = _analyse(cols, cuts)
    assert any(kind == "loss-up-acc-up" for kind, *_ in shared[0]), shared[0]
    monkeypatch.setattr(span_memo.MEMO, "budget", 0)  # nothing kept: each detector computes alone
    monkeypatch.setattr(base_rate, "pass_memo", lambda fn, a: fn(np.asarray(a)))
    assert _analyse(cols, cuts) == shared


def test_ordered_follows_a_growing_column() -> None:
    col = np.zeros(10_000)
    col[:] = np.arange(10_000.0)
    with stats.one_pass():
        assert stats.ordered(col[:5_000])
        assert stats.ordered(col[:10_000])  # extended over the appended part
        col[9_000] = 1.0  # (a new array in real use; here the part past the checked prefix)
        assert stats.ordered(col[:9_000])
    with stats.one_pass():
        assert not stats.ordered(col)
        c2 = np.arange(100.0)
        c2[50] = np.nan
        assert not stats.ordered(c2)
    assert stats.ordered(np.array([np.nan]))  # (one value: as np.all over no pairs)


def test_pass_memo_is_per_pass_and_by_value() -> None:
    calls = []

    def f(a: np.ndarray) -> np.ndarray:
        calls.append(1)
        return a * 2.0

    a = np.linspace(0, 1, 5_000)
    with stats.one_pass():
        first = stats.pass_memo(f, a)
        again = stats.pass_memo(f, a.copy())
        assert again is first and len(calls) == 1
        with pytest.raises(ValueError):
            first[0] = 5.0  # shared: read-only
        b = a.copy()
        b[17] = -1.0
        assert stats.pass_memo(f, b)[17] == -2.0 and len(calls) == 2
    stats.pass_memo(f, a)
    assert len(calls) == 3  # outside a pass: computed each time
