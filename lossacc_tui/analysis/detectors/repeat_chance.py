"""How often an accuracy repeats a value by chance: the probability that r evaluations in a row
land on the same point of the accuracy's 1/n grid when each one moves by the series' own noise,
and whether a run of equal values seen somewhere in a long series is more than that.

An accuracy over n samples is a multiple of 1/n. If consecutive evaluations differ by independent
noise of standard deviation s (a fraction: the series' own evaluation-to-evaluation spread), the
chance that r of them in a row are equal is sum_k q_k^r, where q_k is the chance of landing on
grid point k (a normal of std s centred on the repeated value, binned on the grid; the mass past
0 or 1 piles on the ends, so a perfect score repeats easily). For s much larger than 1/n this is
about (sqrt(2 pi) s n)^(1 - r) / sqrt(r). A run looked for at every one of m evaluations turns up
somewhere with chance 1 - (1 - p)^m (the look-elsewhere correction, as in any multiple-testing
text): a 64-sample accuracy at 0.875 (s about 2.6 samples) repeats 6 times with p = 3e-5, which a
100,000-evaluation run sees about three times.

>>> p = repeat_p(6, 2.65 / 64, 64, 0.875)
>>> 1e-5 < p < 1e-4
True
>>> run_by_chance(6, 2.65 / 64, 64, 0.875, 100_000)
True
>>> run_by_chance(6, 0.01, 1000, 0.857, 40)
False
"""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.analysis.detectors.base import noise
from lossacc_tui.analysis.features import AccFeatures
from lossacc_tui.model import Series

#: a run of equal values counts as more than chance when the noise would show one like it somewhere
#: in the series with at most this chance (after the look-elsewhere correction)
ALPHA = 0.01


def grid_bins(spread: float, n: int, value: float) -> np.ndarray:
    """Chance (shape (m,), summing to 1) of landing on each grid point k/n near `value` for an
    evaluation that moves by a normal of std `spread` (fraction) centred on `value`; points past 12
    standard deviations are left out, the mass past 0 or 1 piles on the ends. [1.0] when `spread` is
    0 (a series that never moves); empty when an input is not finite or n < 1."""
    if not (math.isfinite(spread) and math.isfinite(value)) or n < 1:
        return np.empty(0)
    if spread <= 0:
        return np.ones(1)
    c = value * n  # the repeated value in samples
    s = spread * n  # the spread in samples
    lo = max(0, math.floor(c - 12 * s))
    hi = min(n, math.ceil(c + 12 * s))
    k = np.arange(lo, hi + 1, dtype=np.float64)
    edges = np.concatenate([k - 0.5, [k[-1] + 0.5]])
    cdf = 0.5 * (1.0 + _erf((edges - c) / (s * math.sqrt(2.0))))
    cdf[0] = 0.0 if lo == 0 else cdf[0]
    cdf[-1] = 1.0 if hi == n else cdf[-1]
    return np.diff(cdf)


def repeat_p(r: int, spread: float, n: int, value: float) -> float:
    """Chance (0-1) that r evaluations in a row are equal when each one lands on the grid k/n
    (k = 0..n) as a normal of std `spread` (fraction) centred on `value` would; 1 when `spread` is
    0 (a series that never moves repeats every time). Raises nothing; NaN inputs give NaN."""
    q = grid_bins(spread, n, value)
    if not len(q) or r < 1:
        return math.nan
    return float(min(1.0, np.sum(q**r)))


def runs_by_chance(q: np.ndarray, r: np.ndarray, looked: np.ndarray) -> np.ndarray:
    """For runs of r[j] equal accuracies (shape (p,)) on grid bins `q` (`grid_bins`), each looked
    for at looked[j] evaluations: whether that noise shows such a run somewhere with a chance above
    ALPHA. All False when q is empty (the chance cannot be computed)."""
    out = np.zeros(len(r), dtype=bool)
    if not len(q):
        return out
    for a in range(0, len(r), 1024):  # (bins x points at a time, bounded)
        rr = r[a : a + 1024].astype(np.float64)
        p = np.minimum(1.0, (q[:, None] ** rr[None, :]).sum(axis=0))
        with np.errstate(divide="ignore"):
            anywhere = np.where(p < 1.0, -np.expm1(np.maximum(1, looked[a : a + 1024]) * np.log1p(-p)), 1.0)
        out[a : a + 1024] = anywhere > ALPHA
    return out


def run_by_chance(r: int, spread: float, n: int, value: float, looked: int) -> bool:
    """Whether a run of r equal accuracies (on the grid 1/n, with the series' own noise `spread`,
    a fraction) is what that noise shows by chance somewhere among `looked` evaluations: the chance
    of such a run anywhere is above ALPHA. False when the chance cannot be computed."""
    return bool(runs_by_chance(grid_bins(spread, n, value), np.array([r]), np.array([looked]))[0])


def _erf(x: np.ndarray) -> np.ndarray:
    """Elementwise error function (math.erf over an array; the arrays here are short)."""
    return np.vectorize(math.erf, otypes=[np.float64])(x)


class ChanceRuns:
    """Follows the runs of equal accuracies of one series chunk by chunk (values within `tol`,
    a fraction) and judges, point by point, whether the run a frozen point belongs to is what the
    series' own noise repeats by chance (`runs_by_chance`). One per series; chunks in order."""

    def __init__(self, tol: float, noise_window: int) -> None:
        self.tol, self.noise_window = tol, noise_window
        # the run of equal accuracies the last chunk ended in: its value, first index, next index
        self._run_val, self._run_start, self._run_next = math.nan, 0, -1
        #: the grid bins of the latest run's noise ((run start, n) -> `grid_bins`)
        self._bins: dict[tuple[int, int], np.ndarray] = {}
        self._beyond: tuple[int, int] | None = None  # (run start, n) of a run found longer than chance
        self.starts = np.zeros(0, dtype=np.int64)  # the latest chunk's run starts (`judge`)

    def judge(self, series: Series | None, acc: AccFeatures, frozen: np.ndarray) -> np.ndarray:
        """Per point of the chunk: True where the accuracy is frozen and its run of equal values
        (all of it, back to where it began) is what the series' own noise shows by chance somewhere
        among the evaluations logged so far (`repeat_chance`): the noise measured just before the
        run began, on the 1/n grid the values reveal. False where n or that noise is not known (too
        few values before the run): the run is then taken as it is."""
        y, idx = acc.y, acc.idx
        tol = self.tol
        with np.errstate(invalid="ignore"):
            same = np.empty(len(y), dtype=bool)
            if len(y):
                same[0] = bool(abs(y[0] - self._run_val) <= tol) and int(idx[0]) == self._run_next
                same[1:] = np.abs(np.diff(y)) <= tol
        start = np.maximum.accumulate(np.where(same, -1, idx))
        start = np.where(start < 0, self._run_start, start)
        self.starts = start  # (the first index of each point's run of equal values, for other kinds)
        if len(y):
            self._run_val, self._run_start, self._run_next = float(y[-1]), int(start[-1]), int(idx[-1]) + 1
        out = np.zeros(len(y), dtype=bool)
        n_eval = acc.n_eval
        if n_eval is None:
            return out
        pts = np.flatnonzero(frozen & np.isfinite(n_eval))
        if not len(pts):
            return out
        st, nn = start[pts], n_eval[pts]
        # (segments of one run and one n: the run starts never decrease, n changes rarely)
        cut = np.flatnonzero((st[1:] != st[:-1]) | (nn[1:] != nn[:-1])) + 1
        for sel in np.split(pts, cut):
            s0, n = int(start[sel[0]]), int(n_eval[sel[0]])
            key = (s0, n)
            if key not in self._bins:
                spread = noise(series, s0 - 1, self.noise_window)
                # (the run's value: every point of it holds the same one)
                self._bins = {key: grid_bins(spread, n, float(y[sel[0]]))}
            if key == self._beyond:
                continue  # (this run was already longer than chance allows: it only grows)
            r = idx[sel] - s0 + 1
            got = runs_by_chance(self._bins[key], r[:64], idx[sel[:64]] + 1)
            if got.all() and len(sel) > 64:
                got = np.concatenate([got, runs_by_chance(self._bins[key], r[64:], idx[sel[64:]] + 1)])
            if not got.all():
                # past the first length chance does not explain, a longer run of the same values is
                # rarer still (its chance falls faster than the places looked at grow)
                got[int(np.argmin(got)) :] = False
                self._beyond = key
            out[sel[: len(got)]] = got
        return out
