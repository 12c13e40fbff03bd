"""When a loss has risen above its best: the usual rule (a jump of `rise_rel` beyond its own noise)
and the steady one (a slow rise that the usual rule sees only once it is `rise_rel` high).

A loss that rises a little at every evaluation has next to no evaluation-to-evaluation noise (the
second differences of a steady drift are about 0), so its rise is far beyond that noise long before
it reaches `rise_rel` above its best: a validation loss up 4.5 % over 32 epochs after its minimum
crossed 5 % only 34 epochs after it. The steady rule counts a rise of `steady_rise_rel` (1 %) that is
beyond `rise_z` noise standard deviations and has grown at each of the last `steady_run`
evaluations. Both are in nats and relative to the running best of the raw loss.

The running best of a noisy loss is the lowest of many noisy draws, which sits below the loss's
true level by about `min_depth(n)` noise standard deviations (about sqrt(2 ln n) for n draws:
regression to the mean). A rise measured from that outlier is partly the outlier's own depth, so
every rule here asks for `rise_z` noise standard deviations *beyond* that depth (`beyond_best`):
on a stationary run (validation loss 0.50 +- 0.015 for 60 epochs) the raw best is about 2.3
standard deviations low, and a point 2 standard deviations above it is no rise at all.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from statistics import NormalDist

import numpy as np

from lossacc_tui.analysis.features import LossFeatures
from lossacc_tui.analysis.npcalls import clip
from lossacc_tui.analysis.params import Params
from lossacc_tui.analysis.passmemo import quiet
from lossacc_tui.analysis.span_level import level_rise, sample_noise_at
from lossacc_tui.analysis.span_trend import SpanFit, span_rise, span_significant

_TABLE = 4096
#: evaluations within which the 6-point trend rule (`trend_rise`) may count a rise (an epoch-level run
#: of up to 100 epochs: few looks; a per-step run past that is judged on its span since the best)
LOCAL_LOOKS = 100
# the expected maximum of n standard normal draws (Blom's approximation of the order statistic:
# Phi^-1((n - 0.375) / (n + 0.25))), for n = 0 .. _TABLE - 1; 0 for n <= 1
_DEPTH = np.array([0.0, 0.0] + [NormalDist().inv_cdf((n - 0.375) / (n + 0.25)) for n in range(2, _TABLE)])


def min_depth(n: np.ndarray) -> np.ndarray:
    """How far (in standard deviations) the lowest of n iid normal draws sits below their mean,
    expected (Blom's approximation; beyond 4096 draws the asymptote sqrt(2 ln n) minus its Gumbel
    correction). n: counts (any shape); returns floats of the same shape, 0 where n <= 1.
    Integer counts are looked up in a table of the same values (grown as larger counts come).

    >>> [round(float(v), 2) for v in min_depth(np.array([1, 2, 10, 60]))]
    [0.0, 0.59, 1.55, 2.31]
    """
    n = np.asarray(n)
    if n.dtype.kind in "iu" and n.size:
        top = int(n.max())
        if top < _TABLE_MAX:
            return _depth_table(top)[np.maximum(n, 0)]
    return _min_depth(n)


def _min_depth(n: np.ndarray) -> np.ndarray:
    n = np.asarray(n, dtype=np.float64)
    if n.size and n.flags.c_contiguous and float(n.min()) >= _TABLE and float(n.max()) < math.inf:
        # (every count past the table and finite, a table's growth: the asymptote below for all of
        # them, the same operations on the same contiguous values, without the masks; NaN: not here)
        log_n = np.log(n)
        r = np.sqrt(2.0 * log_n)
        return r - (np.log(log_n) + math.log(4 * math.pi)) / (2 * r)
    small = n < _TABLE
    k = clip(np.nan_to_num(n, nan=0.0), 0, _TABLE - 1).astype(np.int64)
    out = _DEPTH[k]
    out[~small] = 0.0  # (NaN and inf: 0)
    big = ~small & np.isfinite(n)
    if big.any():
        log_n = np.log(n[big])
        r = np.sqrt(2.0 * log_n)
        out[big] = r - (np.log(log_n) + math.log(4 * math.pi)) / (2 * r)
    return out


_TABLE_MAX = 1 << 22  # (larger counts are computed each time: a table holds at most 32 MB)
_GROWN = [_DEPTH]


def _depth_table(top: int) -> np.ndarray:
    """`_min_depth(0 .. top)` at least, computed once (doubling)."""
    t = _GROWN[0]
    if top >= len(t):  # (only the new counts: each entry is computed from its own count alone)
        size = min(max(top + 1, 2 * len(t)), _TABLE_MAX)
        t = np.concatenate([t, _min_depth(np.arange(len(t), size, dtype=np.float64))])
        _GROWN[0] = t
    return t


_LEVEL_TABLES: dict[int, np.ndarray] = {}


def level_depth(idx: np.ndarray, half: int) -> np.ndarray:
    """`min_depth((idx + 1) / half)`: how far the best of the (idx + 1) / half independent levels
    (means of `half` points) seen by point idx sits below their mean, in standard deviations;
    looked up in a table per `half` (the same values)."""
    idx = np.asarray(idx)
    if idx.dtype.kind in "iu" and idx.size and int(idx.min()) >= 0 and int(idx.max()) < _TABLE_MAX:
        top = int(idx.max())
        t = _LEVEL_TABLES.get(half)
        if t is None or top >= len(t):
            size = min(max(top + 1, 2 * (0 if t is None else len(t)), 1024), _TABLE_MAX)
            done = 0 if t is None else len(t)  # (only the new entries: each from its own index)
            more = _min_depth((np.arange(done, size, dtype=np.int64) + 1) / half)
            t = _LEVEL_TABLES[half] = more if t is None else np.concatenate([t, more])
        return t[idx]
    return min_depth((idx + 1) / half)


def noise_bound(sig: np.ndarray, idx: np.ndarray, w: int) -> np.ndarray:
    """An upper bound (about 95 %, one-sided) on a series' noise standard deviation from its
    estimate `sig` (`stats.second_diff_noise` over the `w` points before each index `idx`): the
    mean |second difference| of c values has a relative standard error of about 0.75 / sqrt(c), so
    a noise read from the first few evaluations (c = 2: four points) is inflated most. Units: sig's."""
    idx = np.asarray(idx)
    top = max(1.0, w - 2.0)
    if idx.size and idx.dtype.kind in "iu" and float(idx.min()) - 2.0 >= top:  # (c = top everywhere)
        return sig * (1.0 + 1.645 * 0.75 / np.sqrt(np.array([top])))[0]
    c = clip(idx.astype(np.float64) - 2.0, 1.0, top)
    return sig * (1.0 + 1.645 * 0.75 / np.sqrt(c))


def beyond_best(
    y: np.ndarray,
    best: np.ndarray,
    sig: np.ndarray,
    idx: np.ndarray,
    z: float,
    w: int = 10,
    floor: np.ndarray | None = None,
) -> np.ndarray:
    """True where y is `z` noise standard deviations above the level its running best `best`
    stands for: the best of idx + 1 noisy values lies `min_depth(idx + 1)` standard deviations below
    that level, so y must clear best + (z + depth) x noise, with the noise `noise_bound(sig)` (an
    estimate from few points is not trusted to be small) or `floor` where larger (the noise pooled
    over the span since the best, `span_trend.SpanFit.noise`: tested after every evaluation of a
    long run, a noise read from 10 points is sometimes a third of the true one). NaN sig: False."""
    depth, noise = rise_bar(sig, idx, w, floor)
    with quiet(invalid="ignore"):
        return y - best >= (z + depth) * noise


def rise_bar(
    sig: np.ndarray, idx: np.ndarray, w: int = 10, floor: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """`beyond_best`'s two factors, for a caller that asks it for several z of the same points:
    (the best's depth `min_depth(idx + 1)`, standard deviations; the noise `level_noise(sig, idx, w,
    floor)`, sig's units); beyond_best is y - best >= (z + depth) x noise."""
    with quiet(invalid="ignore"):
        return min_depth(idx + 1), level_noise(sig, idx, w, floor)


def level_noise(sig: np.ndarray, idx: np.ndarray, w: int, floor: np.ndarray | None) -> np.ndarray:
    """The noise a rise is measured in: `noise_bound(sig)`, or `floor` where that is larger (NaN
    floor: ignored; NaN sig: NaN). Units: sig's."""
    out = noise_bound(sig, idx, w)
    if floor is None:
        return out
    with quiet(invalid="ignore"):
        return np.where(np.isfinite(out) & (floor > out), floor, out)


def rises_in_a_row(y: np.ndarray, prev: float, carry: int) -> np.ndarray:
    """How many consecutive evaluations, ending at each point, the value grew over the one before
    (`prev`: the value before this chunk; `carry`: the count there). NaN breaks a run.

    >>> rises_in_a_row(np.array([1.0, 2.0, 3.0, 2.5, 2.6]), 0.5, 4).tolist()
    [5, 6, 7, 0, 1]
    >>> rises_in_a_row(np.array([0.0587, 0.0587, 0.0588, 0.0588, 0.0587]), 0.0586, 0).tolist()
    [1, 1, 2, 2, 0]
    """
    before = np.concatenate([[prev], y[:-1]])
    with quiet(invalid="ignore"):
        up = y > before
        # a value printed with 4 decimals or fewer that repeats the one before neither breaks nor
        # extends the run: a loss rising by less than its last printed digit per evaluation prints
        # 0.0587 0.0587 0.0588 0.0588 0.0589 (tester 15's `perstep`: the same rise at full precision
        # grew at every one of them)
        tie = (y == before) & coarse(y)
    idx = np.arange(len(y))
    if not tie.any():
        last_not = np.maximum.accumulate(np.where(~up, idx, -1))
        out = idx - last_not
        out[last_not < 0] += carry
        return out
    ups = np.cumsum(up)
    last_not = np.maximum.accumulate(np.where(~(up | tie), idx, -1))
    out = ups - np.where(last_not >= 0, ups[np.maximum(last_not, 0)], 0)
    out[last_not < 0] += carry
    return out


def coarse(y: np.ndarray) -> np.ndarray:
    """Whether each value (shape (n,)) is a whole number of 1e-4 to float32 precision: printed with
    4 decimals or fewer (full-precision losses almost never are)."""
    with quiet(invalid="ignore"):
        scaled = y * 1e4
        return np.abs(scaled - np.rint(scaled)) <= 1e-6 * np.maximum(np.abs(scaled), 1.0)


def steady_rise(
    y: np.ndarray,
    best: np.ndarray,
    sig: np.ndarray,
    ups: np.ndarray,
    p: Params,
    idx: np.ndarray,
    floor: np.ndarray | None = None,
    beyond: np.ndarray | None = None,
) -> np.ndarray:
    """True where the loss is `steady_rise_rel` above its best, beyond `rise_z` noise standard
    deviations past the best's own depth (`beyond_best`), and has grown at each of the last
    `steady_run` evaluations. `beyond`: that `beyond_best` of these arguments, when the caller has
    it (None: computed here)."""
    with quiet(invalid="ignore"):
        if beyond is None:
            beyond = beyond_best(y, best, sig, idx, p.rise_z, p.noise_window, floor)
        return (y >= best * (1 + p.steady_rise_rel)) & beyond & (ups >= p.steady_run) & (y > best)


def slow_rise(
    fit: SpanFit,
    y: np.ndarray,
    best: np.ndarray,
    sig: np.ndarray,
    idx: np.ndarray,
    p: Params,
    beyond: np.ndarray | None = None,
) -> np.ndarray:
    """True where the loss rises slowly over a long span: the line through the `noise_window` or more
    evaluations since the best rises significantly (`span_trend.span_significant`: its t beyond the
    threshold for the looks and spans so far) by `slow_rise_rel` of the best or more, the value is that
    far above the best too, and `rise_z` noise standard deviations beyond the level the best stands for
    (`beyond_best`). The steady rule without its evaluations-in-a-row: a slow rise under noise that
    wanders grows at most evaluations, not at every one (a validation loss up 4 % over 40 epochs after
    its best, t = 12, while confident mistakes grew, had been read as flat: its rise never reached
    `rise_rel`). Its own bar is above `steady_rise_rel`: a rise of 1.5 % with the same mistakes at the
    same confidence (0.0652 -> 0.0662 nats) is no finding to warn about. `beyond`: that
    `beyond_best` (floor `fit.floor`), when the caller has it (None: computed here)."""
    with quiet(invalid="ignore"):
        if beyond is None:
            beyond = beyond_best(y, best, sig, idx, p.rise_z, p.noise_window, fit.floor)
        return (
            span_significant(fit)
            & (fit.m >= p.noise_window)
            & (fit.rise >= p.slow_rise_rel * np.abs(best))
            & (y >= best * (1 + p.slow_rise_rel))
            & beyond
            & (y > best)
        )


class RiseRun:
    """Carries `rises_in_a_row` across the chunks of one series."""

    __slots__ = ("carry", "prev")

    def __init__(self) -> None:
        self.prev = np.nan
        self.carry = 0

    def feed(self, y: np.ndarray) -> np.ndarray:
        if len(y) == 0:
            return np.zeros(0, dtype=np.int64)
        out = rises_in_a_row(y, self.prev, self.carry)
        self.prev, self.carry = float(y[-1]), int(out[-1])
        return out


class TrendRun:
    """The t statistic of the least-squares slope over the last `w` values of one series, fed
    chunk by chunk (the last w - 1 values are carried): slope / its standard error from the
    window's own residuals (ordinary least squares, any statistics text). A rise that is a trend
    shows a large t; noise around a level shows |t| of about 1. NaN until w finite values."""

    __slots__ = ("tail", "w")

    def __init__(self, w: int = 6) -> None:
        self.w = w
        self.tail = np.full(w - 1, np.nan)

    def skip(self, y: np.ndarray) -> None:
        """Carry the values of a chunk whose t is not read (`feed` without the statistics)."""
        if len(y):
            ext = np.concatenate([self.tail, np.asarray(y, dtype=np.float64)])
            self.tail = ext[len(ext) - (self.w - 1) :].copy()

    def feed(self, y: np.ndarray) -> np.ndarray:
        if len(y) == 0:
            return np.zeros(0)
        ext = np.concatenate([self.tail, np.asarray(y, dtype=np.float64)])
        self.tail = ext[len(ext) - (self.w - 1) :].copy()
        # the window's values as w columns, one row per point of y; each sum over a window is taken
        # column by column, oldest first (the order numpy's row sums of a sliding window take)
        n = len(ext) - (self.w - 1)
        cols = [ext[j : j + n] for j in range(self.w)]
        x = np.arange(self.w, dtype=np.float64) - (self.w - 1) / 2.0
        sxx = float((x * x).sum())
        with quiet(invalid="ignore", divide="ignore"):
            ym = cols[0] + cols[1]
            for c in cols[2:]:
                ym += c
            ym /= self.w
            dev = [c - ym for c in cols]
            sxy = dev[0] * x[0]
            sdd = dev[0] * dev[0]
            for d, xj in zip(dev[1:], x[1:].tolist(), strict=True):
                sxy += d * xj
                sdd += d * d
            slope = sxy / sxx
            rss = np.maximum(sdd - slope * slope * sxx, 0.0)  # (NaN stays NaN)
            se = np.sqrt(rss / (self.w - 2) / sxx)
            t = slope / se
        t[se == 0] = np.where(slope[se == 0] > 0, np.inf, 0.0)
        return t


def trend_rise(
    y: np.ndarray,
    best: np.ndarray,
    sig: np.ndarray,
    idx: np.ndarray,
    best_idx: np.ndarray,
    t: np.ndarray,
    p: Params,
) -> np.ndarray:
    """True where the loss rises as a trend: `rise_rel` and `rise_z` noise standard deviations above
    its raw best (without the best's depth), with the slope over the last `w` evaluations, all after
    the best, at least 3 standard errors above 0 (`TrendRun`). A regression over several points is
    not moved by one lucky low value, so it needs no correction for it. It is asked after every
    evaluation with no correction for how often, so it counts only within the first `LOCAL_LOOKS`
    evaluations (a short run, a fine-tune: few looks); after that the rise since the best is
    decided on the whole span (`span_trend.span_rise`)."""
    w = 6
    with quiet(invalid="ignore"):
        return (
            (y >= best * (1 + p.rise_rel))
            & (y - best >= p.rise_z * sig)
            & (idx - best_idx >= w - 1)
            & (t >= 3.0)
            & (idx < LOCAL_LOOKS)
        )


def span_rules(
    fit: SpanFit,
    loss: LossFeatures,
    sig: np.ndarray,
    best: np.ndarray,
    trend: TrendRun,
    p: Params,
    step_ok: np.ndarray | None = None,
    raw_y: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(rise, span) of the rules every rise kind shares, per point: `span` is the line through the
    whole span since the best (`span_trend.span_rise`); rise adds the level of the span's newest
    third against the best level (`span_level.level_rise`) and, for short runs, the few-point trend
    (`trend_rise`, fed here). `step_ok`: where the level rule and the few-point trend may count
    (`beyond_sampling`): the first is a step from the best, and six points that start at a low best
    slope up by its luck alone (a 3 % wander of a 300-sample set after its lowest value gave t = 5);
    None: everywhere. `raw_y`: the loss as logged where `loss` holds its part above a floor
    (`loss_floor.above_floor`): the few-point trend is fed the logged values, whose differences do not
    move with a floor found partway (None: loss.y). Call inside np.errstate(invalid="ignore")."""
    span = span_rise(fit, best, p.rise_rel)
    step = level_rise(
        fit,
        loss.lbest,
        level_noise(sig, loss.idx, p.noise_window, fit.noise),
        loss.idx,
        p.half,
        p.rise_z,
        p.rise_rel,
        clip(loss.lbest_idx + 1, 1, p.half),  # (a best level from the first points: fewer of them)
    )
    rise = span | (step if step_ok is None else step & step_ok)
    if len(loss.idx) and loss.idx.dtype.kind in "iu" and int(loss.idx.min()) >= LOCAL_LOOKS:
        # (no point of the chunk is within the first `LOCAL_LOOKS`: the few-point trend counts
        # nowhere, so its t is not computed; the window's values are carried as `feed` carries them)
        trend.skip(loss.y if raw_y is None else raw_y)
        return rise, span
    t = trend_rise(
        loss.y, best, sig, loss.idx, loss.best_idx, trend.feed(loss.y if raw_y is None else raw_y), p
    )
    rise |= t if step_ok is None else t & step_ok
    return rise, span


def beyond_sampling(
    y: np.ndarray, best: np.ndarray, idx: np.ndarray, n_at: Callable[[int], int | None] | None, z: float
) -> np.ndarray:
    """True where y stands `z` sampling standard errors above its best, the error that of a mean
    loss over the evaluation set's n samples (`span_level.sample_noise`: best / sqrt(n), nats), or
    where n is not known. A step from one evaluation to the rest that another draw of n samples
    could show reversed is no finding about the model: a best at the first evaluation of a 300-sample
    set, 0.55 against 0.58 after (tester 9's weight-decay run), is one such. Only rules that compare
    a value or a level with the best need it; a rise that keeps growing over many evaluations is a
    trend of the same samples, whatever n."""
    sn = sample_noise_at(best, idx, n_at)
    with quiet(invalid="ignore"):
        return ~np.isfinite(sn) | (y - best >= z * sn)
