"""Whether a log's epoch labels agree with its step counter: an evaluation logged at the same step as
a training record, but labelled a whole epoch apart from it (a writer that labels training records
with the 0-based index of the epoch under way and evaluations with the epochs completed, as tester
15's trainer_state.json did: step 6 is epoch 0 for the loss and epoch 1 for the evaluation). On such
a log the epoch axis joins every evaluation to the training loss of the epoch after it, and the last
evaluation to none; the step counter both share is the axis then (`Run.x_axis`)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from lossacc_tui.series import Series

#: epochs this far apart (or more) at one step disagree; HuggingFace's fractional epochs of one step
#: differ by rounding only (0.9967 against 1.0)
APART = 0.5


def epochs_disagree(series: Iterable[Series], s: Series, before: int) -> bool:
    """Whether a point of the evaluation series `s` from index `before` on shares its step with a
    point of a training series (role train_loss / train_acc, among `series`) whose epoch is APART
    or more from its own. Steps taken as increasing; O(new points x log n)."""
    st, ep = s.x_or_none("step"), s.x_or_none("epoch")
    if st is None or ep is None:
        return False
    lo = max(before - s.base, 0)
    st, ep = st[lo:], ep[lo:]
    if not len(st):
        return False
    for t in series:
        if t.role not in ("train_loss", "train_acc") or not len(t):
            continue
        tst, tep = t.x_or_none("step"), t.x_or_none("epoch")
        if tst is None or tep is None or not len(tst):
            continue
        k = np.clip(np.searchsorted(tst, st, side="right") - 1, 0, len(tst) - 1)
        with np.errstate(invalid="ignore"):
            if np.any((tst[k] == st) & (np.abs(tep[k] - ep) >= APART)):
                return True
    return False
