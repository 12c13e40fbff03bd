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


def repeat_p(r: int, spread: float, n: int, value: float) -> float:
    """Chance (0-1) that r evaluations in a row are equal when each one lands on the grid k/n
    (k = 0..n) as a normal of std `spread` (fraction) centred on `value` would; 1 when `spread` is
    0 (a series that never moves repeats every time). Raises nothing; NaN inputs give NaN."""
    if not (math.isfinite(spread) and math.isfinite(value)) or n < 1 or r < 1:
        return math.nan
    if spread <= 0:
        return 1.0
    c = value * n  # the repeated value in samples
    s = spread * n  # the spread in samples
    lo = max(0, math.floor(c - 12 * s))
    hi = min(n, math.ceil(c + 12 * s))
    k = np.arange(lo, hi + 1, dtype=np.float64)
    edges = np.concatenate([k - 0.5, [k[-1] + 0.5]])
    cdf = 0.5 * (1.0 + _erf((edges - c) / (s * math.sqrt(2.0))))
    cdf[0] = 0.0 if lo == 0 else cdf[0]
    cdf[-1] = 1.0 if hi == n else cdf[-1]
    q = np.diff(cdf)
    return float(min(1.0, np.sum(q**r)))


def run_by_chance(r: int, spread: float, n: int, value: float, looked: int) -> bool:
    """Whether a run of r equal accuracies (on the grid 1/n, with the series' own noise `spread`,
    a fraction) is what that noise shows by chance somewhere among `looked` evaluations: the chance
    of such a run anywhere is above ALPHA. False when the chance cannot be computed."""
    p = repeat_p(r, spread, n, value)
    if not math.isfinite(p):
        return False
    anywhere = -math.expm1(max(1, looked) * math.log1p(-p)) if p < 1 else 1.0
    return anywhere > ALPHA


def _erf(x: np.ndarray) -> np.ndarray:
    """Elementwise error function (math.erf over an array; the arrays here are short)."""
    return np.vectorize(math.erf, otypes=[np.float64])(x)
