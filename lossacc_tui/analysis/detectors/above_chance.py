"""loss-above-chance: the loss held far above ln K, what a uniform guess over K classes costs,
while accuracy sits at chance or below and training does not fit either. A level check.

A model that learned nothing costs about ln K (`acc-at-chance`). A loss far above that is worse than
knowing nothing: the predictions put less probability on the true labels than a uniform guess, so
they are confident and wrong. Arithmetic, with K known: a right answer puts the most probability on
its true class, at least 1/K, so it costs at most ln K nats; the mistakes then carry at least
(loss - acc ln K) / loss of the loss, and average at least (loss - acc ln K) / (1 - acc) nats each.

With K unknown, ln K is not known either. What the numbers still tell: a loss L is what a uniform
guess over e^L classes costs, so unless the task has more classes than that, the predictions are
worse than a uniform guess; and an accuracy that has not risen since the first evaluation, with the
loss at least `UNKNOWN_OVER` times ln(1/acc) (the ln K it would have if the accuracy sat at chance)
on both splits, is a run that has learned nothing and pays for it. The alert then needs that flat,
low accuracy; the numbers are the run's own.

Tester 17's runs: Lightning SGD lr = 50 (val_loss 12-18 at val_acc 0.10 on 10 classes, one class
predicted), Keras lr = 1e5 (val_loss 14.506 = 0.9 x ln 1e7, Keras' probability clip paid by every
mistake), sklearn MLP lr = 5 (training loss stuck at 3.83 > ln 10, `--classes 10`).
"""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.analysis.alerts import Alert, Severity
from lossacc_tui.analysis.claims import Claim
from lossacc_tui.analysis.detectors.base import Detector, classes_claim, lookup, lookup_level, names, value
from lossacc_tui.analysis.features import AccFeatures, LossFeatures
from lossacc_tui.analysis.passmemo import quiet
from lossacc_tui.analysis.quantities import fmt, fmt_x

#: with K known, the loss level must be at least this many times ln K (1.0-1.5 x ln K is a model
#: that knows nothing with a little noise or a bad start: `acc-at-chance`'s band reaches 1.05)
LOSS_OVER = 1.5
#: with K known, the accuracy level must be at most this many times 1/K (at chance or below: 0.6 on
#: two classes, 0.12 on ten)
ACC_UNDER = 1.2
#: with K known and a training split logged beside validation, the training loss level must be at
#: least this share of ln K: training no better than a uniform guess either (below it the training
#: split fits: `val-at-chance`'s reading, or a validation split unlike training, whose binary runs in
#: the truth corpus sit at val_loss 1.5 = 2.2 ln 2 at val_acc 0.15 while training fits at 0.39)
TRAIN_OVER = 0.9
#: with K unknown, the loss level (both splits) must be at least this many times ln(1/acc), the ln K
#: the accuracy would have at chance: a wide margin, since K may be above 1/acc
UNKNOWN_OVER = 3.0
#: with K unknown, the accuracy level must not exceed this (a model at 0.6 is learning something)
UNKNOWN_ACC_MAX = 0.5
#: how far (fraction) the accuracy level may rise above its first value and still count as flat since
#: then, at least (three grid steps or binomial standard errors when the set size is known)
FLAT_TOL = 0.02
#: a loss level this much (fraction) below its level half a trend window back is still falling
FALLING_REL = 0.1
#: Keras clips probabilities at 1e-7: a mistake putting all its probability elsewhere costs ln 1e7
KERAS_CLIP = math.log(1e7)
#: how near (relative) (1 - acc) ln 1e7 the loss must be to be read as every mistake at that clip
#: (Keras writes 7 significant digits: a loss at the clip matches to 1e-6; Lightning's lr = 50 run
#: came within 0.6 % by chance)
CLIP_REL = 1e-4


def _flat_since_first(acc: AccFeatures, first: float) -> np.ndarray:
    """Whether the accuracy's running best level has stayed within noise of its first value."""
    tol = np.full(len(acc.lvl), FLAT_TOL)
    if acc.res is not None:
        tol = np.maximum(tol, np.where(np.isfinite(acc.res), 3.0 * acc.res, 0.0))
    with np.errstate(invalid="ignore"):
        return acc.lbest <= first + tol


class LossAboveChance(Detector):
    """The loss level far above ln K (or, K unknown, far above ln(1/accuracy) with accuracy flat since
    the first evaluation), accuracy at chance or below, the training loss not fitting either, the loss
    not falling, for `n_open` evaluations. Hooks get `(loss, acc or None)`."""

    kind = "loss-above-chance"
    order = 142
    severity_doc = "critical"
    meaning = (
        "loss far above ln K (a uniform guess's cost) with accuracy at chance and training not fitting: "
        "confidently wrong predictions, a broken run (learning rate far too large first)"
    )
    general = (
        "The loss stays far above ln K, what a uniform guess over K classes costs, while accuracy is at "
        "1/K or below and the training loss is no lower: the predictions put less probability on the true "
        "labels than a uniform guess, so they are confident and wrong. A run that learned nothing would "
        "cost about ln K (`acc-at-chance`); this one is worse, which training does not produce on its own. "
        "Causes, most common first: a learning rate far too large (the weights jump to where a few logits "
        "dominate every input, often one class for all), unnormalised inputs that saturate the logits, a "
        "loss whose sign or target is wrong, fp16 overflow. With K unknown the alert needs accuracy flat "
        "since the first evaluation and the loss at least 3 x ln(1/accuracy) on both splits; "
        "`--classes K` makes its arithmetic exact."
    )
    n_open = 3

    def holds(self, loss: LossFeatures, acc: AccFeatures | None) -> bool:  # type: ignore[override]
        """No level of the chunk at or above what `conditions` calls high (`over` times ln K, or
        times ln(1 / accuracy) with K unknown) where the accuracy may count (at most
        `UNKNOWN_ACC_MAX`, or `ACC_UNDER` / K): nothing opens (`Detector.holds`)."""
        k = self.ctx.classes.k
        if k is not None and k >= 2:
            with quiet(invalid="ignore"):
                high = loss.lvl >= LOSS_OVER * math.log(k)
                if acc is not None:
                    high &= (acc.lvl * k <= ACC_UNDER) | (acc.lvl <= UNKNOWN_ACC_MAX)
            return not bool(high.any())
        if acc is None:
            return True  # (no K and no accuracy: `conditions` opens nothing)
        a = acc.lvl
        with quiet(invalid="ignore", divide="ignore"):
            high = loss.lvl >= UNKNOWN_OVER * np.log(1.0 / np.where(a > 0, a, np.nan))
            return not bool((high & (a > 0) & (a <= UNKNOWN_ACC_MAX)).any())

    def conditions(self, loss: LossFeatures, acc: AccFeatures | None) -> tuple[np.ndarray, np.ndarray]:
        ctx, k = self.ctx, self.ctx.classes.k
        n = len(loss.y)
        none = np.zeros(n, dtype=bool), np.ones(n, dtype=bool)
        if (k is None or k < 2) and acc is None:
            return none  # no K and no accuracy: nothing tells what a uniform guess costs
        h = self.p.half
        train = ctx.train if ctx.split == "validation" else None
        t_loss = lookup_level(train, ctx.axis, loss.x, h * ctx.train_window) if train is not None else None
        # the training side: the primary loss itself in a run with no validation
        worse = t_loss if t_loss is not None else (loss.lvl if ctx.split == "training" else None)
        with np.errstate(invalid="ignore", divide="ignore"):
            if k is not None and k >= 2:
                ref = np.full(n, math.log(k))
                over = LOSS_OVER
                t_ok = np.ones(n, dtype=bool) if t_loss is None else ~(t_loss < TRAIN_OVER * ref)
                # at chance or below; or, with the training loss far above ln K too (diverged on both
                # splits), anything short of a model that is right more often than not
                diverged = (worse >= LOSS_OVER * ref) if worse is not None else np.zeros(n, dtype=bool)
                acc_ok = (
                    np.ones(n, dtype=bool)
                    if acc is None
                    else (acc.lvl * k <= ACC_UNDER) | (diverged & (acc.lvl <= UNKNOWN_ACC_MAX))
                )
            else:
                assert acc is not None
                a = acc.lvl
                ref = np.log(1.0 / np.where(a > 0, a, np.nan))
                over = UNKNOWN_OVER
                first = value(ctx.acc, 0)
                flat = _flat_since_first(acc, first) if math.isfinite(first) else np.zeros(n, dtype=bool)
                # or worse than at the first evaluation on both splits: training made it worse
                t_first = value(train, 0) if train is not None else math.nan
                worse_than_first = loss.lvl >= value(ctx.loss, 0)
                if t_loss is not None:
                    worse_than_first &= t_loss >= t_first
                acc_ok = (a > 0) & (a <= UNKNOWN_ACC_MAX) & (flat | worse_than_first)
                t_ok = np.ones(n, dtype=bool) if t_loss is None else t_loss >= over * ref
            # still falling: beyond its noise (the trend), or by FALLING_REL over the last half window
            # (early on, before the trend window fills: a bad start that training is curing)
            falling = loss.dir < 0 if loss.dir is not None else np.zeros(n, dtype=bool)
            if loss.lvl_mid is not None:
                falling |= loss.lvl < (1.0 - FALLING_REL) * loss.lvl_mid
                early = np.flatnonzero(~np.isfinite(loss.lvl_mid))
                if len(early):  # (no level half a window back yet: the previous value instead)
                    prev = np.array([value(self.series, int(i) - 1) for i in loss.idx[early]])
                    falling[early] |= loss.y[early] < (1.0 - FALLING_REL) * prev
            high = loss.lvl >= over * ref
            on = high & acc_ok & t_ok & ~falling & np.isfinite(ref)
            off = ~(loss.lvl >= 0.8 * over * ref) | ~acc_ok
        return on, off

    def severity(self, alert: Alert) -> Severity:
        return "critical"

    def _ref(self, e: dict[str, float]) -> tuple[str, float]:
        """('ln K' as printed, its value) with K known, else ('ln(1/acc)', value) from the accuracy."""
        k = self.ctx.classes.k
        if k:
            return f"ln {k}", math.log(k)
        a = e["acc_now"]
        return f"ln(1/{fmt(a, 3)})", (math.log(1.0 / a) if a > 0 else math.nan)

    def title(self, alert: Alert) -> str:
        e = alert.evidence
        nm = names(self.ctx)
        ref, v = self._ref(e)
        acc = "" if not math.isfinite(e["acc_now"]) else f" with {nm[1]} {fmt(e['acc_now'], 3)}"
        k = self.ctx.classes.k
        at = f" ~ 1/{k}" if k and acc and e["acc_now"] * k >= 0.8 else ""
        return (
            f"{nm[0]} {fmt(e['loss_now'])} is {fmt(e['loss_now'] / v, 3)}x {ref}{acc}{at}: worse than a "
            "uniform guess, confidently wrong"
        )

    def evidence(self, alert: Alert, i: int) -> dict[str, float]:
        ctx = self.ctx
        j = alert.data["start_idx"]
        x = ctx.x(self.series, i)
        train = ctx.train if ctx.split == "validation" else None
        return {
            "loss_now": value(ctx.loss, i),
            "acc_now": value(ctx.acc, i) if ctx.acc is not None else math.nan,
            "acc_first": value(ctx.acc, 0) if ctx.acc is not None else math.nan,
            "loss_first": value(ctx.loss, 0),
            "first_x": ctx.x(self.series, j),
            "x0": ctx.x(self.series, 0),
            "now_x": x,
            "train_loss_now": (
                float(lookup(train, ctx.axis, np.array([x]))[0]) if train is not None else math.nan
            ),
            "k": float(ctx.classes.k or math.nan),
        }

    def claims(self, alert: Alert, i: int) -> list[Claim]:
        e = alert.evidence
        nm = names(self.ctx)
        x0, x1 = e["first_x"], e["now_x"]
        L, a, k = e["loss_now"], e["acc_now"], self.ctx.classes.k
        out = [*classes_claim(self.ctx, x0, x1)]
        if k:
            lnk = math.log(k)
            out.append(
                Claim(
                    "worse-than-chance",
                    "follows",
                    x0,
                    x1,
                    f"{nm[0]} {fmt(L)} at {self.ctx.unit} {fmt_x(x1)} is {fmt(L / lnk, 3)} times ln {k} = "
                    f"{fmt(lnk)}, what a uniform guess costs: as a mean cross-entropy, the predictions put "
                    f"less probability on the true labels (geometric mean {_prob(L)}) than a uniform guess "
                    f"(1/{k})",
                    value=L / lnk,
                    evidence={"k": float(k), "loss": L},
                )
            )
            if math.isfinite(a) and a < 1.0:
                share = max(0.0, 1.0 - a * lnk / L)
                per = (L - a * lnk) / (1.0 - a)
                out.append(
                    Claim(
                        "mistakes-carry-loss",
                        "follows",
                        x1,
                        x1,
                        f"as a mean cross-entropy, a right answer puts at least 1/{k} on its class and costs "
                        f"at most ln {k}, so at "
                        f"{nm[1]} {fmt(a, 4)} the mistakes carry at least {fmt(100 * share, 3)} % of "
                        f"{nm[0]} {fmt(L)} and cost at least {fmt(per)} nats each on average (at most "
                        f"{_prob(per)} on their true class, geometric mean)",
                        value=share,
                        evidence={"k": float(k), "loss": L, "acc": a, "least_share": share},
                    )
                )
            return out
        lo = math.log(1.0 / a) if a > 0 else math.nan
        out.append(
            Claim(
                "worse-than-chance",
                "likely",
                x0,
                x1,
                f"the number of classes is not known, so neither is ln K; but {nm[0]} {fmt(L)} is what a "
                f"uniform guess over e^{fmt(L, 3)} = {_count(L)} classes costs, so unless the task has that "
                f"many, the predictions put less probability on the true labels than a uniform guess; if "
                f"{nm[1]} {fmt(a, 4)} is at chance (K = {fmt(1 / a, 3)}), the loss is {fmt(L / lo, 3)} "
                f"times ln K = {fmt(lo)}",
                value=L / lo,
                evidence={"loss": L, "acc": a, "uniform_classes": math.exp(min(L, 700.0))},
                others="--classes K turns this into arithmetic",
            )
        )
        return out

    def _why(self, e: dict[str, float]) -> str:
        nm = names(self.ctx)
        L, a = e["loss_now"], e["acc_now"]
        t = e["train_loss_now"]
        train = (
            f" The training loss is {fmt(t)}, no lower: the model does not fit its training samples either, "
            "so this is not a validation split unlike training but the weights themselves."
            if math.isfinite(t)
            else ""
        )
        clip = ""
        if math.isfinite(a) and a < 1.0 and abs(L / ((1.0 - a) * KERAS_CLIP) - 1.0) <= CLIP_REL:
            clip = (
                f" {nm[0]} {fmt(L)} equals (1 - {fmt(a, 4)}) x ln 1e7 = {fmt((1.0 - a) * KERAS_CLIP)}, what "
                "the mistakes cost when each puts all its probability on a wrong class and the loss clips "
                "the true class's probability at 1e-7 (Keras' epsilon)."
            )
        flat = ""
        if math.isfinite(e["acc_first"]):
            flat = (
                f" {nm[1]} has not left {fmt(e['acc_first'], 4)}, its value at {nm[2]} {fmt_x(e['x0'])}: "
                "nothing has been learned since the first evaluation."
                if not self.ctx.classes.k
                else ""
            )
        return (
            "A model that knows nothing costs about ln K; one that costs far more puts its probability on "
            f"wrong classes with confidence, which training does not produce on its own.{train}{clip}{flat} "
            "Causes, most likely first: a learning rate far too large (the weights jump to where a few "
            "logits dominate every input, often one class predicted for all, a different one from epoch "
            "to epoch); inputs far from unit scale that saturate the logits; a loss with the wrong sign or "
            "targets; fp16 overflow without loss scaling."
        )

    def explain(self, alert: Alert) -> str:
        from lossacc_tui.analysis.claims import render

        e = alert.evidence
        nm = names(self.ctx)
        ref, v = self._ref(e)
        acc = f" and {nm[1]} {fmt(e['acc_now'], 4)}" if math.isfinite(e["acc_now"]) else ""
        return (
            f"**{alert.title}**\n\n**What happened.** From {nm[2]} {fmt_x(e['first_x'])} to "
            f"{fmt_x(e['now_x'])} {nm[0]} has stayed far above {ref} = {fmt(v)} (now {fmt(e['loss_now'])}"
            f"{acc}).\n\n**Why.** {self._why(e)}\n\n**What to check next.** For the most common cause, "
            "lower the learning rate 10x or more (or run a learning-rate range test) and restart from the "
            "initial weights: a run that then learns confirms it; the loss "
            "at the first steps (a first batch far above ln K means the start is already broken); the input "
            "scale (mean and spread of a batch); the predicted-class counts of one evaluation (one class "
            "for all confirms the collapse).\n\n**How sure.** " + render(alert.claims) + "\n"
        )


def _prob(nats: float) -> str:
    """e^-nats as printed ('below 1e-300' when it underflows)."""
    return "below 1e-300" if nats > 690 else fmt(math.exp(-nats), 3)


def _count(nats: float) -> str:
    """e^nats, a number of classes, as printed ('more than 1e300' when it overflows)."""
    return "more than 1e300" if nats > 690 else fmt(math.exp(nats), 3)
