"""`overfitting`'s readings of a rise once it opened: its severity (a sample flip, a tiny rise, a
model that collapsed after its best: information) and its claims (the rise beyond noise, the
loss's floor, the mistakes, who carries the rise), mixed into `Overfitting`."""

from __future__ import annotations

import math

from lossacc_tui.analysis.alerts import Alert, Severity
from lossacc_tui.analysis.claims import Claim
from lossacc_tui.analysis.detectors.base import (
    Ctx,
    names,
    noise,
    span_mistakes,
)
from lossacc_tui.analysis.detectors.flip import Flip, flip_reading, rise_readings, rise_severity, tiny_rise
from lossacc_tui.analysis.detectors.guess import guess_claim, guess_reading
from lossacc_tui.analysis.detectors.loss_floor import floor_at, floor_claim
from lossacc_tui.analysis.detectors.rise_carriers import rise_carriers
from lossacc_tui.analysis.detectors.smoothing import on_floor
from lossacc_tui.analysis.evidence import (
    rise_claims,
)
from lossacc_tui.analysis.params import Params
from lossacc_tui.model import Series


class RiseReadings:
    """`Overfitting`'s severity and claims (module docstring); reads the detector's context,
    series, parameters and subject."""

    ctx: Ctx
    series: Series
    p: Params
    subject: str

    def _flip(self, alert: Alert) -> Flip | None:
        """The sample-flip reading of this alert's rise (`flip.flip_reading`), or None."""
        e = alert.evidence
        if "acc_now" not in e:
            return None
        peak = max(e["peak_val_loss"], e["now_val_loss"])
        i = int(alert.data.get("at_idx", -1))
        return flip_reading(
            self.ctx,
            self.series,
            e["best_val_loss"],
            peak,
            e["acc_at_best"],
            e["acc_now"],
            i,
            bool(alert.data.get("trend")),
        )

    def severity(self, alert: Alert) -> Severity:
        e = alert.evidence
        tiny = (
            None
            if "acc_now" not in e
            else tiny_rise(
                self.ctx,
                e["best_val_loss"],
                max(e["peak_val_loss"], e["now_val_loss"]),
                e["acc_at_best"],
                e["acc_now"],
                int(alert.data.get("at_idx", -1)),
            )
        )
        alert.data["tiny"] = tiny  # (the explanation says why it is information)
        sev = rise_severity(self.ctx, self._flip(alert), e["best_x"], e["now_x"], tiny)
        return "info" if sev == "warning" and self._collapsed(alert) is not None else sev

    def _collapsed(self, alert: Alert) -> tuple[tuple[float, float, bool], float] | None:
        """(`base_rate.guess_reading`, the x its span starts at) over the last `open_after`
        evaluations when the whole span since the best does not give it: a model that collapsed after
        its best (accuracy falling to one value and held there, the training loss no lower than a
        constant guess costs) fits nothing now, whatever it did at its best. None otherwise.

        The reading turns a warning into information, so it must also hold over the window ending one
        evaluation earlier: an accuracy held for `open_after` evaluations and moved by a sample at the
        next had turned tester 21's `collapse_lr` warning -> info -> warning in two epochs (a
        severity is not taken back on one evaluation's luck: `severity_hold`)."""
        e = alert.evidence
        at = int(alert.data.get("at_idx", -1))
        i = at - self.p.open_after
        x0 = self.ctx.x(self.series, i) if i >= 0 else math.nan
        if not (math.isfinite(x0) and x0 > e["best_x"]) or guess_reading(self.ctx, e["best_x"], e["now_x"]):
            return None
        found = guess_reading(self.ctx, x0, e["now_x"])
        if found is None or i < 1:
            return None
        before = self.ctx.x(self.series, i - 1)
        if (
            not before > e["best_x"]
            or guess_reading(self.ctx, before, self.ctx.x(self.series, at - 1)) is None
        ):
            return None
        return found, x0

    def claims(self, alert: Alert, i: int) -> list[Claim]:
        e = alert.evidence
        nm = names(self.ctx)
        x0, x1 = e["best_x"], e["now_x"]
        out = rise_readings(self.ctx, self._flip(alert), x0, x1, self.subject, nm[2])
        collapsed = self._collapsed(alert)
        if collapsed is not None:
            out.append(guess_claim(collapsed[0], collapsed[1], x1, self.subject))
        sig = noise(self.series, i)
        if math.isfinite(sig):  # (the short-run path says how little evidence it has in its text)
            out += rise_claims(e["best_val_loss"], e["now_val_loss"], sig, x0, x1, self.subject, nm[2])
        floor = floor_at(self.ctx, self.series, i, x1) if self.series is self.ctx.loss else None
        if floor is not None:
            out.append(
                floor_claim(floor, e["best_val_loss"], e["now_val_loss"], x0, x1, (self.subject, *nm[1:]))
            )
        if "acc_now" not in e:
            return out
        level = " level" if e.get("train_mean_of", 1.0) > 1 else ""  # (a mean of logged values: said so)
        out += span_mistakes(self.ctx, e["acc_at_best"], e["acc_now"], x0, x1)
        out += rise_carriers(
            (e["now_val_loss"], e["acc_now"]),
            (e["best_val_loss"], e["acc_at_best"]),
            (e["train_loss_at_best"], e["train_loss_now"]),
            self.ctx.classes.k,
            (x0, x1),
            nm,
            f"{self.subject} rose",
            f"the training loss{level}",
        )
        return on_floor(self.ctx, out, x0, x1)  # (the label-smoothing reading: h9k, smoothing.py)
