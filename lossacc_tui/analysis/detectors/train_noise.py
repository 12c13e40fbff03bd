"""How much the training loss's level moves by noise alone, at validation points: `overfitting`
counts the training loss as fallen since the validation best only by more than that.

A training loss logged per batch is a mean over a few samples: its level over ten 4-sample batches
(40 samples, a heavy tail of confidently wrong ones) moves by 0.1-0.2 nats between evaluations while
the model stands still. In a noisy high-learning-rate run that reads as "training loss fell 0.98 ->
0.87" beside a validation loss that rose on a 32-sample subset, and opened `overfitting` in the
run's first evaluations, while the whole training split's loss had risen with the validation's
(torch, issue 9). An epoch's mean moves smoothly and the gate does not bind.

The noise is relative, read on the logarithm of the values: a fine-tune's epoch means fall by a
factor each epoch (1.72, 0.29, 0.087, 0.019: a straight line in log, second differences near 0),
where the raw values' second differences are the curve's bend (1.2 nats) and would pass for noise.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from lossacc_tui.analysis.alerts import Alert
from lossacc_tui.analysis.detectors.base import Ctx, value
from lossacc_tui.analysis.passmemo import quiet, shared_in_pass
from lossacc_tui.analysis.stats import SECOND_DIFF_SCALE
from lossacc_tui.analysis.track import x_column
from lossacc_tui.model import Series

#: the most training values before a validation point whose second differences measure their noise
SPAN_MAX = 256
#: windows summed at a time (rows of a copy of at most BLOCK x (SPAN_MAX - 2) values: 8 MB)
BLOCK = 4096


def level_noise(
    train: Series, axis: str, xs: np.ndarray, idx: np.ndarray, width: int, span: int
) -> np.ndarray:
    """Per validation point (x on `axis`, absolute index `idx`; shape (len(xs),)): the relative
    noise (standard deviation of the natural log) of the mean of `width` training values, from that
    of single values (the mean |second difference| of the log of the last min(`span`, SPAN_MAX)
    positive finite values at or before x, / SECOND_DIFF_SCALE) over sqrt(width). NaN with fewer
    than 4 such values there (a loss that is not positive has no relative noise: not judged).
    Joined by x as `train_join.train_level` joins (by index when the training loss has no x).
    Within a pass, computed once for the same points (`overfitting` and `val-degrading` read the
    same rows: `passmemo.shared_in_pass`)."""
    key = (
        "train_noise",
        id(train),
        axis,
        width,
        span,
        len(train.raw),
        train.generation,
        train.scale,
        train.base,
    )
    return shared_in_pass(key, (train,), (xs, idx), lambda: _level_noise(train, axis, xs, idx, width, span))


def _level_noise(
    train: Series, axis: str, xs: np.ndarray, idx: np.ndarray, width: int, span: int
) -> np.ndarray:
    """`level_noise` without the pass's memo. (The mean of the |second differences| as `np.mean`
    of `np.diff(v, 2)` computes it, without their Python wrappers: the same sum, the same division.)
    The logarithms and second differences are taken once over the stretch the windows cover, when
    they overlap (each validation point's window is then a slice of them: the same numbers, summed
    by the same `np.add.reduce` of a contiguous slice); a window with a value that is not positive
    and finite is filtered and differenced on its own, as are sparse validation points' windows."""
    out = np.full(len(xs), np.nan)
    if not len(xs):
        return out
    tv, tb = train.raw, train.base
    col = x_column(train, axis)
    last = (
        np.minimum(np.asarray(idx) - tb, len(tv) - 1)
        if col is None
        else np.searchsorted(col, xs, side="right") - 1
    )
    span = max(4, min(span, SPAN_MAX))
    scale = SECOND_DIFF_SCALE * math.sqrt(max(1, width))
    ks = np.asarray(last, dtype=np.int64)
    todo = np.flatnonzero(ks >= 3)
    if not len(todo):
        return out
    lo = max(0, int(ks[todo].min()) - span + 1)
    hi = int(ks[todo].max()) + 1
    if hi - lo > len(todo) * span:  # (sparse windows: the stretch between them is not worth its logs)
        for j in todo.tolist():
            out[j] = _window_noise(tv, int(ks[j]), span, scale)
        return out
    v = np.asarray(tv[lo:hi], dtype=float)
    good = np.isfinite(v) & (v > 0)
    lv = np.log(np.where(good, v, 1.0))  # (a value that is not positive: its windows go alone)
    d = lv[1:] - lv[:-1]
    dd = np.abs(d[1:] - d[:-1])
    nbad = np.concatenate([[0], np.cumsum(~good)])  # values not positive and finite before each
    kt = ks[todo]
    at = np.maximum(0, kt - span + 1)  # each window's first value
    clean = nbad[kt + 1 - lo] == nbad[at - lo]
    full = clean & (kt - span + 1 >= 0)  # (span values: span - 2 second differences)
    fj, fs = todo[full], at[full] - lo
    if len(fj):
        windows = sliding_window_view(dd, span - 2)
        for c in range(0, len(fj), BLOCK):
            # (rows of a C-contiguous copy: numpy sums each row as it sums a 1-d slice, pairwise)
            sums = np.add.reduce(windows[fs[c : c + BLOCK]], axis=1)
            out[fj[c : c + BLOCK]] = sums / (span - 2) / scale
    reduce = np.add.reduce
    for j, k, ok in zip(todo[~full].tolist(), kt[~full].tolist(), clean[~full].tolist(), strict=True):
        if not ok:
            out[j] = _window_noise(tv, k, span, scale)
            continue
        w = dd[max(0, k - span + 1) - lo : k - 1 - lo]  # (k + 1 < span values, at least 4)
        out[j] = float(reduce(w) / len(w)) / scale
    return out


def _window_noise(tv: np.ndarray, k: int, span: int, scale: float) -> float:
    """The relative noise of the window of `tv` ending at k (k >= 3): its last `span` values'
    positive finite ones, their logs' mean |second difference| / `scale`; NaN with fewer than 4."""
    v = np.asarray(tv[max(0, k - span + 1) : k + 1], dtype=float)
    v = np.log(v[np.isfinite(v) & (v > 0)])
    if len(v) < 4:
        return math.nan
    d = v[1:] - v[:-1]
    dd = np.abs(d[1:] - d[:-1])
    return float(np.add.reduce(dd) / len(dd)) / scale


def drop_clears_noise(now: np.ndarray, then: np.ndarray, sig: np.ndarray, z: float) -> np.ndarray:
    """Per point: whether the training level fell from `then` to `now` (nats) by a factor beyond
    z deviations of a difference of two levels of relative noise `sig` (log(then / now) >= z sqrt(2)
    sig); True where sig is unknown (NaN: too few values to measure it, the rules of a short run
    decide) or a level is not positive."""
    with quiet(invalid="ignore", divide="ignore"):
        ratio = np.log(then / now)
        known = np.isfinite(sig) & (then > 0) & (now > 0)
        return ~known | (ratio >= z * math.sqrt(2.0) * sig)


def new_best_after(ctx: Ctx, series: Series | None, alert: Alert, best: float) -> dict[str, float]:
    """{"new_best": value, "new_best_x": x} when a closed alert closed on its loss coming back below
    `best` (nats; the best its rise was measured from): the first such value after its last point
    and up to the point where it was decided closed (`seen_idx`); {} otherwise. A rise that passed
    like that (a noisy per-step run's early stretch) has nothing to early-stop at: the model went on
    to better than its best."""
    d = alert.data
    if alert.active or series is None or "end_idx" not in d or not math.isfinite(best):
        return {}
    for k in range(int(d["end_idx"]) + 1, int(d.get("seen_idx", -1)) + 1):
        v = value(series, k)
        if math.isfinite(v) and v < best:
            return {"new_best": v, "new_best_x": ctx.x(series, k)}
    return {}
