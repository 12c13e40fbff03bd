"""`loss-up-acc-up`: the validation loss clearly above its best while its accuracy holds or rises."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from lossacc_tui.analysis.alerts import Alert, Severity
from lossacc_tui.analysis.claims import Claim
from lossacc_tui.analysis.detectors import base as _base
from lossacc_tui.analysis.detectors.base import (
    Ctx,
    extreme_so_far,
    names,
    noise,
    span_extreme,
    span_mistakes,
    value,
)
from lossacc_tui.analysis.detectors.chance import CHANCE_BELOW, chance_k, k_backed
from lossacc_tui.analysis.detectors.flip import (
    Flip,
    flip_reading,
    grew_steadily,
    rise_readings,
    rise_severity,
    tiny_rise,
)
from lossacc_tui.analysis.detectors.loss_floor import above_floor, floor_at, floor_claim, floors
from lossacc_tui.analysis.detectors.pair import PairDetector, new_best
from lossacc_tui.analysis.detectors.rise import (
    RiseRun,
    TrendRun,
    beyond_sampling,
    level_depth,
    rise_bar,
    slow_rise,
    span_rules,
    steady_rise,
)
from lossacc_tui.analysis.detectors.rise_carriers import rise_carriers
from lossacc_tui.analysis.detectors.smoothing import on_floor
from lossacc_tui.analysis.evidence import (
    rise_claims,
)
from lossacc_tui.analysis.features import AccFeatures, LossFeatures
from lossacc_tui.analysis.npcalls import clip
from lossacc_tui.analysis.passmemo import quiet
from lossacc_tui.analysis.quantities import arrow, change, fmt_x
from lossacc_tui.analysis.span_trend import (
    SpanTrend,
    span_significant,
)


def at_chance(ctx: Ctx, acc: AccFeatures, loss: LossFeatures, ref: np.ndarray) -> np.ndarray:
    """Where the accuracy level and `ref` (the accuracy level at the loss's best) both sit at 1/K
    (from 0.8/K to 1.15/K, `chance.CHANCE_BELOW`) while the loss level is at least 0.9 ln K: the
    K of a chance reading (`chance.chance_k`), used only where it is known or backed by the other
    split (`chance.k_backed`). Shapes (n,)."""
    with quiet(invalid="ignore", divide="ignore"):
        kk = chance_k(acc.lvl, loss.lvl, ctx.classes.k)
        ok = np.isfinite(kk) & (kk >= 2)
        if not ok.any():
            return ok
        ok &= k_backed(ctx, acc.x, kk, loss.lvl)
        lnk = np.log(np.where(ok, kk, 2.0))
        lo, hi = 1.0 - CHANCE_BELOW, 1.15
        near = (acc.lvl * kk >= lo) & (acc.lvl * kk <= hi) & (ref * kk >= lo) & (ref * kk <= hi)
        return ok & near & (loss.lvl >= 0.9 * lnk)


class LossUpAccUp(PairDetector):
    """Loss clearly above its best (single values against the best value, or the level against
    the best level, by rise_rel and beyond noise) while the accuracy level holds or rises."""

    kind = "loss-up-acc-up"
    order = 30
    severity_doc = "warning/info"
    meaning = (
        "validation loss rises while validation accuracy rises or holds: a few mistakes grow "
        "confident while borderline samples cross over; often the first sign of overfitting "
        "(information when one or two samples account for the rise, when a rise under 5 % costs less in "
        "all than one confident mistake with not one sample moved, or accuracy held one value while "
        "the training loss is no lower than a constant guess costs). It opens only at an evaluation whose "
        "logged accuracy holds too, not only its level; it ends where the accuracy's level "
        "falls twice its tolerance below where it was at the best loss (the rise with more mistakes is "
        "`overfitting`'s), and a lower accuracy in its title says it holds within its tolerance, or that "
        "it fell and how far its level may have gone"
    )
    general = (
        "Validation loss rises while validation accuracy rises or holds. The same samples on each side of "
        "the threshold cost more: typically some mistakes grow confident (cross-entropy punishes them "
        "without bound) while accuracy, which only counts sides, does not move or improves. Often the "
        "first sign of overfitting. The explanation says whether the number of mistakes went down or up "
        "over the span, from the run's own accuracy. Check: the highest-loss samples, calibration "
        "(temperature scaling, label smoothing), early stopping on the loss; report a proper scoring rule "
        "or AUC beside accuracy. It closes at a new best of the loss, or where the accuracy's level falls "
        "twice its tolerance below where it was at the best loss (then the rise with more mistakes is "
        "overfitting's or val-degrading's)."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._ups = RiseRun()  # evaluations in a row the loss grew (the steady rule)
        self._trend = TrendRun()  # the slope's t over the last 6 evaluations (`rise.trend_rise`)
        self._span = SpanTrend()  # the line through the points since the best (`span_trend`)
        self._slow_all = np.zeros(0, dtype=bool)  # `rise.slow_rise` over the last chunk

    def holds(self, loss: LossFeatures, acc: AccFeatures | None) -> bool:  # type: ignore[override]
        """Every rule counts only where the value or the level stands above its best (`conditions`'
        quiet chunk): a chunk where neither does is kept back (`Detector.holds`)."""
        with quiet(invalid="ignore"):
            return not bool(((loss.y > loss.best) | (loss.lvl > loss.lbest)).any())

    def conditions(self, loss: LossFeatures, acc: AccFeatures | None) -> tuple[np.ndarray, np.ndarray]:
        assert acc is not None
        p = self.p
        raw_y = loss.y
        ref = loss.acc_at_best
        if _base.QUIET_CHUNKS and not self.latch.active:
            with quiet(invalid="ignore"):
                moved = (raw_y > loss.best) | (loss.lvl > loss.lbest)
            if not moved.any():
                # (nothing can open: every rule below counts only where the value or the level
                # stands above its best, above a floor too, and while no alert is open the release
                # rule is never read)
                self._span.skip(raw_y, loss.idx, loss.best_idx)
                return self._quiet_chunk(raw_y, acc)
        # the line through the span since the best (`span_trend`), and that span's pooled noise
        fit = self._span.feed(raw_y, loss.idx, loss.best_idx)
        fl = fit.floor
        # a label-smoothed validation loss is judged on its part above its floor (`loss_floor`)
        loss, fit = above_floor(loss, fit, floors(self.ctx, loss.x, loss.best))
        y, best, sig = loss.y, loss.best, loss.sig_prev
        lv, lb = loss.lvl, loss.lbest
        with quiet(invalid="ignore"):
            # the noise is unknown for the first few evaluations: a short run (a fine-tune of a few
            # epochs) then needs a rise of twice rise_rel instead of one beyond noise
            # (`beyond_best`'s factors, read for three of its z below and the level's noise)
            depth, noise = rise_bar(sig, loss.idx, p.noise_window, fl)
            beyond = y - best >= (p.rise_z + depth) * noise  # (`beyond_best` at rise_z)
            rise = (y >= best * (1 + p.rise_rel)) & beyond
            rise |= ~np.isfinite(sig) & (y >= best * (1 + 2 * p.rise_rel))
            # the best level is the lowest of about n / half independent levels (beyond its depth
            # too), and a best level from the first points is a mean of fewer than half of them
            m = clip(loss.lbest_idx + 1, 1, p.half)
            se = noise * np.sqrt(1.0 / p.half + 1.0 / m)
            lz = p.rise_z + level_depth(loss.idx, p.half)
            rise |= (lv >= lb * (1 + p.rise_rel)) & (lv - lb >= lz * se)
            # ... each a step from the best, which must clear the sampling noise of the evaluation
            # set when its size is known (`rise.beyond_sampling`); the trend rules need not
            step_ok = beyond_sampling(y, best, loss.idx, self.ctx.acc_n_likely, p.rise_z)
            rise &= step_ok
            long, span = span_rules(fit, loss, sig, best, self._trend, p, step_ok, raw_y)
            rise |= long
            rise &= (y > best) | (lv > lb)  # a loss that stays at 0 has not risen
            # a slow rise that grows at every evaluation (`rise.steady_rise`)
            ups = self._ups.feed(raw_y)
            # (that grew at every evaluation since just after its best, or whose line since the best
            # rises significantly: runs of rises alone are no evidence where the noise wanders)
            steady = steady_rise(y, best, sig, ups, p, loss.idx, fl, beyond)
            steady &= span_significant(fit) | (ups >= loss.idx - loss.best_idx - 1)
            # (a trend, not a flip: `on_span`; `fit.floor` is `fl`: above_floor keeps the noise and wander)
            self._slow_all = slow_rise(fit, y, best, sig, loss.idx, p, beyond)
            steady |= self._slow_all
            rise |= steady
            # an accuracy moving within its resolution (a sample or two of the evaluation set, or the
            # binomial standard error of its size) holds: it neither fell nor rose
            tol = self._acc_tol(acc)
            holds = (acc.lvl >= ref - tol) & np.isfinite(y) & np.isfinite(acc.y)
            # ... an accuracy held at chance (1/K, at its best and now) is no accuracy holding: the
            # model separates nothing, and its loss rising past ln K is confidence in noise, which
            # `acc-at-chance` reads (tester 8's no-signal K = 5 run: 0.20 -> 0.187, 1.61 -> 1.69)
            holds &= ~at_chance(self.ctx, acc, loss, ref)
            self._tol = np.broadcast_to(tol, y.shape)  # (quoted by the text of an alert opening here)
            calm = ((y < best * (1 + p.rise_rel / 2)) & ~steady) | (acc.lvl < ref - 2 * tol)
            # a rise that the noise measured since explains (neither the value nor the level above
            # the level the best stands for: the best plus its depth) has ended: an alert opened on
            # a noise read from the first few points does not stay open for the rest of a flat run
            held = y - best >= (0.0 + depth) * noise  # (`beyond_best` at 0)
            held |= lv - lb >= level_depth(loss.idx, p.half) * se
            calm |= np.isfinite(sig) & ~held & ~steady
            calm &= ~span
        return rise & holds, calm

    def gate(self, loss: LossFeatures, acc: AccFeatures | None) -> np.ndarray | None:  # type: ignore[override]
        """It opens only at an evaluation whose logged accuracy itself holds (within the tolerance
        of where it was at the best loss, `conditions`' `tol`), not only its level: a level of three
        evaluations that still holds while the value has already fallen (0.8044, 0.8000, 0.7744
        against 0.8011: tester 19's skimb4) is no accuracy rising or holding where the alert opens.
        The rise and the level that held count on; it opens at the first evaluation whose value
        holds too."""
        if acc is None or loss.acc_at_best is None:
            return None
        with quiet(invalid="ignore"):
            return acc.y >= loss.acc_at_best - self._tol  # type: ignore[no-any-return]

    def _acc_tol(self, acc: AccFeatures) -> float | np.ndarray:
        """How far the accuracy's level may sit below where it was at the best and still hold: the
        larger of `acc_hold_tol` and its resolution (fraction; a float or one per point)."""
        return self.p.acc_hold_tol if acc.res is None else np.fmax(self.p.acc_hold_tol, acc.res)

    def _quiet_chunk(self, raw_y: np.ndarray, acc: AccFeatures) -> tuple[np.ndarray, np.ndarray]:
        """`conditions` of a chunk where nothing can open and no alert is open: the runs carried to
        the next chunk (`RiseRun`, `TrendRun`) move on as the rules would move them; no point opens
        and every one releases."""
        self._trend.skip(raw_y)
        self._ups.feed(raw_y)
        self._slow_all = np.zeros(len(raw_y), dtype=bool)
        self._tol = np.broadcast_to(self._acc_tol(acc), raw_y.shape)  # (`breaks` reads it)
        none = np.zeros(len(raw_y), dtype=bool)
        return none, ~none

    def breaks(self, loss: LossFeatures, acc: AccFeatures | None) -> np.ndarray | None:
        # a new best of the loss: "loss up since its best" no longer holds, whatever comes next;
        # nor does "accuracy rises or holds" once the accuracy's level fell clearly below where it
        # was at the best (twice the tolerance that let it open): the rise with more mistakes is
        # `overfitting`'s. (`calm` had been overruled by a rise still significant, so a run whose
        # accuracy fell 6 points, 33 -> 70 mistakes of 600, kept this alert open, titled
        # "val_accuracy 0.945 -> 0.883".) The span ends at its last point that still held.
        out = new_best(loss)
        if acc is not None:
            with quiet(invalid="ignore"):
                out = out | (acc.lvl < loss.acc_at_best - 2 * self._tol)
        return out

    def on_open(self, alert: Alert, i: int, local: int, loss: LossFeatures, acc: AccFeatures | None) -> None:
        alert.data.update(
            best_idx=int(loss.best_idx[local]),
            acc_ref=float(loss.acc_at_best[local]),
            acc_tol=float(self._tol[local]),
        )

    def on_span(self, alert: Alert, lo: int, hi: int, loss: LossFeatures, acc: AccFeatures | None) -> None:
        if hi > lo and acc is not None:
            span_extreme(alert, "peak", loss.y[lo:hi], loss.x[lo:hi], loss.idx[lo:hi], high=True)
            span_extreme(alert, "acc_peak", acc.y[lo:hi], loss.x[lo:hi], loss.idx[lo:hi], high=True)
            if self._slow_all[lo:hi].any():
                alert.data["trend"] = True
            grew_steadily(alert.data, self.ctx.loss, loss.idx[lo:hi], self.p.steady_run)

    def title(self, alert: Alert) -> str:
        """ "<loss> up N% since <x> while <acc> a -> b", N > 0 always: a closed alert whose last
        point is back at (or under) the best it names is titled by the peak of its span instead
        ("up N% at its peak (<x>), back to v by <x>"), never "up -3%" at warning."""
        e = alert.evidence
        loss = self.ctx.loss.name if self.ctx.loss else "loss"
        acc_name = self.ctx.acc.name if self.ctx.acc else "accuracy"
        moved = arrow(e["best_acc"], e["now_acc"], 3)
        acc = f"while {acc_name} {moved}"
        # (it opened on an accuracy level within `tol` of where it was at the best, and it breaks
        # when that level falls 2 x `tol` below: a lower accuracy says how far it may have gone)
        # (the words say what the logged values did: "holds" only within that tolerance, and a value
        # below it "fell", however the level it is judged on stands)
        drop, tol = e["best_acc"] - e["now_acc"], float(alert.data.get("acc_tol", 0.0))
        if drop > 0 and drop <= tol:
            acc = f"while {acc_name} holds within {100 * tol:.1f} points ({moved})"
        elif drop > 0:
            acc = (
                f"while {acc_name} fell {moved} (the mean of its last {self.p.half} evaluations within "
                f"{100 * 2 * tol:.1f} points of where it was)"
            )
        now, best, peak = e["now_loss"], e["best_loss"], e["peak_loss"]
        since = f"since {self.ctx.unit} {fmt_x(e['best_x'])}"
        if not now > best and math.isfinite(peak) and peak > best:
            return (
                f"{loss} up {change(peak, best, signed=False)} {since} at its peak ({self.ctx.unit} "
                f"{fmt_x(e['peak_x'])}), back to {arrow(best, now).split(' -> ')[1]} by {self.ctx.unit} "
                f"{fmt_x(e['now_x'])}, {acc}"
            )
        if not now > best:
            return f"{loss} back to its {self.ctx.unit} {fmt_x(e['best_x'])} best {arrow(best, now)} {acc}"
        return f"{loss} up {change(now, best, signed=False)} {since} {acc}"

    def _flip(self, alert: Alert) -> Flip | None:
        """The sample-flip reading of this alert's rise (`flip.flip_reading`), or None."""
        e = alert.evidence
        peak = max(e["peak_loss"], e["now_loss"])
        i = int(alert.data.get("at_idx", -1))
        trend = bool(alert.data.get("trend"))
        return flip_reading(
            self.ctx, self.ctx.loss, e["best_loss"], peak, e["best_acc"], e["now_acc"], i, trend
        )

    def severity(self, alert: Alert) -> Severity:
        e = alert.evidence
        peak = max(e["peak_loss"], e["now_loss"])
        i = int(alert.data.get("at_idx", -1))
        tiny = tiny_rise(self.ctx, e["best_loss"], peak, e["best_acc"], e["now_acc"], i)
        alert.data["tiny"] = tiny  # (the explanation says why it is information)
        return rise_severity(self.ctx, self._flip(alert), e["best_x"], e["now_x"], tiny)

    def claims(self, alert: Alert, i: int) -> list[Claim]:
        e = alert.evidence
        nm = names(self.ctx)
        x0, x1 = e["best_x"], e["now_x"]
        out = rise_readings(self.ctx, self._flip(alert), x0, x1, nm[0], nm[2])
        out += span_mistakes(self.ctx, e["best_acc"], e["now_acc"], x0, x1)
        out += rise_claims(e["best_loss"], e["now_loss"], noise(self.ctx.loss, i), x0, x1, nm[0], nm[2])
        floor = floor_at(self.ctx, self.ctx.loss, i, x1) if self.ctx.loss is not None else None
        if floor is not None:
            out.append(floor_claim(floor, e["best_loss"], e["now_loss"], x0, x1, nm))
        out += rise_carriers(
            (e["now_loss"], e["now_acc"]),
            (e["best_loss"], e["best_acc"]),
            (e["train_loss_at_best"], e["train_loss_now"]),
            self.ctx.classes.k,
            (x0, x1),
            nm,
            f"{nm[0]} rose {change(e['now_loss'], e['best_loss'], signed=False)}",
        )
        return on_floor(self.ctx, out, x0, x1)  # (the label-smoothing reading: h9k, smoothing.py)

    def evidence(self, alert: Alert, i: int) -> dict[str, float]:
        d = alert.data
        ev = self.pair_numbers(d["best_idx"], "best") | self.pair_numbers(i, "now")
        peak = extreme_so_far(alert, "peak", ev["now_loss"], ev["now_x"], high=True)
        acc_peak = extreme_so_far(alert, "acc_peak", ev["now_acc"], ev["now_x"], high=True)
        # (the span's points before the one it opened at, where its start is dated: the extremes are
        # kept from the opening point on, and "highest while this alert is open" is the span's)
        for k in range(int(d.get("start_idx", i)), min(int(d.get("open_idx", i)), i)):
            v = value(self.ctx.acc, k)
            if math.isfinite(v) and not v <= acc_peak[0]:
                acc_peak = (v, self.ctx.x(self.series, k), k)
            v = value(self.ctx.loss, k)
            if math.isfinite(v) and not v <= peak[0]:
                peak = (v, self.ctx.x(self.series, k), k)
        ev.update(
            peak_loss=peak[0],
            peak_x=peak[1],
            max_acc=acc_peak[0],
            max_acc_x=acc_peak[1],
            acc_level_at_best=d["acc_ref"],
            **self.acc_best(i),
            train_loss_at_best=self.train_at(d["best_idx"]),
            train_loss_now=self.train_at(i),
            acc_tol=d.get("acc_tol", self.p.acc_hold_tol),
            acc_n=float(self.ctx.acc_n or math.nan),
            acc_n_near=float(self.ctx.acc_n_near or math.nan),
        )
        return ev
