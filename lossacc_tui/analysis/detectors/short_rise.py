"""The short-run rules of `overfitting`: a validation loss risen above its best in a run too short
to measure its noise (a fine-tune of a few epochs), judged from what its few evaluations show."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from lossacc_tui.analysis.features import LossFeatures
from lossacc_tui.analysis.params import Params
from lossacc_tui.analysis.passmemo import quiet
from lossacc_tui.analysis.span_level import sample_noise_at


def short_rise(
    loss: LossFeatures,
    fit_fell: np.ndarray,
    ups: np.ndarray,
    prev_y: float,
    n_at: Callable[[int], int | None] | None,
    p: Params,
) -> tuple[np.ndarray, np.ndarray]:
    """(short, mono), boolean per point of the chunk, at points before `noise_window` evaluations.

    `loss` is the validation loss's features (y, best, idx, best_idx; nats), `fit_fell` where the
    training loss is 2 x `train_drop_rel` below where it stood at the best (its level, and the loss
    itself where known), `ups` how many evaluations in a row the validation loss grew, `prev_y` the
    validation loss at the point before the chunk (NaN: none), `n_at` the evaluation-set size by
    point (`Ctx.acc_n_likely`; None: unknown).

    short: the validation loss 2 x `rise_rel` above its best, beyond `rise_z` sampling deviations of
    a mean loss over the evaluation set when its size is known (`span_level.sample_noise_at`), and
    not falling back; two such evaluations in a row open the alert, said to be little evidence.
    mono: it rose at every evaluation since a best after the first, 3 or more times, `rise_rel` in
    all. Raises nothing."""
    y, best, idx = loss.y, loss.best, loss.idx
    early = idx < p.noise_window
    with quiet(invalid="ignore"):
        # two evaluations with the validation loss 2 x rise_rel above its best and the training
        # loss 2 x train_drop_rel below where it was then are enough
        short = early & (y >= best * (1 + 2 * p.rise_rel)) & (y > best) & fit_fell
        # ... unless the evaluation set's size explains the rise (`sample_noise`: 32 samples move
        # a validation loss by a tenth of a nat between evaluations)
        short &= ~(y - best < p.rise_z * sample_noise_at(y, idx, n_at))
        # ... or it is falling back: an evaluation that came down from the one before by more than
        # it still stands above the best is nearer the best than the rise it ends (a loss that
        # jumped x2.9 and fell most of the way back at lr 0.3 while the network collapsed: the
        # training set's own loss at the epochs' ends had risen, 0.062 -> 0.091 -> 0.074, where
        # the epochs' means fell 0.114 -> 0.100 -> 0.093)
        prev = np.concatenate([[prev_y], y[:-1]])
        fall = np.where(np.isfinite(prev) & (prev > y), prev - y, 0.0)
        short &= ~(y - best < fall)
        # ... or one that rose at every evaluation since its best, three or more in a row, rise_rel
        # high, the training loss 2 x train_drop_rel lower: four values in rising order happen by
        # chance once in 24 orderings, without any estimate of the noise, and on a fixed evaluation
        # set the sampling noise above cancels, the same samples each time (tester 7: a 7-epoch
        # fine-tune rising at every epoch, +11 %, was missed by the bar above)
        # (not from a best at the first evaluation: after one epoch from the start, where training
        # moves fastest, the loss rises and falls back within a few epochs often: +16 % over three
        # epochs, back after two, under Adam with weight decay)
        mono = early & (ups >= 3) & (ups >= idx - loss.best_idx) & (loss.best_idx >= 1)
        mono &= (y >= best * (1 + p.rise_rel)) & (y > best) & fit_fell
    return short, mono
