"""`loss-down-acc-down`: the accuracy level clearly below its peak while the loss held or improved."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from lossacc_tui.analysis.alerts import Alert
from lossacc_tui.analysis.claims import Claim
from lossacc_tui.analysis.detectors import base as _base
from lossacc_tui.analysis.detectors.base import (
    classes_claim,
    extreme_so_far,
    level,
    names,
    noise,
    span_extreme,
    span_mistakes,
    value,
)
from lossacc_tui.analysis.detectors.non_finite import lowest_before
from lossacc_tui.analysis.detectors.pair import PairDetector
from lossacc_tui.analysis.detectors.rise import (
    level_depth,
    level_noise,
)
from lossacc_tui.analysis.detectors.smoothing import on_floor
from lossacc_tui.analysis.features import AccFeatures, LossFeatures
from lossacc_tui.analysis.loss_carriers import who_carries_loss
from lossacc_tui.analysis.passmemo import quiet
from lossacc_tui.analysis.quantities import arrow, fmt_x
from lossacc_tui.analysis.span_trend import (
    LongNoise,
)

#: a loss level less than this far (relative) below its value at the accuracy peak is said to have held,
#: not improved, in the title
HELD_REL = 0.01


def diff_noise(acc: AccFeatures, n_likely: np.ndarray, sig: np.ndarray) -> np.ndarray:
    """Standard deviation (fraction) of the change in accuracy between the best level and the level now
    on one evaluation set of n samples (`acc.n_eval`, else the size the values most likely come from;
    0 where neither is known), if nothing changed but which samples sit on which side: McNemar's
    sqrt(b + c) / n, b + c the samples right at one and wrong at the other. Without per-sample facts
    b + c is bounded twice: by w_best + w_now, the mistakes at both (no sample can differ that is right
    at both), and by the flips per evaluation the accuracy's own evaluation-to-evaluation noise implies
    (`sig`, fraction, per evaluation: 2 sig^2 n^2 samples) times the evaluations since the best. A run
    whose few mistakes churn (tester 17: about 20 of 540 samples change side at every evaluation, 32
    -> 44 mistakes from the best to now) gets the first bound; a slow steady fall the second. Shape (m,)."""
    n = n_likely if acc.n_eval is None else np.where(np.isfinite(acc.n_eval), acc.n_eval, n_likely)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        wrong = np.maximum(2.0 - np.clip(acc.lbest, 0, 1) - np.clip(acc.lvl, 0, 1), 0.0) * n
        since = np.maximum(acc.idx - acc.lbest_idx, 1).astype(float)
        churn = since * 2.0 * sig * sig * n * n
        out = np.sqrt(np.fmin(wrong, np.where(np.isfinite(churn), churn, np.inf))) / n
    return np.where(np.isfinite(out), out, 0.0)


class LossDownAccDown(PairDetector):
    """Accuracy level clearly below its peak while the loss level held or improved since that peak."""

    kind = "loss-down-acc-down"
    order = 50
    severity_doc = "warning"
    meaning = (
        "loss holds or improves while accuracy falls: predictions near the threshold slip across while "
        "others grow more confident (label noise being memorised does this)"
    )
    general = (
        "The loss holds or improves while accuracy falls: predictions near the decision threshold slip "
        "across it (cheap in loss) while others grow more confident (the loss averages confidence, "
        "accuracy counts sides). Training on noisy labels does this as the model memorises them (the "
        "training loss keeps falling); a drifting class prior (imbalance) is another cause; "
        "per-class recall shows it. Check: per-class "
        "recall, the training label distribution, the threshold; keep the checkpoint at the accuracy "
        "peak if accuracy is what you deploy."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._noise = LongNoise()

    def holds(self, loss: LossFeatures, acc: AccFeatures | None) -> bool:  # type: ignore[override]
        """The accuracy's level nowhere `acc_drop_min / 2` below its best: no fall to speak of, nothing
        opens (`conditions`' quiet chunk; `Detector.holds`)."""
        assert acc is not None
        with quiet(invalid="ignore"):
            return bool((acc.lbest - acc.lvl < self.p.acc_drop_min / 2).all())

    def conditions(self, loss: LossFeatures, acc: AccFeatures | None) -> tuple[np.ndarray, np.ndarray]:
        assert acc is not None
        p, h = self.p, self.p.half
        drop = acc.lbest - acc.lvl
        # the accuracy's noise, not trusted small when read from few points, nor below its value
        # pooled over many evaluations (`span_trend.LongNoise`); its best level is the highest of
        # about n / half independent levels, which sits `min_depth` level noises above the level;
        # an accuracy that wanders (one validation set, the weights moving under SGD) has a level
        # as noisy as its wander beyond the noise
        long_noise, wander = self._noise.feed(acc.y, acc.idx)
        with quiet(invalid="ignore"):
            small = drop < p.acc_drop_min / 2
        if _base.QUIET_CHUNKS and small.all():  # (the usual chunk: no fall to speak of; none opens)
            return ~small, small
        if _base.QUIET_CHUNKS and not self.latch.active and not self._may_open(loss, acc, drop).any():
            # (no alert open and nowhere the opening rule's cheap tests hold: nothing opens, and the
            # release rule is not read while none is open)
            none = np.zeros(len(drop), dtype=bool)
            return none, ~none
        sig = level_noise(acc.sig, acc.idx, p.noise_window, long_noise)
        with quiet(invalid="ignore"):
            lsig = np.fmax(sig / math.sqrt(h), np.sqrt(np.maximum(wander * wander - sig * sig, 0.0)))
        depth = level_depth(acc.idx, h)
        with quiet(invalid="ignore"):
            need = np.fmax(p.acc_drop_min, (p.rise_z * math.sqrt(2.0) + depth) * lsig)
            if acc.res is not None:
                # a drop within the accuracy's resolution (a sample or two of the evaluation set, or
                # the binomial standard error of its size) is not a fall; nor is one within rise_z of
                # those standard errors: the peak is the highest of many draws of a small set's luck
                # (200 fixed samples: 0.92 -> 0.90 is 4 samples, one standard error)
                need = np.fmax(need, p.rise_z * acc.res)
            # ... and whatever the trend rule's grid has revealed, a fall of less than rise_z samples
            # of the set the values most likely come from (`Ctx.acc_n_likely`: 0.8125 and 0.84375
            # printed in full fit 1/32 with a chance of 1e-6) is no fall: one of the level's
            # evaluations a sample lower moved a 32-sample level by a third of a sample
            n_likely = self._n_likely(acc.idx)
            one = 1.0 / n_likely
            need = np.fmax(need, p.rise_z * one)
            # ... nor a fall within the binomial noise of a difference of two evaluations of n samples:
            # the mistakes made at one and not the other are at most all the mistakes of both, so the
            # change in their count has a standard deviation of at most sqrt(w_peak + w_now) samples
            # under no change (McNemar's bound without the flips; tester 17: 0.9401 -> 0.9185 on 540
            # samples, 32 -> 44 mistakes, is 1.3 of those, not a fall)
            diff = p.rise_z * diff_noise(acc, n_likely, sig)
            ref = acc.loss_at_abest
            # the loss level gained on where the accuracy peaked, or held there (at most rise_rel / 2
            # above it) while the training loss kept falling (by train_drop_rel): right answers growing
            # surer while new mistakes are made, as a model memorising noisy training labels does
            # (tester 24's noise40: 37 -> 65 wrong of 540 at a flat val_loss had no warning, while
            # another seed of the recipe, its loss 0.6 % lower, had one); a held loss with a flat
            # training loss is an accuracy wandering on borderline samples (the demo's eight_runs)
            gained = (loss.lvl <= ref * (1 - p.loss_gain_min)) & (loss.lvl < ref)
            held = loss.lvl <= ref * (1 + p.rise_rel / 2)
            near_best = loss.lvl <= loss.lbest * (1 + p.rise_rel / 2)
            finite = np.isfinite(loss.y) & np.isfinite(acc.y)
            # the accuracy peak must come from a model that had started to learn (after the first
            # evaluation, its loss level below the first loss): the accuracy of a model as it was
            # initialised is luck, not a peak it reached
            first = value(self.ctx.loss, 0)
            trained = (acc.lbest_idx >= 1) & (~np.isfinite(first) | (acc.loss_at_abest < first))
            # ... or, from a peak at the first evaluations, a fall of three times the bar: a model that
            # starts at the majority rate and learns to predict the other class loses accuracy for real
            on = (drop >= np.fmax(need, diff)) & held & near_best & finite & (trained | (drop >= 3 * need))
            on &= gained | self._train_fell(loss.idx, acc.lbest_idx, on & ~gained)
            off = (drop < p.acc_drop_min / 2) | (loss.lvl > loss.lbest * (1 + p.rise_rel))
            if acc.res is not None:
                off |= drop < acc.res  # back within the accuracy's resolution: no fall to speak of
            off |= drop < one  # (less than one sample)
        return on, off

    def breaks(self, loss: LossFeatures, acc: AccFeatures | None) -> np.ndarray | None:  # type: ignore[override]
        """The premise "the loss held or improved" broken: the loss level risen past the opening bar
        (rise_rel / 2 above its value where the accuracy peaked) by more than rise_z of its level's
        noise. A loss 3.8 % up with accuracy 3 points down is overfitting's, not this kind's (tester
        h19t's smoothed run: `overfitting` open beside it); the span ends at its last point that held."""
        if acc is None:
            return None
        p = self.p
        with quiet(invalid="ignore"):
            bar = acc.loss_at_abest * (1 + p.rise_rel / 2) + p.rise_z * np.fmax(loss.sig, 0) / math.sqrt(
                p.half
            )
            return np.asarray(loss.lvl > bar)

    def _train_fell(self, idx: np.ndarray, peak: np.ndarray, ask: np.ndarray) -> np.ndarray:
        """Per point (loss-series indices `idx`, accuracy peaks at `peak`), where `ask`: the training
        loss (`PairDetector.train_at`, nats) lower than at the peak by train_drop_rel; False where it
        is not, not logged, or not asked (the lookups cost a search each: only the few points asked)."""
        out = np.zeros(len(idx), dtype=bool)
        for j in np.flatnonzero(ask):
            t0, t1 = self.train_at(int(peak[j])), self.train_at(int(idx[j]))
            out[j] = bool(t1 <= t0 * (1 - self.p.train_drop_rel))
        return out

    def _may_open(self, loss: LossFeatures, acc: AccFeatures, drop: np.ndarray) -> np.ndarray:
        """A necessary condition of `conditions`' opening, per point: the accuracy's level at least
        acc_drop_min below its best (`drop`, a fraction; the bar is never lower), the loss level
        held (at most rise_rel / 2 above) where the accuracy peaked and near its own best, both values
        finite."""
        p, ref = self.p, acc.loss_at_abest
        with quiet(invalid="ignore"):
            held = loss.lvl <= ref * (1 + p.rise_rel / 2)
            near_best = loss.lvl <= loss.lbest * (1 + p.rise_rel / 2)
            return (drop >= p.acc_drop_min) & held & near_best & np.isfinite(loss.y) & np.isfinite(acc.y)

    def _n_likely(self, idx: np.ndarray) -> np.ndarray:
        """The evaluation-set size the accuracy's values most likely come from by each point
        (`Ctx.acc_n_likely`, asked at the chunk's ends and point by point only where they differ);
        inf where none is known (so 1 / n is 0)."""
        n_at = self.ctx.acc_n_likely
        out = np.full(len(idx), np.inf)
        if n_at is None or len(idx) == 0:
            return out
        many = getattr(n_at, "many", None)
        if many is not None:  # (`NLikelyAt.many`: one binary search for all, 0 where none is known)
            m = many(idx)
            return np.where(m != 0, m, np.inf)
        n0, n1 = n_at(int(idx[0])), n_at(int(idx[-1]))
        if n0 == n1:
            return np.full(len(idx), float(n0) if n0 else np.inf)
        return np.array([float(n) if (n := n_at(int(i))) else np.inf for i in idx])

    def on_open(self, alert: Alert, i: int, local: int, loss: LossFeatures, acc: AccFeatures | None) -> None:
        assert acc is not None
        alert.data.update(peak_idx=int(acc.lbest_idx[local]))
        k = lowest_before(self.ctx.loss, i)  # (the loss's lowest before it opened: O(i), once; the
        if k >= 0:  # span's own lowest is kept by `on_span`)
            alert.data["pre_low"] = (value(self.ctx.loss, k), self.ctx.x(self.ctx.loss, k))

    def on_span(self, alert: Alert, lo: int, hi: int, loss: LossFeatures, acc: AccFeatures | None) -> None:
        if hi > lo and acc is not None:
            span_extreme(alert, "acc_low", acc.y[lo:hi], loss.x[lo:hi], loss.idx[lo:hi], high=False)
            span_extreme(alert, "loss_low", loss.y[lo:hi], loss.x[lo:hi], loss.idx[lo:hi], high=False)

    def title(self, alert: Alert) -> str:
        e = alert.evidence
        # The alert is decided on levels (means of the last evaluations); its title quotes single
        # values, which a noisy point can turn around (a closed alert's last point with the loss
        # above its value at the accuracy peak read "improved 0.7898 -> 0.7941"). Where the values
        # do not show what the alert says, the title quotes the levels, and its verbs always follow
        # the numbers it prints.
        acc_name = self.ctx.acc.name if self.ctx.acc else "accuracy"
        loss_name = self.ctx.loss.name if self.ctx.loss else "loss"
        a0, a1, l0, l1 = e["peak_acc"], e["now_acc"], e["peak_loss"], e["now_loss"]
        acc_part = f"{acc_name} {arrow(a0, a1, 3)}"
        if not a1 < a0 and e["acc_level_now"] < e["acc_level_peak"]:
            acc_part = f"the {acc_name} level {arrow(e['acc_level_peak'], e['acc_level_now'], 3)}"
        elif not a1 < a0:
            acc_part = f"{acc_name} {'back at' if a1 == a0 else 'back up'} {arrow(a0, a1, 3)}"
        loss_part = f"{loss_name} improved {arrow(l0, l1)}"
        if not l1 < l0:
            i = int(alert.data.get("at_idx", -1))
            v0, v1 = (
                level(self.ctx.loss, int(alert.data["peak_idx"]), self.p),
                level(self.ctx.loss, i, self.p),
            )
            if v1 < v0 * (1 - HELD_REL):
                loss_part = f"the {loss_name} level improved {arrow(v0, v1)}"
            elif v1 <= v0 * (1 + self.p.rise_rel / 2) + self._level_noise(i):
                # (the alert opens on a loss that only held: a level within a few percent of its value
                # at the peak is said to hold, whichever way its last digits moved)
                loss_part = f"the {loss_name} level held {arrow(v0, v1)}"
            else:
                loss_part = f"{loss_name} {'unchanged' if l1 == l0 else 'rose'} {arrow(l0, l1)}"
        return f"{acc_part} while {loss_part}"

    def _level_noise(self, i: int) -> float:
        """rise_z of the loss level's noise at point i (nats; 0 where not measured): the margin
        `breaks` allows above the held bar."""
        s = noise(self.ctx.loss, i)
        return self.p.rise_z * s / math.sqrt(self.p.half) if math.isfinite(s) else 0.0

    def claims(self, alert: Alert, i: int) -> list[Claim]:
        e = alert.evidence
        nm = names(self.ctx)
        x0, x1 = e["peak_x"], e["now_x"]
        out = classes_claim(self.ctx, x0, x1)
        out += span_mistakes(self.ctx, e["peak_acc"], e["now_acc"], x0, x1)
        # a loss at its lowest yet with the training loss over half of it: unsure right answers
        # (tester 17's live_pl: mistakes carried 23 % of the loss; converging.py)
        conv = self.converging(i, e["now_loss"], e["now_acc"])
        out += who_carries_loss(
            e["now_loss"], e["now_acc"], self.ctx.classes.k, x0, x1, nm, conv.favour, conv.why, lean=conv.lean
        )
        if math.isfinite(e["now_acc"]) and e["now_acc"] < e["peak_acc"]:
            out.append(
                Claim(
                    "predictions-crossing",
                    "possible",
                    x0,
                    x1,
                    f"borderline samples slipped to the wrong side between {nm[2]} {fmt_x(x0)} and "
                    f"{fmt_x(x1)} while others grew more confident",
                    others=(
                        "Another reading: the accuracy metric or the evaluation data changed between these "
                        "evaluations (same loss, different counting); per-sample predictions at both "
                        "evaluations decide"
                    ),
                )
            )
        # a floored training objective (label smoothing): right answers held below full confidence,
        # the reading `overfitting` names too (smoothing.py; tester h19t's smoothed run)
        return on_floor(self.ctx, out, x0, x1)

    def evidence(self, alert: Alert, i: int) -> dict[str, float]:
        d = alert.data
        ev = self.pair_numbers(d["peak_idx"], "peak") | self.pair_numbers(i, "now")
        low = extreme_so_far(alert, "acc_low", ev["now_acc"], ev["now_x"], high=False)
        ev.update(
            acc_level_peak=level(self.ctx.acc, d["peak_idx"], self.p),
            acc_level_now=level(self.ctx.acc, i, self.p),
            lowest_acc=low[0],
            lowest_acc_x=low[1],
            lowest_loss=extreme_so_far(alert, "loss_low", ev["now_loss"], ev["now_x"], high=False)[0],
            acc_noise=noise(self.ctx.acc, i),
            acc_n=float(self.ctx.acc_n or math.nan),
            acc_n_near=float(self.ctx.acc_n_near or math.nan),
        )
        # the accuracy's highest single value so far (the legend's best), beside its level's peak
        ev.update(self.acc_best(i))
        # the loss's lowest so far (has it risen since?): before the alert opened, or in its span
        span_low = extreme_so_far(alert, "loss_low", ev["now_loss"], ev["now_x"], high=False)
        pre = alert.data.get("pre_low")
        low = pre if pre is not None and not span_low[0] <= pre[0] else span_low[:2]
        if math.isfinite(low[0]):
            ev.update(loss_low=low[0], loss_low_x=low[1])
        return ev
