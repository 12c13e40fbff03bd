"""Sentences shared by the explanations: names, loss per mistake, the worked BCE example."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lossacc_tui.analysis.alerts import Alert
from lossacc_tui.analysis.chance_run import at_chance_throughout
from lossacc_tui.analysis.ckpt_since import worse_since
from lossacc_tui.analysis.confirm import share
from lossacc_tui.analysis.detectors.base import Ctx, value_at_x
from lossacc_tui.analysis.evidence import (
    LN2,
    below_floor,
    floor,
    mistake_cost_bounds,
    prob,
    wrong_share_bounds,
)
from lossacc_tui.analysis.mean_ce import CAUSES, doubt, doubt_sentence, probe_ce
from lossacc_tui.analysis.own_count import OwnCount
from lossacc_tui.analysis.params import Params
from lossacc_tui.analysis.quantities import Classes, bce, chance_loss, fmt, fmt_x, least_share, span
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
    not_ce: bool = False
    #: why the loss is likely not a mean cross-entropy (`mean_ce.doubt`), or ""
    ce_doubt: str = ""
    #: whether an explanation built with these names has said `ce_doubt` (or the condition) already
    said_doubt: bool = False
    own: OwnCount | None = None
    #: `Ctx.val_never_tracked`: x where validation was found never to have tracked training, or None
    val_never_tracked: float | None = None
    #: for a closed alert: (lowest loss logged after its last point, its x, x of the newest point),
    #: nats and x units; None for an active alert or when nothing was logged after it
    later: tuple[float, float, float] | None = None
    #: the run's context, for what became of the model after a checkpoint (`ckpt_since`)
    ctx: Ctx | None = None

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
            not_ce=ctx.not_ce,
            ce_doubt=doubt_sentence(ctx, said) if (said := doubt(ctx)) else "",
            own=ctx.own_count,
            val_never_tracked=ctx.val_never_tracked,
            later=_later_lowest(ctx, alert),
            ctx=ctx,
        )

    def best_ckpt(self, best: float, best_x: float) -> str:
        """The checkpoint sentence's subject: the checkpoint with the lowest loss `best` (nats) logged
        at `best_x` as far as the alert saw, or, for a closed alert, a lower one logged after its span
        ('the checkpoint at epoch 14 (val_loss 0.2094) has the lowest val_loss up to epoch 14'): a
        closed alert's span is its own, but the checkpoint to keep is the run's."""
        if self.later is not None and self.later[0] < best:
            v, x, seen = self.later
            return (
                f"the checkpoint at {self.ckpt(x)}, after this alert's span, has the lowest {self.loss} up "
                f"to {self.unit} {fmt_x(seen)} ({fmt(v)})" + self.since(x)
            )
        if self.later is not None:
            up_to = f"{self.unit} {fmt_x(self.later[2])}"
            lowest = f"the checkpoint at {self.ckpt(best_x)} has the lowest {self.loss} up to {up_to}"
            return lowest + self.since(best_x)
        return f"the checkpoint at {self.ckpt(best_x)} has the lowest {self.loss} so far" + self.since(best_x)

    def since(self, x: float) -> str:
        """' (since then ...: the model got worse after it)' when it did (`ckpt_since.worse_since`)."""
        return worse_since(self.ctx, x) if self.ctx is not None else ""

    def ckpt(self, x: float) -> str:
        """'epoch 4' naming the checkpoint of x to act on; with the framework's own number where
        it counts differently ('epoch 4 (epoch 5 in Keras' console and checkpoint names, if Keras
        wrote the log)')."""
        at = f"{self.unit} {fmt_x(x)}"
        if self.own is None or self.axis != self.own.axis or not math.isfinite(x) or x != int(x):
            return at
        return at + self.own.name(x)

    def lr_note(self, x: float) -> str:
        """' (it was 0.01 at epoch 7)' when the run logs a learning rate, else ''."""
        if self.lr is None or not math.isfinite(x):
            return ""
        lr = value_at_x(self.lr, self.axis, x)
        return f" (it was {fmt(lr)} at {self.unit} {fmt_x(x)})" if math.isfinite(lr) else ""

    def chance(self) -> str:
        k = self.classes
        if k.k is None:
            return f"{k.describe()}, so nothing here depends on the chance loss ln K"
        return f"the chance loss is ln {k.k} = {fmt(chance_loss(k.k))} ({k.describe()})"


def _later_lowest(ctx: Ctx, alert: Alert | None) -> tuple[float, float, float] | None:
    """`Names.later` of a closed alert: the lowest finite loss logged after its last point (its
    `end_idx`), with its x and the newest point's x; None otherwise. O(points after it), read only
    when a text is rendered."""
    loss = ctx.loss
    if alert is None or alert.active or loss is None or "end_idx" not in alert.data:
        return None
    if alert.data.get("subject") not in (None, "", loss.name):  # (an alert on another series)
        return None
    lo, n = max(int(alert.data["end_idx"]) + 1, loss.base), len(loss)
    if lo >= n:
        return None
    tail = np.asarray(loss.raw[lo - loss.base : n - loss.base], dtype=np.float64)
    fin = np.isfinite(tail)
    if not fin.any():
        return None
    j = int(np.argmin(np.where(fin, tail, np.inf)))
    return float(tail[j]), ctx.x(loss, lo + j), ctx.x(loss, n - 1)


def below_baseline(acc: float, x: float, n: Names) -> str:
    """A warning sentence when a checkpoint's accuracy is below the majority-class rate the user
    gave (always predicting that class would score higher), or at chance as at every evaluation of
    the run (`chance_run`: no checkpoint beats a uniform guess), else ''."""
    maj = n.params.majority_rate
    if maj is None or not math.isfinite(acc) or acc >= maj:
        return at_chance_note(acc, x, n)
    return (
        f" Its {n.acc} at {n.unit} {fmt_x(x)} is {fmt(acc, 4)}, below the majority-class rate {fmt(maj, 4)} "
        "you gave: always predicting that class would score higher, so that checkpoint is no model to "
        "keep on accuracy."
    )


def at_chance_note(acc: float, x: float, n: Names) -> str:
    """' But its val_acc there, 0.536, is at chance, ...' when the validation accuracy was at chance
    at every evaluation of the run so far (`chance_run.at_chance_throughout`, K known), else ''.
    O(points): read when a text is rendered."""
    ctx = n.ctx
    if (
        ctx is None
        or ctx.acc is None
        or ctx.split != "validation"
        or not math.isfinite(acc)
        or not len(ctx.acc)
    ):
        return ""
    size = ctx.acc_n_likely(len(ctx.acc) - 1) if ctx.acc_n_likely is not None else None
    at = at_chance_throughout(np.asarray(ctx.acc.raw, dtype=np.float64), n.classes.k, size)
    if at is None:
        return ""
    seen = f"{at.low:.4g}" if at.low == at.high else f"{at.low:.4g}-{at.high:.4g}"
    return (
        f" But its {n.acc} there, {fmt(acc, 4)}, is at chance, as at every evaluation of this run ({seen} "
        f"at all {at.evals}, within {at.dev:.3f} of 1/{at.k}): no checkpoint of this run beats a uniform "
        "guess on validation, so keeping one keeps no model better than a guess there."
    )


def mistakes(loss: float, acc: float, n: Names, prefix: str) -> str:
    """What one (loss, accuracy) pair forces: the floor, and the share of the loss mistakes carry
    at least. Only arithmetic; the readings it leaves open are claims of the alert."""
    if not (math.isfinite(loss) and math.isfinite(acc)):
        return ""
    if n.not_ce:
        return (
            f"(No cross-entropy bounds here: an evaluation of this run has {n.loss} and {n.acc} that cannot "
            "both describe the same predictions; see not-cross-entropy.)"
        )
    k = n.classes.k
    wrong = 1.0 - acc
    where = f"{prefix} ({n.loss} {fmt(loss)}, {n.acc} {fmt(acc, 4)})"
    if below_floor(loss, acc):
        return (
            f"{where} the loss is below (1 - a) ln 2 = {fmt(floor(acc))}, the least mean cross-entropy "
            f"allows when {wrong:.1%} of predictions are wrong: this pair is not a single-label "
            "cross-entropy and the accuracy of the same predictions (a multi-label loss averaged over its "
            "labels beside subset accuracy is one way to get it)."
        )
    if acc >= 1.0 and loss <= 0:  # (a loss logged as 0.0000: nothing to pay, to that precision)
        return (
            f"{where} no sample is wrong and the loss is 0 as logged: every right answer is held with full "
            "confidence, to the precision of the log."
        )
    if acc >= 1.0:
        return (
            f"{where} no sample is wrong, so the whole loss is paid by right answers held with less than "
            f"full confidence (geometric-mean probability {prob(loss)} on the true class, if the loss is a "
            "mean cross-entropy)."
        )
    if n.ce_doubt:
        # (the arithmetic below would give costs a mean cross-entropy cannot have: tester 21's sum
        # reduction read as "74.7 nats a mistake, 3.6e-33 on the true class"); said in full once
        if n.said_doubt:
            return f"{where} no cost per sample is read from {n.loss} (likely not a mean cross-entropy)."
        n.said_doubt = True
        return f"{where}: {n.ce_doubt}"
    lo, _ = wrong_share_bounds(loss, acc, k)
    m_lo, m_hi = mistake_cost_bounds(loss, acc, k)
    first = not n.said_doubt  # (the condition and the other objectives in full once an explanation)
    n.said_doubt = True
    by_probe = n.ctx is not None and probe_ce(n.ctx)
    cond = (
        f"with {n.loss} a mean cross-entropy over the evaluated samples, one decision each (as the probe "
        "confirms: its per-sample losses average to the logged value at every evaluation)"
        if first and by_probe
        else f"if {n.loss} is a mean cross-entropy over the evaluated samples with one decision each "
        "(single-label; the log cannot confirm either)"
        if first
        else "as a mean cross-entropy"
    )
    others = (
        f" Other objectives ({CAUSES}) break these bounds: a mistake can then cost less than ln 2, or "
        "far more."
        if first and not by_probe
        else ""
    )
    cost = (
        f"A mistake costs {span(m_lo, m_hi, 3, sep=' to ')} nats on average (probability {prob(m_hi)} to "
        f"{prob(m_lo)} on its true class): the top of that range holds if right answers cost nothing."
        f"{others}"
        if math.isfinite(m_lo) and math.isfinite(m_hi)
        else "What a mistake costs on average is past what a float holds: the loss overflowed, so its "
        "size says the evaluation blew up, not how confident the mistakes were."
    )
    by_k = k is not None and loss - acc * math.log(k) > wrong * LN2
    if by_k:
        # the K bound is the binding one: right answers cost at most ln K each, so the rest of the
        # loss must be the mistakes' (the ln 2 floor alone would give less)
        text = (
            f"{where} {wrong:.1%} of samples are wrong. {cond[0].upper() + cond[1:]}, with K = {k} a right "
            "answer costs at most "
            f"ln {k} = {fmt(math.log(k))} nats, so right answers carry at most {acc:.1%} x {fmt(math.log(k))}"
            f" = {fmt(acc * math.log(k))} of the {fmt(loss)}, and mistakes at least {least_share(lo)} of "
            "the loss "
            f"(the floor (1 - a) ln 2, from the ln 2 a mistake costs at least, gives only {fmt(floor(acc))}, "
            f"{share(floor(acc) / loss)}). {cost}"
        )
    else:
        text = (
            f"{where} {wrong:.1%} of samples are wrong; {cond}, each costs at least ln 2 = 0.6931 nats, so "
            "mistakes "
            f"carry at least (1 - a) ln 2 = {wrong:.1%} x 0.6931 = {fmt(floor(acc))} nats, "
            f"{least_share(lo)} of the loss. {cost}"
        )
    return text


def worked_example(alert: Alert, n: Names) -> str:
    """The p = 0.51 vs 0.49 example, sized with this alert's accuracy and loss changes."""
    e = alert.evidence
    if alert.kind == "loss-up-acc-up":
        da, dl = e["now_acc"] - e["best_acc"], e["now_loss"] - e["best_loss"]
    elif alert.kind == "loss-down-acc-down":
        da, dl = e["now_acc"] - e["peak_acc"], e["now_loss"] - e["peak_loss"]
    else:
        da, dl = e["now_acc"] - e["from_acc"], e["now_loss"] - e["from_loss"]
    if not (math.isfinite(da) and math.isfinite(dl)) or abs(da) < 0.0005:
        return ""  # no accuracy change to size the example with
    crossing = -da * STEP  # samples moving right (da > 0) lower the loss by STEP each
    rest = dl - crossing
    k_note = ""
    if n.classes.k is not None and n.classes.k > 2:
        k_note = (
            f" With {n.classes.k} classes the same holds between the two top-scoring classes; a right answer "
            f"can sit as low as just above 1/{n.classes.k} = {fmt(1 / n.classes.k, 3)} and still count fully."
        )
    # every number is printed as a size with its direction in words (a signed share beside a signed
    # loss change read as a sign slip: "-0.5 points ... +0.0048")
    side = "right" if da > 0 else "wrong"
    way = "fall" if crossing < 0 else "rise"
    return (
        f"**Worked example.** A sample with p = 0.51 on its true class costs -ln 0.51 = {fmt(bce(0.51), 3)} "
        f"nats and counts as right; at p = 0.49 it costs {fmt(bce(0.49), 3)} and counts as wrong. Here "
        f"accuracy {'rose' if da > 0 else 'fell'} {abs(da) * 100:.1f} points: a share {_num(abs(da))} of "
        f"the samples crossed to the {side} side. If every one of them only crossed the threshold like that, "
        f"the mean loss would {way} by {_num(abs(da))} x {fmt(STEP, 3)} = {_num(abs(crossing))} nats. It "
        f"{_moved(dl)}, so {_num(abs(rest))} nats {'of rise' if rest > 0 else 'of fall'} come from samples "
        f"that did not cross: {_rest(rest)}{k_note}"
    )


def _num(v: float) -> str:
    """A non-negative size with 4 decimals, or 2 significant digits when smaller than that shows."""
    return f"{v:.4f}" if v >= 5e-5 or v == 0 else f"{v:.2g}"


def _moved(dl: float) -> str:
    if dl == 0:
        return "did not move"
    return f"{'rose' if dl > 0 else 'fell'} {_num(abs(dl))}"


def _rest(rest: float) -> str:
    if rest > 0:
        return "predictions that got more confidently wrong (or less confidently right)."
    return "right answers getting more confident, or wrong ones less confidently wrong."
