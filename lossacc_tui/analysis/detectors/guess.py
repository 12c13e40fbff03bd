"""The constant-guess reading of a validation-loss rise: accuracy held one value (within one sample)
while the training loss is no lower than a constant guess scoring it costs, so the rise is the
wobble of a model that fits nothing. Also whether a training accuracy has every training sample
right, which refutes any one-class reading."""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.analysis.claims import Claim
from lossacc_tui.analysis.detectors.base import Ctx, value_at_x
from lossacc_tui.analysis.detectors.base_rate import BASE_RATE_TOL, DECIDE, binary_entropy
from lossacc_tui.analysis.detectors.train_acc import train_acc_value
from lossacc_tui.analysis.passmemo import quiet
from lossacc_tui.analysis.quantities import fmt
from lossacc_tui.analysis.stats import ordered
from lossacc_tui.analysis.track import x_column

#: a training accuracy at least this (a fraction) has every training sample right, to the printing
#: of a batch mean over a few hundred samples
TRAIN_ALL_RIGHT = 0.999


def fits_every_training_sample(train_acc: np.ndarray) -> np.ndarray:
    """Whether each training accuracy (fraction, shape (n,); NaN gives False) has every training sample
    right: a model that predicts one class scores its training split's share of that class, so only a
    training split of a single class (no classification task) lets a one-class model score 1."""
    with quiet(invalid="ignore"):
        return np.asarray(train_acc >= TRAIN_ALL_RIGHT)


#: values `guess_reading` looks at first for a span that moved (a long span: hundreds of thousands)
_HEAD = 64


def guess_reading(ctx: Ctx, x0: float, x1: float) -> tuple[float, float, bool] | None:
    """(accuracy, training loss at x1 in nats, whether one sample moved) when the run's accuracy held
    one value over x0..x1 (within one sample when the evaluation set's size is known: at most one
    prediction changed class) while
    the training loss at x1 is at or above (1 - BASE_RATE_TOL) x H(accuracy) nats, what a constant
    guess scoring that accuracy at least costs: a rise of the
    validation loss there is the wobble of a model that fits nothing, not a fit that stopped
    generalising. None otherwise, and without an accuracy or a training loss."""
    acc, train = ctx.acc, ctx.train
    if acc is None or train is None or not len(acc) or not (math.isfinite(x0) and math.isfinite(x1)):
        return None
    col = x_column(acc, ctx.axis)
    if col is None:
        return None
    raw = np.asarray(acc.raw, dtype=np.float64)
    if ordered(col):  # (the same values as the mask below, without two passes over a long history)
        vals = raw[int(np.searchsorted(col, x0, "left")) : int(np.searchsorted(col, x1, "right"))]
    else:
        vals = raw[(col >= x0) & (col <= x1)]
    # one sample may cross and come back (a collapsed network's wobbling bias tips the odd
    # borderline sample: collapse-k2-torch s0, tune split); with the set's size unknown, none
    n = ctx.acc_n
    tol = 1e-6 + (1.0 / n if n else 0.0)
    head = vals[:_HEAD]  # (a long span whose first values already moved: no pass over all of it)
    if n and len(head) >= 2 and np.isfinite(head).all() and np.ptp(head) > tol:
        return None  # (the whole span's range is no smaller; a non-finite value gives None too)
    if len(vals) < 2 or not np.isfinite(vals).all():
        return None
    if np.ptp(vals) > tol and (n or not one_sample_apart(vals)):
        return None
    a = float(np.median(vals))
    t = value_at_x(train, ctx.axis, x1)
    if not (0.5 <= a <= 0.95 and math.isfinite(t)):
        return None
    if t < (1 - BASE_RATE_TOL) * float(binary_entropy(np.array([a]))[0]):
        return None
    if ctx.train_acc is not None:
        t_acc = np.array([train_acc_value(ctx, x1)])  # (per step: its level)
        if fits_every_training_sample(t_acc).all():
            return None  # (every training sample right: no constant guess, whatever a smoothed loss costs)
        # a constant guess on the training split scores the training accuracy and costs at least H of
        # it there: a training loss clearly below that fits its samples better than any constant guess
        # (tester 15's `imbalance`: training loss 0.1996 against H(0.932) = 0.2485 while the H of the
        # validation accuracy, 0.2165, let the formats that log a training accuracy call the rise a
        # wobble and the one that does not a warning)
        if t_acc[0] == t_acc[0] and t < (1 - BASE_RATE_TOL) * float(binary_entropy(t_acc)[0]):
            return None
    return a, t, bool(np.ptp(vals) > 1e-6)


#: the coarsest printing taken for an accuracy: 4 decimals (Keras, Lightning and most loops print more)
PRINT_HALF_STEP = 5e-5


def one_sample_apart(vals: np.ndarray, n_max: int = 100_000) -> bool:
    """With the evaluation set's size not known yet: whether accuracies (fractions, shape (m,)) that
    take two levels are one sample apart on a grid k/n that their own gap implies, every value a
    whole count of that n within its printing (4 decimals at the coarsest). A collapsed network's
    one borderline sample crossing and coming back (505/600 then 504/600) fits; two levels that no
    common n puts one count apart do not.

    >>> one_sample_apart(np.array([0.8417, 0.84, 0.8417]))
    True
    >>> one_sample_apart(np.array([0.8417, 0.83, 0.8417]))
    False
    """
    lo_v, hi_v = vals.min(initial=np.inf), vals.max(initial=-np.inf)
    if lo_v == lo_v and hi_v == hi_v and not ((vals == lo_v) | (vals == hi_v)).all():
        return False  # (a third level, found without sorting a long span's values)
    levels = np.unique(vals)
    if len(levels) != 2:
        return False
    gap = float(levels[1] - levels[0])
    lo = max(2, math.floor(1.0 / (gap + 2 * PRINT_HALF_STEP)))
    hi = n_max if gap <= 2 * PRINT_HALF_STEP else min(n_max, math.ceil(1.0 / (gap - 2 * PRINT_HALF_STEP)))
    if hi < lo:
        return False
    ns = np.arange(lo, hi + 1, dtype=np.float64)[:, None]
    counts = levels[None, :] * ns
    whole = np.abs(counts - np.rint(counts)) <= ns * PRINT_HALF_STEP + 1e-6
    one = np.rint(counts[:, 1]) - np.rint(counts[:, 0]) == 1
    return bool((whole.all(axis=1) & one).any())


def guess_claim(found: tuple[float, float, bool], x0: float, x1: float, subject: str) -> Claim:
    """`one-class-predictor` (possible) for a rise that `guess_reading` found in a model that fits
    nothing: the reading that demotes it to information."""
    a, t, moved = found
    h = float(binary_entropy(np.array([a]))[0])
    held = "within one sample" if moved else "the count of mistakes unchanged"
    return Claim(
        "one-class-predictor",
        "possible",
        x0,
        x1,
        f"accuracy held {fmt(a, 4)} over the whole span, {held}, while the "
        f"training loss {fmt(t)} is no lower than the {fmt(h)} nats a constant guess scoring that costs: "
        f"the model fits its training samples no better than predicting one class, so the rise of "
        f"{subject} is its outputs wobbling, not a fit that stopped generalising",
        others="Another reading: a model that tells classes apart no better than a constant guess; " + DECIDE,
    )
