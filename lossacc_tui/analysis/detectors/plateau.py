"""`plateau`: no new best loss within a patience window."""

from __future__ import annotations

import numpy as np

from lossacc_tui.analysis.alerts import Alert, Severity
from lossacc_tui.analysis.detectors.base import Ctx, Detector, value
from lossacc_tui.analysis.detectors.no_update import lr_zero_since, still_since
from lossacc_tui.analysis.features import AccFeatures, LossFeatures
from lossacc_tui.analysis.passmemo import quiet
from lossacc_tui.analysis.quantities import count, fmt, fmt_x
from lossacc_tui.model import Series


class Plateau(Detector):
    """No new best loss (by plateau_min_delta) within the last plateau_patience evaluations."""

    kind = "plateau"
    order = 90
    severity_doc = "info/warning"
    meaning = (
        "no new best validation loss for a patience window; names the best epoch and its accuracy "
        "(a warning where every logged loss and accuracy repeats: the model is not updating)"
    )
    general = (
        "No new best validation loss for a patience window (informational; a warning where every logged "
        "loss and accuracy repeats on both splits: no step changes the model). The alert names the best "
        "epoch and the accuracy there: the checkpoint to keep, and the point where lowering the "
        "learning rate or stopping saves compute, at the cost of any later new best (the log cannot say "
        "whether one would come)."
    )
    n_open = 1
    n_close = 1

    def __init__(self, ctx: Ctx, series: Series, subject: str) -> None:
        super().__init__(ctx, series, subject)
        self.ring = np.full(ctx.params.plateau_patience, np.nan)  # running best of the last P points

    def holds(self, loss: LossFeatures, acc: AccFeatures | None) -> bool:  # type: ignore[override]
        """Every point of the chunk among the first `plateau_patience` of the series: none has a best
        that many points back (`ring` holds none yet), so none is stale (`Detector.holds`)."""
        return int(loss.idx[-1]) < self.p.plateau_patience

    def conditions(self, loss: LossFeatures, acc: AccFeatures | None) -> tuple[np.ndarray, np.ndarray]:
        p = self.p
        ext = np.concatenate([self.ring, loss.best])
        before = ext[: len(loss.best)]  # best up to P points ago
        self.ring = ext[-p.plateau_patience :].copy()
        with quiet(invalid="ignore"):
            # a non-finite evaluation is no evaluation on a plateau (the non-finite kinds own it): a
            # window whose finite points are all older would count "no new best" past the divergence
            stale = (
                np.isfinite(before)
                & np.isfinite(loss.y)
                & (loss.pmin >= before * (1.0 - p.plateau_min_delta))
            )
            moving = loss.pmin < before * (1.0 - 2 * p.plateau_min_delta)
        self._stale = stale
        return stale, moving

    def on_open(self, alert: Alert, i: int, local: int, loss: LossFeatures, acc: AccFeatures | None) -> None:
        alert.data.update(best=float(loss.best[local]), best_idx=int(loss.best_idx[local]))

    def on_span(self, alert: Alert, lo: int, hi: int, loss: LossFeatures, acc: AccFeatures | None) -> None:
        rows = np.flatnonzero(self._stale[lo:hi])
        if len(rows):
            r = lo + int(rows[-1])  # the latest evaluation that was still on the plateau
            alert.data.update(
                best=float(loss.best[r]), best_idx=int(loss.best_idx[r]), last_idx=int(loss.idx[r])
            )

    def _still(self, alert: Alert) -> tuple[int, int] | None:
        """(j, i): every logged loss and accuracy repeats exactly from point j to the alert's latest
        point i on the plateau (`no_update.still_since`), over at least one evaluation; or None."""
        i = alert.data.get("last_idx", alert.data.get("at_idx", -1))
        j = still_since(self.ctx, self.series, i)
        return None if j is None or j >= i else (j, i)

    def severity(self, alert: Alert) -> Severity:
        # a run whose every logged value repeats to the last digit for a patience window is not
        # being trained at all (learning rate 0, frozen parameters): more than a plateau
        still = self._still(alert)
        return "warning" if still is not None and still[1] - still[0] >= self.p.plateau_patience else "info"

    def title(self, alert: Alert) -> str:
        e = alert.evidence
        since = int(e["evaluations_since_best"])
        head = f"{self.subject}: no new best for {since} evaluations"
        if e["best_x"] > alert.start or since < self.p.plateau_patience:
            # a best newer than the patience window, set by less than plateau_min_delta: say so, or
            # "no new best for 4 evaluations" contradicts "patience is 10" (each window gained less
            # than the delta; over the whole episode it may add up)
            recent = "its latest evaluation is its best"
            if since:
                recent = f"{count(since, 'evaluation')} since the best"
            head = (
                f"{self.subject}: under {self.p.plateau_min_delta:.1%} gain per {self.p.plateau_patience} "
                f"evaluations since {self.ctx.unit} {fmt_x(alert.start)}, {recent}"
            )
        if "still_x" in e:
            head = (
                f"{self.subject}: not updating since {self.ctx.unit} {fmt_x(e['still_x'])}, "
                "every logged value "
                f"repeats for {int(e['still_evaluations'])} evaluations"
            )
        return f"{head} (best {fmt(e['best_value'])} at {self.ctx.unit} {fmt_x(e['best_x'])})"

    def evidence(self, alert: Alert, i: int) -> dict[str, float]:
        d = alert.data
        bi = d["best_idx"]
        i = d.get("last_idx", i)
        ev = {
            "best_value": d["best"],
            "best_x": self.ctx.x(self.series, bi),
            "evaluations_since_best": float(i - bi),
            "value_now": value(self.series, i),
            "x_now": self.ctx.x(self.series, i),
        }
        if self.series is self.ctx.loss and self.ctx.acc is not None:
            ev["acc_at_best"] = value(self.ctx.acc, bi)
            ev["acc_now"] = value(self.ctx.acc, i)
        still = self._still(alert)
        if still is not None:
            ev["still_x"] = self.ctx.x(self.series, still[0])
            ev["still_evaluations"] = float(still[1] - still[0] + 1)
            zero = lr_zero_since(self.ctx, ev["x_now"])
            if zero is not None:
                ev["lr_zero_x"] = zero
            if self.ctx.classes.k is not None and self.ctx.classes.k >= 2:
                ev["chance_acc"] = 1.0 / self.ctx.classes.k
        return ev
