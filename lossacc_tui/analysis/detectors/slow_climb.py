"""A slow, steady accuracy climb that a flat window cannot see (acc-flat-loss-down's premise).

`acc-flat-loss-down` calls accuracy flat when its range over `flat_window` evaluations stays within
its band (a point, or the binomial standard error of its evaluation set). A climb slower than that
band per window passes every window and adds up to many bands over a span (tester 22's digits run,
Adam lr 5e-5: right answers 174 -> 195 of 300 over epochs 61-77, about 1.3 samples an epoch against
a band of 8.4 samples, read "flat at 0.58-0.65"). `SlowClimb` reads the trend over a longer horizon:
a least-squares line through the last `windows` x `flat_window` evaluations, and one through the
newest `flat_window` of them. The accuracy climbs where the long line rises more than the band across
its evaluations and the newest window's line rises a share of the band across its own (a quarter to
keep an alert from opening, half to close an open one) at a rate of at least KEEP_PACE of the long
line's: a plateau reached by a climb has a long line that rises but a newest window that does not,
or much more slowly.

Each line is fitted to its own window of values only (evaluation index as x, 0 .. w - 1 within the
window; non-finite values left out), so the result at a point is the same whether a log is fed at
once or record by record.
"""

from __future__ import annotations

import numpy as np

from lossacc_tui.analysis.passmemo import quiet

#: flat windows the long trend line spans
WINDOWS = 3
#: share of the band the newest window's line must rise across it, under a long line rising more
#: than the band, for no alert to open (OPEN_SHARE) and for an open one to close (CLOSE_SHARE): a
#: wider margin to close than to open, so a climb in steps does not open and close it at each step
OPEN_SHARE = 0.25
CLOSE_SHARE = 0.5
#: the least share of the long line's rate (per evaluation) the newest window's line must keep for
#: a climb to count: one levelling off to a plateau is not a steady climb (tester 19's 5-class
#: Lightning run: 412 -> 539 of 750 over 10 epochs, then 539 -> 550 over the next 7 and flat)
KEEP_PACE = 0.3
#: windows fitted at once (each row on its own: the block size changes no result)
BLOCK = 4096


class SlowClimb:
    """Per evaluation: the rise (fraction of accuracy) of the fitted lines over the long horizon and
    over the newest window, fed chunk by chunk (the last long-horizon values are carried)."""

    __slots__ = ("long", "short", "tail")

    def __init__(self, flat_window: int, windows: int = WINDOWS) -> None:
        self.short = max(2, flat_window)
        self.long = self.short * max(1, windows)
        self.tail = np.full(self.long - 1, np.nan)

    def feed(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(long rise, newest-window rise) at each value of the chunk `y` (accuracies, shape (n,)):
        the fitted slope times the evaluations between the first and last finite value of each window
        (NaN where a window has fewer than 3 finite values)."""
        win = self._windows(y)
        return _rises(win, 0), _rises(win, self.long - self.short)

    def _windows(self, y: np.ndarray) -> np.ndarray:
        """The long-horizon window ending at each value of the chunk `y` (a read-only view, (n, long));
        the last values are carried to the next chunk."""
        both = np.concatenate([self.tail, np.asarray(y, dtype=np.float64)])
        self.tail = both[len(both) - (self.long - 1) :]
        return np.lib.stride_tricks.sliding_window_view(both, self.long)

    def climbs(self, y: np.ndarray, band: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(rising, climbing) per value of the chunk `y` (accuracies, fractions; bool, shape of y):
        the long line rises more than `band` (fractions, per point or one value) and the newest
        window's line at least OPEN_SHARE of it (no opening there), or at least CLOSE_SHARE of it
        (an open alert closes there), at KEEP_PACE of the long line's rate or more."""
        # (the windows cover the carried values and the chunk: all finite, every window is)
        finite = bool(np.isfinite(self.tail).all() and np.isfinite(y).all())
        win = self._windows(y)
        long = _rises(win, 0, finite)
        with quiet(invalid="ignore"):
            steep = long > band
        if not steep.any():  # (no long line rises beyond the band: neither holds, whatever the newest's)
            return steep, steep.copy()
        short = _rises(win, self.long - self.short, finite)
        with quiet(invalid="ignore"):
            # (and not levelling off: the newest window's line rises at least KEEP_PACE of the long
            # line's rate; a climb slowing to a plateau is not a steady one)
            steep &= short * (self.long - 1) >= KEEP_PACE * long * (self.short - 1)
            return steep & (short >= OPEN_SHARE * band), steep & (short >= CLOSE_SHARE * band)


def _rises(win: np.ndarray, skip: int, finite: bool = False) -> np.ndarray:
    """`_rise` of each row of `win` without its first `skip` columns, in blocks of BLOCK rows
    (bounded temporaries on a long backlog; each row on its own, so the blocks change no result).
    `finite`: every value of every window is known to be finite (no per-row test)."""
    out = np.empty(len(win))
    for lo in range(0, len(win), BLOCK):
        out[lo : lo + BLOCK] = _rise(win[lo : lo + BLOCK, skip:], finite)
    return out


def _rise(win: np.ndarray, finite: bool = False) -> np.ndarray:
    """Rise across each row's finite values of the least-squares line through them (rows: windows of
    evaluations, x = column index); NaN for a row with fewer than 3 finite values. A row with every
    value finite is one weighted sum (`_weights`), the others the general fit: which one a row takes
    depends on that row alone, so the result never depends on how the rows were chunked. `finite`:
    every value is known to be finite (the weighted sum for every row, without testing them)."""
    rise = (win * _weights(win.shape[1])).sum(axis=1)
    if finite:
        return rise
    ok = np.isfinite(win)
    full = ok.all(axis=1)
    if full.all():
        return rise
    u = np.arange(win.shape[1], dtype=np.float64)
    n = ok.sum(axis=1)
    with quiet(invalid="ignore", divide="ignore"):
        um = np.where(ok, u, 0.0).sum(axis=1) / n
        du = np.where(ok, u - um[:, None], 0.0)
        ym = np.where(ok, win, 0.0).sum(axis=1) / n
        dy = np.where(ok, win - ym[:, None], 0.0)
        slope = (du * dy).sum(axis=1) / (du * du).sum(axis=1)
        first = np.where(ok, u, np.inf).min(axis=1)
        last = np.where(ok, u, -np.inf).max(axis=1)
        general = slope * (last - first)
    return np.where(full, rise, np.where(n >= 3, general, np.nan))


_WEIGHTS: dict[int, np.ndarray] = {}


def _weights(w: int) -> np.ndarray:
    """Weights whose sum against w evenly spaced values is the rise of their least-squares line
    across them: (u - mean u) / sum (u - mean u)^2 times (w - 1), u = 0 .. w - 1 (shape (w,))."""
    got = _WEIGHTS.get(w)
    if got is None:
        u = np.arange(w, dtype=np.float64) - (w - 1) / 2.0
        got = _WEIGHTS[w] = u / float((u * u).sum()) * (w - 1)
    return got
