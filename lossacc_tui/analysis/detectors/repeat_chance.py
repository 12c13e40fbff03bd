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
from dataclasses import dataclass

import numpy as np

from lossacc_tui.analysis.detectors.base import Ctx, noise
from lossacc_tui.analysis.features import AccFeatures
from lossacc_tui.analysis.passmemo import quiet
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
        with quiet(divide="ignore"):
            anywhere = np.where(p < 1.0, -np.expm1(np.maximum(1, looked[a : a + 1024]) * np.log1p(-p)), 1.0)
        out[a : a + 1024] = anywhere > ALPHA
    return out


def run_by_chance(r: int, spread: float, n: int, value: float, looked: int) -> bool:
    """Whether a run of r equal accuracies (on the grid 1/n, with the series' own noise `spread`,
    a fraction) is what that noise shows by chance somewhere among `looked` evaluations: the chance
    of such a run anywhere is above ALPHA. False when the chance cannot be computed."""
    return bool(runs_by_chance(grid_bins(spread, n, value), np.array([r]), np.array([looked]))[0])


def _exact_chance(q: np.ndarray, r: np.ndarray, looked: np.ndarray) -> np.ndarray:
    """`runs_by_chance` of one segment's points in the chunks it was first judged in (the first 64,
    then the rest when those were all chance; the sums, and so the last bits, depend on the chunks);
    False past the points judged."""
    got = runs_by_chance(q, r[:64], looked[:64])
    if got.all() and len(r) > 64:
        got = np.concatenate([got, runs_by_chance(q, r[64:], looked[64:])])
    return np.concatenate([got, np.zeros(len(r) - len(got), dtype=bool)])


def _erf(x: np.ndarray) -> np.ndarray:
    """Elementwise error function (math.erf over an array; the arrays here are short)."""
    return np.vectorize(math.erf, otypes=[np.float64])(x)


@dataclass(slots=True)
class Bins:
    """The grid bins (`grid_bins`) of many runs end to end: run k's are flat[off[k] : off[k] + width[k]]
    (width 0: the chance cannot be computed). `cached`: run 0's came from a cache."""

    flat: np.ndarray
    off: np.ndarray
    width: np.ndarray
    cached: bool = False

    def one(self, k: int) -> np.ndarray:
        return self.flat[self.off[k] : self.off[k] + self.width[k]].copy()

    def set_first(self, q: np.ndarray) -> None:
        """Run 0's bins replaced by q."""
        rest = self.flat[self.off[0] + self.width[0] :]
        self.flat = np.concatenate([q, rest])
        self.width = self.width.copy()
        self.off = self.off - self.width[0] + len(q)
        self.off[0], self.width[0], self.cached = 0, len(q), True


def noise_many(series: Series | None, ends: np.ndarray, window: int) -> np.ndarray:
    """`noise(series, i, window)` for each i in `ends` (shape (m,), fractions), by the same arithmetic
    on a (m, window) block where the window is whole and finite, one by one elsewhere."""
    out = np.full(len(ends), np.nan)
    if series is None or not len(ends):
        return out
    raw, b = series.raw, series.base
    lo = ends - window + 1 - b
    whole = (ends >= 2) & (lo >= 0) & (lo + window <= len(raw))
    if window >= 3 and whole.any():
        k = np.flatnonzero(whole)
        v = raw[lo[k][:, None] + np.arange(window)]
        fin = np.isfinite(v).all(axis=1)
        d2 = np.abs(np.diff(v[fin], 2, axis=1))
        out[k[fin]] = np.mean(d2, axis=1) * math.sqrt(math.pi / 2) / math.sqrt(6.0)
        whole[k[~fin]] = False
    for j in np.flatnonzero(~whole):
        out[j] = noise(series, int(ends[j]), window)
    return out


def bins_many(spread: np.ndarray, n: np.ndarray, value: np.ndarray) -> Bins:
    """`grid_bins(spread[k], n[k], value[k])` for every k (shape (m,) each), by the same arithmetic
    element by element; the runs' bins end to end (`Bins`)."""
    m = len(spread)
    width = np.zeros(m, dtype=np.int64)
    with quiet(invalid="ignore"):
        ok = np.isfinite(spread) & np.isfinite(value) & (n >= 1)
        width[ok & (spread <= 0)] = 1  # (a series that never moves: [1.0])
        live = np.flatnonzero(ok & (spread > 0))
    nf = n[live].astype(np.float64)
    c, s = value[live] * nf, spread[live] * nf  # the repeated value and the spread, in samples
    lo = np.maximum(0, np.floor(c - 12 * s)).astype(np.int64)
    hi = np.minimum(n[live], np.ceil(c + 12 * s)).astype(np.int64)
    if np.any(hi < lo):  # (a value off the grid: as `grid_bins` does, one by one)
        flat = [grid_bins(float(spread[k]), int(n[k]), float(value[k])) for k in range(m)]
        width = np.array([len(q) for q in flat], dtype=np.int64)
        return Bins(np.concatenate([np.empty(0), *flat]), np.cumsum(width) - width, width)
    width[live] = hi - lo + 1
    edges_n = hi - lo + 2
    seg = np.repeat(np.arange(len(live)), edges_n)
    first_edge = np.cumsum(edges_n) - edges_n
    edges = (lo[seg] + (np.arange(len(seg)) - first_edge[seg])).astype(np.float64) - 0.5
    erf = np.frompyfunc(math.erf, 1, 1)
    cdf = 0.5 * (1.0 + erf((edges - c[seg]) / (s[seg] * math.sqrt(2.0))).astype(np.float64))
    last_edge = first_edge + edges_n - 1
    cdf[first_edge[lo == 0]] = 0.0
    cdf[last_edge[hi == n[live]]] = 1.0
    q_live = np.diff(cdf)
    inner = np.ones(len(q_live), dtype=bool)
    inner[last_edge[:-1]] = False  # (the step from one run's last edge to the next run's first)
    q_live = q_live[inner]
    flat = np.empty(int(width.sum()))
    off = np.cumsum(width) - width
    where_live = np.repeat(off[live], width[live]) + (
        np.arange(len(q_live)) - np.repeat(np.cumsum(width[live]) - width[live], width[live])
    )
    flat[where_live] = q_live
    flat[off[ok & (spread <= 0)]] = 1.0
    return Bins(flat, off, width)


def chance_prefixes(
    bins: Bins, first: np.ndarray, seg_len: np.ndarray, r: np.ndarray, looked: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For points grouped in runs (run k: points first[k] .. first[k] + seg_len[k] - 1, on bins k),
    runs of r[j] equal values looked for at looked[j] evaluations: per point, whether it and every
    earlier point of its run are chance (`runs_by_chance`); and per run, whether a point judged
    lands within a hair (1e-6 relative) of ALPHA, where the batch's other summing order could decide
    otherwise. Judged as `ChanceRuns.judge` first did: a run's first 64 points, the rest only when
    those are all chance."""
    seg = np.repeat(np.arange(len(first)), seg_len)
    pos = np.arange(len(r)) - first[seg]
    flags = np.zeros(len(r), dtype=bool)
    near = np.zeros(len(first), dtype=bool)
    todo = np.flatnonzero(pos < 64)
    for stage in range(2):
        if stage == 1:  # (the rest of the runs whose first 64 were all chance)
            ok64 = np.logical_and.reduceat(flags | (pos >= 64), first)
            todo = np.flatnonzero((pos >= 64) & ok64[seg])
        w = bins.width[seg[todo]]
        cum = np.cumsum(w)
        a = 0
        while a < len(todo):  # (at most about 4M bin-point terms at a time)
            b = max(a + 1, int(np.searchsorted(cum, (cum[a - 1] if a else 0) + 4_000_000, "right")))
            pts, ww = todo[a:b], w[a:b]
            has = ww > 0
            p_pts, p_w = pts[has], ww[has]
            if len(p_pts):
                start = np.cumsum(p_w) - p_w
                terms = np.repeat(np.arange(len(p_pts)), p_w)
                at = bins.off[seg[p_pts]][terms] + (np.arange(len(terms)) - start[terms])
                sums = np.add.reduceat(bins.flat[at] ** r[p_pts].astype(np.float64)[terms], start)
                p = np.minimum(1.0, sums)
                with quiet(divide="ignore"):
                    anywhere = np.where(p < 1.0, -np.expm1(np.maximum(1, looked[p_pts]) * np.log1p(-p)), 1.0)
                flags[p_pts] = anywhere > ALPHA
                near[seg[p_pts[np.abs(anywhere - ALPHA) <= 1e-6 * ALPHA]]] = True
            a = b
    keep = flags.copy()
    bad_at = np.where(flags, len(r), np.arange(len(r)))
    first_bad = np.minimum.reduceat(bad_at, first)
    keep &= np.arange(len(r)) < first_bad[seg]
    return keep, near


class ChanceRuns:
    """Follows the runs of equal accuracies of one series chunk by chunk (values within `tol`,
    a fraction) and judges, point by point, whether the run a frozen point belongs to is what the
    series' own noise repeats by chance (`runs_by_chance`). One per series; chunks in order."""

    def __init__(self, tol: float, noise_window: int) -> None:
        self.tol, self.noise_window = tol, noise_window
        self.users = 1  # detectors that judge the same chunks with this object (`shared_chance_runs`)
        # the last chunk's judgement, until every other user asked for it: (features, frozen, out,
        # users still to ask)
        self._last: tuple[AccFeatures, np.ndarray, np.ndarray, int] | None = None
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
        few values before the run): the run is then taken as it is.

        Shared (`shared_chance_runs`): the first user's call judges a chunk; the others', with the
        same features object and the same `frozen`, get a copy of that judgement (and `starts`) without
        judging it again."""
        last = self._last
        if last is not None and last[0] is acc and np.array_equal(last[1], frozen):
            self._last = None if last[3] <= 1 else (last[0], last[1], last[2], last[3] - 1)
            return last[2].copy()
        self._last = None
        out = self._judge(series, acc, frozen)
        if self.users > 1:
            self._last = (acc, frozen, out.copy(), self.users - 1)
        return out

    def _judge(self, series: Series | None, acc: AccFeatures, frozen: np.ndarray) -> np.ndarray:
        y, idx = acc.y, acc.idx
        tol = self.tol
        with quiet(invalid="ignore"):
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
        first = np.flatnonzero(np.concatenate(([True], (st[1:] != st[:-1]) | (nn[1:] != nn[:-1]))))
        s0, n = st[first].astype(np.int64), nn[first].astype(np.int64)
        value = y[pts[first]]
        bins = self._segment_bins(series, s0, n, value)
        seg_len = np.diff(np.concatenate((first, [len(pts)])))
        r, looked = idx[pts] - np.repeat(s0, seg_len) + 1, idx[pts] + 1
        keep, near = chance_prefixes(bins, first, seg_len, r, looked)
        # a segment whose batched chance lands within a hair of ALPHA is judged again alone, exactly
        # as `runs_by_chance` judges it (the batch sums the bins in another order)
        for k in np.flatnonzero(near):
            sl = slice(first[k], first[k] + seg_len[k])
            q = (
                bins.one(0)
                if k == 0 and bins.cached
                else grid_bins(noise(series, int(s0[k]) - 1, self.noise_window), int(n[k]), float(value[k]))
            )
            keep[sl] = np.cumprod(_exact_chance(q, r[sl], looked[sl])).astype(bool)
        # a run already found longer than chance is not judged again (it only grows); the latest such
        # (run start, n) is remembered across chunks
        whole = np.logical_and.reduceat(keep, first)
        beyond = self._beyond
        for k, key in enumerate(zip(s0.tolist(), n.tolist(), strict=True)):
            if key == beyond:
                keep[first[k] : first[k] + seg_len[k]] = False
            elif not whole[k]:
                beyond = key
        self._beyond = beyond
        last = len(first) - 1
        if not (last == 0 and bins.cached):  # (the next chunk's first run may go on with this one)
            spread = noise(series, int(s0[last]) - 1, self.noise_window)
            self._bins = {(int(s0[last]), int(n[last])): grid_bins(spread, int(n[last]), float(value[last]))}
        out[pts] = keep
        return out

    def _segment_bins(self, series: Series | None, s0: np.ndarray, n: np.ndarray, value: np.ndarray) -> Bins:
        """The grid bins of each segment's run (`grid_bins` of the noise just before the run); the
        first one from the cache when it continues the run the last chunk ended in."""
        cached = self._bins.get((int(s0[0]), int(n[0]))) if len(s0) else None
        if cached is not None and len(s0) == 1:
            # (a live update's chunk: one run, going on from the last chunk's; what the general path
            # gives then, without the noise and bins of a run it replaces by the cached ones)
            width = np.full(1, len(cached), dtype=np.int64)
            return Bins(cached.copy(), np.zeros(1, dtype=np.int64), width, True)
        spread = noise_many(series, s0 - 1, self.noise_window)
        if cached is not None:
            spread[0] = np.nan  # (replaced below)
        out = bins_many(spread, n, value)
        if cached is not None:
            out.set_first(cached)
        return out


def shared_chance_runs(ctx: Ctx, series: Series | None, tol: float, noise_window: int) -> ChanceRuns:
    """The `ChanceRuns` of `series` (with `tol` and `noise_window`) that every detector built on this
    context shares: `acc-stuck` and `val-frozen` judge the same chunks of the same accuracy, each chunk
    once. Every detector that asks must call `judge` on every chunk, in the same order (the ones
    stepped on the same paired features do). Kept in `Ctx.shared`, so a new analysis (a new context)
    starts anew."""
    key = ("chance-runs", id(series), tol, noise_window)
    got = ctx.shared.get(key)
    if got is None or got[0] is not series:
        got = (series, ChanceRuns(tol, noise_window))
        ctx.shared[key] = got
    else:
        got[1].users += 1
    return got[1]
