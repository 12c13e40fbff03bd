"""A top-1 accuracy read in the unit of the top-k accuracy beside it, when only that unit fits.

Each accuracy series decides its own unit from its values (`percent.py`). A percent log whose top-1
starts under 1 % (an ImageNet-sized run's first epochs: timm's `val_acc1` 0.12, 0.34, 0.61, 0.93
beside `val_acc5` 0.61, 1.52, 2.73, 3.95) votes fractions for its top-1 while its top-5 votes
percent: top-1 93 % beside top-5 4 %, which cannot be (a hit of top-1 is a hit of top-5), and its
first value above 1 is then "outside the range of an accuracy" (tester h19t, 5e). A top-k accuracy is
at least the top-1 accuracy of the same predictions, so when the top-k series is in percent and the
top-1 series, read in fractions, sits at or below it as logged at every evaluation, the two are one
unit: the top-1 series is read in percent too, and a problem line says why.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from lossacc_tui.roles import classify_split, top_k_accuracy
from lossacc_tui.series import Series

#: evaluations of both series needed before the top-k series decides the top-1 one's unit
MIN_PAIRED = 2


def agree_top_k_units(series: Mapping[str, Series]) -> None:
    """Read each accuracy-role series in fractions in percent when a top-k accuracy of its split
    is in percent and, as logged, at or above it at every evaluation both have (`Series.follow_percent`)."""
    tops = [s for s in series.values() if s.role in ("val_acc", "train_acc") and s.scale == 1.0 and len(s)]
    if not tops:
        return
    wide = [s for s in series.values() if s.scale != 1.0 and s.role == "other" and top_k_accuracy(s.name)]
    for top in tops:
        split = top.role.split("_")[0]
        for k in wide:
            if classify_split(k.name) != split or not _at_or_above(k, top):
                continue
            top.follow_percent(
                f"the unit of {k.name} beside it, a top-k accuracy at or above it at every evaluation"
            )
            break


def _at_or_above(k: Series, top: Series) -> bool:
    """Whether the top-k series as logged is at or above the top-1 series as logged at every evaluation
    both have (paired by position: logged on the same rows), at least `MIN_PAIRED` of them, and above
    it as read now somewhere (read in two units, they contradict each other)."""
    if len(k) != len(top) or k.base != top.base or len(k) < MIN_PAIRED:
        return False
    kv, tv = k.values / k.scale, top.values / top.scale
    both = np.isfinite(kv) & np.isfinite(tv)
    if np.count_nonzero(both) < MIN_PAIRED:
        return False
    kv, tv = kv[both], tv[both]
    return bool(np.all(kv >= tv - 1e-9) and np.any(tv > kv * k.scale))
