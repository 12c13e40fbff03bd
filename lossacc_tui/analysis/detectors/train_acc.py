"""The training accuracy read at validation points, as every detector that uses it reads it: the
value logged at or before each validation x for a per-epoch training accuracy (Keras, HF, a JSON
line per epoch: a mean over the whole split), or for a per-step one (Lightning's `train_acc_step`,
per-batch prints) its level, the mean of about one evaluation's worth of batches
(`Ctx.train_acc_window`), as the training loss is read (`train_join.train_at`).

One batch is not the split: a 64-sample batch that happens to hold only majority-class samples
scores 1.0 under a model that predicts one class for every input, and a batch's accuracy swings by
several points between batches. Read batch by batch, tester 15's `imbalance` run (every prediction
the majority class) had its one-class reading refuted in its Lightning log only ("every training
sample right" on one lucky batch), where its five other formats, logging the epoch's mean, raised
`acc-stuck`.

A per-step level still moves between evaluations by which samples its batches held (the last,
short batch of an epoch, batches drawn at random): two levels of one model differ by batch sampling
alone up to `frozen_tol`, judged from the spread of the batches themselves.
"""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.analysis.detectors.base import Ctx, lookup, lookup_level
from lossacc_tui.analysis.track import x_column

#: how many standard deviations of a per-step level's batch-sampling noise two levels of one
#: unchanged model may differ by (the range of 6 such levels exceeds 4 of them about 1 time in 100)
FROZEN_Z = 4.0


def per_step(ctx: Ctx) -> bool:
    """Whether the training accuracy is logged per step (more than one point per evaluation)."""
    return ctx.train_acc is not None and ctx.train_acc_window > 1


def train_acc_at(ctx: Ctx, xs: np.ndarray) -> np.ndarray:
    """The training accuracy (fraction, shape (len(xs),); NaN where none or not logged) at each x of
    `xs` (the log's own axis): the value logged at or before x, or for a per-step series the mean of
    its last `Ctx.train_acc_window` finite values there. O(len(xs) log n)."""
    xs = np.asarray(xs, dtype=np.float64)
    if ctx.train_acc is None:
        return np.full(len(xs), np.nan)
    if not per_step(ctx):
        return lookup(ctx.train_acc, ctx.axis, xs)
    return lookup_level(ctx.train_acc, ctx.axis, xs, ctx.train_acc_window)


def train_acc_level(ctx: Ctx, xs: np.ndarray, evals: int) -> np.ndarray:
    """The training accuracy's level over the last `evals` evaluations at each x of `xs` (fraction,
    shape (len(xs),); NaN where none or not logged): the mean of its last `evals` x
    `Ctx.train_acc_window` finite values (a per-epoch series: its last `evals` values)."""
    xs = np.asarray(xs, dtype=np.float64)
    if ctx.train_acc is None:
        return np.full(len(xs), np.nan)
    w = max(1, evals) * (ctx.train_acc_window if per_step(ctx) else 1)
    return lookup_level(ctx.train_acc, ctx.axis, xs, w)


def train_acc_value(ctx: Ctx, x: float) -> float:
    """`train_acc_at` at one x (a fraction; NaN when none)."""
    if not math.isfinite(x):
        return math.nan
    return float(train_acc_at(ctx, np.array([x]))[0])


def train_acc_first(ctx: Ctx) -> float:
    """The training accuracy of the first evaluation interval (a fraction): the first value logged,
    or for a per-step series the mean of its first `Ctx.train_acc_window` finite values; NaN when
    not logged or its first points were folded away (`--keep`)."""
    ta = ctx.train_acc
    if ta is None or not len(ta) or ta.base != 0:
        return math.nan
    v = np.asarray(ta.raw[: max(1, ctx.train_acc_window if per_step(ctx) else 1)], dtype=np.float64)
    v = v[np.isfinite(v)]
    return float(v.mean()) if len(v) else math.nan


def frozen_tol(ctx: Ctx, xs: np.ndarray, tol: float) -> np.ndarray:
    """How far two training-accuracy readings of one unchanged model may differ at each x of `xs`
    (fractions, shape (len(xs),)): `tol` (the stuck tolerance: "identical") for a per-epoch series;
    for a per-step one, also FROZEN_Z standard deviations of its level's batch-sampling noise (the
    standard deviation of the last `Ctx.train_acc_window` batch values at or before x, over the square
    root of their count). O(len(xs) x window)."""
    xs = np.asarray(xs, dtype=np.float64)
    out = np.full(len(xs), tol)
    if not per_step(ctx):
        return out
    ta = ctx.train_acc
    assert ta is not None
    col = x_column(ta, ctx.axis)
    if col is None:
        return out
    w = ctx.train_acc_window
    ends = np.searchsorted(col, xs, side="right")
    for j, k in enumerate(ends):
        v = np.asarray(ta.raw[max(0, int(k) - w) : int(k)], dtype=np.float64)
        v = v[np.isfinite(v)]
        if len(v) >= 2:
            out[j] = max(tol, FROZEN_Z * float(np.std(v, ddof=1)) / math.sqrt(len(v)))
    return out
