"""val-loss-unstable: the validation loss multiplies inside a short window while accuracy barely
moves (a few extremely confident wrong predictions dominating an unbounded mean)."""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.analysis.alerts import Alert, Severity
from lossacc_tui.analysis.claims import Claim
from lossacc_tui.analysis.detectors.base import classes_claim, names, span_extreme, value
from lossacc_tui.analysis.detectors.pair import PairDetector
from lossacc_tui.analysis.evidence import who_carries_loss
from lossacc_tui.analysis.features import AccFeatures, LossFeatures
from lossacc_tui.analysis.quantities import factor, fmt_x, loss_per_mistake, span, within


class ValLossUnstable(PairDetector):
    """The loss rises by a large factor from a trough inside a short window, accuracy barely moves."""

    kind = "val-loss-unstable"
    order = 20
    severity_doc = "warning/critical"
    meaning = (
        "validation loss swings by large factors while accuracy barely moves: a handful of extremely "
        "confident wrong predictions dominate an unbounded mean"
    )
    general = (
        "Validation loss swings by large factors while accuracy barely moves: a handful of extremely "
        "confident wrong predictions dominate an unbounded mean. Check the learning rate, input "
        "normalisation, evaluation mode (dropout, batch norm) and numerics (overflowing logits); list "
        "the rows with the highest loss."
    )
    n_open = 1

    def conditions(self, loss: LossFeatures, acc: AccFeatures | None) -> tuple[np.ndarray, np.ndarray]:
        assert acc is not None
        p = self.p
        with np.errstate(invalid="ignore"):
            on = (loss.swing >= p.unstable_ratio) & (loss.swing_abs >= p.unstable_min_abs)
            on &= acc.range_unst <= p.unstable_acc_band
            off = ~(loss.swing >= math.sqrt(p.unstable_ratio))
        return on, off

    def on_span(self, alert: Alert, lo: int, hi: int, loss: LossFeatures, acc: AccFeatures | None) -> None:
        if hi > lo and acc is not None:
            xs, ix = loss.x[lo:hi], loss.idx[lo:hi]
            span_extreme(alert, "loss_hi", loss.y[lo:hi], xs, ix, high=True)
            span_extreme(alert, "loss_lo", loss.y[lo:hi], xs, ix, high=False)
            span_extreme(alert, "acc_hi", acc.y[lo:hi], xs, ix, high=True)
            span_extreme(alert, "acc_lo", acc.y[lo:hi], xs, ix, high=False)

    def on_open(self, alert: Alert, i: int, local: int, loss: LossFeatures, acc: AccFeatures | None) -> None:
        w = self.p.unstable_window
        first = max(0, i - w + 1)
        vals = [(value(self.ctx.loss, k), k) for k in range(first, i)]  # the window before opening
        accs = [value(self.ctx.acc, k) for k in range(first, i)]
        for v, k in vals:
            x = self.ctx.x(self.series, k)
            for key, better in (
                ("loss_hi", v > alert.data.get("loss_hi", (-math.inf,))[0]),
                ("loss_lo", v < alert.data.get("loss_lo", (math.inf,))[0]),
            ):
                if math.isfinite(v) and better:
                    alert.data[key] = (v, x, k)
        for a, k in zip(accs, range(first, i), strict=True):
            x = self.ctx.x(self.series, k)
            if math.isfinite(a) and a > alert.data.get("acc_hi", (-math.inf,))[0]:
                alert.data["acc_hi"] = (a, x, k)
            if math.isfinite(a) and a < alert.data.get("acc_lo", (math.inf,))[0]:
                alert.data["acc_lo"] = (a, x, k)

    def severity(self, alert: Alert) -> Severity:
        return (
            "critical"
            if alert.evidence.get("loss_per_mistake_at_high", 0.0) >= self.p.insane_nats
            else "warning"
        )

    def title(self, alert: Alert) -> str:
        e = alert.evidence
        return (
            f"{self.ctx.loss.name if self.ctx.loss else 'loss'} swings "
            f"{span(e['loss_low'], e['loss_high'])} ({factor(e['ratio'], 1, lead=True)}) while "
            f"{self.ctx.acc.name if self.ctx.acc else 'accuracy'} stays "
            f"{span(e['acc_low'], e['acc_high'], 3)}"
        )

    def claims(self, alert: Alert, i: int) -> list[Claim]:
        e = alert.evidence
        nm = names(self.ctx)
        x0, x1 = e["loss_low_x"], e["loss_high_x"]
        why = (
            f"the loss multiplied {factor(e['ratio'], 1, lead=True)} while accuracy stayed "
            f"{within(e['acc_low'], e['acc_high'], 4)}: the growth sits on predictions pushed far to the "
            "wrong side more than on samples changing sides"
        )
        out = classes_claim(self.ctx, x0, x1)
        out += who_carries_loss(
            e["loss_high"], e["acc_at_high"], self.ctx.classes.k, x0, x1, nm, "mistakes", why
        )
        out.append(
            Claim(
                "confident-mistakes",
                "possible",
                x0,
                x1,
                f"at {nm[2]} {fmt_x(x1)} most mistakes are made with confidence above 0.9",
                others=(
                    "The mean cost of a mistake does not say how it is spread: a handful of extreme rows can "
                    "carry it while most mistakes stay near the threshold; per-sample losses decide"
                ),
            )
        )
        return out

    def evidence(self, alert: Alert, i: int) -> dict[str, float]:
        d = alert.data
        hi, lo = d["loss_hi"], d["loss_lo"]
        acc_at_hi = value(self.ctx.acc, hi[2])
        return {
            "loss_high": hi[0],
            "loss_high_x": hi[1],
            "loss_low": lo[0],
            "loss_low_x": lo[1],
            "ratio": hi[0] / lo[0] if lo[0] > 0 else math.inf,
            "acc_at_high": acc_at_hi,
            "acc_low": d["acc_lo"][0],
            "acc_high": d["acc_hi"][0],
            "loss_per_mistake_at_high": loss_per_mistake(hi[0], acc_at_hi),
            "now_loss": value(self.ctx.loss, i),
            "now_acc": value(self.ctx.acc, i),
        }
