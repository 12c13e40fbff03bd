"""Whether a swing of the validation loss is a collapsed run diverging: the training loss rose with
it (both losses worse together) while accuracy sits far below its best, so the mistakes are many,
not the few extremely confident wrong predictions dominating an unbounded mean that
`val-loss-unstable` names. A run that keeps its accuracy while both losses multiply (a torch digits
run at lr 0.25: accuracy 0.80-0.87 while the loss grew x10^12, its five worst rows carrying half the
loss: the truth corpus's high-lr-torch) stays that alert's.

Tester 15's too-high learning rate (torch, SGD, the rate x1.5 per epoch): the validation loss rose
2.09 -> 3.19 -> 7.21 -> 11.7 -> 44.3 -> 78.3 at epochs 16-21 with accuracy at 0.24 (378 of 500 wrong,
every sample predicted as one class), the training loss 2.17 -> 54.1 beside it; main called it a
swing ("val_loss swings 2.0863-78.282 (x37.5)") of "a handful of extremely confident wrong
predictions". The `loss-explosion` alerts on both losses, open since epoch 10, say what it is.
"""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.analysis.detectors.base import Ctx, value
from lossacc_tui.analysis.detectors.train_join import train_at
from lossacc_tui.analysis.track import x_column


def largest_rise(ctx: Ctx, i: int, window: int) -> tuple[int, int]:
    """(trough index, high index) of the validation loss's largest rise by factor inside the
    `window` evaluations that end at point i, trough before high; (-1, -1) when none. O(window)."""
    first = max(ctx.loss.base if ctx.loss is not None else 0, i - window + 1)
    trough_k, trough, best, out = -1, math.inf, 0.0, (-1, -1)
    for k in range(first, i + 1):
        v = value(ctx.loss, k)
        if not (math.isfinite(v) and v > 0):
            continue
        if trough_k >= 0 and v / trough > best:
            best, out = v / trough, (trough_k, k)
        if v < trough:
            trough_k, trough = k, v
    return out


def training_rose_with(ctx: Ctx, i: int, window: int, factor: float) -> bool:
    """Whether the training loss (as `train_join.train_at` quotes it: the value logged at or before
    x, or the mean of an evaluation's worth of per-step values) rose by at least `factor` to the
    high of the validation loss's largest rise in the window ending at point i (`largest_rise`)
    from its lowest at the validation points from that rise's trough on, or from its lowest level at
    or before the trough (`lowest_level_before`): a run diverging for many evaluations has both
    losses far above their lows whichever of its later swings the window holds (a numpy ReLU net at
    a learning rate growing x1.5 an epoch: the training loss 0.16 -> 52 before a validation swing
    20.3 -> 140 while it rose only 52 -> 88 within it). False without a training loss, without such
    a rise, or where a value is unknown; an infinite training loss at the high has risen."""
    if ctx.train is None or ctx.loss is None or ctx.split != "validation":
        return False
    k0, k1 = largest_rise(ctx, i, window)
    if k0 < 0:
        return False
    at = [train_at(ctx.train, ctx.axis, ctx.x(ctx.loss, k), ctx.train_window) for k in range(k0, k1 + 1)]
    # (from its lowest between the trough and the high: the epoch mean at a trough just after an
    # explosion still holds the exploded batches, 1.1e16 on a torch run that then rose 1.73 -> 70)
    t0 = min((t for t in at[:-1] if math.isfinite(t)), default=math.nan)
    low = lowest_level_before(ctx, ctx.x(ctx.loss, k0))
    if math.isfinite(low) and low > 0 and not (math.isfinite(t0) and t0 <= low):
        t0 = low
    t1 = at[-1]
    return math.isfinite(t0) and t0 > 0 and not math.isnan(t1) and t1 >= factor * t0


#: accuracy this far (a fraction of all samples) below its best so far, at every evaluation of the
#: window, is a collapse: a quarter of the samples more are wrong than at the best, so many mistakes
COLLAPSE_DROP = 0.25


def collapsed_divergence(ctx: Ctx, i: int, window: int, factor: float) -> bool:
    """Whether the swing in the `window` evaluations ending at point i is a collapsed run diverging:
    the training loss rose by `factor` with it (`training_rose_with`) and the accuracy's highest
    value in the window is `COLLAPSE_DROP` or more below its best before the window. O(i) (the best
    accuracy; only asked where a swing was found)."""
    acc = ctx.acc
    if acc is None or not training_rose_with(ctx, i, window, factor):
        return False
    first = max(acc.base, i - window + 1)
    inside = [value(acc, k) for k in range(first, i + 1)]
    before = acc.values[: acc.kept_before(first)]
    if not before.size or not np.isfinite(before).any():
        return False
    best = float(np.nanmax(before))
    high = max((a for a in inside if math.isfinite(a)), default=math.nan)
    return math.isfinite(high) and high <= best - COLLAPSE_DROP


def lowest_level_before(ctx: Ctx, x: float) -> float:
    """The training loss's lowest level at or before x (nats): its lowest finite logged value, or for
    a per-step training loss (`Ctx.train_window` > 1) the lowest mean of `train_window` consecutive
    finite values, as `train_at` quotes a level. NaN where none is known. O(n) in the values kept
    before x (asked only where a swing was found)."""
    train = ctx.train
    if train is None or not math.isfinite(x):
        return math.nan
    col = x_column(train, ctx.axis)
    if col is None:
        return math.nan
    v = train.raw[: int(np.searchsorted(col, x, side="right"))]
    v = v[np.isfinite(v)]
    w = max(1, ctx.train_window)
    if len(v) < w:
        return math.nan
    if w > 1:
        c = np.concatenate(([0.0], np.cumsum(v)))
        v = (c[w:] - c[:-w]) / w
    return float(v.min())
