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


def points_per_eval(series: Series | None, ref: Series | None) -> int:
    """Points of `series` per evaluation, from its first SAMPLE_EVALS complete epochs (its epoch
    column), or else from how many of its points come at or before the first SAMPLE_EVALS points
    of `ref` (the validation series) on the step axis, counted between its first and its
    SAMPLE_EVALS-th evaluation. 1 until that is known (a series with no
    later epoch yet, or no reference). O(log n)."""
    if series is None or len(series) < 2:
        return 1
    ep = series.x_or_none("epoch")
    if ep is not None and len(ep) and math.isfinite(float(ep[0])):
        first = float(ep[0])
        if not np.isfinite(ep[-1]) or float(ep[-1]) < first + SAMPLE_EVALS:
            return 1
        n = int(np.searchsorted(ep, first + SAMPLE_EVALS - 0.5, side="right"))
        return max(1, round(n / SAMPLE_EVALS))
    if ref is None or len(ref) < SAMPLE_EVALS:
        return 1
    st, rst = series.x_or_none("step"), ref.x_or_none("step")
    if st is None or rst is None or not np.isfinite(rst[SAMPLE_EVALS - 1]):
        return 1
    first, edge = float(rst[0]), float(rst[SAMPLE_EVALS - 1])
    if not np.isfinite(st[-1]) or float(st[-1]) <= edge or not math.isfinite(first):
        return 1
    # the points between evaluations, not before the first: a validation that starts late (after
    # 150,000 training steps, then at every step) is not one evaluation per 75,000 steps
    n = int(np.searchsorted(st, edge, side="right")) - int(np.searchsorted(st, first, side="right"))
    return max(1, round(n / (SAMPLE_EVALS - 1)))
