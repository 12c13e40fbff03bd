"""How many points a series logs per evaluation: 1 for a per-epoch series, more for a per-step
one (Lightning `*_step` columns, `self.log(..., on_step=True)`, per-batch prints). A per-step
series is judged on a level that averages about one evaluation's worth of its points, never on one
batch against a single-batch minimum.

>>> import numpy as np
>>> from lossacc_tui.model import Series
>>> s = Series("train_loss")
>>> s.extend(np.arange(12.0), np.arange(12.0), np.repeat([0.0, 1.0, 2.0], 4), None)
>>> points_per_eval(s, None)
4
"""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.model import Series

#: evaluations (epochs, or validation points) counted to estimate the density
SAMPLE_EVALS = 2
#: a loss logged by step with nothing to count its points against (`batch_window`): the fewest points
#: read before it can be called per-batch, the points its roughness is read over, and the roughness
#: (median |second difference| / median |value|) from which it is: single batches of 4-64 samples
#: read 0.5-1.0 (the truth corpus's step runs), epoch means of a converging run under 0.01
BATCH_MIN_POINTS = 80
BATCH_ROUGH_POINTS = 200
BATCH_ROUGH = 0.25


def points_per_eval(series: Series | None, ref: Series | None) -> int:
    """Points of `series` per evaluation: how many of its points come after the first point of
    `ref` (the validation series) and at or before its SAMPLE_EVALS-th, per evaluation between
    them, on the step axis when both have steps, else on the epoch axis (a loop that logs the
    epoch as a fraction, 0.0032 per batch, evaluates several times an epoch: its training loss is
    per step all the same); without such a reference, from the series' first SAMPLE_EVALS complete
    epochs (its epoch column). 1 until that is known (a series with no later epoch or evaluation
    yet). O(log n)."""
    if series is None or len(series) < 2:
        return 1
    if ref is not None and len(ref) >= SAMPLE_EVALS:
        for axis in ("step", "epoch"):
            got = _between_evals(series, ref, axis)
            if got is not None:
                return got
    ep = series.x_or_none("epoch")
    if ep is not None and len(ep) and math.isfinite(float(ep[0])):
        first = float(ep[0])
        if not np.isfinite(ep[-1]) or float(ep[-1]) < first + SAMPLE_EVALS:
            return 1
        n = int(np.searchsorted(ep, first + SAMPLE_EVALS - 0.5, side="right"))
        return max(1, round(n / SAMPLE_EVALS))
    return 1


def _between_evals(series: Series, ref: Series, axis: str) -> int | None:
    """Points of `series` per evaluation of `ref` counted on `axis` between ref's first and its
    SAMPLE_EVALS-th point; 1 while the series has not passed that point yet; None when either has
    no x there, or ref's first evaluations share one x (several evaluations an epoch, on the epoch
    axis: it cannot tell them apart)."""
    st, rst = series.x_or_none(axis), ref.x_or_none(axis)
    if st is None or rst is None or len(rst) < SAMPLE_EVALS or not len(st):
        return None
    first, edge = float(rst[0]), float(rst[SAMPLE_EVALS - 1])
    if not (math.isfinite(first) and math.isfinite(edge)) or edge <= first:
        return None
    if not np.isfinite(st[-1]) or float(st[-1]) <= edge:
        return 1
    # the points between evaluations, not before the first: a validation that starts late (after
    # 150,000 training steps, then at every step) is not one evaluation per 75,000 steps
    n = int(np.searchsorted(st, edge, side="right")) - int(np.searchsorted(st, first, side="right"))
    return max(1, round(n / (SAMPLE_EVALS - 1)))


def batch_window(series: Series | None, window: int) -> int:
    """Points a training-only loss is judged over when `points_per_eval` cannot count them: no
    evaluation, and no epoch column or fewer than SAMPLE_EVALS epochs in it (a loop writing
    `{"step": N, "loss": X}` at every batch, or a fine-tune of under two epochs writing the epoch as a
    fraction). Such a series is read as single-batch values, `window` of them to a level
    (`held.HELD_MIN`), once it holds `BATCH_MIN_POINTS` points and its first `BATCH_ROUGH_POINTS` jump
    like batches (roughness `BATCH_ROUGH` or more); else 1 (one value per evaluation, as before). A
    loss of 4-sample batches read point by point stood x2372 above the best level of its luckiest
    batches every few hundred steps of a healthy run; epoch means of an unstable run are as rough, but
    come by the tens within two epochs' count, not by the eighty."""
    if series is None or len(series) < BATCH_MIN_POINTS:
        return 1
    ep = series.x_or_none("epoch")
    counted = ep is not None and len(ep) and math.isfinite(float(ep[0])) and np.isfinite(ep[-1])
    if counted and float(ep[-1]) >= float(ep[0]) + SAMPLE_EVALS:  # type: ignore[index]
        return 1  # (`points_per_eval` counted it: one value an epoch)
    y = series.raw[:BATCH_ROUGH_POINTS]
    y = y[np.isfinite(y)]
    if len(y) < BATCH_MIN_POINTS // 2:
        return 1
    scale = float(np.median(np.abs(y)))
    if not scale > 0:
        return 1
    rough = float(np.median(np.abs(np.diff(y, 2)))) / scale
    return window if rough >= BATCH_ROUGH else 1
