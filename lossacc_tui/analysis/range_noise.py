"""The range of N draws: how far apart N runs' accuracies fall by evaluation noise alone.

N runs of one sweep that do not differ at all still end at different accuracies: each final
evaluation is one draw around the run's level, with the run's own evaluation-to-evaluation noise
sigma. The largest minus the smallest of N such draws (their range) grows with N: on average
d2(N) sigma (1.13 sigma for 2 runs, 2.85 for 8, 3.08 for 10), and it exceeds `range_quantile(N)`
sigma (2.77 for 2, 4.29 for 8) 1 time in 20. A spread of N runs' accuracies is compared with that,
not with one sigma (tester h19t: the demo's 8 runs 6.0 points apart at a per-run noise of 2.6
points, "only 2.3x", were a `runs-disagree` warning; 8 identical runs span 7.4 points on average).

The range's distribution for N independent standard normal draws:
P(R <= w) = N * integral phi(x) (Phi(x + w) - Phi(x))^(N - 1) dx, integrated here on a fixed grid.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

_X = np.linspace(-9.0, 9.0, 3601)  # the integration grid (standard deviations)
_DX = float(_X[1] - _X[0])
_PHI = np.exp(-0.5 * _X**2) / math.sqrt(2 * math.pi)
_CDF = np.array([0.5 * (1 + math.erf(v / math.sqrt(2))) for v in _X.tolist()])


def _cdf_shifted(w: float) -> np.ndarray:
    """Phi(x + w) on the grid (interpolated; 1 beyond it)."""
    return np.interp(_X + w, _X, _CDF, left=0.0, right=1.0)


def range_cdf(n: int, w: float) -> float:
    """P(range of n standard normal draws <= w), w in standard deviations (0 for n < 2 draws
    ... the range of one draw is 0, so 1 then).

    >>> round(range_cdf(2, 1.96 * math.sqrt(2)), 3)
    0.95
    """
    if n < 2:
        return 1.0
    if w <= 0:
        return 0.0
    inner = np.clip(_cdf_shifted(w) - _CDF, 0.0, 1.0) ** (n - 1)
    return float(min(1.0, n * np.sum(_PHI * inner) * _DX))


@lru_cache(maxsize=256)
def range_quantile(n: int, q: float = 0.95) -> float:
    """The range (standard deviations) that n independent normal draws exceed with chance 1 - q.

    >>> round(range_quantile(2), 2), round(range_quantile(8), 2)
    (2.77, 4.29)
    """
    if n < 2:
        return 0.0
    lo, hi = 0.0, 12.0
    for _ in range(50):
        mid = (lo + hi) / 2
        if range_cdf(n, mid) < q:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


@lru_cache(maxsize=256)
def range_mean(n: int) -> float:
    """The mean range d2(n) of n independent standard normal draws (standard deviations).

    >>> round(range_mean(2), 3), round(range_mean(8), 3)
    (1.128, 2.847)
    """
    if n < 2:
        return 0.0
    # E[max] - E[min] = integral of 1 - Phi(x)^n - (1 - Phi(x))^n over x
    return float(np.sum(1.0 - _CDF**n - (1.0 - _CDF) ** n) * _DX)


def within_chance(runs: int, ratio: float) -> bool:
    """Whether an accuracy gap of `ratio` times the runs' evaluation-to-evaluation noise is within
    what that noise alone gives `runs` draws (under the range they exceed 1 time in 20:
    `range_noise.range_quantile`); False when the noise is not known (NaN)."""
    return math.isfinite(ratio) and runs >= 2 and ratio < range_quantile(runs)


def noise_words(runs: int, gap: float, noise: float) -> str:
    """The sentence comparing an accuracy gap (fraction) across `runs` runs with the range their
    evaluation noise (fraction: the median of each run's accuracy std over its last evaluations)
    gives that many draws.

    >>> noise_words(8, 0.06, 0.026)[-60:]
    'ch side of the threshold borderline samples fell on at the end.'
    """
    mean, q95 = range_mean(runs), range_quantile(runs)
    sd = (
        f"Each run's accuracy moves by about {noise * 100:.1f} points between its last evaluations; "
        f"{runs} runs that differ only by that noise end, on average, {mean:.2f} x {noise * 100:.1f} = "
        f"{mean * noise * 100:.1f} points apart (the range of {runs} draws), and more than "
        f"{q95 * noise * 100:.1f} points ({q95:.2f}x) 1 time in 20"
    )
    if gap / noise >= q95:
        return (
            f"{sd}: a gap of {gap * 100:.1f} points ({gap / noise:.1f}x) is beyond that, far beyond luck at "
            "the threshold: the runs' predictions differ systematically (training, calibration, or "
            "the data or metric each was evaluated with)."
        )
    return (
        f"{sd}: a gap of {gap * 100:.1f} points ({gap / noise:.1f}x) is within that, so these runs need "
        "not disagree at all: the whole gap may be which side of the threshold borderline samples fell on "
        "at the end."
    )
