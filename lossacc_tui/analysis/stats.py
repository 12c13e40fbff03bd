"""Running statistics over the newest points of a series, vectorized and chunking-proof.

Every output for point i is a fixed-order combination of a fixed set of inputs (the few points
before it) or an exact running extreme, so feeding a series in any chunks gives bit-identical
results to one pass. Sums are never carried across points (a prefix sum would make the result
depend on where chunks start, and one exploded value would wreck every later window).

>>> import numpy as np
>>> w = Window(np.array([1.0, 2.0, 4.0, 8.0]), k0=2, k1=4, pad=2)
>>> w.chunk(rolling_mean(w.buf, 2)).tolist()
[3.0, 6.0]
>>> run_lengths(np.array([True, True, False, True]), carry=2).tolist()
[3, 4, 0, 1]
"""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.analysis.lookups import at_or_before, ordered, prefix_sums

# (an analysis pass's shared work and the history lookups have modules of their own; their names stay
# importable from here)
from lossacc_tui.analysis.npcalls import nonzero1
from lossacc_tui.analysis.passmemo import one_pass, pass_memo, quiet, same_bits

__all__ = [
    "SECOND_DIFF_SCALE",
    "RunningBest",
    "Window",
    "at_or_before",
    "debiased_ema",
    "ema_weights",
    "ffill_index",
    "lag_sum",
    "one_pass",
    "ordered",
    "pass_memo",
    "prefix_sums",
    "rolling_extreme",
    "rolling_mean",
    "rolling_sum",
    "run_lengths",
    "running_extreme",
    "same_bits",
    "second_diff_noise",
    "smooth",
]

#: E|x_t - 2 x_{t-1} + x_{t-2}| = SECOND_DIFF_SCALE * sigma for independent Gaussian noise.
SECOND_DIFF_SCALE = math.sqrt(6.0) * math.sqrt(2.0 / math.pi)


class Window:
    """Points [k0, k1) of a series plus `pad` points before them (NaN before the series starts).

    Arrays computed over `buf` (length pad + m) are 'extended'; `chunk(a, lag)` gives the values
    at the chunk's points shifted back by `lag` points.
    """

    __slots__ = ("buf", "k0", "m", "pad")

    def __init__(self, values: np.ndarray, k0: int, k1: int, pad: int, first: int = 0) -> None:
        # `first`: the absolute index of values[0] (a series whose oldest points are folded)
        start, k1r = k0 - first - pad, k1 - first
        if start >= 0:
            self.buf = np.array(values[start:k1r], dtype=np.float64)
        else:
            self.buf = np.concatenate([np.full(-start, np.nan), np.asarray(values[:k1r], dtype=np.float64)])
        self.k0, self.m, self.pad = k0, k1 - k0, pad

    def chunk(self, ext: np.ndarray, lag: int = 0) -> np.ndarray:
        s = self.pad - lag
        return ext[s : s + self.m]

    @property
    def index(self) -> np.ndarray:
        """Absolute point indices of the chunk."""
        return np.arange(self.k0, self.k0 + self.m)


def rolling_sum(buf: np.ndarray, w: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Sum of the finite values among buf[t-w+1..t], newest first, and their count (None: all w;
    then the first w - 1 outputs are partial sums, which callers never read).

    Non-finite values count as missing. When they are few (padding before the series start, a
    NaN stretch), counts start at w and lose one for each window a missing value falls in.

    >>> s, c = rolling_sum(np.array([1.0, np.nan, 3.0]), 2)
    >>> s.tolist(), c.tolist()
    ([1.0, 1.0, 3.0], [1, 1, 1])
    """
    n = len(buf)
    fin = np.isfinite(buf)
    bad = nonzero1(~fin) if not fin.all() else None
    if bad is None:
        vals = buf
    else:
        vals = buf.copy()
        vals[bad] = 0.0
    s = vals.copy()
    with quiet(over="ignore"):  # values near the float maximum (a logged 1e308) sum to inf
        for j in range(1, min(w, n)):
            s[j:] += vals[: n - j]
    if bad is None:
        return s, None
    if bad[-1] == len(bad) - 1:  # (only a stretch before the series start: the padding of its first chunk)
        return s, _lead_counts(n, w, len(bad))
    if len(bad) * w <= 4 * n:
        c = np.full(n, w, dtype=np.int32)
        c[: w - 1] = np.arange(1, min(w, n + 1))[: min(w - 1, n)]
        hit = (bad[:, None] + np.arange(w)).ravel()
        np.subtract.at(c, hit[hit < n], 1)
        return s, c
    ones = fin.view(np.int8)
    c8 = ones.astype(np.int16 if w > 127 else np.int8)
    for j in range(1, min(w, n)):
        c8[j:] += ones[: n - j]
    return s, c8


def _lead_counts(n: int, w: int, lead: int) -> np.ndarray:
    """`rolling_sum`'s counts over n points whose first `lead` are missing and the rest finite
    (int32, read-only; the same array for the same arguments: every small run's first chunk)."""
    key = (n, w, lead)
    got = _LEAD.get(key)
    if got is None:
        t = np.arange(n, dtype=np.int32)
        got = np.maximum(t - np.maximum(t - (w - 1), lead) + 1, 0).astype(np.int32, copy=False)
        got.setflags(write=False)
        if len(_LEAD) >= 256:
            _LEAD.clear()
        _LEAD[key] = got
    return got


#: `_lead_counts`' arrays
_LEAD: dict[tuple[int, int, int], np.ndarray] = {}


def rolling_mean(buf: np.ndarray, w: int) -> np.ndarray:
    """Mean of the finite values in each window of w points (NaN where there are none)."""
    s, c = rolling_sum(buf, w)
    if c is None:
        s /= w
        return s
    with quiet(invalid="ignore", divide="ignore"):
        s /= c
    return s


def rolling_extreme(buf: np.ndarray, w: int, high: bool) -> np.ndarray:
    """Max (high) or min of each window of w points, ignoring NaN (NaN if all are NaN).

    >>> rolling_extreme(np.array([3.0, 1.0, 2.0, np.nan, 0.5]), 2, high=False).tolist()
    [3.0, 1.0, 1.0, 2.0, 0.5]
    """
    op = np.fmax if high else np.fmin
    n = len(buf)
    if w > 1 and n * w <= LAGGED_MAX and not (buf == 0.0).any():
        # (a short buffer: one reduction over its lagged copies; not with a zero in it, whose sign a
        # tie of 0.0 and -0.0 may take from either side, the loop's and the reduction's differently)
        return op.reduce(lagged(buf, w), axis=1)  # type: ignore[no-any-return]
    out = buf.copy()
    for j in range(1, min(w, n)):
        op(out[j:], buf[: n - j], out=out[j:])
    return out


#: the most values (points x window) that `lagged` lays out at once: a small run's buffers (tens of
#: points) reduce its windows in one call each, where a backlog's block (up to 2^17 points) keeps
#: a pass a lag, with no (n, w) copy
LAGGED_MAX = 4096


def lagged(buf: np.ndarray, w: int, fill: float = math.nan) -> np.ndarray:
    """(n, w) copy of the 1-d `buf` whose row t holds buf[t], buf[t - 1], ..., buf[t - w + 1] (`fill`
    before the start): a reduction over its axis 1, left to right, takes the values in the order a
    loop over the lags does (the same bits for max, min and integer sums)."""
    n = len(buf)
    at = _LAG_AT.get((n, w))
    if at is None:
        at = np.maximum(np.arange(1, n + 1)[:, None] - np.arange(w)[None, :], 0)
        if len(_LAG_AT) >= 64:
            _LAG_AT.clear()
        _LAG_AT[(n, w)] = at
    return np.concatenate((np.array([fill], dtype=buf.dtype), buf))[at]


#: `lagged`'s gather indices per (n, w) (into the buffer with one `fill` value put first)
_LAG_AT: dict[tuple[int, int], np.ndarray] = {}


def second_diff_noise(buf: np.ndarray, w: int) -> np.ndarray:
    """Noise standard deviation from the mean |second difference| over the last w points.

    Removes any linear trend; for independent noise of std s the result estimates s.
    NaN where fewer than two second differences are available.
    """
    n = len(buf)
    d2 = np.empty(n)
    d2[:2] = np.nan
    if n > 2:
        t = d2[2:]
        with quiet(invalid="ignore", over="ignore"):
            np.subtract(buf[2:], buf[1:-1], out=t)
            t -= buf[1:-1]
            t += buf[:-2]
        np.abs(t, out=t)
    s, c = rolling_sum(d2, max(1, w - 2))
    if c is None:
        s /= max(1, w - 2) * SECOND_DIFF_SCALE
        return s
    with quiet(invalid="ignore", divide="ignore"):
        s /= c * SECOND_DIFF_SCALE
    s[c < 2] = np.nan
    return s


def lag_sum(ext: np.ndarray, lags: range) -> np.ndarray:
    """sum_j ext[t - j] over the given lags (NaN propagates, NaN where a lag is missing), fixed order."""
    n = len(ext)
    out = np.full(n, np.nan)
    first = lags[0]
    if first >= n:
        return out
    out[first:] = ext[: n - first]
    for j in lags[1:]:
        if j >= n:
            out[:] = np.nan
            break
        out[j:] += ext[: n - j]
        out[:j] = np.nan
    return out


def ema_weights(beta: float, tol: float = 1e-4, cap: int = 64) -> np.ndarray:
    """Weights (newest first) of a debiased EMA truncated where beta**n < tol.

    TensorBoard smooths with s_t = beta s_{t-1} + (1 - beta) x_t and divides by 1 - beta**(t+1);
    over the last n points that is sum beta**j x_{t-j} / sum beta**j, which these weights apply.

    >>> ema_weights(0.5, tol=0.2).tolist()
    [0.5714285714285714, 0.2857142857142857, 0.14285714285714285]
    """
    if beta <= 0:
        return np.ones(1)
    n = min(cap, max(1, math.ceil(math.log(tol) / math.log(beta))))
    w = beta ** np.arange(n)
    return w / w.sum()


def smooth(buf: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Debiased-EMA smoothing with truncated weights; NaN inputs are skipped and the weights of
    the finite ones renormalised (so a window's start behaves like TensorBoard's debiasing)."""
    if len(weights) == 1:
        return buf.copy()
    fin = np.isfinite(buf)
    vals = np.where(fin, buf, 0.0)
    f = fin.astype(np.float64)
    n = len(buf)
    s = vals * weights[0]
    c = f * weights[0]
    for j in range(1, min(len(weights), n)):
        s[j:] += vals[: n - j] * weights[j]
        c[j:] += f[: n - j] * weights[j]
    with quiet(invalid="ignore", divide="ignore"):
        return np.where(c > 0, s / c, np.nan)


def debiased_ema(values: list[float], beta: float) -> list[float]:
    """Reference TensorBoard smoothing, one value at a time (for tests and documentation).

    >>> [round(v, 3) for v in debiased_ema([1.0, 0.0, 0.0], 0.5)]
    [1.0, 0.333, 0.143]
    """
    out, s = [], 0.0
    for t, x in enumerate(values):
        s = beta * s + (1 - beta) * x
        out.append(s / (1 - beta ** (t + 1)))
    return out


def run_lengths(cond: np.ndarray, carry: int) -> np.ndarray:
    """Length of the run of True ending at each point; `carry` is the run before the chunk."""
    idx = np.arange(len(cond))
    last_false = np.maximum.accumulate(np.where(cond, -1, idx))
    runs = idx - last_false
    head = last_false < 0
    runs[head] += carry
    return np.where(cond, runs, 0)


def running_extreme(
    x: np.ndarray, carry: float, carry_idx: int, index: np.ndarray, high: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Running min (or max) of the finite values of x, continuing from `carry`, and the absolute
    index (from `index`, increasing, each entry above `carry_idx`: the chunk's point indices) where
    it was reached, -1 if none yet. Exact, so chunking cannot matter.

    >>> b, i = running_extreme(np.array([3.0, np.nan, 1.0, 2.0]), 2.0, 7, np.arange(8, 12), high=False)
    >>> b.tolist(), i.tolist()
    ([2.0, 2.0, 1.0, 1.0], [7, 7, 10, 10])
    """
    op = np.fmax if high else np.fmin
    if len(x) == 0:
        return np.empty(0), np.empty(0, dtype=np.int64)
    fin = np.isfinite(x)
    best = op.accumulate(x if fin.all() else np.where(fin, x, np.nan))
    if carry == carry:  # not NaN
        op(best, carry, out=best)
    prev = np.empty_like(best)
    prev[0] = carry
    prev[1:] = best[:-1]
    with quiet(invalid="ignore"):
        changed = (best > prev) if high else (best < prev)
    if carry != carry:  # the first finite value is a new best too
        first = int(np.argmax(~np.isnan(best)))
        if not np.isnan(best[first]):
            changed[first] = True
    # (the index of the last change at or before each point: `index` increases and every entry is
    # above `carry_idx`, so a running maximum finds it, carry_idx before the first)
    return best, np.maximum.accumulate(np.where(changed, index, carry_idx))


def ffill_index(mask: np.ndarray, k0: int, carry: int) -> np.ndarray:
    """For each point, the absolute index of the latest point (at or before it) where mask holds."""
    idx = np.where(mask, np.arange(k0, k0 + len(mask)), -1)
    return np.maximum.accumulate(np.concatenate([[carry], idx]))[1:]


class RunningBest:
    """Index of the best finite value of a growing array, updated from the new values only.

    >>> b = RunningBest(high=True)
    >>> b.update(np.array([0.5, 0.7])), b.update(np.array([0.5, 0.7, 0.6, 0.9]))
    (1, 3)
    """

    __slots__ = ("best", "high", "idx", "seen")

    def __init__(self, high: bool) -> None:
        self.high = high
        self.seen, self.best, self.idx = 0, math.nan, -1

    def update(self, values: np.ndarray) -> int:
        n = len(values)
        if n < self.seen:  # the array was read again from its start
            self.seen, self.best, self.idx = 0, math.nan, -1
        if n > self.seen:
            new = values[self.seen : n]
            fin = np.isfinite(new)
            if fin.any():
                cand = np.where(fin, new, -np.inf if self.high else np.inf)
                k = int(np.argmax(cand) if self.high else np.argmin(cand))
                v = float(cand[k])
                if self.idx < 0 or (v > self.best if self.high else v < self.best):
                    self.best, self.idx = v, self.seen + k
            self.seen = n
        return self.idx
