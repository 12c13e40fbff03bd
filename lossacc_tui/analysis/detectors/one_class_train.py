"""What the training loss says of the one-class reading of a held accuracy.

A model that predicts one class for every input does so on the training split too. There, under a
mean cross-entropy, each sample of the other classes costs at least ln 2 nats: the argmax is a class
other than the true one, so the true class's probability is at most 1/2 (the two-way split at the
boundary is the cheapest such mistake). Its training loss is then at least s ln 2, where s is the
training split's share of the other classes; an added penalty (L2, weight decay) only raises it.
Read the other way, a training loss L allows the reading only with s <= L / ln 2. When the training
split's class shares are like the validation split's, s is about 1 - acc (the held accuracy being
that class's share), so a training loss far below (1 - acc) ln 2 disfavours the reading: the model
fits its training samples and its held-out predictions have stopped changing (tester 27's
scikit-learn MLP: validation score held at 0.6833 for 145 epochs while the training loss fell to
0.0005; the reading needed a training split with under 0.08 % of the other classes).

The margin (a quarter of the bound) leaves room for training class shares unlike the validation
split's before the training loss is said to disfavour anything.
"""

from __future__ import annotations

import math

from lossacc_tui.analysis.detectors.base import Ctx, value_at_x
from lossacc_tui.analysis.quantities import fmt, fmt_x

#: the training loss disfavours the reading below this share of (1 - acc) ln 2
MARGIN = 0.25


def train_fit_against_one_class(ctx: Ctx, acc: float, x: float) -> str | None:
    """The clause saying the training loss at x disfavours "the model predicts one class" for a
    held accuracy `acc` (a fraction), with its numbers (nats); None when there is no training loss
    beside it, it is not finite, or it is not below MARGIN (1 - acc) ln 2."""
    train = ctx.loss if ctx.split == "training" else ctx.train
    if train is None or not len(train) or not 0.0 < acc < 1.0:
        return None
    tl = value_at_x(train, ctx.axis, x)
    bound = (1.0 - acc) * math.log(2)
    if not (math.isfinite(tl) and 0.0 <= tl < MARGIN * bound):
        return None
    allows = tl / math.log(2)
    return (
        f"though the training loss disfavours it: a model predicting one class does so on the training "
        f"samples too, and if the training loss is a mean cross-entropy each sample of the other classes "
        f"costs it at least ln 2 = 0.6931 nats, (1 - {fmt(acc, 4)}) x 0.6931 = {fmt(bound)} nats "
        f"a training sample on average if the training split's class shares are this one's, while "
        f"{train.name} is {fmt(tl)} at {ctx.unit} {fmt_x(x)}: the reading needs a training split with "
        f"at most {_share(allows)} of its samples in the other classes"
    )


def fitted_reading(ctx: Ctx, x: float, moved: tuple[float, float] | None = None) -> str:
    """The reading the training loss favours instead, and what decides. `moved`: the accuracy's
    (lowest, highest) over the span when it was near a rate without being held there (fractions):
    its predictions then did change between evaluations, and the reading says so instead of "none
    changes any more" (tester h19t: 0.9205-0.9425 around a majority rate of 0.9305, 6-47 validation
    predictions changing class at every evaluation)."""
    train = ctx.loss if ctx.split == "training" else ctx.train
    tl = value_at_x(train, ctx.axis, x) if train is not None else math.nan
    fits = (
        f"The reading the numbers favour: the model predicts several classes and fits its training samples "
        f"({train.name if train else 'training loss'} {fmt(tl)})"
    )
    if moved is not None:
        return (
            f"{fits}, and on these samples it scores about what predicting the majority class would "
            f"(the accuracy moved between {fmt(moved[0], 4)} and {fmt(moved[1], 4)} over the span, so "
            "its predictions change between evaluations); the predicted-class counts decide"
        )
    return (
        f"{fits}, and none of its predictions on these samples changes between evaluations any more (a "
        "memorised training set); the predicted-class counts decide"
    )


def _share(frac: float) -> str:
    pct = 100.0 * frac
    return f"{pct:.2g}%" if pct < 1 else f"{pct:.0f}%"


__all__ = ["MARGIN", "fitted_reading", "train_fit_against_one_class"]
