"""Whether the training loss rose from its lowest value since the validation best: then a
validation loss that rose beside it is no model fitting its training samples ever better
(overfitting) but both losses getting worse together, a step size past the loss surface's
curvature (divergence) or a broken batch.

Tester 15's too-high learning rate (torch, SGD, the rate x1.5 per epoch): the training loss fell to
0.1492 at epoch 7 and rose to 0.39 by epoch 10 while the validation loss rose 0.18 -> 1.88; the
overfitting warning stayed open through it, advising regularisation. The training loss is compared
with the lowest of its level (a mean of a few values) since the validation best, not with its value
at that best (an epoch mean that may still hold the untrained model's losses) nor with its lowest
single value (over a hundred noisy epochs, the luckiest: a Keras run that overfits for 60 epochs had
one epoch 1.16x its lowest), beyond the relative noise of its values there.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from lossacc_tui.analysis.passmemo import quiet
from lossacc_tui.analysis.stats import SECOND_DIFF_SCALE

#: the training loss's rise from its lowest since the validation best must be at least this share
#: of the validation loss's rise from its best (nats over nats): diverging, both losses rise by
#: comparable amounts (tester 15: 0.05 beside 0.12, then 0.2 beside 0.27); overfitting, the training
#: loss jitters by a small part of the validation rise (a Keras run overfitting for 60 epochs: one
#: epoch 0.026 above its lowest level beside a validation rise of 0.20)
SHARE_OF_VAL_RISE = 0.25
#: ... and at least this factor above that lowest value (a relative floor under the measured noise)
MIN_FACTOR = 1.15
#: ... or this one where too few values since the validation best measure that noise (a short span)
UNMEASURED_FACTOR = 1.3


def min_since_best(vals: np.ndarray, best_idx: np.ndarray, prev_best: int, carried: float) -> np.ndarray:
    """Per row: the lowest finite value of `vals` (shape (n,)) from the row where its validation
    best (`best_idx`, absolute index of the best per row) last changed through this row. Rows before
    the first change of the chunk continue the previous chunk's best (`prev_best`) and start from
    `carried` (its lowest so far; NaN when none). NaN where no finite value is known. O(n log n)."""
    n = len(vals)
    if n == 0:
        return np.empty(0)
    changed = np.concatenate([[best_idx[0] != prev_best], best_idx[1:] != best_idx[:-1]])
    v = np.where(np.isfinite(vals), vals, np.inf)
    starts = np.flatnonzero(changed)
    if len(starts) <= _FEW_SEGMENTS and not (v == 0).any():
        out = _min_by_segment(v, starts)
        if math.isfinite(carried):
            head = int(starts[0]) if len(starts) else n  # (the rows before the first change)
            out[:head] = np.fmin(out[:head], carried)
        return np.where(np.isfinite(out), out, np.nan)
    seg = np.cumsum(changed)  # (segment 0: the previous chunk's best carried on)
    order = np.argsort(v, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    # a cumulative minimum of ranks that restarts in every segment: each later segment is shifted
    # below every earlier one, so its own ranks win from its first row on
    shifted = rank - seg.astype(np.int64) * (n + 1)
    low = np.minimum.accumulate(shifted) + seg.astype(np.int64) * (n + 1)
    out = v[order][low]
    if math.isfinite(carried):
        out = np.where(seg == 0, np.fmin(out, carried), out)
    return np.where(np.isfinite(out), out, np.nan)


#: at most this many segments (validation bests) in a chunk: `min_since_best` takes a running
#: minimum per segment, in one call each, rather than sorting the chunk
_FEW_SEGMENTS = 256


def _min_by_segment(v: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """The running minimum of `v` (no NaN) restarted at each of `starts` (ascending row indices):
    the value `min_since_best`'s ranks pick, bit for bit, where no value is a zero (the one pair of
    distinct floats that compare equal: +0.0 and -0.0, which a running minimum and a stable sort
    may pick differently)."""
    out = np.empty(len(v))
    bounds = [0, *starts.tolist(), len(v)]
    for lo, hi in itertools.pairwise(bounds):
        if hi > lo:
            np.minimum.accumulate(v[lo:hi], out=out[lo:hi])
    return out


def log_noise(vals: np.ndarray, least: int = 5) -> float:
    """The relative noise of one value of `vals` (standard deviation of its natural log, from the
    mean |second difference| of the logs of its positive finite values, / `SECOND_DIFF_SCALE`);
    NaN with fewer than `least` such values."""
    v = vals[np.isfinite(vals) & (vals > 0)]
    if len(v) < max(3, least):
        return math.nan
    return float(np.mean(np.abs(np.diff(np.log(v), 2)))) / SECOND_DIFF_SCALE


def noise_before(hist: np.ndarray, row: int, best_row: int, window: int) -> float:
    """`log_noise` of the training values `hist` (one per validation row) over the `window` rows
    before `row` (never the row judged: a rise must not widen its own bar), from the row after the
    validation best `best_row` on, when that leaves four of them (the best row's epoch mean may still
    hold the untrained model's losses, and the descent before it is a bend, not noise); otherwise
    NaN (unmeasured: `rose_from_low` asks `UNMEASURED_FACTOR`)."""
    return log_noise(hist[max(best_row + 1, row - window) : row], 4)


def noise_before_rows(hist: np.ndarray, rows: np.ndarray, best_rows: np.ndarray, window: int) -> np.ndarray:
    """`noise_before(hist, row, best_row, window)` at each of `rows` beside its `best_rows` (int
    arrays of one shape (m,)): the same values bit for bit (the same logs, differences and sums
    per row, a row's values summed along a contiguous axis as `np.mean` sums one), in whole-array
    passes of O(m * window) instead of one Python call per row. NaN where fewer than four values
    are measured. A start before the array's beginning (Python's negative slice) takes the scalar
    path."""
    rows = np.asarray(rows, dtype=np.int64)
    lo = np.maximum(np.asarray(best_rows, dtype=np.int64) + 1, rows - window)
    out = np.full(len(rows), np.nan)
    for k in np.flatnonzero(lo < 0):  # (never with a full tail: kept for the same slices)
        out[k] = noise_before(hist, int(rows[k]), int(lo[k]) - 1, window)
    ok = np.flatnonzero(lo >= 0)
    if len(ok) == 0 or window < 4:
        return out
    ok = _whole_windows(hist, rows, lo, ok, window, out)  # (the usual row; the others below)
    if len(ok) == 0:
        return out
    pos = rows[ok, None] - window + np.arange(window)  # (the window's rows, oldest first)
    vals = hist[np.clip(pos, 0, None)]
    with quiet(invalid="ignore"):
        good = (pos >= lo[ok, None]) & np.isfinite(vals) & (vals > 0)
    count = good.sum(axis=1)
    # the measured values of each row moved to its front, in their order (`log_noise`'s filter)
    packed = np.take_along_axis(vals, np.argsort(~good, axis=1, kind="stable"), axis=1)
    for c in np.unique(count[count >= 4]):
        sel = np.flatnonzero(count == c)
        v = np.ascontiguousarray(packed[sel, :c])
        out[ok[sel]] = np.mean(np.abs(np.diff(np.log(v), 2, axis=1)), axis=1) / SECOND_DIFF_SCALE
    return out


def _whole_windows(
    hist: np.ndarray, rows: np.ndarray, lo: np.ndarray, ok: np.ndarray, window: int, out: np.ndarray
) -> np.ndarray:
    """Fill `out` at the rows among `ok` whose `window` values before them are all measured (none
    cut by the validation best, every one finite and positive), the usual case: their logs and
    second differences taken once over `hist` (element-wise operations on a contiguous array: the
    same bits as on each row's own copy), each row's `window - 2` of them gathered into one
    contiguous row and averaged along it as `noise_before_rows` does. Returns the rest of `ok`."""
    good = np.isfinite(hist) & (hist > 0)
    counted = np.concatenate([[0], np.cumsum(good)])
    r, start = rows[ok], lo[ok]
    whole = start == r - window  # (a start past the row itself, a best at or after it: never whole)
    whole[whole] = counted[r[whole]] - counted[start[whole]] == window
    fast = ok[whole]
    if len(fast):
        with quiet(invalid="ignore"):
            d2 = np.abs(np.diff(np.log(np.where(good, hist, 1.0)), 2))
        if window - 2 == 8:  # (the default window: eight differences, summed as `np.mean` sums eight)
            out[fast] = _mean_of_eight(d2)[rows[fast] - window] / SECOND_DIFF_SCALE
        else:
            pos = rows[fast, None] - window + np.arange(window - 2)
            out[fast] = np.mean(d2[pos], axis=1) / SECOND_DIFF_SCALE
    return ok[~whole]


def _mean_of_eight(v: np.ndarray) -> np.ndarray:
    """`np.mean(v[s : s + 8])` for every start s (shape (len(v) - 7,)), bit for bit: numpy sums
    eight contiguous float64 values as a pairwise tree, ((v0 + v1) + (v2 + v3)) + ((v4 + v5) +
    (v6 + v7)), then divides by 8; here each level of that tree is one pass over all starts (a test
    checks it against `np.mean` row by row)."""
    pairs = v[:-1] + v[1:]
    fours = pairs[:-2] + pairs[2:]
    return (fours[:-4] + fours[4:]) / 8


def rose_from_low(
    now: np.ndarray, low: np.ndarray, sig: np.ndarray | float, val_rise: np.ndarray, z: float
) -> np.ndarray:
    """Per row: whether the training loss `now` (nats) rose from `low`, its lowest since the
    validation best, by a factor of at least `MIN_FACTOR` and beyond z deviations of a difference
    of two values of relative noise `sig` (where measured; NaN: by `UNMEASURED_FACTOR`), and by at
    least `SHARE_OF_VAL_RISE` of the validation loss's rise `val_rise` (nats) over the same span.
    False where either is unknown."""
    with quiet(invalid="ignore", divide="ignore"):
        ratio = np.log(now / low)
        sig = np.asarray(sig, dtype=float)
        bar = np.where(np.isfinite(sig), z * math.sqrt(2) * sig, math.log(UNMEASURED_FACTOR))
        beyond = ratio >= np.fmax(math.log(MIN_FACTOR), bar)
        big = (now - low) >= SHARE_OF_VAL_RISE * val_rise
        ok = ~np.isnan(now) & np.isfinite(low) & (low > 0)  # (an infinite loss rose)
    return ok & beyond & big
