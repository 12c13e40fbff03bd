"""What a plot gets: a series reduced to its plot's width, keeping each column's minimum and maximum
so a single spike is never hidden, and TensorBoard-style smoothing computed on the whole series.

Textual-free. Everything here is incremental: `SeriesCache.sync` costs O(new points), and reducing
a series to C columns costs O(C * BLOCK), however long the series is.

>>> import numpy as np
>>> v = np.zeros(100_000); v[51_234] = 9.0
>>> b = MinMaxBlocks(); b.sync(v)
>>> bounds = np.linspace(0, len(v), 81).astype(np.int64)
>>> lo, hi = column_minmax(v, b, bounds)
>>> float(hi.max()), int(hi.argmax())
(9.0, 40)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lossacc_tui.model import Growable, Series

BLOCK = 256  # points per precomputed min/max block
EMA_CHUNK = 1 << 20  # values smoothed per vectorized pass (bounds temporary memory)
#: smoothed copies of a series kept beside the shown one (each as large as the series)
SPARE_WEIGHTS = 2


def ema_debiased(
    values: np.ndarray, weight: float, last: float = 0.0, count: int = 0
) -> tuple[np.ndarray, float, int]:
    """TensorBoard's smoothing: `last = last * w + (1 - w) * v; smoothed = last / (1 - w ** count)`
    over the finite values; non-finite values pass through and do not count. Continue a series by
    passing back the returned (last, count).

    >>> s, last, n = ema_debiased(np.array([1.0, 3.0, np.nan, 3.0]), 0.5)
    >>> [round(float(x), 4) for x in s], n
    ([1.0, 2.3333, nan, 2.7143], 3)
    """
    out = np.array(values, dtype=np.float64)
    finite = np.isfinite(out)
    u = out[finite]
    if weight <= 0.0 or not len(u):
        return out, (float(u[-1]) if len(u) else last), count + len(u)
    w = float(weight)
    res = np.empty(len(u))
    for s in range(0, len(u), EMA_CHUNK):
        res[s : s + EMA_CHUNK], last = _ema_rows(u[s : s + EMA_CHUNK], w, last)
    # the debias factor is 1 to float precision once w^count < 1e-17 (and w^count would soon
    # be a subnormal number, which is very slow to compute with)
    k = min(len(u), max(0, int(-17.0 / math.log10(w)) + 1 - count))
    if k:
        res[:k] /= 1.0 - w ** (count + np.arange(1, k + 1, dtype=np.float64))
    out[finite] = res
    return out, last, count + len(u)


def _ema_rows(u: np.ndarray, w: float, last: float) -> tuple[np.ndarray, float]:
    """The (biased) EMA of finite values u starting from `last`, vectorized: u is cut into rows
    short enough that w^-L stays representable; each row's EMA from zero is
    `(1-w) w^i cumsum(u_j w^-j)` (scaled by the row's largest value, so nothing overflows), and
    the carry from one row to the next is a short scalar loop over rows."""
    m = len(u)
    L = max(1, min(4096, int(200.0 / -math.log10(w)), m))
    rows = -(-m // L)
    grid = np.zeros(rows * L)
    grid[:m] = u
    grid = grid.reshape(rows, L)
    scale = np.abs(grid).max(axis=1)
    scale[scale == 0] = 1.0
    wp = w ** np.arange(L, dtype=np.float64)
    local = np.cumsum(grid / scale[:, None] / wp, axis=1)
    local *= (1.0 - w) * wp
    local *= scale[:, None]
    ends = local[:, -1].tolist()
    wl = w**L
    carry = [last]
    for e in ends[:-1]:
        carry.append(wl * carry[-1] + e)
    local += np.outer(np.array(carry), w * wp)
    out = local.reshape(-1)[:m]
    return out, float(out[-1])


class MinMaxBlocks:
    """Minimum and maximum of each complete block of BLOCK points of a growing array (non-finite
    values ignored; a block with none is NaN)."""

    def __init__(self) -> None:
        self.mins = Growable()
        self.maxs = Growable()

    @property
    def count(self) -> int:
        return len(self.mins)

    def sync(self, values: np.ndarray) -> None:
        done = self.count * BLOCK
        full = (len(values) // BLOCK) * BLOCK
        if full > done:
            chunk = _finite_or_nan(values[done:full]).reshape(-1, BLOCK)
            self.mins.extend(np.fmin.reduce(chunk, axis=1))
            self.maxs.extend(np.fmax.reduce(chunk, axis=1))


def _finite_or_nan(a: np.ndarray) -> np.ndarray:
    bad = ~np.isfinite(a)
    if bad.any():
        a = a.copy()
        a[bad] = np.nan
    return a


def _reduce_ranges(arr: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(min, max) of arr[s:e] for each non-empty range, NaN and inf ignored."""
    lengths = ends - starts
    offs = np.zeros(len(starts), dtype=np.int64)
    np.cumsum(lengths[:-1], out=offs[1:])
    idx = np.repeat(starts - offs, lengths) + np.arange(int(lengths.sum()), dtype=np.int64)
    g = _finite_or_nan(arr[idx])
    return np.fmin.reduceat(g, offs), np.fmax.reduceat(g, offs)


def column_minmax(
    values: np.ndarray, blocks: MinMaxBlocks, bounds: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Min and max of values[bounds[c]:bounds[c+1]] for every column c (NaN where empty), reading
    whole blocks from `blocks` and at most two partial blocks per column from `values`."""
    lo, hi = bounds[:-1].astype(np.int64), bounds[1:].astype(np.int64)
    mins = np.full(len(lo), np.nan)
    maxs = np.full(len(lo), np.nan)
    blo = -(-lo // BLOCK)
    bhi = np.minimum(hi // BLOCK, blocks.count)
    whole = blo < bhi
    head_end = np.where(whole, blo * BLOCK, hi)
    tail_start = np.where(whole, bhi * BLOCK, hi)
    parts = [
        (values, lo, head_end),
        (values, tail_start, hi),
        (blocks.mins.view(), blo, np.where(whole, bhi, blo)),
        (blocks.maxs.view(), blo, np.where(whole, bhi, blo)),
    ]
    for k, (arr, s, e) in enumerate(parts):
        keep = e > s
        if not keep.any():
            continue
        pmin, pmax = _reduce_ranges(arr, s[keep], e[keep])
        if k == 2:
            mins[keep] = np.fmin(mins[keep], pmin)
        elif k == 3:
            maxs[keep] = np.fmax(maxs[keep], pmax)
        else:
            mins[keep] = np.fmin(mins[keep], pmin)
            maxs[keep] = np.fmax(maxs[keep], pmax)
    return mins, maxs


def has_axis(series: Series, axis: str) -> bool:
    """Whether a series carries any x value on this axis, without building a NaN column."""
    return series.x_or_none(axis) is not None


@dataclass
class _Monotone:
    checked: int = 0
    ok: bool = True
    last: float = -math.inf


class SeriesCache:
    """What plotting one series needs beyond the series itself, kept up to date incrementally:
    block min/max of its values, its smoothed values (when smoothing is on) and their blocks, and
    whether its x is sorted on each axis (then a column is found by binary search)."""

    def __init__(self, series: Series) -> None:
        self.series = series
        self.scale = series.scale
        self.generation = series.generation
        self.raw = MinMaxBlocks()
        self.weight = 0.0
        self.smooth: Growable | None = None
        self.smooth_blocks = MinMaxBlocks()
        self._ema = (0.0, 0)
        #: smoothed values of other weights, kept to be extended when chosen (weight -> values, their
        #: blocks, EMA state): the weight left by `s` or `w`, and the one `w` picks next, computed
        #: ahead (`Tracker.smooth_ahead`); at most SPARE_WEIGHTS, the oldest dropped
        self._spare: dict[float, tuple[Growable, MinMaxBlocks, tuple[float, int]]] = {}
        self._mono = {"epoch": _Monotone(), "step": _Monotone()}
        self.best_min: tuple[float, int] | None = None  # (value, index) of the lowest finite value
        self.best_max: tuple[float, int] | None = None
        self._best_checked = 0
        self._columns: tuple[object, tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None
        #: the last column reduction: (what it was for, points then, bounds, min, max per column)
        self._grown: tuple[tuple[object, ...], int, np.ndarray, np.ndarray, np.ndarray] | None = None

    def stale(self, series: Series) -> bool:
        """A different series object (the run was read again), values rescaled (percent found) or
        the oldest points folded (`--keep`: positions renumbered)."""
        return series is not self.series or series.scale != self.scale or series.generation != self.generation

    def sync(self, weight: float) -> None:
        """Take in the points added since the last call (call with the monitor's lock held)."""
        v = self.series.values
        self.raw.sync(v)
        if weight != self.weight:
            self._switch(weight)
        if weight > 0.0:
            if self.smooth is None:
                self.smooth = Growable(max(16, len(v)))
            done = len(self.smooth)
            if len(v) > done:
                sm, last, cnt = ema_debiased(v[done:], weight, *self._ema)
                self._ema = (last, cnt)
                self.smooth.extend(sm)
                self.smooth_blocks.sync(self.smooth.view())
        if len(v) > self._best_checked:
            self._update_best(v)
        for axis, m in self._mono.items():
            if m.ok and len(v) > m.checked and has_axis(self.series, axis):
                x = self.series.x(axis)[m.checked :]  # type: ignore[arg-type]
                m.ok = bool(np.isfinite(x).all() and x[0] >= m.last and (np.diff(x) >= 0).all())
                m.checked, m.last = len(v), float(x[-1])

    def _switch(self, weight: float) -> None:
        """Smooth with `weight` from now on: the smoothed values kept for it (`s` off and on, `w` to a
        weight computed ahead: extended by the points since, not computed again), else none yet.
        Those of the weight left are kept."""
        if self.weight > 0.0 and self.smooth is not None:
            self._keep(self.weight, (self.smooth, self.smooth_blocks, self._ema))
        got = self._spare.pop(weight, None) if weight > 0.0 else None
        self.weight = weight
        if got is not None:
            self.smooth, self.smooth_blocks, self._ema = got
        else:
            self.smooth, self._ema, self.smooth_blocks = None, (0.0, 0), MinMaxBlocks()

    def _keep(self, weight: float, smoothed: tuple[Growable, MinMaxBlocks, tuple[float, int]]) -> None:
        self._spare.pop(weight, None)
        self._spare[weight] = smoothed
        while len(self._spare) > SPARE_WEIGHTS:
            del self._spare[next(iter(self._spare))]

    def has_smoothed(self, weight: float) -> bool:
        """Whether smoothing with `weight` costs only the points not smoothed yet (none smoothed
        for 0; the current weight's, or one kept)."""
        return weight == 0.0 or (weight == self.weight and self.smooth is not None) or weight in self._spare

    def adopt_smoothed(
        self, weight: float, values: np.ndarray, state: tuple[float, int], spare: bool = False
    ) -> None:
        """Take the smoothed first `len(values)` points, computed without the lock (`smoothed`),
        as the current weight's, or (`spare`) kept for when `weight` is chosen; the next `sync`
        (or the switch to it) extends them with the points that came meanwhile."""
        smooth = Growable(max(16, len(values)))
        smooth.extend(values)
        blocks = MinMaxBlocks()
        blocks.sync(values)
        if spare:
            if weight != self.weight:
                self._keep(weight, (smooth, blocks, state))
            return
        self._spare.pop(weight, None)
        self.weight, self._ema, self.smooth, self.smooth_blocks = weight, state, smooth, blocks

    def _update_best(self, v: np.ndarray) -> None:
        k = self._best_checked
        new = _finite_or_nan(v[k:])
        self._best_checked = len(v)
        if np.isnan(new).all():
            return
        i, j = int(np.nanargmin(new)), int(np.nanargmax(new))
        if self.best_min is None or new[i] < self.best_min[0]:
            self.best_min = (float(new[i]), k + i)
        if self.best_max is None or new[j] > self.best_max[0]:
            self.best_max = (float(new[j]), k + j)

    def values(self, smoothed: bool) -> tuple[np.ndarray, MinMaxBlocks]:
        if smoothed and self.smooth is not None:
            return self.smooth.view(), self.smooth_blocks
        return self.series.values, self.raw

    def columns(
        self, axis: str, x0: float, x1: float, cols: int, smoothed: bool = False
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The series between x0 and x1 as plot points: (x, low, high). With more points than 2 *
        cols, one entry per column (x at the column's centre, low/high its min and max); otherwise
        the points themselves (low == high). Non-finite values are left out. Returns read-only arrays,
        kept for the next call with the same points and columns."""
        key = (len(self.series), axis, x0, x1, cols, smoothed and self.smooth is not None, self.weight)
        if self._columns is not None and self._columns[0] == key:
            return self._columns[1]  # (a key that moves the cursor or toggles the log scale)
        got = self._reduce(axis, x0, x1, cols, smoothed)
        for a in got:
            a.flags.writeable = False  # shared by the frames that ask for the same columns
        self._columns = (key, got)
        return got

    def _grown_columns(
        self, v: np.ndarray, blocks: MinMaxBlocks, bounds: np.ndarray, key: tuple[object, ...]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each column's min and max (NaN where empty), as `column_minmax`; when the same columns
        were reduced before and points were only appended since (x sorted), the columns that end
        before the old last point are kept and only the rest reduced again: a growing run's frame
        costs the last few columns, not all of them."""
        kept = self._grown
        start = 0
        if kept is not None and kept[0] == key and len(kept[2]) == len(bounds) and kept[1] <= len(v):
            start = _same_prefix(kept[2], bounds, kept[1])
        if start:
            lo, hi = kept[3].copy(), kept[4].copy()  # type: ignore[union-attr]
            if start < len(bounds) - 1:
                lo[start:], hi[start:] = column_minmax(v, blocks, bounds[start:])
        else:
            lo, hi = column_minmax(v, blocks, bounds)
        self._grown = (key, len(v), bounds, lo, hi)
        return lo, hi

    def _reduce(
        self, axis: str, x0: float, x1: float, cols: int, smoothed: bool
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        v, blocks = self.values(smoothed)
        x = self.series.x(axis)  # type: ignore[arg-type]
        n = len(v)
        if not n or cols < 1 or not has_axis(self.series, axis):
            e = np.empty(0)
            return e, e, e
        span = (x1 - x0) or 1.0
        if self._mono[axis].ok and self._mono[axis].checked == n:
            a, b = int(np.searchsorted(x, x0, side="left")), int(np.searchsorted(x, x1, side="right"))
            if b - a <= 2 * cols:
                xs, ys = x[a:b], v[a:b]
                keep = np.isfinite(ys)
                return xs[keep].copy(), ys[keep].copy(), ys[keep].copy()
            edges = x0 + span * np.arange(cols + 1) / cols
            bounds = np.searchsorted(x, edges, side="left")
            bounds[0], bounds[-1] = a, b
            lo, hi = self._grown_columns(v, blocks, bounds, (axis, x0, x1, cols, smoothed, self.weight))
        else:
            keep = np.isfinite(x) & np.isfinite(v) & (x >= x0) & (x <= x1)
            xs, ys = x[keep], v[keep]
            if len(xs) <= 2 * cols:
                order = np.argsort(xs, kind="stable")
                return xs[order], ys[order], ys[order].copy()
            col = np.minimum(((xs - x0) / span * cols).astype(np.int64), cols - 1)
            lo, hi = np.full(cols, np.inf), np.full(cols, -np.inf)
            np.minimum.at(lo, col, ys)
            np.maximum.at(hi, col, ys)
            lo[np.isinf(lo)], hi[np.isinf(hi)] = np.nan, np.nan
        centres = x0 + span * (np.arange(cols) + 0.5) / cols
        keep = np.isfinite(lo)
        return centres[keep], lo[keep], hi[keep]


def _same_prefix(old: np.ndarray, new: np.ndarray, done: int) -> int:
    """How many leading columns of `new` bounds cover exactly what they covered in `old` and end
    within the first `done` points (points appended after those cannot change them)."""
    same = (old[1:] == new[1:]) & (new[1:] <= done) & (old[:-1] == new[:-1])
    return int(np.argmin(same)) if not same.all() else len(same)


def plot_points(
    xs: np.ndarray, lo: np.ndarray, hi: np.ndarray, pixel: float
) -> tuple[list[float], list[float]]:
    """Points for a line plot: one per column whose range is under a pixel, otherwise its low and
    high in the order that joins the neighbours best (so a spike is drawn as a spike)."""
    px: list[float] = []
    py: list[float] = []
    prev = None
    for x, a, b in zip(xs.tolist(), lo.tolist(), hi.tolist(), strict=True):
        if b - a <= pixel:
            y = (a + b) / 2
            px.append(x)
            py.append(y)
            prev = y
            continue
        first, second = (a, b) if prev is None or abs(prev - a) <= abs(prev - b) else (b, a)
        px += [x, x]
        py += [first, second]
        prev = second
    return px, py
