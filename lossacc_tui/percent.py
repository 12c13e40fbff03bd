"""The unit of an accuracy series: a fraction (0-1) or percent (0-100), decided from its values.

A series is in percent once a finite value above 1 (and at most 100) is seen; the values before it
are then divided by 100 too, so the answer does not depend on how the history was cut into batches.

A series whose unit changes mid-run (a logger that wrote 55.0 and then 0.6) is not divided whole:
next to each other, two finite values one of which is at most 1 and the other above it, the larger
at least 20 times the smaller and within a factor 2 of the smaller times 100, are the same accuracy
in two units. From there on the values are read in the new unit, and the change is kept as a note
(a one-line problem of the run). A real collapse of a percent accuracy from 55 to 0.6 looks the same;
the note says what was assumed, so the user can tell.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

#: a jump between a value at most 1 and one above it by at least this ratio may be a change of unit
JUMP = 20.0
#: a fraction this far above 1 is still 1 (an average's rounding), not an out-of-range accuracy
RANGE_SLACK = 1e-9
#: batches of at most this many values (a live log's few new lines) take the plain-Python path
SMALL = 32


def unit_change(before: float, after: float) -> bool:
    """Whether two neighbouring accuracies look like one value in two units (fraction and percent).

    >>> unit_change(55.0, 0.6), unit_change(0.8, 85.0), unit_change(0.9, 1.5), unit_change(55.0, 5.0)
    (True, True, False, False)
    """
    lo, hi = min(before, after), max(before, after)
    if not (0.0 < lo <= 1.0 < hi <= 100.0) or hi < JUMP * lo:
        return False
    return 0.5 <= hi / (100.0 * lo) <= 2.0


class PercentScale:
    """The scale (1 or 0.01) of an accuracy series' values as they arrive, and its unit changes."""

    __slots__ = ("_last", "_out_said", "decided", "notes", "scale")

    def __init__(self) -> None:
        self.scale = 1.0  # 0.01 while the values come in percent
        self.decided = False  # whether a value above 1 (or a change of unit) has settled `scale`
        self._last = math.nan  # the last finite value as logged
        self._out_said = False  # whether a value outside [0, 1] was noted
        self.notes: list[str] = []  # changes of unit found (a problem line each), not yet taken

    def reset(self) -> None:
        """Decide again from the start (a series whose role changed)."""
        self.scale, self.decided, self._last = 1.0, False, math.nan

    def apply(self, values: np.ndarray, stored: Callable[[], np.ndarray], name: str) -> np.ndarray:
        """`values` (as logged) in fractions; `stored()` (the values kept so far, writable) is
        divided by 100 in place when this batch decides that the series was in percent from its start."""
        if not len(values):
            return values
        if len(values) <= SMALL:
            out = self._small(values)
            if out is not None:
                return out
        finite = np.flatnonzero(np.isfinite(values))
        cuts: list[int] = []
        prev = self._last
        if len(finite):
            seq = values[finite]
            pairs = np.concatenate(([prev], seq[:-1]))
            # the cheap test first: a value at most 1 beside one above it
            maybe = np.flatnonzero((np.minimum(pairs, seq) <= 1.0) & (np.maximum(pairs, seq) > 1.0))
            cuts = [int(finite[i]) for i in maybe if unit_change(float(pairs[i]), float(seq[i]))]
            self._last = float(seq[-1])
        if not cuts:
            return self._in_range(self._plain(values, stored), values, name, [])
        out = np.empty(len(values))
        a = 0
        for i in cuts:
            out[a:i] = self._plain(values[a:i], stored if a == 0 else None)
            before = float(values[finite[np.searchsorted(finite, i) - 1]]) if i > finite[0] else prev
            self.scale, self.decided = (0.01 if values[i] > 1.0 else 1.0), True
            unit = "percent" if values[i] > 1.0 else "fractions"
            self.notes.append(
                f"{name}: the unit changes mid-run ({before:g} then {float(values[i]):g}):"
                f" read in {unit} from there"
            )
            a = i
        out[a:] = self._plain(values[a:], None)
        return self._in_range(out, values, name, cuts)

    def _small(self, values: np.ndarray) -> np.ndarray | None:
        """A live batch's few values in plain Python (numpy's per-call cost is most of the work at
        this size): the scaled values when none of them could change the unit, decide it or fall
        outside the range; None when one might (the full path then decides, as for any batch)."""
        prev, scale = self._last, self.scale
        for v in values.tolist():
            if v != v:
                continue  # NaN: not a value, as in the full path
            if v in (math.inf, -math.inf) or (not self.decided and v > 1.0):
                return None
            if prev == prev and min(prev, v) <= 1.0 < max(prev, v):
                return None  # maybe a change of unit
            if not 0.0 <= v * scale <= 1.0 + RANGE_SLACK:
                return None
            prev = v
        self._last = prev
        return (values * scale if scale != 1.0 else values) + 0.0

    def _in_range(self, out: np.ndarray, logged: np.ndarray, name: str, cuts: list[int]) -> np.ndarray:
        """An accuracy outside [0, 1] once scaled (above 100 %, negative) is no accuracy: it becomes
        NaN, kept out of the analysis, and a note says so (a problem line, among this batch's
        changes of unit at `cuts` in the order of the values); -0 is read as 0."""
        bad = np.flatnonzero((out < 0.0) | (out > 1.0 + RANGE_SLACK))  # NaN compares False
        if len(bad):
            out = out.copy() if out is logged else out
            out[bad] = math.nan
            if not self._out_said:  # (once a series: the same line however the values are batched)
                self._out_said = True
                at = len(self.notes) - len(cuts) + sum(1 for c in cuts if c < bad[0])
                self.notes.insert(
                    at,
                    f"{name}: {float(logged[bad[0]]):g} is outside the range of an accuracy (0-1, or"
                    " 0-100 %): left out of the analysis, as is any other such value",
                )
        return out + 0.0  # -0.0 becomes 0.0

    def _plain(self, values: np.ndarray, stored: Callable[[], np.ndarray] | None) -> np.ndarray:
        if not self.decided and len(values):
            above = np.flatnonzero(values > 1.0)  # NaN compares False
            above = above[np.isfinite(values[above])]
            if len(above):
                self.decided = True
                if values[above[0]] <= 100.0:
                    self.scale = 0.01
                    if stored is not None:
                        stored()[:] *= 0.01
        return values * self.scale if self.scale != 1.0 else values
