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
