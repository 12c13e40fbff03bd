"""Sentences shared by the explanations: names, loss per mistake, the worked BCE example."""

from __future__ import annotations

import math
from dataclasses import dataclass

from lossacc_tui.analysis.alerts import Alert
from lossacc_tui.analysis.detectors.base import Ctx, value_at_x
from lossacc_tui.analysis.params import Params
from lossacc_tui.analysis.quantities import (
    Classes,
    bce,
    chance_loss,
    fmt,
    fmt_x,
    implied_p,
    loss_floor,
    loss_per_mistake,
)
from lossacc_tui.model import Series

STEP = bce(0.49) - bce(0.51)  # what one sample costs when it slips from p=0.51 to p=0.49


@dataclass
class Names:
    """How to name things in this run's explanations."""

    loss: str
    acc: str
    unit: str
    split: str
    classes: Classes
    params: Params
    lr: Series | None
    axis: str

    @classmethod
    def of(cls, ctx: Ctx, alert: Alert | None = None) -> Names:
        return cls(
            loss=ctx.loss.name if ctx.loss is not None else "the loss",
            acc=ctx.acc.name if ctx.acc is not None else "accuracy",
            unit=ctx.unit,
            split=ctx.split,
            classes=ctx.classes,
            params=ctx.params,
            lr=ctx.lr,
            axis=ctx.axis,
        )

    def lr_note(self, x: float) -> str:
        """' (it was 0.01 at epoch 7)' when the run logs a learning rate, else ''."""
        if self.lr is None or not math.isfinite(x):
            return ""
        lr = value_at_x(self.lr, self.axis, x)
        return f" (it was {fmt(lr)} at {self.unit} {fmt_x(x)})" if math.isfinite(lr) else ""

    def chance(self) -> str:
        k = self.classes
        if k.k is None:
            return f"{k.describe()}; for two classes the chance loss would be ln 2 = {fmt(math.log(2))}"
        return f"the chance loss is ln {k.k} = {fmt(chance_loss(k.k))} ({k.describe()})"


def mistakes(loss: float, acc: float, n: Names, prefix: str) -> str:
    """Floor, loss per mistake and the probability it implies, at one (loss, accuracy) point."""
    if not (math.isfinite(loss) and math.isfinite(acc)):
        return f"{prefix} the loss or the accuracy is not finite."
    wrong = 1.0 - acc
    floor = loss_floor(acc)
    m = loss_per_mistake(loss, acc)
    p = implied_p(loss, acc)
    text = (
        f"{prefix} ({n.loss} {fmt(loss)}, {n.acc} {fmt(acc, 4)}), {wrong:.1%} of samples are wrong; this "
        f"accuracy allows a loss as low as (1 - a) ln 2 = {fmt(floor)}, and the loss is "
        f"{fmt(loss / floor if floor else math.inf, 2)}x that. If the right answers cost nothing, each "
        f"mistake costs {fmt(m, 3)} nats on average, i.e. about {_prob(p)} probability on its true class."
    )
    k = n.classes.k or 2
    low = (loss - acc * math.log(k)) / wrong if wrong > 0 else math.inf
    if low > 0 and math.isfinite(low):
        assumed = "" if n.classes.k else " (assuming 2 classes)"
        text += (
            f" A right answer costs at most ln {k} = {fmt(math.log(k))}{assumed}, so the mistakes must "
            f"average at least ({fmt(loss)} - {fmt(acc, 4)} x {fmt(math.log(k))}) / {fmt(wrong, 4)} = "
            f"{fmt(low, 3)} nats: between {_prob(math.exp(-min(m, 745.0)))} and {_prob(math.exp(-low))} on "
            "their true class."
        )
    if m >= n.params.insane_nats:
        text += (
            f" No sane softmax output costs {fmt(m, 3)} nats per mistake on average: suspect numerics "
            "(overflowing logits, a missing log-softmax), how the loss is averaged (a sum instead of a "
            "mean), or extra terms (regularisation, label smoothing, class weights) inside the logged loss."
        )
    return text


def _prob(p: float) -> str:
    if p == 0.0:
        return "0 (below 1e-300)"
    return fmt(p, 3) if p >= 1e-3 else f"{p:.1e}"


def worked_example(alert: Alert, n: Names) -> str:
    """The p = 0.51 vs 0.49 example, sized with this alert's accuracy and loss changes."""
    e = alert.evidence
    if alert.kind == "loss-up-acc-up":
        da, dl = e["now_acc"] - e["best_acc"], e["now_loss"] - e["best_loss"]
    elif alert.kind == "loss-down-acc-down":
        da, dl = e["now_acc"] - e["peak_acc"], e["now_loss"] - e["peak_loss"]
    else:
        da, dl = e["now_acc"] - e["from_acc"], e["now_loss"] - e["from_loss"]
    if not (math.isfinite(da) and math.isfinite(dl)):
        return ""
    crossing = -da * STEP  # samples moving right (da > 0) lower the loss by STEP each
    rest = dl - crossing
    k_note = ""
    if n.classes.k is not None and n.classes.k > 2:
        k_note = (
            f" With {n.classes.k} classes the same holds between the two top-scoring classes; a right answer "
            f"can sit as low as just above 1/{n.classes.k} = {fmt(1 / n.classes.k, 3)} and still count fully."
        )
    return (
        f"**Worked example.** A sample with p = 0.51 on its true class costs -ln 0.51 = {fmt(bce(0.51), 3)} "
        f"nats and counts as right; at p = 0.49 it costs {fmt(bce(0.49), 3)} and counts as wrong. Here "
        f"accuracy moved {da * 100:+.1f} points: if every one of those samples only crossed the threshold "
        f"like that, the mean loss would move by {-da:+.4f} x {fmt(STEP, 3)} = {crossing:+.4f} nats. It "
        f"moved {dl:+.4f}, so {rest:+.4f} nats come from samples that did not cross: {_rest(rest)}{k_note}"
    )


def _rest(rest: float) -> str:
    if rest > 0:
        return "predictions that got more confidently wrong (or less confidently right)."
    return "right answers getting more confident, or wrong ones less confidently wrong."
