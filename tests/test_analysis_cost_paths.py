"""The cheaper paths of a long analysis give the answers of the plain computations they replace,
bit for bit (a detector's decision never depends on which path ran):

- `span_trend.span_rise` decides a point far from every threshold by bounds, and computes
  `looks_threshold` (in plain floats, `_t_quantile_one`) only near one;
- `gridfeed.first_seen_pieces` finds first occurrences piece by piece, and a feeder stops feeding a
  settled grid;
- `base_rate.one_sample_apart` rules out a third level without sorting;
- `stats.ordered` remembers how far a column is ordered from one analysis pass to the next.
And the whole: a long per-step run (bench_keys' Keras log, whose rising validation loss asks for a
new threshold at every point) fed at once and in appends gives the same alerts.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.viewbench.logs import curves
from lossacc_tui.analysis import Analyzer, span_threshold, span_trend, stats
from lossacc_tui.analysis.detectors.guess import PRINT_HALF_STEP, one_sample_apart
from lossacc_tui.analysis.gridfeed import GridFeeder, first_seen, first_seen_pieces
from lossacc_tui.analysis.resolution import GridEstimate, step_floor
from lossacc_tui.analysis.track import NLikelyAt, Track
from lossacc_tui.model import Batch, Run
from lossacc_tui.series import Growable


def test_threshold_in_floats_is_the_array_formula_bit_for_bit() -> None:
    rng = np.random.default_rng(1)
    ms = np.concatenate([np.arange(3, 400), rng.integers(3, 3_000_000, 1_500)])
    for m in ms.tolist():
        for spans in (1, 7, int(rng.integers(1, 5000))):
            p = span_trend.ALPHA / (spans * (1.0 + math.log2(m)))
            want = float(span_trend.t_quantile(1.0 - p, np.array(m - 2.0)))
            assert span_threshold._t_quantile_one(1.0 - p, m - 2.0) == want


def _rise_one_by_one(fit: span_trend.SpanFit, best: np.ndarray, rel: float) -> np.ndarray:
    t, rise, m = fit.t, fit.rise, fit.m
    with np.errstate(invalid="ignore"):
        cand = (rise >= rel * np.abs(best)) & (rise > 0) & (t > 2.0) & (m >= span_trend.MIN_SPAN)
    out = np.zeros(len(t), dtype=bool)
    for k in np.flatnonzero(cand).tolist():
        out[k] = bool(t[k] >= span_trend.looks_threshold(int(m[k]), int(fit.spans[k])))
    return out


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 2**16), top=st.sampled_from([50, 5_000, 2_000_000]), fams=st.sampled_from([2, 3000])
)
def test_span_rise_by_bounds_equals_a_threshold_per_point(seed: int, top: int, fams: int) -> None:
    rng = np.random.default_rng(seed)
    n = 1500
    m = np.sort(rng.integers(0, top, n)).astype(float)
    m[rng.random(n) < 0.01] = np.nan
    spans = np.sort(rng.integers(0, fams, n)).astype(float)
    t = rng.normal(3.2, 1.0, n)
    t[rng.random(n) < 0.01] = np.nan
    for k in rng.integers(0, n, 40).tolist():  # (points exactly at, and one ulp around, their threshold)
        if m[k] >= span_trend.MIN_SPAN:
            th = span_trend.looks_threshold(int(m[k]), int(spans[k]))
            t[k] = float(rng.choice([th, np.nextafter(th, 0.0), np.nextafter(th, 9.0)]))
    rise, best = rng.normal(0.1, 0.1, n), rng.normal(1.0, 0.1, n)
    fit = span_trend.SpanFit(t, t, rise, m, t, t, spans, t, t)
    for rel in (0.0, 0.05):
        assert np.array_equal(span_trend.span_rise(fit, best, rel), _rise_one_by_one(fit, best, rel))


@settings(max_examples=15, deadline=None)
@given(
    n=st.integers(0, 40_000),
    digits=st.sampled_from([2, 4, 6]),
    given_k=st.integers(0, 300),
    seed=st.integers(0, 2**16),
)
def test_first_occurrences_in_pieces_are_those_of_a_full_sort(
    n: int, digits: int, given_k: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    acc = np.round(0.5 + 0.4 * rng.random(n), digits)
    given_set = set(acc[:given_k].tolist())
    pieces = list(first_seen_pieces(acc, given_set))
    got = np.concatenate([np.empty(0, dtype=np.int64), *pieces])
    assert got.tolist() == first_seen(acc, given_set).tolist()


def test_a_settled_grid_is_fed_no_more_and_reads_as_fed_value_by_value() -> None:
    rng = np.random.default_rng(3)
    # a per-step accuracy printed with 6 decimals: hundreds of distinct values, so the grid settles
    acc = np.round(0.6 + 0.3 * rng.random(30_000), 6)
    one = GridEstimate(4)
    n_want, step_want = [], []
    for v in acc.tolist():
        got = one.feed(v)
        n_want.append(math.nan if got is None else float(got))
        step_want.append(np.fmax(step_floor(one.n_fit), one.printed_unit))
    feeder = GridFeeder(GridEstimate(4))
    parts = [feeder.feed_many(acc[a:b]) for a, b in ((0, 5), (5, 20_000), (20_000, 30_000))]
    n_got = np.concatenate([p[0] for p in parts])
    step_got = np.concatenate([p[1] for p in parts])
    assert feeder.grid.settled
    assert np.array_equal(n_got, np.array(n_want), equal_nan=True)
    assert np.array_equal(step_got, np.array(step_want), equal_nan=True)
    assert feeder.calls < 2_000  # (not one call per distinct value: 30,000 of them)


def test_one_sample_apart_without_sorting_answers_as_with_it() -> None:
    rng = np.random.default_rng(5)
    for _ in range(300):
        n = int(rng.integers(2, 400))
        k = int(rng.integers(50, 3000))
        levels = rng.integers(0, k, 3) / k
        vals = rng.choice(levels[: int(rng.integers(1, 4))], n)
        lv = np.unique(vals)
        want = False
        if len(lv) == 2:
            gap = float(lv[1] - lv[0])
            lo = max(2, math.floor(1.0 / (gap + 2 * PRINT_HALF_STEP)))
            hi = (
                100_000
                if gap <= 2 * PRINT_HALF_STEP
                else min(100_000, math.ceil(1.0 / (gap - 2 * PRINT_HALF_STEP)))
            )
            if hi >= lo:
                ns = np.arange(lo, hi + 1, dtype=np.float64)[:, None]
                c = lv[None, :] * ns
                whole = np.abs(c - np.rint(c)) <= ns * PRINT_HALF_STEP + 1e-6
                want = bool((whole.all(axis=1) & (np.rint(c[:, 1]) - np.rint(c[:, 0]) == 1)).any())
        assert one_sample_apart(vals) == want


def test_ordered_is_remembered_across_passes_and_sees_appends() -> None:
    col = Growable(8)
    col.extend(np.arange(100.0))
    with stats.one_pass():
        assert stats.ordered(col.view())
    col.extend(np.array([100.0, 101.0]))  # (room left: the same memory, two more values)
    with stats.one_pass():
        assert stats.ordered(col.view())
    col.extend(np.array([50.0]))
    with stats.one_pass():
        assert not stats.ordered(col.view())
    # a new column at whatever address, values out of order from the start: never taken for the old
    for _ in range(20):
        fresh = np.arange(200.0)[::-1].copy()
        with stats.one_pass():
            assert not stats.ordered(fresh)
        del fresh


def _keys_run(n: int) -> dict[str, np.ndarray]:
    e, acc, loss, va, vl = curves(0, n, np.random.default_rng(0), 0.004)
    return {"epoch": e, "accuracy": acc, "loss": loss, "val_accuracy": va, "val_loss": vl}


def _feed(run: Run, cols: dict[str, np.ndarray], lo: int, hi: int) -> None:
    vals = {k: v[lo:hi] for k, v in cols.items() if k != "epoch"}
    run.add_batch(Batch(hi - lo, vals, {}, epoch=cols["epoch"][lo:hi]))


def test_a_long_rising_run_at_once_equals_appends() -> None:
    n = 12_000
    cols = _keys_run(n)
    run = Run("keys", "-", "csv")
    _feed(run, cols, 0, n)
    whole = Analyzer(run)
    whole.update()
    want = [a.to_dict() for a in whole.alerts]
    assert len(want) >= 3
    run2 = Run("keys", "-", "csv")
    parts = Analyzer(run2)
    pos = 0
    for hi in (3_000, 3_001, 3_011, 8_000, 11_990, n):
        _feed(run2, cols, pos, hi)
        parts.update()
        pos = hi
    assert [a.to_dict() for a in parts.alerts] == want


def test_evaluation_set_sizes_of_a_chunk_at_once_are_those_point_by_point() -> None:
    rng = np.random.default_rng(0)
    track = Track.__new__(Track)  # (only its record of where n_likely changed is read)
    track.series = SimpleNamespace(eval_size=None)  # (no size printed by the log)
    for _ in range(100):
        at = sorted(set(rng.integers(0, 1000, int(rng.integers(0, 8))).tolist()))
        track.n_likely_changes = [(a, [None, 0, 50, 400][int(rng.integers(0, 4))]) for a in at]
        idx = np.sort(rng.integers(-5, 1100, 300))
        want = np.array([float(track.n_likely_at(int(i)) or 0) for i in idx])
        assert np.array_equal(NLikelyAt(track).many(idx), want)


def test_the_band_read_after_every_append_equals_a_fresh_analysis() -> None:
    # (the band's cut points are looked up once and remembered while appends cannot change them)
    n = 6_000
    cols = _keys_run(n)
    run = Run("keys", "-", "csv")
    live = Analyzer(run)
    pos = 0
    for hi in (2_000, 2_001, 2_500, 2_510, 4_000, 4_003, 5_500, n):
        _feed(run, cols, pos, hi)
        live.update()
        _ = live.states, live.summary()
        pos = hi
    fresh = Analyzer(run)
    fresh.update()
    assert [s.to_dict() for s in live.states] == [s.to_dict() for s in fresh.states]
    assert len(fresh.states) >= 3 and live.summary() == fresh.summary()
