"""`loss-explosion`: a loss far above where its best level really was."""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.analysis.alerts import Alert, Severity
from lossacc_tui.analysis.detectors.base import Detector, extreme_so_far, span_extreme, value
from lossacc_tui.analysis.detectors.non_finite import lowest_before
from lossacc_tui.analysis.detectors.rise import level_depth
from lossacc_tui.analysis.features import AccFeatures, LossFeatures
from lossacc_tui.analysis.quantities import factor, fmt


class Explosion(Detector):
    """Loss far above its best level (a factor and an absolute margin, beyond its own noise)."""

    kind = "loss-explosion"
    order = 10
    severity_doc = "warning/critical"
    meaning = "a loss far above its running best"
    general = (
        "A loss far above its running best (a factor and an absolute margin beyond its own noise): a "
        "divergence step, a bad batch, or numerics. Lower the learning rate, add warmup and clipping, "
        "compare with the best checkpoint."
    )
    n_open = 1

    def conditions(self, loss: LossFeatures, acc: AccFeatures | None) -> tuple[np.ndarray, np.ndarray]:
        p = self.p
        y, best, sig = loss.y, loss.lbest, loss.sig_prev
        if self.per_step:
            # a per-step series: its level (the mean of about an epoch's worth of points, the same
            # window as its best level) against that best, never one batch against the best batch;
            # a NaN batch is non-finite's business, so a non-finite value does not reach the level
            y = np.where(np.isfinite(y), loss.lvl, y)
        with np.errstate(invalid="ignore", over="ignore"):
            margin = np.fmax(p.explosion_min_abs, p.explosion_z * sig)
            # the best level is the lowest of about idx / half noisy levels: it sits `level_depth`
            # level noises below the level it stands for, so a noisy per-batch loss logged for
            # thousands of steps is compared with where its best really was, not its luckiest stretch
            base = best + level_depth(loss.idx, p.half) * sig / math.sqrt(p.half)
            base = np.where(np.isfinite(base), base, best)
            # a non-finite value is the non-finite detector's: compared with a best it has no ratio
            up = np.isfinite(y) & (y >= p.explosion_factor * base) & (y - base >= margin) & (best > 0)
            calm = np.isfinite(y) & (y < math.sqrt(p.explosion_factor) * best)
        return up, calm

    @property
    def per_step(self) -> bool:
        """Whether this series logs several points per evaluation (judged on its level)."""
        if self.series is None:
            return False
        if self.series is self.ctx.train:
            return self.ctx.train_window > 1
        return self.series is self.ctx.loss and self.ctx.loss_window > 1

    def on_open(self, alert: Alert, i: int, local: int, loss: LossFeatures, acc: AccFeatures | None) -> None:
        alert.data.update(best=float(loss.lbest[local]), best_idx=int(loss.lbest_idx[local]))
        if not self.per_step and self.series is not None:  # (its lowest single value before it,
            k = lowest_before(self.series, i)  # which other alerts quote as its best)
            alert.data.update(lowest=value(self.series, k), lowest_idx=k)

    def on_span(self, alert: Alert, lo: int, hi: int, loss: LossFeatures, acc: AccFeatures | None) -> None:
        if hi > lo:
            y = loss.y[lo:hi]
            if self.per_step:  # the peak of the level, as judged (NaN batches stay visible)
                y = np.where(np.isfinite(y), loss.lvl[lo:hi], y)
            span_extreme(alert, "peak", y, loss.x[lo:hi], loss.idx[lo:hi], high=True)

    def severity(self, alert: Alert) -> Severity:
        peak, best = alert.data.get("peak", (math.nan,))[0], alert.data["best"]
        ratio = float(peak) / float(best) if best > 0 else math.inf
        return "critical" if ratio >= self.p.explosion_critical or math.isinf(peak) else "warning"

    def title(self, alert: Alert) -> str:
        e = alert.evidence
        return (
            f"{self.subject} {fmt(e['peak_value'])} is {factor(e['ratio'], 1, lead=True)} its best"
            f"{' level' if level_differs(e) else ''} {fmt(e['best_level'])}"
        )

    def evidence(self, alert: Alert, i: int) -> dict[str, float]:
        d = alert.data
        peak = d.get("peak", (math.nan, math.nan, -1))
        if not math.isfinite(peak[0]):  # rendered as it opens: the span is its point now
            peak = extreme_so_far(alert, "peak", value(self.series, i), self.ctx.x(self.series, i), high=True)
        ev = {
            "best_level": d["best"],
            "best_x": self.ctx.x(self.series, d["best_idx"]) if d["best_idx"] >= 0 else math.nan,
            "peak_value": peak[0],
            "peak_x": peak[1],
            "ratio": float(peak[0]) / float(d["best"]) if d["best"] > 0 else math.inf,
            "value_now": value(self.series, i),
        }
        if "lowest" in d:  # its lowest single value (the level is a mean over neighbouring values)
            ev["lowest_value"] = d["lowest"]
            ev["lowest_x"] = self.ctx.x(self.series, d["lowest_idx"]) if d["lowest_idx"] >= 0 else math.nan
        if self.series is self.ctx.loss and self.ctx.acc is not None and peak[2] >= 0:
            ev["acc_at_peak"] = value(self.ctx.acc, peak[2])
            ev["acc_at_best"] = value(self.ctx.acc, d["best_idx"])
        return ev


def level_differs(e: dict[str, float]) -> bool:
    """Whether an explosion's best level (a mean over neighbouring values) reads differently from
    its lowest single value, which `plateau`, `non-finite` and the claims quote as its best: then
    the text names the level as one (tester 15: "its best 0.1735" beside "its best 0.1646")."""
    low = e.get("lowest_value", math.nan)
    return math.isfinite(low) and fmt(low) != fmt(e["best_level"])
