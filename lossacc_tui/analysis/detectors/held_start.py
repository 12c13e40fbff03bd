"""`acc-held-start`: the validation accuracy took one value, to the last digit, at each of the first 3
or more evaluations while the loss stood still (information).

A short fine-tune shows it before any rule that needs a stretch of evaluations can (tester 23 F7: an
HF Trainer run whose 60 validation samples were all predicted as the majority class at epochs 1-3,
accuracy 0.8333 = 50/60 each time, then 56/60 from epoch 4; nothing said so). An accuracy that holds
one value exactly while the model trains has few readings: every sample predicted as one class (the
accuracy is then that class's share: the arithmetic of `one_class`), or the model moving too little
to change one prediction (the loss then barely moves either), or right answers traded one for one.
The log cannot tell them apart; the class counts can, or the share of the largest class
(--majority), which rules the first out when it is too small. It closes at the first evaluation with
another accuracy, or with a loss `min_loss_change` away from its first (the numbers then no longer
favour the reading: a loss falling steadily under a held accuracy is a model learning confidence)."""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.analysis.alerts import Alert, Severity
from lossacc_tui.analysis.claims import Claim
from lossacc_tui.analysis.detectors.base import Ctx, Detector, value
from lossacc_tui.analysis.features import AccFeatures, LossFeatures
from lossacc_tui.analysis.passmemo import quiet
from lossacc_tui.analysis.quantities import count, fmt, fmt_x
from lossacc_tui.model import Series

#: evaluations from the first the accuracy must hold one value for
MIN_HELD = 3


class AccHeldStart(Detector):
    """The validation accuracy at one value at every evaluation from the first, 3 or more."""

    kind = "acc-held-start"
    order = 85
    severity_doc = "info"
    n_open = 1
    n_close = 1
    meaning = (
        "validation accuracy took one value at each of the first 3 or more evaluations while the loss stood "
        "within 2 % of its first value; one reading is a model predicting one class for every sample "
        "(`possible`: the class counts or --majority decide)"
    )
    general = (
        "The validation accuracy took one value, to the last digit, at each of the first 3 or more "
        "evaluations while the validation loss stood within 2 % of its first value (informational). "
        "Readings: every sample predicted as one class (the accuracy is then that class's share of the "
        "evaluation set), a model moving too little to change one prediction, or right answers traded "
        "one for one. The predicted-class counts decide; so does the share of the largest class "
        "(--majority RATE), which rules the first reading out when it is below the accuracy minus 10 "
        "points. It closes at the first evaluation with another accuracy or a loss 2 % away from its "
        "first; a hold that lasts is acc-stuck's to judge."
    )

    def __init__(self, ctx: Ctx, series: Series, subject: str) -> None:
        super().__init__(ctx, series, subject)
        self._first = math.nan  # the accuracy at the first evaluation
        self._held = True  # every evaluation so far at that value
        self._now = np.zeros(0, dtype=bool)  # ... per point of the last chunk
        self._loss0 = math.nan  # the loss at the first evaluation
        self._still = True  # every loss so far within min_loss_change of it

    def holds(self, main: AccFeatures, other: LossFeatures | None) -> bool:  # type: ignore[override]
        return not (self._held and self._still)  # (once either moved, nothing can open again)

    def conditions(self, acc: AccFeatures, loss: LossFeatures | None) -> tuple[np.ndarray, np.ndarray]:
        y, idx = acc.y, acc.idx
        if len(y) and int(idx[0]) == 0:
            self._first = float(y[0])
        with quiet(invalid="ignore"):
            same = (y == self._first) & np.isfinite(y) & (y > 0.0) & (y < 1.0)
        held = np.logical_and.accumulate(same) & self._held
        if len(held):
            self._held = bool(held[-1])
        # the numbers favour a one-class reading only while the loss stood still too (within
        # `min_loss_change` of its first value, what the state band reads as holding): a loss falling
        # under a held accuracy is a model learning confidence, not classes (acc-flat-loss-down's
        # reading; the truth corpus' slow-underconfident runs held one accuracy for 3-9 evaluations as
        # the loss fell 2.4 % an epoch, with no class above 73 % of the predictions)
        still = np.zeros(len(y), dtype=bool)
        if loss is not None and len(loss.y) == len(y):
            if len(y) and int(loss.idx[0]) == 0:
                self._loss0 = float(loss.y[0])
            with quiet(invalid="ignore"):
                still = np.abs(loss.y - self._loss0) <= self.p.min_loss_change * abs(self._loss0)
        still = np.logical_and.accumulate(still) & self._still
        if len(still):
            self._still = bool(still[-1])
        self._now = held & still
        return self._now & (idx >= MIN_HELD - 1), ~self._now

    def on_open(self, alert: Alert, i: int, local: int, acc: AccFeatures, loss: LossFeatures | None) -> None:
        alert.start = self.ctx.x(self.series, 0)
        alert.data.update(value=float(acc.y[local]))

    def on_span(self, alert: Alert, lo: int, hi: int, acc: AccFeatures, loss: LossFeatures | None) -> None:
        rows = np.flatnonzero(self._now[lo:hi])  # (not the evaluation that closed it)
        if len(rows):
            alert.data["last_idx"] = int(acc.idx[lo + int(rows[-1])])

    def began(self, i: int, j: int, local: int) -> int:
        return 0

    def severity(self, alert: Alert) -> Severity:
        return "info"

    def title(self, alert: Alert) -> str:
        e = alert.evidence
        return (
            f"{self.subject} held at {fmt(e['value'], 4)} for the first {int(e['evaluations'])} evaluations "
            f"({self.ctx.unit} {fmt_x(e['first_x'])}-{fmt_x(e['last_x'])})"
        )

    def evidence(self, alert: Alert, i: int) -> dict[str, float]:
        last = int(alert.data.get("last_idx", i))
        loss = self.ctx.loss
        return {
            "value": float(alert.data["value"]),
            "evaluations": float(last + 1),
            "first_x": self.ctx.x(self.series, 0),
            "last_x": self.ctx.x(self.series, last),
            "loss_first": value(loss, 0),
            "loss_last": value(loss, last),
        }

    def claims(self, alert: Alert, i: int) -> list[Claim]:
        e = alert.evidence
        a = e["value"]
        return [
            Claim(
                "one-class-predictor",
                "possible",
                e["first_x"],
                e["last_x"],
                f"Over {self.ctx.unit}s {fmt_x(e['first_x'])}-{fmt_x(e['last_x'])} the model may have "
                f"predicted one class for every sample: {self.subject} {fmt(a, 4)} would then be "
                "that class's share of the evaluation set",
                value=a,
                others="Or the model moved too little to change one prediction, or traded right answers "
                "one for one",
            )
        ]


def explain_held_start(a: Alert, n: object) -> list[tuple[str, str]]:
    """The explanation sections of an `acc-held-start` alert (`n`: the run's `Names`)."""
    e = a.evidence
    unit = getattr(n, "unit", "epoch")
    loss_name = getattr(n, "loss", "the loss")
    k = int(e["evaluations"])
    lf, ll = e["loss_first"], e["loss_last"]
    moved = (
        f" while {loss_name} went {fmt(lf)} -> {fmt(ll)} ({ll / lf - 1:+.1%})"
        if math.isfinite(lf) and math.isfinite(ll) and lf > 0
        else ""
    )
    closed = (
        ""
        if a.end is None
        else f" After {unit} {fmt_x(e['last_x'])} the accuracy took another value or the loss moved more "
        "than 2 % from its first."
    )
    return [
        (
            "What happened",
            f"{a.data.get('subject', 'accuracy')} was {fmt(e['value'], 4)} at each of the first "
            f"{count(k, 'evaluation')} ({unit} {fmt_x(e['first_x'])}-{fmt_x(e['last_x'])}){moved}.{closed}",
        ),
        (
            "Why",
            "An accuracy that holds one value exactly while the model trains has few readings: every "
            "sample predicted as one class (the accuracy is then that class's share), a model moving too "
            "little to change one prediction (its loss then barely moves either), or right answers traded "
            "one for one.",
        ),
        (
            "What to check next",
            "Count the predicted classes at those evaluations (lossacc_tui.probe logs them), or give the "
            "share of the largest class with --majority RATE; if one class took every prediction, check "
            "the learning rate and the class balance (class weights, a balanced sampler) for the start.",
        ),
        ("How sure", f"Information: {count(k, 'evaluation')} held, read from the logged accuracy alone."),
    ]
