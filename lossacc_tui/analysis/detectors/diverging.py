"""The `diverging` claim of an accuracy stuck at 1/2: a training loss above ln 2, what a fixed
50/50 guess costs on two balanced classes, means training does worse than having learned nothing."""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.analysis.claims import Claim
from lossacc_tui.analysis.detectors.base import Ctx, value_at_x
from lossacc_tui.analysis.quantities import fmt, fmt_x
from lossacc_tui.analysis.track import x_values


def diverging_claims(ctx: Ctx, acc: float, x0: float, x_now: float) -> list[Claim]:
    """`diverging` (likely) when an accuracy `acc` stuck at 1/2 over x0..x_now sits beside a training
    loss above ln 2 nats at x_now; with a training loss that rose from a lower best, the text says
    the optimisation diverged. [] otherwise."""
    train = ctx.loss if ctx.split == "training" else ctx.train
    if train is None or not len(train) or abs(acc - 0.5) >= 0.02:
        return []
    now = value_at_x(train, ctx.axis, x_now)
    if not (math.isfinite(now) and now > math.log(2) * 1.05):
        return []
    if train.base:  # the oldest points folded (`--keep`): `values` keeps each block's lowest
        col = train.x_or_none(ctx.axis)
        upto = len(train.values) if col is None else int(np.searchsorted(col, x_now, "right"))
    else:
        upto = int(np.searchsorted(x_values(train, ctx.axis, np.arange(len(train))), x_now, "right"))
    vals = train.values[: max(1, upto)]
    fin = np.isfinite(vals)
    rose = ""
    if fin.any():
        k = int(np.argmin(np.where(fin, vals, np.inf)))
        if vals[k] < now:
            bx = x_values(train, ctx.axis, np.array([train.absolute(k)]))[0]
            rose = f", after falling to {fmt(float(vals[k]))} at {ctx.unit} {fmt_x(float(bx))},"
    return [
        Claim(
            "diverging",
            "likely",
            x0,
            x_now,
            f"the training loss {fmt(now)} at {ctx.unit} {fmt_x(x_now)}{rose} is above ln 2 = "
            "0.6931, what a fixed 50/50 guess costs on two balanced classes: training does worse than "
            "having learned nothing, so the optimisation has diverged (learning rate, optimiser state) "
            "rather than the data being imbalanced",
            evidence={"train_loss": now, "chance_loss": math.log(2)},
            others="A loss that is not plain cross-entropy (extra terms) would also sit above ln 2",
        )
    ]
