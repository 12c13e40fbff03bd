"""What became of the model after a checkpoint an explanation names: a checkpoint advised as "the
lowest validation loss so far" may be followed by evaluations that all made more mistakes (tester 23
F6: Keras' EarlyStopping run, 64 wrong of 540 at the checkpoint, 79 to 111 wrong at each of the 8
evaluations after it); the advice then says so, not only that its loss was the lowest."""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.analysis.detectors.base import Ctx
from lossacc_tui.analysis.passmemo import quiet
from lossacc_tui.analysis.quantities import arrow, fmt_x
from lossacc_tui.analysis.track import x_column


def worse_since(ctx: Ctx, best_x: float) -> str:
    """' (since then val_accuracy 0.8815 -> 0.8278 and val_loss 0.5882 -> 0.6341: the model got worse
    after it, with more mistakes than it at each of the 8 evaluations since)' when the newest accuracy
    evaluated with the validation loss is below the one at x `best_x` (the loss is above it too: else
    the checkpoint at best_x is no longer the lowest); '' otherwise or when either is not known there.
    Reads the series at render time: O(points after best_x)."""
    loss, acc = ctx.loss, ctx.acc
    if loss is None or acc is None or not math.isfinite(best_x) or len(loss) == 0 or len(acc) == 0:
        return ""
    lx, ax = x_column(loss, ctx.axis), x_column(acc, ctx.axis)
    if lx is None or ax is None:
        return ""
    lx, ax = np.asarray(lx, dtype=np.float64), np.asarray(ax, dtype=np.float64)
    ly, ay = np.asarray(loss.raw, dtype=np.float64), np.asarray(acc.raw, dtype=np.float64)
    lb, ab = np.flatnonzero(lx == best_x), np.flatnonzero(ax == best_x)
    if len(lb) == 0 or len(ab) == 0:
        return ""
    l0, a0 = float(ly[lb[0]]), float(ay[ab[0]])
    after = ax > best_x
    with quiet(invalid="ignore"):
        fin = np.isfinite(ay) & after
    if not fin.any() or not math.isfinite(a0):
        return ""
    last_x = float(ax[np.flatnonzero(fin)[-1]])
    a1 = float(ay[np.flatnonzero(fin)[-1]])
    at = np.flatnonzero(lx == last_x)
    l1 = float(ly[at[-1]]) if len(at) else math.nan
    if not (a1 < a0 and math.isfinite(l1) and l1 > l0):
        return ""
    k = int(np.count_nonzero(after))
    every = bool((ay[after] < a0).all())
    n = ctx.acc_n_likely(len(acc) - 1) if ctx.acc_n_likely is not None else None
    wrong = f" ({round((1 - a0) * n)} -> {round((1 - a1) * n)} wrong of {n})" if n else ""
    tail = f", with more mistakes than it at each of the {k} evaluations since" if every and k > 1 else ""
    return (
        f" (since then, to {ctx.unit} {fmt_x(last_x)}, {acc.name} {arrow(a0, a1)}{wrong} and {loss.name} "
        f"{arrow(l0, l1)}: the model got worse after it{tail})"
    )
