"""The t a loss's rise since its best must reach (`looks_threshold`), and which points of a fit
reach it (`span_rise`, `span_significant`).

The test is repeated after every evaluation, over a span that grows, so it is asked about
log2(m) + 1 roughly independent times for a span of m points (spans that double share half their
points), and each new best starts a new span: the one-sided level `ALPHA` is shared among the spans
so far and the looks at this one (Bonferroni). Student's t quantile for the m - 2 degrees of
freedom (`t_quantile`, a Cornish-Fisher expansion). The fit itself: `span_trend.SpanTrend`.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import TYPE_CHECKING

import numpy as np

from lossacc_tui.analysis.npcalls import nonzero1
from lossacc_tui.analysis.passmemo import quiet

if TYPE_CHECKING:
    from lossacc_tui.analysis.span_trend import SpanFit

#: one-sided false-rise rate shared among the looks at one span (before the latch's own delay)
ALPHA = 0.01
#: fewest points after the best for the test
MIN_SPAN = 6
_N = NormalDist()


def t_quantile(p: float, df: np.ndarray) -> np.ndarray:
    """Student's t quantile at probability p for df degrees of freedom (the Cornish-Fisher
    expansion to 1/df^3, A&S 26.7.5). Against the exact quantile: within 0.5 % for df >= 8 at
    p <= 0.999 and df >= 20 at p <= 0.99999; below it (a less strict threshold) at few degrees of
    freedom: 0.7 % at df 4 and p 0.99, 3.5 % at p 0.999, 9 % at p 0.9999. df: any shape; NaN
    where df < 1."""
    z = _N.inv_cdf(p)
    d = np.asarray(df, dtype=np.float64)
    with quiet(invalid="ignore", divide="ignore"):
        g1 = (z**3 + z) / 4.0
        g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96.0
        g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384.0
        out = z + g1 / d + g2 / d**2 + g3 / d**3
    return np.where(d >= 1, out, np.nan)


def looks_threshold(m: int, spans: int = 1, alpha: float = ALPHA) -> float:
    """The t a span of m points must reach: `alpha` shared among the `spans` spans tested so far
    (each best of the loss starts one) and log2(m) + 1 looks at this one, Student's t with m - 2
    degrees of freedom. NaN for m < 3."""
    if m < 3:
        return math.nan
    key = (m, max(1, spans), alpha)
    got = _THRESHOLDS.get(key)
    if got is None:
        p = alpha / (key[1] * (1.0 + math.log2(m)))
        got = _t_quantile_one(1.0 - p, m - 2.0)
        if len(_THRESHOLDS) < 1 << 16:
            _THRESHOLDS[key] = got
    return got


def _t_quantile_one(p: float, d: float) -> float:
    """`t_quantile(p, d)` for one df >= 1 in plain floats (the same operations in the same order, so
    the same bits: numpy's d**2 is d*d and its d**3 the C library's pow, as Python's), about 30
    times cheaper than a 0-d array: a long rising span asks for a new threshold at every point."""
    z = _N.inv_cdf(p)
    g1 = (z**3 + z) / 4.0
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96.0
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384.0
    return z + g1 / d + g2 / (d * d) + g3 / d**3.0


_THRESHOLDS: dict[tuple[int, int, float], float] = {}


def span_significant(fit: SpanFit) -> np.ndarray:
    """True where the slope since the best is positive and its t reaches `looks_threshold` (any
    size of rise): the steady rule's evaluations that grew in a row are evidence only for noise
    that does not wander; this asks the same of the whole span."""
    return span_rise(fit, np.zeros(len(fit.t)), 0.0)


def span_rise(fit: SpanFit, best: np.ndarray, rel: float) -> np.ndarray:
    """True where the line through the span after the best rises by at least `rel` of the best
    (relative, the best in nats) and its slope's t reaches `looks_threshold` for the span's length
    and the spans tested so far. (The threshold is computed only where the rest holds.)"""
    t, rise, m = fit.t, fit.rise, fit.m
    with quiet(invalid="ignore"):
        cand = (rise >= rel * np.abs(best)) & (rise > 0) & (t > 2.0) & (m >= MIN_SPAN)
    out = np.zeros(len(t), dtype=bool)
    ks = nonzero1(cand)
    if not len(ks):
        return out
    tk, mk, sk = t[ks], m[ks].astype(np.int64), fit.spans[ks].astype(np.int64)
    for s in np.unique(sk).tolist():
        sel = nonzero1(sk == s)
        lo, hi = _threshold_bounds(int(mk[sel].min()), int(mk[sel].max()), s)
        ts = tk[sel]
        out[ks[sel[ts > hi]]] = True  # (far past every threshold of these spans: no need to compute one)
        for j in sel[(ts >= lo) & (ts <= hi)].tolist():  # (near one: the threshold itself decides)
            out[ks[j]] = bool(tk[j] >= looks_threshold(int(mk[j]), s))
    return out


def _threshold_bounds(m0: int, m1: int, spans: int, alpha: float = ALPHA) -> tuple[float, float]:
    """(lo, hi) with lo < `looks_threshold(m, spans, alpha)` < hi for every m0 <= m <= m1 (m0 >= 3,
    alpha <= 0.1): the Cornish-Fisher terms are all positive at these probabilities, so the threshold
    lies above the normal quantile of 1 - alpha / spans, and it grows with the looks (log2 m) and
    shrinks with the degrees of freedom (m - 2). A margin of 1e-9 of each keeps rounding out of it."""
    s = max(1, spans)
    lo = _N.inv_cdf(1.0 - alpha / s)
    hi = _t_quantile_one(1.0 - alpha / (s * (1.0 + math.log2(m1))), m0 - 2.0)
    return lo * (1.0 - 1e-9), hi * (1.0 + 1e-9)
