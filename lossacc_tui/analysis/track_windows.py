"""A track's windows over the newest points of its buffer that only their extremes decide: the
accuracy's range (max - min) over its flat, unstable and stuck windows, and the largest rise inside
each window of the validation loss (its swings). Every output for point t is a max or min of the
points t - w + 1 .. t (NaN ignored), exact, so chunking cannot change it. Units: the series'."""

from __future__ import annotations

import numpy as np

from lossacc_tui.analysis import stats
from lossacc_tui.analysis.passmemo import quiet


def ranges(buf: np.ndarray, windows: list[int]) -> dict[int, np.ndarray]:
    """max - min over the last w points for each w in `windows`, growing one window a lag at a
    time and recording it at each requested size (NaN ignored)."""
    n = len(buf)
    want = set(windows)
    out: dict[int, np.ndarray] = {1: np.zeros(n)} if 1 in want else {}
    top = max(windows)
    if top > 1 and n * top <= stats.LAGGED_MAX and not (buf == 0.0).any():
        # (a short buffer: running extremes across its lagged copies, left to right as the loop
        # below; not with a zero in it, whose sign a tie of 0.0 and -0.0 may take from either side)
        lags = stats.lagged(buf, top)
        his, los = np.fmax.accumulate(lags, axis=1), np.fmin.accumulate(lags, axis=1)
        for w in want - {1}:
            out[w] = his[:, w - 1] - los[:, w - 1]
        return out
    hi, lo = buf.copy(), buf.copy()
    for j in range(1, max(windows)):
        if j < n:
            np.fmax(hi[j:], buf[: n - j], out=hi[j:])
            np.fmin(lo[j:], buf[: n - j], out=lo[j:])
        if j + 1 in want:
            out[j + 1] = hi - lo
    return out


def swing(buf: np.ndarray, w: int, ratio_floor: float, abs_floor: float) -> tuple[np.ndarray, np.ndarray]:
    """Largest rise inside each window of w points, as a factor (max over a < b of y[b] / y[a])
    and in absolute terms (y[b] - y[a]); positive finite values only, scanned oldest first.

    Exact where the window's max/min allows a rise of at least `ratio_floor` and `abs_floor`;
    elsewhere the returned values are those bounds of the window (smaller than the floors), which
    is all the detectors compare against.
    """
    n = len(buf)
    pos = np.where(np.isfinite(buf) & (buf > 0), buf, np.nan)
    if w > 1 and n * w <= stats.LAGGED_MAX:  # (`stats.rolling_extreme` of both sides, one layout)
        lags = stats.lagged(pos, w)
        hi, lo = np.fmax.reduce(lags, axis=1), np.fmin.reduce(lags, axis=1)
    else:
        hi = stats.rolling_extreme(pos, w, high=True)
        lo = stats.rolling_extreme(pos, w, high=False)
    with quiet(invalid="ignore", divide="ignore"):
        ratio = hi / lo
        rise = hi - lo
        cand = np.flatnonzero((ratio >= ratio_floor) & (rise >= abs_floor))
    cand = cand[cand >= w - 1]
    if len(cand) and w > 1:
        # each candidate window oldest first, a row each: the trough before each later point, and
        # the largest rise from it (the loop below, its lags reduced left to right: the same bits)
        win = pos[(cand - w + 1)[:, None] + np.arange(w)]
        trough = np.fmin.accumulate(win[:, :-1], axis=1)
        with quiet(invalid="ignore", divide="ignore"):
            ratio[cand] = np.fmax.reduce(win[:, 1:] / trough, axis=1)
            rise[cand] = np.fmax.reduce(win[:, 1:] - trough, axis=1)
    elif len(cand):
        trough = pos[cand - w + 1].copy()
        best = np.full(len(cand), np.nan)
        best_abs = np.full(len(cand), np.nan)
        for j in range(1, w):
            cur = pos[cand - w + 1 + j]
            with quiet(invalid="ignore", divide="ignore"):
                np.fmax(best, cur / trough, out=best)
                np.fmax(best_abs, cur - trough, out=best_abs)
            np.fmin(trough, cur, out=trough)
        ratio[cand], rise[cand] = best, best_abs
    ratio[: min(n, w - 1)] = np.nan
    rise[: min(n, w - 1)] = np.nan
    return ratio, rise
