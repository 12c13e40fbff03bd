"""The label-smoothing reading of a run: a training objective with a floor above 0.

Under label smoothing eps with K classes the target of a sample puts 1 - eps + eps/K on its class and
eps/K on each other one (Szegedy et al. 2016, "Rethinking the Inception Architecture"; timm's default
0.1, torch `CrossEntropyLoss(label_smoothing=)`, Keras `label_smoothing=`, HF `label_smoothing_factor`).
Cross-entropy against that target is least when the model predicts the target itself, so even a perfect
model costs its entropy (nats):

    H(eps, K) = -(1 - eps + eps/K) ln(1 - eps + eps/K) - (K - 1) (eps/K) ln(eps/K)

(0.500 for eps 0.1, K 10). Such a model holds its right answers at about 1 - eps + eps/K, so the plain
(hard-label) cross-entropy a validation loop logs charges every right answer about
-ln(1 - eps + eps/K) (0.094 nats at eps 0.1, K 10), and a mistake about ln(K/eps) (4.6 nats) at most
on the samples it was fitted to. A validation loss that rises while accuracy holds is then the right
answers settling at that cap, not mistakes growing confident (Mueller, Kornblith and Hinton 2019, "When
does label smoothing help?": smoothing makes the held-out NLL a poor guide).

What the logged numbers show: a training loss that stays above the validation loss of the same model
(`evidence.training_floored`) while every training sample is classified right: the training objective
charges right answers something the validation loss does not. With K known, the level of that floor
names the eps that gives it (`eps_for_floor`).

>>> round(smoothed_floor(0.1, 10), 4), round(right_answer_cost(0.1, 10), 4)
(0.5003, 0.0943)
>>> round(eps_for_floor(0.5003, 10), 3)
0.1
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lossacc_tui.analysis.claims import Claim, Strength
from lossacc_tui.analysis.detectors.base import Ctx, noise, value_at_x
from lossacc_tui.analysis.detectors.train_acc import train_acc_value
from lossacc_tui.analysis.detectors.train_join import train_at
from lossacc_tui.analysis.evidence import training_floored
from lossacc_tui.analysis.quantities import fmt, fmt_x
from lossacc_tui.analysis.track import x_column

#: a training accuracy at least this (a fraction) counts as every training sample right
FITS_ALL = 0.99
#: the training loss must be at least this many times the validation loss for the reading to be
#: favoured: a model is no less sure of the samples it is fitted to than of held-out ones, so under a
#: plain objective its training loss at training accuracy ~1 sits at or below the validation loss
FLOOR_RATIO = 1.25
#: how flat (relative change over `params.half` evaluations) a training loss must be to read eps
#: from its level: a loss still falling is above its floor, and the eps it names too large
FLAT_REL = 0.05
#: the least level (nats) of a training loss that has levelled off at training accuracy ~1 for it to
#: count as a floor: plain cross-entropy keeps pulling a model that fits every sample toward 0
FLAT_MIN = 0.1
#: the smoothing factors recipes use; a floor naming eps outside this range is not read as smoothing
EPS_RANGE = (0.01, 0.5)
#: how far (a fraction) accuracy may fall and still count as no more mistakes, when neither its own
#: noise nor its evaluation set's size is known yet
UNMEASURED_ACC_TOL = 0.01

DECIDE = (
    "the training recipe's label-smoothing setting decides (timm --smoothing, torch "
    "CrossEntropyLoss(label_smoothing=...), Keras label_smoothing=, HF label_smoothing_factor), or "
    "per-sample confidences: under smoothing eps with K classes right answers stop near 1 - eps + eps/K "
    "(log them with lossacc_tui.probe)"
)


def smoothed_floor(eps: float, k: int) -> float:
    """H(eps, K) in nats: the least mean cross-entropy against label-smoothed targets (the target's
    entropy), for smoothing `eps` (a fraction in [0, 1]) and K >= 2 classes."""
    top, rest = 1.0 - eps + eps / k, eps / k
    h = -top * math.log(top) if top > 0 else 0.0
    return h - ((k - 1) * rest * math.log(rest) if rest > 0 else 0.0)


def right_answer_cost(eps: float, k: int) -> float:
    """-ln(1 - eps + eps/K) nats: the hard-label cross-entropy of a right answer held at the smoothed
    target's confidence on its class."""
    return -math.log(1.0 - eps + eps / k)


def eps_for_floor(floor: float, k: int) -> float:
    """The smoothing eps in [0, (K - 1)/K] whose floor H(eps, K) is `floor` nats (H rises with eps
    there up to ln K); NaN when `floor` is not in [0, ln K] or K < 2. Bisection to 1e-9."""
    if k < 2 or not 0.0 <= floor <= math.log(k):
        return math.nan
    lo, hi = 0.0, (k - 1) / k
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if smoothed_floor(mid, k) < floor:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


@dataclass(frozen=True)
class Smoothing:
    """The numbers of the label-smoothing reading at one evaluation (x in the log's own axis)."""

    x: float
    train_loss: float  # nats, the training loss logged at or before x
    train_acc: float  # fraction, NaN when not logged
    val_loss: float  # nats
    strength: Strength  # 'likely' or 'possible'
    k: int | None
    eps: float  # the smoothing the training floor names (K known, training loss flat), else NaN
    #: where eps was read when the run's configuration names it (`smoothing_config`); "": from the floor
    eps_basis: str = ""

    @property
    def mistake_cost_max(self) -> float:
        """ln(K/eps) nats: what a mistake costs in hard-label cross-entropy when the model puts the
        smoothed target's eps/K on the true class (NaN without eps)."""
        return math.log(self.k / self.eps) if self.k and math.isfinite(self.eps) else math.nan


def smoothing_reading(ctx: Ctx, x: float, val_loss: float) -> Smoothing | None:
    """The label-smoothing reading at log x where the validation loss is `val_loss` (nats), or None
    when the training loss is not above it (`evidence.training_floored`), or the training loss or
    accuracy is not logged, or the training accuracy is below FITS_ALL. `likely` when the training
    loss is at least FLOOR_RATIO times the validation loss (and, K known with the training loss flat,
    its level names an eps in EPS_RANGE); else `possible`."""
    if ctx.train is None or ctx.split != "validation" or not math.isfinite(val_loss):
        return None
    # (a per-step training loss: its mean over an evaluation's worth of batches, not one batch)
    train = train_at(ctx.train, ctx.axis, x, ctx.train_window)
    t_acc = train_acc_value(ctx, x)  # (a per-step one: its level, not one batch)
    # no training accuracy logged (the HuggingFace Trainer logs none): a validation accuracy of
    # FITS_ALL or more stands in, a model no worse on the samples it was fitted to, but it favours
    # nothing: a training split with noisy labels also logs a training loss far above a clean
    # validation loss, so the reading is `possible` at most (tester 15's `smooth` had named mistakes,
    # one of 600, as what may carry the loss there, where every format with a training accuracy
    # read label smoothing)
    stand_in = ctx.train_acc is None and ctx.acc is not None and value_at_x(ctx.acc, ctx.axis, x) >= FITS_ALL
    if not (t_acc >= FITS_ALL or stand_in):
        # (a training loss above the validation loss at a training accuracy short of 1 is as much a
        # network that fits nothing, its training loss wobbling high: a collapse, a rate far too high)
        return None
    flat = _flat(ctx, x, train) and train >= FLAT_MIN
    above = training_floored(train, val_loss)
    if not (above or flat):
        return None
    k = ctx.classes.k
    eps = eps_for_floor(train, k) if k is not None and flat else math.nan
    likely = above and train >= FLOOR_RATIO * val_loss and not stand_in
    if math.isfinite(eps) and not EPS_RANGE[0] <= eps <= EPS_RANGE[1]:
        likely, eps = False, math.nan
    cfg = ctx.smoothing_config
    if cfg is not None and cfg.eps > 0 and k is not None:  # (the recipe's own eps, not one read off a level)
        return Smoothing(x, train, t_acc, val_loss, "likely" if likely else "possible", k, cfg.eps, cfg.basis)
    return Smoothing(x, train, t_acc, val_loss, "likely" if likely else "possible", k, eps)


def _flat(ctx: Ctx, x: float, train: float) -> bool:
    """Whether the training loss at x is within FLAT_REL of its value 2 x `params.half` training
    evaluations before."""
    series = ctx.train
    col = x_column(series, ctx.axis) if series is not None else None
    if series is None or col is None:
        return False
    j = int(np.searchsorted(col, x, side="right")) - 1 - 2 * ctx.params.half
    if j < 0:
        return False
    before = float(series.raw[j])
    return math.isfinite(before) and abs(before - train) <= FLAT_REL * abs(before)


def smoothing_claim(s: Smoothing, x0: float, names: tuple[str, str, str]) -> Claim:
    """The `label-smoothing` claim (strength `s.strength`) over x0..s.x."""
    lname, _, unit = names
    fit = (
        f" with every training sample right (training accuracy {fmt(s.train_acc, 4)})"
        if s.train_acc >= FITS_ALL
        else ""
    )
    if s.train_loss > s.val_loss:
        text = (
            f"the training objective has a floor above 0: at {unit} {fmt_x(s.x)} the training loss "
            f"{fmt(s.train_loss)} is {fmt(s.train_loss / s.val_loss, 3)} times {lname} {fmt(s.val_loss)}"
            f"{fit}, and a model is no less sure of the samples it was fitted to than of held-out ones, "
            "so the training loss charges right answers something the validation loss does not: label "
            "smoothing (the training target puts 1 - eps + eps/K on the true class)"
        )
    else:
        text = (
            f"the training objective may have a floor above 0: at {unit} {fmt_x(s.x)} the training loss "
            f"has levelled off at {fmt(s.train_loss)} nats{fit}, where plain cross-entropy keeps pulling "
            "a model that fits every sample toward 0; a smoothed target (1 - eps + eps/K on the true "
            "class) stops it at its entropy, so its fall says nothing of the model growing surer"
        )
    ev = {"train_loss": s.train_loss, "val_loss": s.val_loss, "train_acc": s.train_acc}
    if math.isfinite(s.eps) and s.k and s.eps_basis:
        text += (
            f"; the recipe sets eps = {fmt(s.eps, 3)} ({s.eps_basis}), whose floor with K = {s.k} classes "
            f"is H(eps, K) = {fmt(smoothed_floor(s.eps, s.k))} nats, under which a right answer costs about "
            f"{fmt(right_answer_cost(s.eps, s.k))} nats of plain cross-entropy and a mistake at most about "
            f"{fmt(s.mistake_cost_max)}"
        )
    elif math.isfinite(s.eps) and s.k:
        text += (
            f"; the training loss has levelled off at {fmt(s.train_loss)} nats, the floor "
            f"H(eps, K) of smoothing eps = {fmt(s.eps, 2)} with K = {s.k} classes, under which a right "
            f"answer costs about {fmt(right_answer_cost(s.eps, s.k))} nats of plain cross-entropy and a "
            f"mistake at most about {fmt(s.mistake_cost_max)}"
        )
        ev.update(
            eps=s.eps, right_answer_nats=right_answer_cost(s.eps, s.k), mistake_nats_max=s.mistake_cost_max
        )
    others = (
        "Other readings of a training loss above the validation loss: mixup or cutmix targets, dropout "
        "or augmentation active only in training, a regulariser added to the training loss; " + DECIDE
    )
    return Claim(
        "label-smoothing",
        s.strength,
        x0,
        s.x,
        text,
        value=s.eps if math.isfinite(s.eps) else None,
        evidence=ev,
        others=others,
    )


def rise_on_floor(ctx: Ctx, x0: float, x1: float) -> Smoothing | None:
    """The label-smoothing reading (`likely`) of a validation loss rise from x0 to x1 whose accuracy
    did not fall beyond its own noise (no more mistakes than the accuracy's noise allows): the rise is
    right answers settling at the smoothed target's confidence, so the alert saying it is information,
    not a warning. None otherwise (a rise with more mistakes is a real overfit, smoothed or not)."""
    if ctx.loss is None or ctx.acc is None:
        return None
    val1 = value_at_x(ctx.loss, ctx.axis, x1)
    s = smoothing_reading(ctx, x1, val1)
    if s is None or s.strength != "likely":
        return None
    a0, a1 = value_at_x(ctx.acc, ctx.axis, x0), value_at_x(ctx.acc, ctx.axis, x1)
    if not (math.isfinite(a0) and math.isfinite(a1)):
        return None
    col = x_column(ctx.acc, ctx.axis)
    if col is None:
        return None
    i = int(np.searchsorted(col, x1, side="right")) - 1 + ctx.acc.base
    tol = noise(ctx.acc, i)
    if not math.isfinite(tol):  # (too few evaluations to measure it: one sample, or one point)
        tol = 1.0 / ctx.acc_n if ctx.acc_n else UNMEASURED_ACC_TOL
    if a1 < a0 - tol - 1e-9:  # (a fall of exactly the tolerance is within it, whatever the float rounding)
        return None
    return s


def right_share_claim(s: Smoothing, acc: float, x0: float, names: tuple[str, str, str]) -> Claim | None:
    """`right-answers-carry-loss` (likely) when, under the smoothing the training floor names, the
    mistakes at accuracy `acc` can carry at most (1 - acc) ln(K/eps) of the validation loss and that
    is under half of it; None otherwise (eps unknown, or the bound allows mistakes half)."""
    cap = s.mistake_cost_max
    if not math.isfinite(cap) or not 0.0 < acc < 1.0 or s.val_loss <= 0:
        return None
    share = (1.0 - acc) * cap / s.val_loss
    if share >= 0.5:
        return None
    lname, aname, unit = names
    return Claim(
        "right-answers-carry-loss",
        "likely",
        x0,
        s.x,
        f"at {unit} {fmt_x(s.x)} ({lname} {fmt(s.val_loss)}, {aname} {fmt(acc, 4)}) right answers held at "
        f"the smoothed target's confidence carry most of the loss: a mistake of a model trained toward "
        f"eps/K = {fmt(s.eps / (s.k or 1), 3)} on every other class costs at most about {fmt(cap)} nats, "
        f"so the {fmt(1.0 - acc, 4)} of samples that are wrong carry at most {share:.0%} of it",
        value=1.0 - share,
        evidence={"mistake_share_max": share, "eps": s.eps},
        others="Per-sample losses decide (log them with lossacc_tui.probe)",
    )


def on_floor(ctx: Ctx, claims: list[Claim], x0: float, x1: float) -> list[Claim]:
    """The claims of a validation-loss rise from x0 to x1 read with the label-smoothing reading at x1
    (`smoothing_reading`), when it holds: the `label-smoothing` claim is added, and a mistakes reading
    that a plain objective leans on (a `possible` `mistakes-carry-loss`, or a `likely` one whose reason
    is the training loss's fall, which here falls toward a floor, not toward surer answers) gives way to
    right answers carrying the loss: `likely` when the reading is and the smoothing the floor names
    bounds the mistakes' share under half, else `possible`. Under a `likely` reading a `possible`
    `confident-mistakes` goes too. Claims that follow from the numbers are kept as they are.
    Unchanged when the reading does not hold."""
    if ctx.loss is None or ctx.acc is None:
        return claims
    loss1, acc1 = value_at_x(ctx.loss, ctx.axis, x1), value_at_x(ctx.acc, ctx.axis, x1)
    s = smoothing_reading(ctx, x1, loss1)
    if s is None:
        return claims
    nm = (ctx.loss.name, ctx.acc.name, ctx.unit)

    def leaning(c: Claim) -> bool:
        if c.id == "mistakes-carry-loss":
            return c.strength == "possible" or (c.strength == "likely" and "training loss fell" in c.text)
        # (a model trained toward 1 - eps + eps/K on its answers is not where to look for confidence
        # above 0.9 first)
        return c.id == "confident-mistakes" and c.strength == "possible" and s.strength == "likely"

    out = [c for c in claims if not leaning(c)]
    dropped = any(c.id == "mistakes-carry-loss" and leaning(c) for c in claims)
    if dropped and not any(c.id == "right-answers-carry-loss" for c in out):
        right = right_share_claim(s, acc1, x0, nm) if s.strength == "likely" else None
        if right is None:
            right = Claim(
                "right-answers-carry-loss",
                "possible",
                x0,
                x1,
                f"at {ctx.unit} {fmt_x(x1)} ({nm[0]} {fmt(loss1)}, {nm[1]} {fmt(acc1, 4)}) right answers "
                "held below full confidence by the training target may carry most of the loss",
                others=(
                    "Another reading: a minority of confident mistakes carries it. Per-sample losses decide "
                    "(log them with lossacc_tui.probe)"
                ),
            )
        out.append(right)
    return [*out, smoothing_claim(s, x0, nm)]
