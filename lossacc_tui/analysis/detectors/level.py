"""Detectors on where loss and accuracy sit, not where they go: high-loss-good-acc, acc-stuck."""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.analysis.alerts import Alert
from lossacc_tui.analysis.detectors.base import Detector, level, value
from lossacc_tui.analysis.detectors.pair import PairDetector
from lossacc_tui.analysis.quantities import chance_loss, fmt, fmt_x, loss_floor
from lossacc_tui.analysis.track import Feats


class HighLossGoodAcc(PairDetector):
    """Accuracy well above chance while the loss per mistake is many nats (and the loss itself is
    a sizeable share of the chance loss)."""

    kind = "high-loss-good-acc"

    def thresholds(self) -> tuple[float, float]:
        k = self.ctx.classes.k or 2
        chance = 1.0 / k
        good = chance + self.p.good_acc_frac * (1.0 - chance)
        return good, self.p.high_loss_min * chance_loss(k)

    def conditions(self, f: Feats, g: Feats | None) -> tuple[np.ndarray, np.ndarray]:
        assert g is not None
        p = self.p
        good, min_loss = self.thresholds()
        loss, acc = f["y"], g["y"]
        with np.errstate(invalid="ignore", divide="ignore"):
            per_mistake = loss / (1.0 - acc)
            # (a) above the chance loss, so mistakes must be confident; (b) absurdly far above the floor
            high = ((per_mistake >= p.high_loss_nats) & (loss >= min_loss)) | (per_mistake >= p.insane_nats)
            on = (acc >= good) & (acc < 1.0) & high
            still = ((per_mistake >= 0.8 * p.high_loss_nats) & (loss >= 0.9 * min_loss)) | (
                per_mistake >= 0.8 * p.insane_nats
            )
            off = (acc < good - 0.02) | ~still
        return on, off

    def on_open(self, alert: Alert, i: int, local: int, f: Feats, g: Feats | None) -> None:
        alert.data.update(best_idx=int(f["best_idx"][local]))

    def title(self, alert: Alert) -> str:
        e = alert.evidence
        return (
            f"{self.ctx.loss.name if self.ctx.loss else 'loss'} {fmt(e['now_loss'])} at "
            f"{self.ctx.acc.name if self.ctx.acc else 'accuracy'} {fmt(e['now_acc'], 3)}: "
            f"{fmt(e['now_loss_per_mistake'], 3)} nats per mistake"
        )

    def evidence(self, alert: Alert, i: int) -> dict[str, float]:
        good, _ = self.thresholds()
        ev = self.pair_numbers(i, "now") | self.pair_numbers(alert.data["best_idx"], "best")
        ev.update(
            now_loss_floor=loss_floor(ev["now_acc"]),
            now_implied_p=math.exp(-min(ev["now_loss_per_mistake"], 745.0)),
            start_loss=value(self.ctx.loss, alert.data["start_idx"]),
            start_acc=value(self.ctx.acc, alert.data["start_idx"]),
            good_acc_threshold=good,
        )
        if self.ctx.classes.k is not None:
            ev["chance_loss"] = chance_loss(self.ctx.classes.k)
        return ev


class AccStuck(Detector):
    """Accuracy identical over stuck_window evaluations while the loss does not improve, or
    equal to the majority-class rate the user gave. `f` is the accuracy, `g` the loss (or None)."""

    kind = "acc-stuck"
    n_open = 1

    def conditions(self, f: Feats, g: Feats | None) -> tuple[np.ndarray, np.ndarray]:
        p = self.p
        with np.errstate(invalid="ignore"):
            frozen = (f["range_stuck"] <= p.stuck_tol) & (f["nonfinite_stuck"] == 0)
            if g is not None:
                # a repeated accuracy means a model that ignores its inputs only when the loss is not
                # finite or sits at the chance loss ln K; a converged model far below it just repeats
                chance = chance_loss(self.ctx.classes.k or 2)
                blind = ~np.isfinite(g["y"]) | (g["lvl"] >= p.stuck_chance_frac * chance)
                frozen &= blind
            on = frozen.copy()
            if "maj_dev" in f:
                on |= f["maj_dev"] <= p.majority_tol
        return on, ~on

    def on_open(self, alert: Alert, i: int, local: int, f: Feats, g: Feats | None) -> None:
        frozen = bool(f["range_stuck"][local] <= self.p.stuck_tol)
        alert.data.update(frozen=frozen, first_idx=max(0, i - self.p.stuck_window + 1))

    def title(self, alert: Alert) -> str:
        e = alert.evidence
        name = self.series.name if self.series is not None else "accuracy"
        if alert.data["frozen"]:
            return f"{name} stuck at {fmt(e['acc_now'])} since {self.ctx.unit} {fmt_x(e['first_x'])}"
        return f"{name} {fmt(e['acc_now'], 3)} is the majority-class rate {fmt(e['majority_rate'], 3)}"

    def evidence(self, alert: Alert, i: int) -> dict[str, float]:
        first = alert.data["first_idx"]
        ev = {
            "acc_now": value(self.series, i),
            "acc_level_now": level(self.series, i, self.p),
            "evaluations": float(i - first + 1),
            "first_x": self.ctx.x(self.series, first),
        }
        if self.p.majority_rate is not None:
            ev["majority_rate"] = self.p.majority_rate
        if self.ctx.classes.k is not None:
            ev["chance_acc"] = 1.0 / self.ctx.classes.k
        if self.ctx.loss is not None and self.series is self.ctx.acc:
            ev["loss_at_first"] = value(self.ctx.loss, first)
            ev["loss_now"] = value(self.ctx.loss, i)
        return ev
