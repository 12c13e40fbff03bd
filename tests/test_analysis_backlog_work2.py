"""A backlog's first analysis, second pass (issue #12: a 1,000,000-row log's alerts clearly within
3 s). The shortcuts give what the general paths give: `beyond_best`'s two factors taken once a chunk
(`rise.rise_bar`), the two-line wander only where the best lies inside its window
(`span_hinge.hinge_wander`), a running best's distinct indices without a sort
(`degrading._distinct`); and the analysis reuses freed memory for its temporaries (`heap`)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from lossacc_tui.analysis.detectors.degrading import _distinct
from lossacc_tui.analysis.detectors.rise import beyond_best, rise_bar
from lossacc_tui.analysis.heap import reuse_freed_blocks
from lossacc_tui.analysis.span_hinge import hinge_wander, segment_rss

LONG_MAX = 256


def _losses(rng: np.random.Generator, n: int) -> np.ndarray:
    """A noisy loss that falls then wanders (with a NaN now and then), as a per-step log shows."""
    y = 0.3 + 2.0 * np.exp(-np.arange(n) / (n / 5 + 1)) + rng.normal(0, 0.02, n).cumsum() * 0.05
    y += rng.normal(0, 0.03, n)
    y[rng.random(n) < 0.01] = np.nan
    return y


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**16), n=st.integers(1, 3_000), z=st.sampled_from([0.0, 2.0, 3.5]))
def test_rise_bar_gives_beyond_best(seed: int, n: int, z: float) -> None:
    rng = np.random.default_rng(seed)
    y = _losses(rng, n)
    best = np.fmin.accumulate(y)
    sig = np.abs(rng.normal(0.02, 0.01, n))
    sig[rng.random(n) < 0.05] = np.nan
    idx = np.arange(n, dtype=np.int64) + int(rng.integers(0, 10_000))
    for floor in (None, np.where(rng.random(n) < 0.1, np.nan, np.abs(rng.normal(0.02, 0.02, n)))):
        depth, noise = rise_bar(sig, idx, 10, floor)
        assert np.array_equal(y - best >= (z + depth) * noise, beyond_best(y, best, sig, idx, z, 10, floor))


def _hinge_everywhere(
    cs: np.ndarray, tail: np.ndarray, idx: np.ndarray, best_idx: np.ndarray, wander: np.ndarray
) -> np.ndarray:
    """The two-line wander computed at every point, then kept where the best lies in the window
    (what `hinge_wander` computed before it took those points alone)."""
    t0 = tail.shape[1]
    lookback = np.clip(idx // 10, 10, LONG_MAX)
    q = np.arange(len(idx))
    start_pos = t0 + q - lookback
    full = start_pos >= 0
    n = np.where(full, lookback, idx + 1).astype(np.float64)
    s = idx - n + 1
    b = best_idx
    use = (b >= s + 2) & (b <= idx - 2) & (n >= 7) & np.isfinite(wander)
    rows = [np.concatenate([tail[r], cs[r]]) for r in range(4)]
    bpos = t0 + q - (idx - b)
    sp, bp, ip = np.maximum(start_pos, 0), np.clip(bpos, 0, None), t0 + q

    def seg(lo: np.ndarray, hi: np.ndarray, lo_zero: np.ndarray) -> list[np.ndarray]:
        return [r[hi] - np.where(lo_zero, 0.0, r[lo]) for r in rows]

    first = seg(sp, bp, ~full)
    second = seg(bp, ip, np.zeros(len(idx), dtype=bool))
    rss = segment_rss(*first, s.astype(float), b.astype(float)) + segment_rss(
        *second, b + 1.0, idx.astype(float)
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(use, np.sqrt(rss / (n - 4.0)), np.nan)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**16), n=st.integers(1, 4_000), cut=st.integers(0, 4_000))
def test_hinge_wander_at_the_points_whose_best_is_in_the_window(seed: int, n: int, cut: int) -> None:
    rng = np.random.default_rng(seed)
    y = _losses(rng, n)
    fin = np.isfinite(y)
    v = np.where(fin, y, 0.0)
    t = np.arange(n, dtype=np.float64)
    sums = np.cumsum(np.stack([fin.astype(float), v, t * v, v * v]), axis=1)
    best_idx = np.zeros(n, dtype=np.int64)
    low = np.inf
    for i, val in enumerate(y.tolist()):  # (the running best's index, first on ties)
        if val < low:
            low, best_idx[i] = val, i
        else:
            best_idx[i] = best_idx[i - 1] if i else 0
    k = min(cut, n - 1)  # a chunk from k on, the LONG_MAX columns before it carried as the tail
    tail = sums[:, max(0, k - LONG_MAX) : k]
    cs = sums[:, k:]
    idx = np.arange(k, n, dtype=np.int64)
    wander = np.where(rng.random(n - k) < 0.05, np.nan, 0.01)
    want = _hinge_everywhere(cs, tail, idx, best_idx[k:], wander)
    got = hinge_wander(cs, tail, idx, best_idx[k:], wander, LONG_MAX)
    assert np.array_equal(got, want, equal_nan=True)


@settings(max_examples=100, deadline=None)
@given(values=st.lists(st.integers(-3, 40), max_size=60), running=st.booleans())
def test_distinct_best_indices_equal_np_unique(values: list[int], running: bool) -> None:
    b = np.array(values, dtype=np.int64)
    if running and len(b):
        b = np.maximum.accumulate(b)  # (a running best's index never goes back)
    u, which = _distinct(b)
    assert np.array_equal(u, np.unique(b))
    assert np.array_equal(which, np.searchsorted(np.unique(b), b))


def test_the_analysis_reuses_freed_blocks_once_and_never_raises() -> None:
    first = reuse_freed_blocks()
    assert reuse_freed_blocks() is first  # (set once a process)
    assert isinstance(first, bool)
