"""The best value of a series so far, counting the points its live analysis has not read yet.

A live analysis runs every few seconds on a snapshot of the run (`feed.py`), while a view shows
each new point at once. A best taken from the last analysis alone lags: a new best point shows
its value beside the older, worse best ("val_loss 0.8612 ... best 1.012 @1": tester 11). This
brings such a best up to date from the values after those the analysis read, in O(new points);
the loss keeps out evaluations its accuracy makes impossible for a cross-entropy, with the rule
the analysis uses (`consistency.kept_out`), so the best does not jump to a glitch and back.

Textual-free; call it with the feed's lock held (it reads a live run's arrays).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from lossacc_tui.model import Series

#: (K, guess_ok) of the analysis' consistency rule for the loss (`ConsistentLoss.rule`), or None
Rule = tuple[int | None, bool] | None


def _value(s: Series, i: int) -> float:
    """The value of absolute point i (NaN out of range or folded away)."""
    if i < 0 or i >= len(s):
        return math.nan
    j = i - s.base
    return float(s.raw[j]) if j >= 0 else s.value_at(i)


def best_now(
    s: Series, best: int, seen: int, high: bool, acc: Series | None = None, rule: Rule = None
) -> int:
    """Absolute index of the best finite value of `s` (the highest with `high`, else the lowest):
    `best`, the analysis' best over the first `seen` points (-1: none), or an evaluation after them
    that beats it strictly (the first such on ties, as the analysis takes it). With `acc` and
    `rule`, a loss evaluation whose pair with the accuracy of the same index the analysis keeps out
    of its best (`consistency.kept_out`) is skipped here too; one with no accuracy yet is not.
    Returns -1 when there is no finite value. O(len(s) - seen).

    >>> from lossacc_tui.model import Series
    >>> s = Series("val_loss")
    >>> s.extend(np.array([1.01, 1.16, 0.86, 0.87]), None, np.arange(4.0), None)
    >>> best_now(s, 0, 2, high=False), best_now(s, 0, 4, high=False), best_now(s, -1, 0, high=False)
    (2, 0, 2)
    """
    n = len(s)
    start = max(seen, s.base, 0)
    if n <= start:
        return best
    new = np.asarray(s.raw[start - s.base : n - s.base], dtype=np.float64)
    ok = np.isfinite(new)
    if acc is not None and rule is not None:
        m = min(n, len(acc)) - start
        if m > 0 and start >= acc.base:
            a = np.asarray(acc.raw[start - acc.base : start - acc.base + m], dtype=np.float64)
            from lossacc_tui.analysis.consistency import kept_out

            ok[:m] &= ~kept_out(new[:m], a, rule[0], rule[1])
    if not ok.any():
        return best
    cand = np.where(ok, new, -np.inf if high else np.inf)
    k = int(np.argmax(cand) if high else np.argmin(cand))
    was = _value(s, best) if best >= 0 else math.nan
    if not math.isfinite(was) or (cand[k] > was if high else cand[k] < was):
        return start + k
    return best


__all__ = ["Rule", "best_now"]
