"""Decimation keeps every column's min and max; smoothing equals TensorBoard's loop; both incremental."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from lossacc_tui.app.decimate import (
    BLOCK,
    MinMaxBlocks,
    SeriesCache,
    column_minmax,
    ema_debiased,
    plot_points,
)
from lossacc_tui.model import Batch, Run, Series


def tb_smooth(values: list[float], w: float) -> list[float]:
    """TensorBoard's smoothing loop, written out."""
    last, n, out = 0.0, 0, []
    for v in values:
        if not math.isfinite(v):
            out.append(v)
            continue
        last = last * w + (1 - w) * v
        n += 1
        out.append(last / (1 - w**n))
    return out


finite = st.floats(-1e6, 1e6, allow_nan=False)
maybe_bad = st.one_of(finite, st.just(math.nan), st.just(math.inf))


@settings(max_examples=60, deadline=None)
@given(st.lists(maybe_bad, max_size=3000), st.sampled_from([0.0, 0.01, 0.3, 0.6, 0.9, 0.99, 0.999]))
def test_ema_matches_tensorboard(values: list[float], w: float) -> None:
    got, _, _ = ema_debiased(np.array(values, dtype=float), w)
    want = np.array(tb_smooth(values, w)) if w else np.array(values)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-6)


@settings(max_examples=40, deadline=None)
@given(st.lists(finite, min_size=1, max_size=2000), st.lists(st.integers(1, 300), min_size=1, max_size=20))
def test_ema_in_chunks_equals_one_shot(values: list[float], cuts: list[int]) -> None:
    a = np.array(values)
    whole, _, _ = ema_debiased(a, 0.9)
    parts, last, n, pos, k = [], 0.0, 0, 0, 0
    while pos < len(a):
        step = cuts[k % len(cuts)]
        s, last, n = ema_debiased(a[pos : pos + step], 0.9, last, n)
        parts.append(s)
        pos, k = pos + step, k + 1
    np.testing.assert_allclose(np.concatenate(parts), whole, rtol=1e-9, atol=1e-9)


def test_ema_huge_values_do_not_overflow() -> None:
    a = np.array([1e300, 1e300, 1.0] * 2000)
    s, _, _ = ema_debiased(a, 0.6)
    assert np.isfinite(s).all()


@settings(max_examples=80, deadline=None)
@given(
    st.lists(maybe_bad, min_size=1, max_size=5 * BLOCK),
    st.lists(st.integers(0, 5 * BLOCK), min_size=2, max_size=30),
)
def test_column_minmax_equals_brute_force(values: list[float], cuts: list[int]) -> None:
    v = np.array(values)
    bounds = np.clip(np.sort(np.array(cuts)), 0, len(v))
    b = MinMaxBlocks()
    b.sync(v)
    lo, hi = column_minmax(v, b, bounds)
    for c in range(len(bounds) - 1):
        seg = v[bounds[c] : bounds[c + 1]]
        seg = seg[np.isfinite(seg)]
        if len(seg):
            assert lo[c] == seg.min() and hi[c] == seg.max()
        else:
            assert np.isnan(lo[c]) and np.isnan(hi[c])


def make_run(n: int, spike_at: int | None = None) -> Run:
    run = Run("r", "r", "jsonl")
    y = np.linspace(2.0, 1.0, n)
    if spike_at is not None:
        y[spike_at] = 50.0
    run.add_batch(Batch(n=n, values={"loss": y}, present={"loss": None}, step=np.arange(n, dtype=float)))
    return run


def test_a_single_spike_survives_a_million_points() -> None:
    run = make_run(1_000_000, spike_at=777_777)
    cache = SeriesCache(run.series["loss"])
    cache.sync(0.0)
    xs, lo, hi = cache.columns("step", 0, 999_999, 100)
    assert len(xs) == 100 and hi.max() == 50.0
    assert abs(xs[hi.argmax()] - 777_777) < 10_000
    _, py = plot_points(xs, lo, hi, pixel=0.1)
    assert max(py) == 50.0


def test_smoothing_is_computed_on_the_full_series_then_decimated() -> None:
    run = make_run(200_000)
    s = run.series["loss"]
    cache = SeriesCache(s)
    cache.sync(0.9)
    full = np.array(tb_smooth(s.values.tolist()[:5000], 0.9))
    _, lo, hi = cache.columns("step", 0, 4999, 10, smoothed=True)
    for c in range(10):
        seg = full[c * 500 : (c + 1) * 500]
        assert math.isclose(lo[c], seg.min(), rel_tol=1e-9) and math.isclose(hi[c], seg.max(), rel_tol=1e-9)


def test_cache_follows_appends_and_percent_rescale() -> None:
    run = make_run(1000)
    cache = SeriesCache(run.series["loss"])
    cache.sync(0.6)
    run.add_batch(
        Batch(
            n=1000,
            values={"loss": np.full(1000, 7.0)},
            present={"loss": None},
            step=np.arange(1000, 2000, dtype=float),
        )
    )
    cache.sync(0.6)
    xs, _, hi = cache.columns("step", 0, 1999, 20)
    assert hi.max() == 7.0 and len(xs) == 20
    assert not cache.stale(run.series["loss"])
    run.clear()
    run.add_batch(Batch(n=3, values={"loss": np.ones(3)}, present={"loss": None}, step=np.arange(3.0)))
    assert cache.stale(run.series["loss"])


def test_few_points_are_plotted_as_they_are() -> None:
    run = make_run(30)
    cache = SeriesCache(run.series["loss"])
    cache.sync(0.0)
    xs, lo, hi = cache.columns("step", 0, 29, 80)
    assert xs.tolist() == list(range(30)) and (lo == hi).all()
    xs, _, _ = cache.columns("epoch", 0, 29, 80)  # no epoch column: nothing to plot
    assert len(xs) == 0


@settings(max_examples=40, deadline=None)
@given(
    st.lists(maybe_bad, min_size=1, max_size=6 * BLOCK),
    st.lists(st.integers(1, 3 * BLOCK), min_size=1, max_size=8),
    st.sampled_from([0.0, 0.6]),
    st.integers(1, 40),
)
def test_a_growing_series_reduces_to_the_same_columns_as_read_whole(
    values: list[float], chunks: list[int], weight: float, cols: int
) -> None:
    """Appends keep the columns that end before them (`_grown_columns`): every frame's columns equal
    those of the same points reduced from scratch, raw and smoothed, however the points came."""
    total = len(values) + sum(chunks)
    x1 = float(total + 7)  # (the axis as a live plot fixes it: past the last point)
    v = np.array(values + [float(i % 13) for i in range(sum(chunks))])
    run = Run("r", "r", "jsonl")
    cache = SeriesCache(run.series.get("loss") or _grow(run, v[:0], 0))
    done = 0
    for n in [len(values), *chunks]:
        _grow(run, v[done : done + n], done)
        done += n
        s = run.series["loss"]
        if cache.stale(s):
            cache = SeriesCache(s)
        cache.sync(weight)
        fresh = SeriesCache(s)  # (raw values: a cache that saw them all at once)
        fresh.sync(weight)
        for smoothed in (False, True):
            got = cache.columns("step", 0.0, x1, cols, smoothed=smoothed)
            if smoothed:  # (the smoothed values as this cache computed them, piece by piece: reduced whole)
                kept, cache._grown = cache._grown, None
                want = cache._reduce("step", 0.0, x1, cols, smoothed)
                cache._grown = kept
            else:
                want = fresh.columns("step", 0.0, x1, cols)
            for a, b in zip(got, want, strict=True):
                np.testing.assert_array_equal(a, b)


def _grow(run: Run, values: np.ndarray, start: int) -> Series:
    n = len(values)
    step = np.arange(start, start + n, dtype=float)
    run.add_batch(Batch(n=n, values={"loss": values}, present={"loss": None}, step=step))
    return run.series["loss"]
