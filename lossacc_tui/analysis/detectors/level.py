"""The detector on where loss and accuracy sit, not where they go: high-loss-good-acc
(acc-stuck, also about a level, lives in stuck.py)."""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.analysis.alerts import Alert, Severity
from lossacc_tui.analysis.claims import Claim
from lossacc_tui.analysis.detectors import severity_hold as hold
from lossacc_tui.analysis.detectors.base import (
    classes_claim,
    names,
    noise,
    value,
    value_at_x,
)
from lossacc_tui.analysis.detectors.pair import PairDetector
from lossacc_tui.analysis.detectors.smoothing import on_floor
from lossacc_tui.analysis.evidence import training_fall_says_sharper, wrong_share_bounds
from lossacc_tui.analysis.features import AccFeatures, LossFeatures
from lossacc_tui.analysis.loss_carriers import who_carries_loss
from lossacc_tui.analysis.passmemo import quiet
from lossacc_tui.analysis.quantities import arrow, chance_loss, fmt, fmt_x, loss_floor, times

#: with K known, a loss this many times ln K at an accuracy CHANCE_OVER times 1/K or more opens the
#: alert whatever `good_acc_frac` says: the model does worse than knowing nothing while being right
#: more often than chance, so its mistakes are confident
CHANCE_LOSS_OVER = 1.1
CHANCE_OVER = 1.5
#: a warning raised on the numbers favouring confident mistakes drops back only once its rule fails
#: with every margin widened by this many times the series' own noise (`severity_hold`)
HOLD_SLACK = 2.0


def _finite(v: float) -> float:
    """v, or 0 where it is NaN (a noise not yet known widens no margin)."""
    return v if math.isfinite(v) else 0.0


class HighLossGoodAcc(PairDetector):
    """Accuracy well above chance while the loss per mistake is many nats (and the loss itself is
    a sizeable share of the chance loss)."""

    kind = "high-loss-good-acc"
    order = 70
    severity_doc = "warning/info"
    meaning = (
        "good accuracy (halfway from chance 1/K, or from the majority-class rate given with --majority, "
        "to 1; or, with K known, accuracy well above 1/K and that rate and a loss above ln K) with a loss "
        "far above the floor that accuracy allows; a warning when the "
        "numbers force or favour confident mistakes, information when unsure right answers may carry "
        "it (favoured while the loss, named a cross-entropy, is at its lowest with the training loss over "
        "half of it)"
    )
    general = (
        "Good accuracy with a loss far above the floor (1 - a) ln 2 that accuracy allows. The numbers "
        "allow two readings: a few mistakes made with near-certainty (each costs without bound), or many "
        "right answers held with little confidence (each costs up to ln K), as in a run still converging. "
        "The explanation says which one the numbers force or favour, and puts it first (a loss rising "
        "at steady accuracy with the training loss falling favours confident mistakes; a loss at its "
        "lowest so far with the training loss over half of it, a run still converging, favours unsure "
        "right answers once each mistake would have to cost over 2.5 nats to carry half of it), and is "
        "a warning only for confident mistakes. A logged loss with extra terms (regularisation, label "
        "smoothing, class weights) also sits above the floor. Per-sample losses decide; lossacc_tui.probe "
        "logs them."
    )

    def thresholds(self) -> tuple[float, float]:
        """(the accuracy called good, the least loss that counts as high: nats)."""
        k = self.ctx.classes.k or 2
        base = self.baseline()
        good = base + self.p.good_acc_frac * (1.0 - base)
        return good, self.p.high_loss_min * chance_loss(k)

    def baseline(self) -> float:
        """What an accuracy is good against (fraction): chance 1/K (K unknown: 1/2), or the
        majority-class rate the user gave (`--majority`) when higher, which a model predicting that
        class for every sample scores (tester 20: 0.729 called good 3 points above a rate of 0.697)."""
        chance = 1.0 / (self.ctx.classes.k or 2)
        m = self.p.majority_rate
        return chance if m is None else max(chance, m)

    def chance_bar(self, keep: bool = False) -> float:
        """The accuracy (fraction) above which, K known, a loss above ln K opens the alert whatever
        `thresholds` calls good (`keep`: the lower bar that keeps it open): CHANCE_OVER / K, and at
        least the majority-class rate the user gave (an accuracy no better than predicting that class
        is no accuracy well above chance)."""
        k = self.ctx.classes.k or 2
        bar = (0.8 if keep else 1.0) * CHANCE_OVER / k
        m = self.p.majority_rate
        return bar if m is None else max(bar, m - (0.02 if keep else 0.0))

    def holds(self, loss: LossFeatures, acc: AccFeatures | None) -> bool:  # type: ignore[override]
        """Nowhere in the chunk a loss per mistake this high at a good accuracy (nor, K known, a loss
        above ln K well above chance): nothing opens (`Detector.holds`)."""
        return not bool(self._opens(loss, acc).any())

    def _opens(self, loss: LossFeatures, acc: AccFeatures | None) -> np.ndarray:
        """`conditions`' open rule per point of the chunk."""
        assert acc is not None
        p = self.p
        good, min_loss = self.thresholds()
        loss_y, acc_y = loss.y, acc.y
        with quiet(invalid="ignore", divide="ignore"):
            per_mistake = loss_y / (1.0 - acc_y)
            # (a) above the chance loss, so mistakes must be confident; (b) absurdly far above the floor
            high = ((per_mistake >= p.high_loss_nats) & (loss_y >= min_loss)) | (per_mistake >= p.insane_nats)
            on = (acc_y >= good) & (acc_y < 1.0) & high
            k = self.ctx.classes.k
            if k:
                # with K known: a loss above what knowing nothing costs (ln K) at an accuracy well above
                # chance (1/K) forces confident mistakes (each right answer costs at most ln K), however
                # far below `good` the accuracy is (a learning rate far too high saturates the outputs)
                on |= (
                    (loss_y >= CHANCE_LOSS_OVER * math.log(k)) & (acc_y >= self.chance_bar()) & (acc_y < 1.0)
                )
        return on  # type: ignore[no-any-return]

    def conditions(self, loss: LossFeatures, acc: AccFeatures | None) -> tuple[np.ndarray, np.ndarray]:
        assert acc is not None
        p = self.p
        good, min_loss = self.thresholds()
        loss_y, acc_y = loss.y, acc.y
        on = self._opens(loss, acc)
        with quiet(invalid="ignore", divide="ignore"):
            per_mistake = loss_y / (1.0 - acc_y)
            still = ((per_mistake >= 0.8 * p.high_loss_nats) & (loss_y >= 0.9 * min_loss)) | (
                per_mistake >= 0.8 * p.insane_nats
            )
            off = (acc_y < good - 0.02) | ~still
            k = self.ctx.classes.k
            if k:
                lnk = math.log(k)
                off &= ~((loss_y >= lnk) & (acc_y >= self.chance_bar(keep=True)))
        return on, off

    def on_open(self, alert: Alert, i: int, local: int, loss: LossFeatures, acc: AccFeatures | None) -> None:
        alert.data.update(best_idx=int(loss.best_idx[local]))

    def on_span(self, alert: Alert, lo: int, hi: int, loss: LossFeatures, acc: AccFeatures | None) -> None:
        # the warning's rule at every point the alert spans, with hysteresis (`severity_hold`)
        hold.feed(
            alert.data,
            loss.idx[lo:hi],
            lambda k: self._mistakes_rule(alert, k, 0.0),
            lambda k: self._mistakes_rule(alert, k, HOLD_SLACK),
        )

    def _mistakes_rule(self, alert: Alert, k: int, slack: float) -> bool:
        """Whether at point k the numbers force confident mistakes (mistakes carry over half of the
        loss on the cross-entropy bounds alone) or favour them (the loss risen `rise_rel` above where
        the alert started, accuracy held within its tolerance, the training loss fell): the rules
        `claims` states, each margin widened by `slack` times the series' own noise at k (0: the
        rule itself, which raises the warning; `HOLD_SLACK`: the wider one it must fail to drop)."""
        ctx, p = self.ctx, self.p
        s = int(alert.data["start_idx"])
        loss1, acc1 = value(ctx.loss, k), value(ctx.acc, k)
        if not (math.isfinite(loss1) and math.isfinite(acc1)) or loss1 <= 0 or acc1 >= 1.0:
            return False
        # (the noise only where a margin needs it: O(window) each, the rest O(1))
        sl = _finite(noise(ctx.loss, k)) if slack else 0.0
        sa = _finite(noise(ctx.acc, k)) if slack else 0.0
        lo, _ = wrong_share_bounds(max(loss1 - slack * sl, 1e-12), max(acc1 - slack * sa, 0.0), ctx.classes.k)
        if lo > 0.5:
            return True
        loss0 = value(ctx.loss, s)
        if ctx.train is None or not loss1 >= loss0 * (1 + p.rise_rel) - slack * sl:
            return False
        if not slack:
            sa = _finite(noise(ctx.acc, k))
        acc_tol = max(p.acc_hold_tol, 2 * sa if k >= 2 else 0.0)
        if not acc1 >= value(ctx.acc, s) - acc_tol - slack * sa:
            return False
        t0 = value_at_x(ctx.train, ctx.axis, ctx.x(self.series, s))
        t1 = value_at_x(ctx.train, ctx.axis, ctx.x(self.series, k))
        return training_fall_says_sharper(t0, t1, loss1)

    def severity(self, alert: Alert) -> Severity:
        """A warning only when the numbers force or favour confident mistakes; unsure right
        answers (a run still converging) are information."""
        for c in alert.claims:
            if c.id == "mistakes-carry-loss" and c.strength in ("follows", "likely", "confirmed"):
                return "warning"
        return "info"

    def title(self, alert: Alert) -> str:
        e = alert.evidence
        return (
            f"{self.ctx.loss.name if self.ctx.loss else 'loss'} {fmt(e['now_loss'])} at "
            f"{self.ctx.acc.name if self.ctx.acc else 'accuracy'} {fmt(e['now_acc'], 3)}: "
            f"{times(e['now_loss'], e['now_loss_floor'])} the least it allows"
        )

    def claims(self, alert: Alert, i: int) -> list[Claim]:
        e = alert.evidence
        nm = names(self.ctx)
        x0, x1 = e["start_x"], e["now_x"]
        loss0, acc0, loss1, acc1 = e["start_loss"], e["start_acc"], e["now_loss"], e["now_acc"]
        acc_tol = max(self.p.acc_hold_tol, 2 * noise(self.ctx.acc, i) if i >= 2 else 0.0)
        favour, why = "", ""
        t0 = value_at_x(self.ctx.train, self.ctx.axis, x0) if self.ctx.train is not None else math.nan
        t1 = value_at_x(self.ctx.train, self.ctx.axis, x1) if self.ctx.train is not None else math.nan
        # (a training loss floored above this one says nothing of held-out confidence: label smoothing)
        train_fell = training_fall_says_sharper(t0, t1, loss1)
        if loss1 >= loss0 * (1 + self.p.rise_rel) and acc1 >= acc0 - acc_tol and train_fell:
            favour = "mistakes"
            why = (
                f"since {nm[2]} {fmt_x(x0)} the loss rose {arrow(loss0, loss1)} while accuracy held "
                f"({arrow(acc0, acc1, 4)}) and the training loss fell {arrow(t0, t1)}: a "
                "model growing more confident makes its right answers cheaper, so the extra cost sits on "
                "its mistakes"
            )
        lean = ""
        since = hold.raised_at(alert.data, i)
        if not favour and since is not None and not self._mistakes_rule(alert, i, 0.0):
            # raised at `since` and not yet back past twice the noise: the warning holds (hysteresis)
            favour = "mistakes"
            then = f"{fmt(value(self.ctx.loss, since))} at {nm[1]} {fmt(value(self.ctx.acc, since), 4)}"
            why = (
                f"at {nm[2]} {fmt_x(self.ctx.x(self.series, since))} the numbers favoured confident mistakes "
                f"({nm[0]} {then}), "
                f"and neither has moved back past twice its own noise since ({fmt(loss1)} at {fmt(acc1, 4)} "
                "now): a reading is not taken back on a move within noise"
            )
        if not favour:
            # a loss at its lowest yet, with the training loss no lower than half of it: a run still
            # converging, whose unsure right answers the numbers favour (converging.py)
            conv = self.converging(i, loss1, acc1)
            favour, lean, why = conv.favour, conv.lean, conv.why
        out = classes_claim(self.ctx, x0, x1)
        out += who_carries_loss(loss1, acc1, self.ctx.classes.k, x0, x1, nm, favour, why, lean=lean)
        return on_floor(self.ctx, out, x0, x1)

    def evidence(self, alert: Alert, i: int) -> dict[str, float]:
        good, _ = self.thresholds()
        ev = self.pair_numbers(i, "now") | self.pair_numbers(self._best_upto(alert, i), "best")
        ev.update(
            now_loss_floor=loss_floor(ev["now_acc"]),
            start_loss=value(self.ctx.loss, alert.data["start_idx"]),
            start_acc=value(self.ctx.acc, alert.data["start_idx"]),
            start_x=self.ctx.x(self.series, alert.data["start_idx"]),
            good_acc_threshold=good,
        )
        k = self.ctx.classes.k
        ev["good_acc"] = good
        if k and ev["now_acc"] < good:
            # (kept open on a loss above ln K: the highest bar of that path the accuracy is above)
            bars = [b for b in (self.chance_bar(), self.chance_bar(keep=True)) if ev["now_acc"] >= b]
            ev["good_acc_threshold"] = bars[0] if bars else self.chance_bar(keep=True)
        if self.p.majority_rate is not None:
            ev["majority_rate"] = self.p.majority_rate
        if self.ctx.classes.k is not None:
            ev["chance_loss"] = chance_loss(self.ctx.classes.k)
        return ev

    def _best_upto(self, alert: Alert, i: int) -> int:
        """Index of the lowest logged loss up to point i: the best when the alert opened, or a
        lower value logged since (O(points since it opened), only when the text is rendered)."""
        best = int(alert.data["best_idx"])
        lo = int(alert.data.get("open_idx", best))
        if self.ctx.loss is None or i < lo:
            return best
        lo = max(lo, self.ctx.loss.base)  # (points folded away: from the first one kept)
        span = self.ctx.loss.raw[lo - self.ctx.loss.base : i + 1 - self.ctx.loss.base]
        finite = np.isfinite(span)
        if finite.any():
            j = lo + int(np.argmin(np.where(finite, span, np.inf)))
            if best < 0 or span[j - lo] < value(self.ctx.loss, best):
                return j
        return best
