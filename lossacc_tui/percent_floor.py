"""A percent reading of an accuracy that makes its loss impossible for cross-entropy, said.

An accuracy whose values lie in (1, 100] is read in percent (`percent.py`). Values that are no
percentage land there too: an accuracy computed as `correct / len(loader)` (the share times the batch
size: tester h19t's 5c, values 28-50 for 0.56-0.99 with batches of 50), a count of right samples.
Read in percent they are taken silently, and every claim that rests on them is off. The pair with the
loss can refute the reading: a mean cross-entropy with a share 1 - a of the predictions wrong is at
least (1 - a) ln 2 nats (each mistake puts at most 1/2 on its true class), so train_loss 0.0636 beside
train_acc 49.62 (read 0.4962) cannot be. When most of a split's evaluations (at least `MIN_BELOW`) are
below that floor, a problem line says so and which readings remain: the values are not a percentage
(an accuracy scaled by a batch size or a count), or the loss is not a mean cross-entropy.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from lossacc_tui.series import Series

#: evaluations below the floor needed, and more than half of those paired, before the note is said
MIN_BELOW = 3
#: the same slack as the not-cross-entropy floor (`analysis.evidence`): a loss rounded in the log
REL_SLACK, ABS_SLACK = 0.03, 5e-4


def percent_refuted(by_role: Callable[[str], Series | None]) -> list[str]:
    """Notes for each split whose accuracy is read in percent and whose loss sits below the
    cross-entropy floor that reading sets at most of their paired evaluations, from all the values
    kept now (the caller replaces the notes said before: a reading in percent may be undone)."""
    out = []
    for split in ("train", "val"):
        loss, acc = by_role(f"{split}_loss"), by_role(f"{split}_acc")
        if loss is None or acc is None or acc.scale == 1.0:
            continue
        if len(loss) != len(acc) or loss.base != acc.base:
            continue  # (paired by position: logged on the same rows)
        lv, av = loss.values, acc.values
        both = np.isfinite(lv) & np.isfinite(av)
        with np.errstate(invalid="ignore"):
            floor = (1.0 - av) * math.log(2) * (1 - REL_SLACK) - ABS_SLACK
            below = both & (lv < floor)
        # the first evaluation where the rule holds, point by point: the same however the log was
        # cut into batches (the note quotes it, with the counts up to it)
        cb, cp = np.cumsum(below), np.cumsum(both)
        hold = np.flatnonzero(below & (cb >= MIN_BELOW) & (2 * cb > cp))
        if not len(hold):
            continue
        i = int(hold[0])
        nb, npaired = int(cb[i]), int(cp[i])
        a, lo = float(acc.values[i]), float(loss.values[i])
        out.append(
            f"{acc.name} is read in percent ({a / acc.scale:g} as {a:.4g}), and then {loss.name} "
            f"{lo:.4g} beside it ({acc.where(acc.base + i)}) is below (1 - {a:.4g}) x ln 2 = "
            f"{(1 - a) * math.log(2):.4g}, the least a mean cross-entropy can be with that share wrong, "
            f"at {nb} of the {npaired} evaluations up to there: either the values are not a "
            "percentage (an accuracy scaled by a batch size, correct / len(loader), or a count of right "
            f"samples) or {loss.name} is not a mean cross-entropy"
        )
    return out
