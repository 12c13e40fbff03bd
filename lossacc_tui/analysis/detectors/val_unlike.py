"""val-unlike-train: validation accuracy far below chance while training accuracy is good. A level
check: it needs no trend window."""

from __future__ import annotations

import numpy as np

from lossacc_tui.analysis.alerts import Alert, Severity
from lossacc_tui.analysis.claims import Claim
from lossacc_tui.analysis.detectors.base import Detector, classes_claim, value
from lossacc_tui.analysis.detectors.train_acc import train_acc_at, train_acc_value
from lossacc_tui.analysis.features import AccFeatures, LossFeatures
from lossacc_tui.analysis.passmemo import quiet
from lossacc_tui.analysis.quantities import fmt, fmt_x


class ValUnlikeTrain(Detector):
    """Validation accuracy far below chance while training accuracy is well above it: the validation
    data (or its labels) is not distributed like the training data.
    Hooks get `(acc, loss)` (the validation accuracy first).
    Needs no trend: opens after `n_open` evaluations."""

    kind = "val-unlike-train"
    order = 150
    severity_doc = "warning"
    meaning = (
        "validation accuracy far below chance while training accuracy is good: the validation split "
        "is unlike training"
    )
    general = (
        "Validation accuracy far below chance while training accuracy is good: the validation data "
        "holds classes or an ordering the training data does not (Keras' validation_split on "
        "unshuffled data), or its labels are mapped differently. Check the class counts of each "
        "split."
    )
    n_open = 2

    def holds(self, acc: AccFeatures, loss: LossFeatures | None) -> bool:  # type: ignore[override]
        """No validation accuracy of the chunk as low as `conditions` asks (below 0.5 / K, or 0.1 with
        K unknown): nothing opens (`Detector.holds`)."""
        k = self.ctx.classes.k
        with quiet(invalid="ignore"):
            return not bool((acc.y < (0.5 / k if k is not None else 0.1)).any())

    def conditions(self, acc: AccFeatures, loss: LossFeatures | None) -> tuple[np.ndarray, np.ndarray]:
        val = acc.y
        train = train_acc_at(self.ctx, acc.x)
        k = self.ctx.classes.k
        with quiet(invalid="ignore"):
            if k is not None:
                low = val < 0.5 / k
                good = train > min(0.95, 1.5 / k)
            else:  # K unknown: only a validation accuracy below any plausible chance level counts
                low = val < 0.1
                good = train >= 0.5
            on = low & good & (train - val >= 0.3)
            off = ~(on | ((val < (0.75 / k if k else 0.15)) & good))
        return on, off

    def severity(self, alert: Alert) -> Severity:
        return "warning"

    def title(self, alert: Alert) -> str:
        e = alert.evidence
        return (
            f"{self.subject} {fmt(e['val_acc'], 4)} while training accuracy is {fmt(e['train_acc'], 4)}: the "
            "validation data is unlike the training data"
        )

    def evidence(self, alert: Alert, i: int) -> dict[str, float]:
        x = self.ctx.x(self.series, i)
        return {
            "val_acc": value(self.series, i),
            "train_acc": train_acc_value(self.ctx, x),
            "x": x,
            "first_x": self.ctx.x(self.series, alert.data["start_idx"]),
        }

    def claims(self, alert: Alert, i: int) -> list[Claim]:
        e = alert.evidence
        k = self.ctx.classes.k
        chance = (
            f"far below chance 1/{k} = {fmt(1 / k, 3)}" if k else "below any chance level short of 10 classes"
        )
        return [
            *classes_claim(self.ctx, e["first_x"], e["x"]),
            Claim(
                "split-unlike-training",
                "likely",
                e["first_x"],
                e["x"],
                f"at {self.ctx.unit} {fmt_x(e['x'])} {self.subject} {fmt(e['val_acc'], 4)} is {chance} while "
                f"training accuracy is {fmt(e['train_acc'], 4)}: a model that generalises badly falls to "
                "chance, not below it, so the validation samples hold classes or an ordering the training "
                "samples do not",
                others=(
                    "A label mapping that differs between the two splits gives the same numbers; the class "
                    "counts of each split decide"
                ),
            ),
        ]

    def explain(self, alert: Alert) -> str:
        from lossacc_tui.analysis.claims import render

        e = alert.evidence
        return (
            f"**{alert.title}**\n\n**What happened.** From {self.ctx.unit} {fmt_x(e['first_x'])} "
            f"{self.subject} stays near {fmt(e['val_acc'], 4)} while training accuracy reaches "
            f"{fmt(e['train_acc'], 4)}.\n\n**Why.** Below-chance accuracy on held-out data means the "
            "model's confident predictions are systematically wrong there: the validation set holds classes "
            "that training never shows, or its labels are mapped differently. Keras' validation_split takes "
            "the last part of the arrays before shuffling, so data sorted by class gives exactly this.\n\n"
            "**What to check next.** The class counts of the training and validation splits; shuffle before "
            "splitting (or pass validation_data); the label encoding of both.\n\n"
            "**How sure.** " + render(alert.claims) + "\n"
        )
