"""acc-stuck: an accuracy that does not move for a reason the numbers name (a NaN loss, chance at
1/K, or the majority rate with the loss at the base-rate cost): when it opens and which reading its
numbers favour. Its words (title, evidence, claims) are in stuck_text.py; the base-rate reading's
costs in base_rate.py, its majority shares in majority.py, the loss's motion in loss_motion.py and
its claims in base_rate_claims.py; per-step training batches in batch_fit.py, chance repeats of a
value in repeat_chance.py, the `diverging` claim in diverging.py."""

from __future__ import annotations

import numpy as np

from lossacc_tui.analysis.detectors import base as _base
from lossacc_tui.analysis.detectors.base import (
    Ctx,
    lookup,
)
from lossacc_tui.analysis.detectors.base_rate import (
    BASE_RATE_TOL,
    FLOOR_TOL,
    base_rate_band,
    binary_entropy,
    cost_band,
)
from lossacc_tui.analysis.detectors.batch_fit import batches_refute_fixed
from lossacc_tui.analysis.detectors.chance import CHANCE_BELOW, chance_k, k_backed
from lossacc_tui.analysis.detectors.loss_motion import holds, wobbles
from lossacc_tui.analysis.detectors.majority import (
    HELD_MINORITY,
    few_minority,
    held_minority,
    majority_share,
    minority_known,
    off_given_rate,
)
from lossacc_tui.analysis.detectors.repeat_chance import shared_chance_runs
from lossacc_tui.analysis.detectors.stuck_span import StuckSpan
from lossacc_tui.analysis.detectors.stuck_text import StuckText
from lossacc_tui.analysis.detectors.stuck_windows import StuckWindows, spread
from lossacc_tui.analysis.detectors.train_acc import frozen_tol, train_acc_at
from lossacc_tui.analysis.detectors.train_side import fit_in_window, train_beyond, training_cannot_tell
from lossacc_tui.analysis.features import AccFeatures, LossFeatures
from lossacc_tui.analysis.passmemo import quiet
from lossacc_tui.analysis.track import x_values
from lossacc_tui.model import Series

#: how far (relative) below H(training accuracy) the training loss of a network that no longer
#: changes may sit: a constant guess costs at least H, printing and a nearly constant output less
CONST_TOL = 0.02


class AccStuck(StuckSpan, StuckWindows, StuckText):
    """Accuracy identical over stuck_window evaluations while the loss does not improve, or
    equal to the majority-class rate the user gave. Hooks get `(acc, loss)`; loss may be None."""

    kind = "acc-stuck"
    order = 80
    severity_doc = "warning/info"
    meaning = (
        "accuracy unchanged while the loss is not finite, or at 1/K with a loss at or above ln K and "
        "not falling, or equal (to the sample) to the majority rate given with `--majority` at each of "
        "6 evaluations (within 1 point of it when the set's size is not known: titled 'within N points "
        "of the majority-class rate', not stuck, when it moves), or with the loss settled "
        "at (or wobbling at or above) what a constant guess scoring that accuracy costs while training "
        "goes on (warning: a model predicting the most frequent class, e.g. collapsed by a learning "
        "rate far too high), or held to the sample at a share of 1/2 or more for 8 evaluations or more "
        "through a stretch where the loss was at or above that cost, while the loss moves and a logged "
        "training accuracy holds within 1 point (with none logged, only where the values logged fit no "
        "evaluation set leaving under 10 samples off that share), or with the loss no longer falling and "
        "at or above that "
        "cost at each of those evaluations while a logged training accuracy is frozen and the training "
        "loss still moves (warning: one class favoured, e.g. a 95/5 or 85/10/5 split whose minorities "
        "are never predicted; never with a logged training accuracy whose minority is under half the "
        "validation one); unchanged while the loss moves through that cost (info)"
    )
    general = (
        "Accuracy repeated exactly for many evaluations while the loss is not finite, or while accuracy "
        "sits at 1/K and the loss at or above ln K without falling, or accuracy equal to the "
        "majority-class rate you gave (--majority), or while the loss stays at or above what a constant "
        "guess scoring that accuracy costs (H(acc) nats) and either wobbles there or holds within 0.2 % "
        "with the training loss: a network collapsed to the most frequent class, often by a "
        "learning rate far too high. Or accuracy repeated exactly for 8 evaluations or more at a "
        "possible majority share since the loss was at or above H(acc), while the loss fell: a model "
        "predicting one class scores exactly its share whatever its confidences (its loss may fall "
        "far below H(acc) as it ranks its samples on one side of the threshold). A model that ignores "
        "its inputs predicts one class, "
        "and its accuracy is then that class's share. Check the predicted-class counts or confusion "
        "matrix, a balanced metric (minority-class F1, balanced accuracy, AUC), and whether the loss or "
        "the logits are NaN (argmax over NaN logits is a constant class)."
    )
    n_open = 1

    def __init__(self, ctx: Ctx, series: Series | None, subject: str = "") -> None:
        super().__init__(ctx, series, subject)
        self._runs = shared_chance_runs(ctx, series, self.p.stuck_tol, self.p.noise_window)

    def conditions(self, acc: AccFeatures, loss: LossFeatures | None) -> tuple[np.ndarray, np.ndarray]:
        p = self.p
        acc_y = acc.y
        dg = self.ctx.printed_digits  # (Keras' console `0.9510`: read at 4 decimals, as printed)
        with quiet(invalid="ignore", divide="ignore"):
            # (a window is whole from the stuck_window-th evaluation on: the first ones' shorter
            # windows hold one or two values, equal by construction; tester h19t's imbalanced run
            # opened "stuck since epoch 1" on its first value, then moved by 2.2 points)
            whole = acc.idx >= p.stuck_window - 1
            frozen = (acc.range_stuck <= p.stuck_tol) & (acc.nonfinite_stuck == 0) & whole
            # a run of equal values that the series' own noise repeats by chance somewhere in it (a
            # 64-sample accuracy lands on 56/64 six times in a row about three times in 100,000
            # evaluations) says nothing about the model
            chance = self._runs.judge(self.series, acc, frozen)
            loose = (acc.range_stuck <= max(p.stuck_tol, p.min_acc_change)) & (acc.nonfinite_stuck == 0)
            if _base.QUIET_CHUNKS and acc.maj_dev is None and not loose.any():
                # (the usual chunk: no window of the accuracy within the tolerance, so none is frozen
                # either; nothing opens, every point releases, and no point is marked or unsure: what
                # the rules below give then, without their lookups)
                return self._quiet(len(acc_y))
            k = self.ctx.classes.k
            kk = chance_k(acc_y, loss.lvl, k) if loss is not None else None
            if (
                _base.QUIET_CHUNKS
                and acc.maj_dev is None
                and not self.latch.active
                and not self._may_open(acc, loss, frozen, kk).any()
            ):
                # (no alert open and no point where a rule below can open: nothing opens here, and
                # with none open the release rule is never read, as a latch that is not open starts
                # its release run afresh at the point it opens; the marks are read only at an
                # opening or over an open alert's span: the rules below would change nothing a user
                # sees)
                return self._quiet(len(acc_y))
            blind_ok = np.ones(len(acc_y), dtype=bool)
            long_ok = np.zeros(len(acc_y), dtype=bool)
            long_keep = np.zeros(len(acc_y), dtype=bool)
            keep_base = np.zeros(len(acc_y), dtype=bool)
            settled = np.zeros(len(acc_y), dtype=bool)
            band = np.zeros(len(acc_y), dtype=bool)
            above = np.zeros(len(acc_y), dtype=bool)
            dead = np.zeros(len(acc_y), dtype=bool)
            t_over = np.zeros(len(acc_y), dtype=bool)  # (`train_side.train_beyond`)
            handful = np.zeros(len(acc_y), dtype=bool)  # (`majority.held_minority`)
            self._set_n = np.full(len(acc_y), np.nan)  # (its set size, samples: `_set_size`)
            self._unsure = np.zeros(len(acc_y), dtype=np.int8)
            self._falling = np.zeros(len(acc_y), dtype=bool)  # (the loss still falling: `StuckSpan`)
            if loss is not None:
                # a repeated accuracy means a model that ignores its inputs only when the loss is not
                # finite, or the accuracy sits at 1/K while the loss is at (or above) ln K and not
                # falling; K is the known K or the one 1/accuracy rounds to (never assumed)
                loss_y = loss.y
                assert kk is not None
                # (a K not known must be named by more than 1/accuracy: `chance.k_backed`)
                # at 1/K or a little below it (as acc-at-chance judges it)
                near = (acc_y * kk >= 1.0 - CHANCE_BELOW) & (acc_y * kk <= 1.1)
                usable = np.isfinite(kk) & (kk >= 2) & near
                if usable.any():  # (its lookups only where a chance reading can hold)
                    usable &= k_backed(self.ctx, acc.x, kk, loss.lvl)
                lnk = np.log(np.where(usable, kk, 2.0))
                at_chance = usable & (loss.lvl >= 0.9 * lnk)
                learning = loss.dir < 0  # a loss still falling beyond its noise: predictions improve
                self._falling = learning & np.isfinite(loss_y)
                # or accuracy at a class share while the loss is no lower than a constant predictor's
                # at that share could be (its loss is at least the binary entropy of the share) and
                # moves by 10 % or more without a single prediction changing class: the outputs move,
                # all on one side of the threshold
                prior = binary_entropy(acc_y)
                # a majority share: at least half, and short of every sample (H(1) = 0 bounds nothing)
                share = majority_share(acc_y, acc.n_eval)
                # a constant guess costs at least H(acc) on the very samples scored (the entropy of
                # their labels, whose most frequent class has that share, and more for a guess off
                # their shares): a loss clearly below it (FLOOR_TOL) says the outputs vary with the
                # inputs, so no base-rate reading is favoured there, only allowed
                # (and above 95 %, only with a minority of some size: `minority_known`)
                # (what the base-rate readings need of the minority, the same for every rule below)
                known = minority_known(acc_y, acc.n_eval, dg)
                few = few_minority(acc_y, acc.n_eval, dg, known)
                floor = (loss.lvl >= (1 - FLOOR_TOL) * prior) & known
                # the loss moves over the frozen stretch itself: its level (an average that lags) and
                # the values logged at the frozen evaluations both, so a fall before the accuracy froze
                # is not read as outputs moving while it is frozen (truth corpus val-shift-torch s1: a
                # learning rate cut x0.01 holds 0.9518 while the loss logs 0.2358 -> 0.2335, its level
                # still 10 % above from the fall before)
                window = self._loss_window(acc)
                moves = (np.abs(loss.lvl - loss.lvl_stuck) >= 0.1 * np.abs(loss.lvl)) & (
                    spread(window) >= 0.1 * np.abs(loss.lvl)
                )
                at_prior = share & (loss.lvl >= prior) & moves
                # or the loss has come to what predicting the rate `acc` for every sample costs (the
                # entropy of a label distribution whose majority share is `acc`): the model has learned
                # the base rate and not one prediction changes class while it does
                base = base_rate_band(acc_y, loss.lvl, k)
                at_base = share & base & moves
                keep_base = share & base_rate_band(acc_y, loss.lvl, k, wide=True)
                # or a collapsed network (a learning rate far too high): the loss no longer falls, sits
                # at or above the least a constant guess scoring `acc` can cost whatever K is (H(acc)),
                # and still moves (the weights change) while not one prediction changes class
                at_cost = share & cost_band(acc_y, loss.lvl, k)
                # or a network that no longer changes (every unit off, outputs saturated at the loss's
                # clip): the loss holds within JITTER_REL, at that cost. A loss either holds, wobbles
                # or drifts one way: the first two grade alike, however large the printed wobble
                dead = at_cost & holds(window)
                at_cost &= ~learning & ~loss.warm & wobbles(window)
                keep_base |= share & cost_band(acc_y, loss.lvl, k, wide=True)
                strong = ~np.isfinite(loss_y) | (at_chance & ~learning & ~chance)
                # a base-rate reading above 95 % with fewer than MIN_MINORITY minority samples on the
                # least grid a finely printed value allows is a near-perfect model's last mistake or
                # two as much: nothing opens on it, with or without a training accuracy to refute it
                # (tester 15's `smooth`: 599 of 600 right, 13 % of predictions in the top class, opened
                # only in the format that logs no training accuracy)
                blind_ok = strong | ((at_prior | at_base | at_cost | dead) & ~few)
                # or the count of right answers held exactly for LONG_EXTRA more evaluations than
                # stuck_window, at a majority share, through a stretch that holds an evaluation whose
                # loss was at (or above) the least a constant guess scoring `acc` costs (H(acc), less
                # FLOOR_TOL), while the loss moved by 10 % or more: a one-class predictor scores
                # exactly its class's share at every evaluation whatever its confidences (its loss
                # may then fall far below H(acc) as it ranks its samples on one side of the
                # threshold); a model predicting two classes from outputs no better than a constant
                # guess would have to keep its count of right answers to the sample while they moved
                # that much. Favoured (`likely`), never forced: the predicted-class counts decide
                # (or, with the loss not moving, held at or above that cost at every one of those
                # evaluations while the training accuracy is frozen and the training loss moves:
                # `still`, tester 19's 3-class `maj3`, whose loss settled above H(acc))
                long_ok, long_keep, long_still = self._long_share(acc, loss, prior, moves)
                long_ok &= known & ~few
                # ... and, with no training accuracy logged (whose holding at its split's share, as
                # `_long_share` asks of one, is evidence beyond the held count), with a minority of
                # HELD_MINORITY samples or more (`majority.held_minority`): a model predicting both
                # classes keeps a fixed handful of hard samples wrong while its loss falls (tester 22's
                # plain BCE, 7 of 100 wrong at every evaluation, labels 62/38): opened, not favoured
                cand = np.flatnonzero(long_ok) if self.ctx.train_acc is None else np.zeros(0, dtype=int)
                self._set_n[cand] = self._set_size(acc, cand)
                handful[cand] = held_minority(acc_y[cand], self._set_n[cand]) < HELD_MINORITY
                # ... and only once the loss no longer falls beyond its noise: one falling through that
                # cost at a frozen accuracy is also a model whose fixed boundary grows surer (the numpy
                # `calibrating` runs, balanced classes, training accuracy frozen at 0.900)
                long_still &= known & ~few & ~learning & ~loss.warm
                long_keep &= ~few
                # the base-rate reading is favoured once the loss has settled there (no longer falling
                # beyond its noise): a model whose decision boundary is fixed while its confidence grows
                # also holds accuracy frozen, but its loss passes through this band on its way down
                band = frozen & share & base
                settled = band & ~learning & ~loss.warm & floor
                collapsed = frozen & at_cost & floor
                above = collapsed & ~base  # above the band (K > 2 unknown, or a guess off the prior)
                dead &= frozen & floor
                band |= collapsed | dead
                if self.ctx.train is not None and self.ctx.split == "validation":
                    # a model that ignores its inputs cannot fit its training samples either: a training
                    # loss far below the label entropy bound says the model uses its inputs
                    train = lookup(self.ctx.train, self.ctx.axis, acc.x)
                    fits = np.isfinite(loss_y) & (train < 0.5 * prior)
                    if self.ctx.train_acc is not None:
                        # a model predicting one class scores its training split's share of that
                        # class: every training sample right says the model uses its inputs, whatever
                        # its training loss (a smoothed objective holds that loss far above the label
                        # entropy at a perfect fit: tester 10's K-10_smooth-0.1_seed-1, 0.56 nats at
                        # training accuracy 1, was read as a network collapsed to a 0.98 class)
                        # ... at any evaluation of the frozen stretch: no prediction changes class while
                        # it is frozen, so the model is the same classifier throughout (`train_side`)
                        # (a per-step training accuracy: its level over each evaluation, never one
                        # lucky batch of majority-class samples: `train_acc`)
                        fits |= fit_in_window(self._train_acc_window(acc))
                    blind_ok &= ~fits
                    keep_base &= ~fits
                    long_ok &= ~fits
                    long_still &= ~fits
                    long_keep &= ~fits
                    settled &= ~fits
                    band &= ~fits
                    # a collapsed network fits its training samples no better than a constant guess:
                    # its training loss is at or above that cost too
                    collapsed &= np.isfinite(train) & (train >= (1 - BASE_RATE_TOL) * prior)
                    # a dead network's training loss holds too (no step changes the model), no lower
                    # than a constant guess costs either
                    if dead.any():  # (the window costs a lookup per row: none when nothing can change)
                        dead &= holds(self._loss_window(acc, self.ctx.train))
                    dead &= np.isfinite(train) & (train >= (1 - BASE_RATE_TOL) * prior)
                    if self.ctx.train_acc is not None:
                        # a constant guess scoring the training accuracy costs at least H of it,
                        # whatever K: a training loss below that says the model uses its inputs
                        # (one that converged so, every value holding, or one still learning while
                        # a validation split of other shares holds its accuracy), so no base-rate
                        # reading is favoured: evidence beyond the repeated values themselves
                        t_acc = train_acc_at(self.ctx, acc.x)
                        uses = train < (1 - CONST_TOL) * binary_entropy(t_acc)
                        # ... unless the training accuracy is frozen over the same stretch too: then
                        # not one training prediction changes class while that loss falls, and the
                        # inputs move how sure the model is, never which class it names (tester 15's
                        # `imbalance`: every prediction the majority class, a training loss 23 % below
                        # H(training accuracy); the format that logs no training accuracy read it so)
                        # (a per-step one is frozen within its levels' batch-sampling noise: the
                        # mean of one model's batches moves with which samples they held)
                        t_win = self._train_acc_window(acc)
                        t_tol = frozen_tol(self.ctx, acc.x, p.stuck_tol)
                        uses &= ~(np.isfinite(t_win).all(axis=0) & (spread(t_win) <= t_tol))
                        dead &= ~uses
                        collapsed &= ~uses
                        settled &= ~uses
                        # ... and where the training numbers cannot tell a one-class model from one that
                        # fits its samples (a training minority of a sample or two; a training loss on a
                        # floor, label smoothing), they favour no reading: `possible` only (`train_side`)
                        unsure = training_cannot_tell(
                            self.ctx, acc.x, loss_y, dead | collapsed | settled | long_still
                        )
                        told = unsure == 0
                        # ... and a training accuracy well above the held one says the model gets
                        # training samples right beyond one class's share, unless the splits' shares
                        # differ that much (`train_side.train_beyond`): no reading favoured there
                        # (tester 21's pos_weight BCE: 0.98-0.99 on training, 69/80 held on validation
                        # with 19 of 80 predicted as the minority class)
                        favoured = long_ok | long_still | dead | collapsed | settled
                        t_over = train_beyond(t_win, acc_y) & favoured
                        unsure[(unsure == 0) & t_over] = 3
                        told = unsure == 0
                        dead &= told
                        collapsed &= told
                        settled &= told
                        long_still &= told
                        band &= told | (frozen & share & base)  # (in the band itself: `possible` there)
                        self._unsure = unsure
                    # "while training goes on": a model whose weights hardly change (a learning rate
                    # decayed to nothing) holds any accuracy frozen at a settled loss, so the
                    # base-rate reading is favoured only while the training loss still moves
                    # (the training loss logged `half` evaluations back against now: at least half the
                    # smallest trend change, so a loss still falling about 1 % per few evaluations counts)
                    back = x_values(self.series, self.ctx.axis, np.maximum(acc.idx - p.half, 0))
                    train0 = lookup(self.ctx.train, self.ctx.axis, back)
                    settled &= np.abs(train0 - train) >= 0.5 * p.min_loss_change * np.abs(train0)
                    # per-step training batches whose losses do not follow their accuracies as one
                    # fixed output's would say the model's output depends on its inputs
                    # (`batch_fit`), as a training loss far below H does (`fits`): no base-rate
                    # reading then (healthy runs scored on a fixed small batch hold their accuracy with
                    # the loss anywhere near H(acc))
                    held = blind_ok | keep_base | settled | collapsed | dead | long_keep
                    cand = np.flatnonzero(loose & held)
                    if len(cand):
                        refuted = np.zeros(len(acc_y), dtype=bool)
                        refuted[cand] = batches_refute_fixed(self.ctx, acc.x[cand], p.stuck_window)
                        refuted &= ~strong
                        blind_ok &= ~refuted
                        long_ok &= ~refuted
                        long_still &= ~refuted
                        long_keep &= ~refuted
                        keep_base &= ~refuted
                        band &= ~refuted
                        settled &= ~refuted
                        collapsed &= ~refuted
                        dead &= ~refuted
                    settled |= collapsed | dead
                else:
                    settled[:] = False  # no training loss: nothing says training goes on
                    long_still[:] = False
                    above[:] = False
                    dead[:] = False
                above &= settled & ~dead
                long_ok |= long_still
                blind_ok |= long_ok
                keep_base |= long_keep
            # 1 in the band, 2 settled there, 3 settled above it (a collapsed network), 4 dead,
            # 5 held exactly at a majority share since the loss was at a constant guess's cost, 6 so
            # held with the loss at that cost throughout, the training accuracy frozen too
            self._marks = (
                band.view(np.int8) + settled.view(np.int8) + above.view(np.int8) + 2 * dead.view(np.int8)
            )
            self._marks[long_ok & frozen & (self._marks < 2)] = 5
            if loss is not None:  # (6: held so with the loss not moving, the training side frozen)
                self._marks[long_still & frozen & (self._marks == 5)] = 6
            self._marks[t_over] = 0  # (the training accuracy favours no base-rate reading there)
            if loss is not None:  # (a handful held wrong favours no one-class reading: code 4)
                few_held = handful & (self._marks == 5)
                self._marks[few_held] = 0
                self._unsure[few_held & (self._unsure == 0)] = 4
            # (a loss that is not finite says more than a chance run of the accuracy)
            beyond = ~chance | (~np.isfinite(loss.y) if loss is not None else False)
            on = frozen & blind_ok & beyond
            off = ~(loose & (blind_ok | keep_base))
            if loss is None:
                strong = np.ones(len(acc_y), dtype=bool)
            if acc.maj_dev is not None and p.majority_rate is not None:
                # the rate the user gave decides whether the accuracy is at the majority rate: one
                # that is a sample or more off it is not (`majority.off_given_rate`), and no base-rate
                # reading of it is favoured however the loss moved (a model predicting the majority
                # class for every sample scores exactly the rate; tester 21's pos_weight BCE held
                # 69/80 = 0.8625 with the majority 70/80 given and was still read as at that rate)
                maj = ~off_given_rate(acc.maj_dev, acc.n_eval, p.majority_rate, p.majority_tol) & whole
                on |= maj
                strong = strong | maj
                self._marks[~maj & (self._marks > 0)] = 0
                off &= acc.maj_dev > 2 * p.majority_tol
            self._strong = strong
        return on, off
