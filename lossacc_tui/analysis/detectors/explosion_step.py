"""`loss-explosion`'s step rule: a training loss that jumps at one evaluation while the validation
accuracy falls at that same evaluation (tester 20 T3: CF-ViT's log, epoch 201: train_loss 4.50 ->
5.31, x1.18 its best, while test_384_acc1 fell 77.6 -> 54.1 and never came back).

The factor rule (`explosion_factor`, x5) misses such a step: a disruption (a resumed run with lost
optimiser or normalisation state, a data or augmentation change, a corrupted update) need not
multiply the loss, but the step is hundreds of the loss's own noise and the accuracy falls with it,
so it is no noise and no slow drift. A scheduled learning-rate increase (a warm restart) at that
evaluation explains the same picture and is left out.
"""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.analysis.detectors.base import Ctx, noise
from lossacc_tui.analysis.passmemo import quiet
from lossacc_tui.analysis.track import x_column
from lossacc_tui.model import Series

#: the step's value at least this fraction above the loss's best level (dimensionless)
STEP_REL = 0.1
#: ... and at least this many of the loss's own noise standard deviations above the value before it
STEP_Z = 20.0
#: the validation accuracy at that evaluation below its value at the evaluation before by at least
#: this much (a fraction: 0.02 = 2 points) ...
STEP_ACC_MIN = 0.02
#: ... and by at least this many of the accuracy's own noise standard deviations
STEP_ACC_Z = 5.0
#: values before a point whose second differences give the noise judged against
STEP_NOISE = 60


def step_candidates(y: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Where a value can be a step (`STEP_REL` above its best level `base`, both in the loss's units):
    a necessary condition of `step_up`, cheap (shape of y)."""
    with quiet(invalid="ignore", over="ignore"):
        return np.isfinite(y) & (base > 0) & (y >= (1 + STEP_REL) * base)


#: candidates judged at once by `may_step` (rows of a gathered window: 8192 x 60 floats, 4 MB)
_BLOCK = 8192
#: how far below its exact value `may_step`'s noise is taken (relative): its sum and `noise`'s are
#: each within about 60 roundings (1e-14) of the true one, so a point it drops fails `step_up` too
_SLACK = 1e-9


def may_step(series: Series, idx: np.ndarray) -> np.ndarray:
    """Which of the points `idx` (absolute indices of `series`, shape (m,)) can pass `step_up`'s first
    test (a rise of `STEP_Z` noises over the value before, the noise `noise(series, i - 1, STEP_NOISE)`):
    a necessary condition, in a few array passes over the candidates' windows instead of one Python
    call each (a noisy per-evaluation loss has a quarter of its points `STEP_REL` above its best).
    A point it keeps is judged by `step_up` itself; it keeps every point whose window is short (the
    run's start) or holds a non-finite value. Boolean, shape (m,)."""
    raw, b = series.raw, series.base
    j = np.asarray(idx, dtype=np.int64) - b  # (the point's place in raw)
    keep = np.ones(len(j), dtype=bool)
    inside = (j >= 1) & (j < len(raw))
    at = np.flatnonzero(inside)
    with quiet(invalid="ignore", over="ignore"):
        rise = raw[j[at]] - raw[j[at] - 1]
        keep[at] = rise >= 0  # (the noise is never negative; a NaN rise fails every test)
    full = at[(j[at] >= STEP_NOISE) & keep[at]]  # (a whole window of STEP_NOISE values before the point)
    rough = _rough_keep(raw, j[full], rise[np.searchsorted(at, full)])
    keep[full[~rough]] = False
    full = full[rough]  # (left to the exact window below)
    offsets = np.arange(-STEP_NOISE, 0)
    scale = math.sqrt(math.pi / 2) / math.sqrt(6.0) / (STEP_NOISE - 2)
    for lo in range(0, len(full), _BLOCK):
        rows = full[lo : lo + _BLOCK]
        jj = j[rows]
        win = raw[jj[:, None] + offsets]
        with quiet(invalid="ignore", over="ignore"):
            sig = np.abs(np.diff(win, 2, axis=1)).sum(axis=1) * scale
            finite = np.isfinite(win).all(axis=1)
            fails = (raw[jj] - raw[jj - 1]) < STEP_Z * sig * (1 - _SLACK)
        keep[rows[finite & fails]] = False
    return keep


def _rough_keep(raw: np.ndarray, jj: np.ndarray, rise: np.ndarray) -> np.ndarray:
    """Which of the points raw[jj] (each with `STEP_NOISE` values before it; `rise`: its value minus
    the one before, >= 0) may rise `STEP_Z` noises: the noise's sum of |second differences| read as a
    difference of one running sum over the chunk's span (two reads a point, not a window), taken
    lower by a bound on that running sum's rounding (a sequential sum of L terms: within L * 2^-52
    of its total), so a point it drops fails `may_step`'s exact window too. Windows holding a
    non-finite value are kept. Boolean, shape of jj."""
    if len(jj) == 0:
        return np.ones(0, dtype=bool)
    lo = int(jj.min()) - STEP_NOISE
    seg = raw[lo : int(jj.max())]
    bad = np.concatenate([[0], np.cumsum(~np.isfinite(seg))])
    with quiet(invalid="ignore", over="ignore"):
        d2 = np.abs(np.diff(seg, 2))
    run = np.concatenate([[0.0], np.cumsum(np.where(np.isfinite(d2), d2, 0.0))])
    err = 2.0 * len(seg) * 2.0**-52 * float(run[-1])  # (both reads' rounding, generously)
    a = jj - STEP_NOISE - lo  # (each window's first value in seg)
    low = run[a + STEP_NOISE - 2] - run[a] - err
    scale = math.sqrt(math.pi / 2) / math.sqrt(6.0) / (STEP_NOISE - 2)
    with quiet(invalid="ignore", over="ignore"):
        fails = (bad[a + STEP_NOISE] == bad[a]) & (rise < STEP_Z * low * scale * (1 - _SLACK))
    return ~fails


def _at(series: Series, axis: str, x: float) -> int:
    """The absolute index of `series`' point logged exactly at x on `axis`; -1 when none."""
    col = x_column(series, axis)
    if col is None or not math.isfinite(x):
        return -1
    k = int(np.searchsorted(col, x, side="left"))
    return k + series.base if k < len(col) and col[k] == x else -1


def step_up(ctx: Ctx, series: Series, i: int, x: float) -> dict[str, float] | None:
    """The step's readings when the training loss `series`' point i (absolute, at x on ctx.axis) is
    a step: `STEP_Z` of its noise above the value before, the validation accuracy logged at that same
    x below its value at the evaluation before by `STEP_ACC_MIN` and `STEP_ACC_Z` of its noise, and
    no logged learning rate higher there than at the evaluation before. None otherwise. Keys:
    loss_before, acc_before, acc_after (fractions), acc_before_x, loss_noise, acc_noise, lr_logged
    (1.0: a learning rate was logged and did not rise, 0.0: none logged)."""
    acc = ctx.acc
    if acc is None or i < 3:
        return None
    b = series.base
    now, before = float(series.raw[i - b]), float(series.raw[i - 1 - b])
    sig = noise(series, i - 1, STEP_NOISE)
    if not (math.isfinite(before) and math.isfinite(sig) and now - before >= STEP_Z * sig):
        return None
    k = _at(acc, ctx.axis, x)
    if k < 3:
        return None
    a_now, a_before = float(acc.raw[k - acc.base]), float(acc.raw[k - 1 - acc.base])
    a_sig = noise(acc, k - 1, STEP_NOISE)
    if not (math.isfinite(a_now) and math.isfinite(a_before) and math.isfinite(a_sig)):
        return None
    if a_before - a_now < max(STEP_ACC_MIN, STEP_ACC_Z * a_sig):
        return None
    col = x_column(acc, ctx.axis)
    x_before = float(col[k - 1 - acc.base]) if col is not None else math.nan
    if ctx.lr is not None and len(ctx.lr):
        lr_col = x_column(ctx.lr, ctx.axis)
        if lr_col is not None:
            j = int(np.searchsorted(lr_col, x, side="right")) - 1
            j0 = int(np.searchsorted(lr_col, x_before, side="right")) - 1
            raw = ctx.lr.raw
            if 0 <= j0 < j < len(raw) and raw[j] > raw[j0]:
                return None  # (a learning rate raised there: a scheduled restart explains the step)
    return {
        "loss_before": before,
        "acc_before": a_before,
        "acc_after": a_now,
        "acc_before_x": x_before,
        "loss_noise": sig,
        "acc_noise": a_sig,
        "lr_logged": float(ctx.lr is not None and len(ctx.lr) > 0),
    }
