"""The training loss read at validation points, joined by x: its mean over the last values logged
at or before each validation x (a per-step training loss: about an epoch's worth of them), and the
value a text quotes there. `overfitting` judges and quotes the training loss through these."""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.analysis.detectors.base import lookup_level, value_at_x
from lossacc_tui.analysis.passmemo import quiet, shared_in_pass
from lossacc_tui.analysis.track import x_column
from lossacc_tui.model import Series


def train_level(train: Series, axis: str, xs: np.ndarray, idx: np.ndarray, width: int) -> np.ndarray:
    """Mean of the last `width` finite training values at or before each validation x (nats, shape
    (len(xs),); NaN where none). `xs` are the validation points' x on `axis` and `idx` their absolute
    indices, both increasing: a training loss logged on the same rows (Keras, fastai, JSON lines) is
    averaged over the rows before each one, and one logged on other rows (per step, Lightning's own
    rows) over the values at or before each x. Raises nothing; O(len(xs) x width), or O(len(xs) log n)
    when `width` is past WIDE. Within a pass, computed once for the same points (`overfitting` and
    `val-degrading` read the same rows: `passmemo.shared_in_pass`)."""
    key = ("train_level", id(train), axis, width, len(train.raw), train.generation, train.scale, train.base)
    return shared_in_pass(key, (train,), (xs, idx), lambda: _train_level(train, axis, xs, idx, width))


def _train_level(train: Series, axis: str, xs: np.ndarray, idx: np.ndarray, width: int) -> np.ndarray:
    """`train_level` without the pass's memo."""
    tv = train.raw  # (from absolute index `base` on: 0 unless the oldest points were folded)
    tb = train.base
    col = x_column(train, axis)
    lo, hi = int(idx[0]) - tb, int(idx[-1]) + 1 - tb
    same_rows = False
    if col is None:
        last = np.minimum(idx - tb, len(tv) - 1)
    elif (
        lo >= 0
        and hi <= len(col)
        and np.array_equal(col[lo:hi], xs)
        and (hi == len(col) or col[hi] > xs[-1])
        and bool(np.all(xs[1:] > xs[:-1]))
    ):
        last, same_rows = idx - tb, True  # logged on the same rows (Keras, fastai, JSON lines)
    else:
        last = np.searchsorted(col, xs, side="right") - 1
    if width > WIDE and col is not None:
        return lookup_level(train, axis, xs, width)  # (the run's kept prefix sums, not a new pass)
    s = np.zeros(len(xs))
    c = np.zeros(len(xs))
    contiguous = same_rows
    for j in range(width):
        if j >= (hi if contiguous else int(last.max(initial=-1)) + 1):
            break  # (a window longer than the series: no point is left to average)
        if contiguous:  # a slice, NaN before the series start
            v = np.full(len(xs), np.nan)
            a = lo - j
            v[max(0, -a) :] = tv[max(0, a) : hi - j]
        else:
            k = last - j
            v = np.where(k >= 0, tv[np.maximum(k, 0)], np.nan)
        fin = np.isfinite(v)
        with quiet(over="ignore"):  # (values near the float maximum sum to inf)
            s += np.where(fin, v, 0.0)
        c += fin
    with quiet(invalid="ignore", divide="ignore"):
        return np.where(c > 0, s / np.maximum(c, 1), np.nan)


#: a window wider than this many training values is the series' level from its kept prefix sums
#: (`lookup_level`: O(log n) a point) instead of value by value: an ImageNet-sized epoch of 5,000
#: steps had cost 5,000 array passes a call (75 % of such a run's analysis). Narrower windows keep
#: the summation order of the loop, bit for bit.
WIDE = 256


def train_at(train: Series, axis: str, x: float, window: int) -> float:
    """The training loss a text quotes at x (nats): its value logged at or before x, or for a
    per-step training loss (`window` > 1, `Ctx.train_window`) the mean of its last `window` finite
    values there, so a mean is never passed off as one logged value. NaN when none. O(window)."""
    if window <= 1:
        return value_at_x(train, axis, x)
    col = x_column(train, axis)
    if col is None or not math.isfinite(x):
        return math.nan
    k = int(np.searchsorted(col, x, side="right"))
    v = train.raw[max(0, k - window) : k]
    v = v[np.isfinite(v)]
    return float(v.mean()) if len(v) else math.nan
