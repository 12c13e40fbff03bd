"""The wander of a series across the turn at its running best: the spread around two lines joined
at that best (a fall to it, a rise after), which one straight line through the window misses on
both sides (read as noise, it had kept a real overfit's rise hidden for 8 evaluations). Used by
`span_trend.SpanTrend` when it is smaller than the one-line wander."""

from __future__ import annotations

import numpy as np


def segment_rss(
    w0: np.ndarray, w1: np.ndarray, w2: np.ndarray, w3: np.ndarray, a: np.ndarray, c: np.ndarray
) -> np.ndarray:
    """Residual sum of squares around the least-squares line through the points a..c (absolute
    indices, consecutive), from their sums: count w0, y w1, t*y w2, y^2 w3. NaN where a value is not
    finite (count short) or fewer than 2 points."""
    m = c - a + 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        tbar = (a + c) / 2.0
        sxx = m * (m * m - 1.0) / 12.0
        sxy = w2 - tbar * w1
        rss = np.maximum(w3 - w1 * w1 / m - sxy * sxy / sxx, 0.0)
    return np.where((w0 == m) & (m >= 2), rss, np.nan)


def hinge_wander(
    cs: np.ndarray,
    tail: np.ndarray,
    idx: np.ndarray,
    best_idx: np.ndarray,
    wander: np.ndarray,
    long_max: int,
) -> np.ndarray:
    """The spread (nats) around two lines joined at the running best, over the window `_long` reads
    its wander in (the last L points), where the best lies inside it with 3 points or more before
    and 2 after: a loss that fell to its best and turned up (the shape of overfitting) strays from
    one straight line through both by the turn itself, which is no noise (tester 17's HF Trainer run:
    eval_loss 0.42 -> 0.2497 -> 0.3743 in ten evaluations read a "wander" of 0.04 nats beside a
    second-difference noise of 0.011, and the rise waited 8 epochs). Std with n - 4 degrees of
    freedom; NaN elsewhere (`wander` is kept there). cs: this chunk's running sums (7 rows); tail: the
    carried tail before the chunk; shapes (m,)."""
    out = np.full(len(idx), np.nan)
    if len(idx) == 0:
        return out
    t0 = tail.shape[1]
    lookback = np.clip(idx // 10, 10, long_max)
    q = np.arange(len(idx))
    start_pos = t0 + q - lookback  # (running sums through the point before the window)
    full = start_pos >= 0
    n = np.where(full, lookback, idx + 1).astype(np.float64)
    s = idx - n + 1
    b = best_idx
    use = (b >= s + 2) & (b <= idx - 2) & (n >= 7) & np.isfinite(wander)
    if not use.any():
        return out
    # (the rest at those points alone, each from its own sums: a best inside the window is rare on
    # a long run, within LONG_MAX points after each new best)
    at = np.flatnonzero(use)
    q, idx, b, s, n = q[at], idx[at], b[at], s[at], n[at]
    rows = [np.concatenate([tail[r], cs[r]]) for r in range(4)]
    bpos = t0 + q - (idx - b)
    sp, bp, ip = np.maximum(start_pos[at], 0), np.clip(bpos, 0, None), t0 + q

    def seg(lo: np.ndarray, hi: np.ndarray, lo_zero: np.ndarray) -> list[np.ndarray]:
        return [r[hi] - np.where(lo_zero, 0.0, r[lo]) for r in rows]

    first = seg(sp, bp, ~full[at])
    second = seg(bp, ip, np.zeros(len(idx), dtype=bool))
    rss = segment_rss(*first, s.astype(float), b.astype(float)) + segment_rss(
        *second, b + 1.0, idx.astype(float)
    )
    with np.errstate(invalid="ignore"):
        out[at] = np.sqrt(rss / (n - 4.0))
    return out
