"""What the training split's numbers say of a one-class reading of a frozen validation accuracy
(acc-stuck's base-rate readings): a model that predicts one class for every input predicts it for its
training samples too, so its training accuracy is the training split's share of that class and its
training loss what its outputs cost on those samples.

- Refuted (`fit_in_window`): every training sample right at any evaluation of the frozen stretch.
  Under the stretch's own premise (no prediction changes class while accuracy is frozen) the model is
  the same classifier throughout, and a one-class model scores 1 only on a training split of a single
  class (no classification task).
- Not favoured (`training_cannot_tell`): the training numbers the collapsed and settled readings lean on
  ("the training loss no lower than a constant guess costs") cannot tell a one-class model from one
  that fits its samples:
  - a training accuracy above 95 % whose minority, on the least grid k/n that holds the value as
    printed (`majority.minority_known`), is fewer than MIN_MINORITY samples: a near-perfect fit's last
    one or two mistakes score the same, and the constant guess's cost H(share) is then near 0 nats, so
    any training loss is "no lower" than it;
  - the label-smoothing reading `likely` there (`smoothing.smoothing_reading`: a training loss at least
    1.25 times the validation loss at training accuracy >= 0.99): the training objective has a floor
    above 0 nats for every model, so a training loss at or above a constant guess's cost says nothing
    of a collapse (tester 12's ls10_s3: 0.58 nats of training loss against 0.19 of validation loss at
    training accuracy 0.9988 was read as a network collapsed to a 0.99 class; 7 of 700 were wrong and the
    largest class was 11 % of the samples).
- a training accuracy well above the held validation accuracy (`train_beyond`): a one-class model
  scores its training split's share of its class, so the training split would need a minority less
  than half the validation split's (tester 21's BCE with pos_weight on a 70/10 validation split:
  training accuracy 0.98-0.99 while validation held 69/80 with 19 of 80 predicted as the minority;
  its weighted loss sat far above the label entropy, so the loss told nothing either).
"""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.analysis.detectors.base import Ctx, value_at_x
from lossacc_tui.analysis.detectors.guess import fits_every_training_sample
from lossacc_tui.analysis.detectors.majority import MIN_MINORITY, minority_known
from lossacc_tui.analysis.detectors.smoothing import smoothing_reading
from lossacc_tui.analysis.detectors.train_acc import train_acc_at, train_acc_value
from lossacc_tui.analysis.passmemo import quiet
from lossacc_tui.analysis.quantities import fmt


def fit_in_window(window: np.ndarray) -> np.ndarray:
    """Whether any training accuracy in each column of `window` ((w, n) fractions, the training accuracy
    at each of a frozen stretch's evaluations, NaN where none) has every training sample right."""
    return fits_every_training_sample(window).any(axis=0)


#: how small a training minority (1 - training accuracy), as a share of the validation one (1 - the
#: held accuracy), says the model gets training samples right beyond one class's share: splits drawn
#: from one population differ in share by sampling noise, not by half (tester 21's collapse_lr, a real
#: collapse on splits of 126/181 and 52/90 majority: 0.304 against 0.422, 0.72 of it)
TRAIN_MINORITY_RATIO = 0.5


def train_beyond(window: np.ndarray, acc: np.ndarray) -> np.ndarray:
    """Whether every training accuracy in each column of `window` ((w, n) fractions at a held
    stretch's evaluations, NaN where none; at least one finite) leaves a training minority below
    TRAIN_MINORITY_RATIO of the validation minority 1 - `acc` (shape (n,), fractions)."""
    fin = np.isfinite(window)
    with quiet(invalid="ignore"):
        low = np.where(fin, window, np.inf).min(axis=0)
        return fin.any(axis=0) & (1.0 - low < TRAIN_MINORITY_RATIO * (1.0 - acc)) & (acc < 1.0)


def training_cannot_tell(ctx: Ctx, xs: np.ndarray, val_loss: np.ndarray, cand: np.ndarray) -> np.ndarray:
    """For each x of `xs` (the log's own axis; shape (n,)) whose `cand` is True: 0 when the training
    numbers may favour a base-rate reading there, 1 when the training accuracy's minority is too small
    to tell (`majority.minority_known`), 2 when the label-smoothing reading is `likely` at the
    validation loss `val_loss` (nats, shape (n,)); int8, shape (n,). 0 where `cand` is False, or without
    a training accuracy."""
    out = np.zeros(len(xs), dtype=np.int8)
    if ctx.train_acc is None or ctx.train is None:
        return out
    idx = np.flatnonzero(cand)
    if not len(idx):
        return out
    t_acc = train_acc_at(ctx, xs[idx])
    with quiet(invalid="ignore"):
        small = np.isfinite(t_acc) & ~minority_known(t_acc, digits=ctx.printed_digits)
    out[idx[small]] = 1
    for j in idx[~small]:
        x, v = float(xs[j]), float(val_loss[j])
        if math.isfinite(x) and math.isfinite(v):
            s = smoothing_reading(ctx, x, v)
            if s is not None and s.strength == "likely":
                out[j] = 2
    return out


def why_not(ctx: Ctx, x: float, code: int) -> str:
    """The sentence saying why the training numbers at x favour no base-rate reading (`code` as
    `training_cannot_tell` returns it), with the numbers logged there; "" for code 0."""
    t_acc = train_acc_value(ctx, x)
    if code == 1:
        return (
            f"The training accuracy {fmt(t_acc, 4)} leaves fewer than {MIN_MINORITY} training samples off "
            "one class on the finest grid its printing allows: a model that fits its samples but for its "
            "last mistake or two scores the same, so the training numbers cannot tell the two apart"
        )
    if code == 2 and ctx.train is not None and ctx.loss is not None:
        tl, vl = value_at_x(ctx.train, ctx.axis, x), value_at_x(ctx.loss, ctx.axis, x)
        return (
            f"Another reading the numbers favour: the training loss {fmt(tl)} is {fmt(tl / vl, 3)} times "
            f"{ctx.loss.name} {fmt(vl)} at training accuracy {fmt(t_acc, 4)}, a training objective with a "
            "floor above 0 (label smoothing, mixup or a regulariser), so its level says nothing of a "
            "collapse, and a model that fits its samples logs this"
        )
    if code == 3:
        return (
            f"Not favoured: the training accuracy {fmt(t_acc, 4)} leaves a training minority under half "
            "of the validation split's; a model predicting one class scores that class's share on the "
            "training split too, so the two splits' class shares would have to differ that much (a class "
            "weighting such as pos_weight also lifts the loss above what a constant guess costs, so the "
            "loss's level says nothing of a collapse then)"
        )
    return ""
