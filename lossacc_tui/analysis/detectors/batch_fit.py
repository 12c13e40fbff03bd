"""Whether per-step training batches refute a model that predicts one fixed distribution.

A model whose output is the same probability vector q for every input (a network collapsed to the
base rate) costs, on a batch where a share a_i of the samples carry the class it predicts,
a_i (-ln q_top) + (1 - a_i) c_i, where c_i is the mean cost of that batch's other samples: for two
classes c_i is the fixed -ln(1 - q_top), so the batch loss is an affine function of the batch
accuracy, exactly; with more classes c_i varies only with how the minority splits among them. The
per-step losses of such a model line up with its per-step accuracies (r^2 near 1: 0.97-0.98 on
tester 8's `st_collapse`, a network collapsed to an 84/16 split and logged every step). A model
that uses its inputs pays for how sure it is on each sample, not only for how many it gets right:
healthy softmax models logged the same way give r^2 of 0.5-0.8 (tester 8's fx_12, fx_14, rd_21,
st_k3_f48; K = 2-4, batches of 32). So a low r^2 over enough batches says the model's output
depends on its inputs, which refutes the base-rate reading of a frozen validation accuracy beside it.
Per-epoch training numbers (one point per evaluation, each a mean over the whole set) carry no such
spread: nothing is said then."""

from __future__ import annotations

import numpy as np

from lossacc_tui.analysis import stats
from lossacc_tui.analysis.detectors.base import Ctx
from lossacc_tui.analysis.passmemo import quiet
from lossacc_tui.analysis.track import x_column

#: r^2 of per-batch loss against per-batch accuracy below which the batches refute one fixed output
R2_FIXED = 0.9
#: the fewest training points per evaluation for the batches to count as per step
MIN_PER_EVAL = 8
#: batches the fit takes at the least and at the most
MIN_BATCHES, MAX_BATCHES = 60, 1024


def batch_r2(ctx: Ctx, xs: np.ndarray, evals: int) -> np.ndarray:
    """r^2 (shape (m,)) of the per-step training loss against the per-step training accuracy over
    the batches logged in the `evals` evaluations' worth of points up to each x (at least
    MIN_BATCHES, at most MAX_BATCHES); NaN where it cannot be told: no per-step training loss and
    accuracy logged on the same rows, too few finite points, or batch accuracies that never differ."""
    out = np.full(len(xs), np.nan)
    train, tacc = ctx.train, ctx.train_acc
    if train is None or tacc is None or ctx.train_window < MIN_PER_EVAL or not len(xs):
        return out
    col, col_a = x_column(train, ctx.axis), x_column(tacc, ctx.axis)
    if col is None or col_a is None or len(col) != len(col_a) or len(col) != len(train.raw):
        return out
    w = int(np.clip(evals * ctx.train_window, MIN_BATCHES, MAX_BATCHES))
    k = stats.at_or_before(col, xs) + 1
    lo, hi = max(0, int(k.min()) - w), int(k.max())
    if hi <= lo or not np.array_equal(col[lo:hi], col_a[lo:hi], equal_nan=True):
        return out
    y = np.asarray(train.raw[lo:hi], dtype=np.float64)
    x = np.asarray(tacc.raw[lo:hi], dtype=np.float64)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = np.where(ok, x, 0.0), np.where(ok, y, 0.0)

    def cum(v: np.ndarray) -> np.ndarray:
        return np.concatenate([[0.0], np.cumsum(v)])

    n_c, x_c, y_c = cum(ok.astype(np.float64)), cum(x), cum(y)
    xx_c, yy_c, xy_c = cum(x * x), cum(y * y), cum(x * y)
    b = k - lo
    a = np.maximum(b - w, 0)
    n = n_c[b] - n_c[a]
    with quiet(invalid="ignore", divide="ignore"):
        mx, my = (x_c[b] - x_c[a]) / n, (y_c[b] - y_c[a]) / n
        vx = (xx_c[b] - xx_c[a]) / n - mx * mx
        vy = (yy_c[b] - yy_c[a]) / n - my * my
        cxy = (xy_c[b] - xy_c[a]) / n - mx * my
        r2 = cxy * cxy / (vx * vy)
    good = (n >= MIN_BATCHES) & (vx > 1e-12) & (vy > 1e-12)
    out[good] = np.clip(r2[good], 0.0, 1.0)
    return out


def batches_refute_fixed(ctx: Ctx, xs: np.ndarray, evals: int) -> np.ndarray:
    """Per x (shape (m,)): True where the per-step training batches refute one fixed output
    (`batch_r2` below R2_FIXED); False where they do not, or cannot be told."""
    r2 = batch_r2(ctx, xs, evals)
    with quiet(invalid="ignore"):
        return r2 < R2_FIXED
