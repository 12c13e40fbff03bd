"""Whether a run has stopped updating its model: every logged loss and accuracy (validation and
training) repeats its value to the last printed digit at each evaluation of a stretch. A model
whose weights change, even one whose only moving part is an output bias, moves its training loss;
a frozen one (learning rate 0, a schedule that ended at 0, parameters with requires_grad False, an
optimizer that never steps) logs the same numbers at every evaluation (tester 25's t_frozen_11ep,
t_lr0_after, t_frozen3: every value identical to 6 digits). Read by acc-stuck (its base-rate
claims) and plateau (its advice and severity)."""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.analysis.detectors.base import Ctx
from lossacc_tui.analysis.detectors.series_at import value, value_at_x, x_column
from lossacc_tui.analysis.passmemo import quiet
from lossacc_tui.model import Series

#: how close (relative) two values must be to count as the same: equal to 6 significant digits, so
#: a full-precision log whose frozen model's training loss differs in the 8th digit by the order its
#: batches were summed in counts (tester 25's t_frozen3: 1.17348459148407, 1.1734846229553222)
SAME_REL = 1e-6


def same(a: float, b: float) -> bool:
    """Whether two logged values are the same to SAME_REL (both finite)."""
    return math.isfinite(a) and math.isfinite(b) and abs(a - b) <= SAME_REL * max(abs(a), abs(b))


#: how far back (points of the primary series) the walk looks: a longer repeat is reported as
#: starting this many points back
MAX_BACK = 4096


#: `still_since`'s answers kept per context (an alert's severity, title and evidence each ask for
#: the same point: three walks back of up to MAX_BACK points, each reading every other series)
_MEMO_KEEP = 64


def still_since(ctx: Ctx, series: Series | None, i: int) -> int | None:
    """The first index j (j <= i) of `series` from which every point up to i repeats point i's
    value (to SAME_REL) and every other logged loss and accuracy of the run (ctx.loss, ctx.acc,
    ctx.train, ctx.train_acc) reads its value at i's x at each of those points' x too; None when
    `series` is missing, the value at i is not finite, or the run logs no second series to agree
    (one repeating series may be a stale value logged by mistake). At most MAX_BACK points back.

    Remembered in `ctx.shared` for the same point and the same state of every series it reads
    (points appended, folds, percent scale): appends after i can change only what another series
    reads at an x it logs later, and they change that state."""
    if series is None or i < 0 or i >= len(series):
        return None
    state = tuple(
        (id(s), len(s), s.generation, s.base, s.scale) if s is not None else None
        for s in (series, ctx.loss, ctx.acc, ctx.train, ctx.train_acc)
    )
    memo: dict[tuple[object, ...], int | None] = ctx.shared.setdefault(("still_since",), {})
    key = (i, ctx.axis, state)
    if key in memo:
        return memo[key]
    if len(memo) >= _MEMO_KEEP:
        memo.clear()
    out = memo[key] = _still_since(ctx, series, i)
    return out


def _still_since(ctx: Ctx, series: Series, i: int) -> int | None:
    """`still_since`, computed."""
    v = value(series, i)
    if not math.isfinite(v):
        return None
    others = [
        s
        for s in (ctx.loss, ctx.acc, ctx.train, ctx.train_acc)
        if s is not None and s is not series and len(s)
    ]
    if not others:
        return None
    xi = ctx.x(series, i)
    ref = [value_at_x(s, ctx.axis, xi) for s in others]
    if not all(math.isfinite(r) for r in ref):
        return None
    lo = max(0, i - MAX_BACK)
    j, broke = _walk_kept(ctx, series, i, lo, v, others, ref)
    if broke:
        return j
    # (the points folded away, `Series.fold`: one at a time, as they are read)
    while j - 1 >= lo and same(value(series, j - 1), v):
        xj = ctx.x(series, j - 1)
        if not all(same(value_at_x(s, ctx.axis, xj), r) for s, r in zip(others, ref, strict=True)):
            break
        j -= 1
    return j


#: the first stretch `_walk_kept` reads back (doubled at each next one)
WALK_FIRST = 16


def _walk_kept(
    ctx: Ctx, series: Series, i: int, lo: int, v: float, others: list[Series], ref: list[float]
) -> tuple[int, bool]:
    """`still_since`'s walk back from point i over the points not folded away (from `series.base`
    on), down to `lo`, in stretches read as arrays: the same tests as a point at a time (`same`, the
    value `value` reads, the x `ctx.x` gives, the value `value_at_x` finds at it), in float64, so the
    same answer. (j, True): point j - 1 breaks the repeat; (j, False): every point from j on repeats
    and the walk goes on below j (`lo` reached, or points folded away)."""
    j, base, stretch = i, series.base, WALK_FIRST
    raw = series.raw
    col = x_column(series, ctx.axis)
    cols = [(x_column(s, ctx.axis), s.raw) for s in others]
    while j - 1 >= max(lo, base):
        a = max(lo, base, j - stretch)
        ks = np.arange(j - 1, a - 1, -1)  # (newest first, as the walk reads them)
        vals = raw[ks - base]
        ok = _same(vals, v)
        if col is None:
            xs = ks.astype(np.float64)
        else:  # (`Ctx.x`: the point's index where its x is not known)
            xs = np.where(ks - base < len(col), col[np.minimum(ks - base, len(col) - 1)], np.nan)
            xs = np.where(np.isfinite(xs), xs, ks.astype(np.float64))
        for (c, r_raw), r in zip(cols, ref, strict=True):
            if c is None or not len(r_raw):  # (no value at any x: `value_at_x` reads NaN)
                ok &= False
                continue
            k = np.searchsorted(c, xs, side="right") - 1
            got = np.where((k >= 0) & (k < len(r_raw)), r_raw[np.clip(k, 0, len(r_raw) - 1)], np.nan)
            ok &= _same(got, r)
        bad = np.flatnonzero(~ok)
        if len(bad):
            return int(ks[bad[0]]) + 1, True
        j, stretch = a, 2 * stretch
    return j, False


def _same(a: np.ndarray, b: float) -> np.ndarray:
    """`same(x, b)` for each x of `a` (float64), as an array."""
    with quiet(invalid="ignore"):
        return np.isfinite(a) & math.isfinite(b) & (np.abs(a - b) <= SAME_REL * np.maximum(np.abs(a), abs(b)))


def lr_zero_since(ctx: Ctx, x: float) -> float | None:
    """The x from which the run's logged learning rate reads 0 up to `x` (its first point of that
    run of zeros), or None when no lr is logged or it is not 0 at the last point at or before x."""
    lr = ctx.lr
    if lr is None or not len(lr):
        return None
    col = x_column(lr, ctx.axis)
    if col is None or not math.isfinite(x):
        return None
    raw = lr.raw
    k = int(np.searchsorted(col, x, side="right")) - 1
    if not (0 <= k < len(raw)) or float(raw[k]) != 0.0:
        return None
    while k > 0 and float(raw[k - 1]) == 0.0:
        k -= 1
    return float(col[k])
