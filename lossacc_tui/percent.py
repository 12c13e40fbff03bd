"""The unit of an accuracy series: a fraction (0-1) or percent (0-100), decided from its values.

A series is read in percent only when its values say so: more of its finite values lie in (1, 100]
than in [0, 1]. Fractions cannot spread over (1, 100], so a
percent log is percent from its first values on; one stray value above 1 in a series of fractions
(1.02 from an average's rounding, a glitched row) cannot outvote them: it is a value outside the
range of an accuracy, left out of the analysis (NaN) and named in a problem line of its own, and the
rest of the series keeps its unit. The decision is the same however the history was cut into
batches. A live series whose decision changes (its first value was 1.02, the fractions came after;
a percent log whose first evaluations were below 1 %) has what was already shown rescaled, and a
problem line says so: the values never change unit behind the user's back. Values left out before
the change that are in range in the new unit are put back.

A series whose unit changes mid-run (a logger that wrote 55.0 and then 0.6) is not divided whole:
next to each other, two finite values one of which is at most 1 and the other above it, the larger
at least 20 times the smaller and within a factor 2 of the smaller times 100, are the same accuracy
in two units. From there on the values are read in the new unit (the vote above is over), and the
change is kept as a note (a one-line problem of the run). A real collapse of a percent accuracy
from 55 to 0.6 looks the same; the note says what was assumed, so the user can tell.
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np

#: a jump between a value at most 1 and one above it by at least this ratio may be a change of unit
JUMP = 20.0
#: a fraction this far above 1 is still 1 (an average's rounding), not an out-of-range accuracy
RANGE_SLACK = 1e-9
#: batches of at most this many values (a live log's few new lines) take the plain-Python path
SMALL = 32
#: values outside the range named one problem line each; after these, one line says more were left out
LISTED = 5
#: values left out that are remembered (as logged), to be put back when the unit decision changes
REMEMBERED = 4096


class Kept(Protocol):
    """The values of a series kept so far, as `PercentScale` needs them (`Series` is one)."""

    def writable_values(self) -> np.ndarray:
        """The kept values (fractions), writable in place."""
        ...

    def position(self, i: int) -> int | None:
        """Where absolute point i is among the kept values (None: folded away)."""
        ...

    def absolute(self, p: int) -> int:
        """The absolute index of the kept value at position p."""
        ...

    def where(self, i: int) -> str:
        """Absolute point i for a reader: "epoch 7", "step 1200" or "row 9"."""
        ...


def unit_change(before: float, after: float) -> bool:
    """Whether two neighbouring accuracies look like one value in two units (fraction and percent).

    >>> unit_change(55.0, 0.6), unit_change(0.8, 85.0), unit_change(0.9, 1.5), unit_change(55.0, 5.0)
    (True, True, False, False)
    """
    lo, hi = min(before, after), max(before, after)
    if not (0.0 < lo <= 1.0 < hi <= 100.0) or hi < JUMP * lo:
        return False
    return 0.5 <= hi / (100.0 * lo) <= 2.0


def _n(k: int, word: str) -> str:
    """ "1 value", "3 values"."""
    return f"{k} {word}{'' if k == 1 else 's'}"


def _votes(values: np.ndarray) -> tuple[int, int]:
    """(finite values in [0, 1], finite values in (1, 100]) of `values` as logged."""
    within = int(np.count_nonzero((values >= 0.0) & (values <= 1.0 + RANGE_SLACK)))
    above = int(np.count_nonzero((values > 1.0 + RANGE_SLACK) & (values <= 100.0)))
    return within, above


class PercentScale:
    """The scale (1 or 0.01) of an accuracy series' values as they arrive, and its unit changes.

    `notes` collects one-line problems (changes of unit, changes of the decision, values outside the
    range of an accuracy) until the caller takes them."""

    __slots__ = (
        "_last", "_listed", "_nan", "_out", "_said", "above", "locked", "notes", "scale", "seen", "within"
    )  # fmt: skip

    def __init__(self) -> None:
        self.scale = 1.0  # 0.01 while the values are read in percent
        self.locked = False  # a change of unit mid-run fixed the unit from there on (no more votes)
        self.within = 0  # finite values in [0, 1] so far (before any change of unit)
        self.above = 0  # finite values in (1, 100] so far (before any change of unit)
        self.seen = 0  # values applied so far: the absolute index of the next one
        self._last = math.nan  # the last finite value as logged
        self._out: dict[int, float] = {}  # absolute index -> value as logged, of values left out
        self._listed = 0  # values outside the range named in a note so far
        self._nan = 0  # NaN values (no accuracy computed) named so far
        self._said: list[tuple[int, str]] = []  # this batch's notes, keyed by the value they are about
        self.notes: list[str] = []  # problem lines found, not yet taken

    def reset(self) -> None:
        """Decide again from the start (a series whose role changed)."""
        self.scale, self.locked, self._last = 1.0, False, math.nan
        self.within = self.above = self.seen = 0
        self._out.clear()

    @staticmethod
    def _percent(within: int, above: int) -> bool:
        """Whether the votes say percent (a tie says fractions: the answer depends on the counts
        alone, so on no batching)."""
        return above > within

    def apply(self, values: np.ndarray, kept: Kept, name: str) -> np.ndarray:
        """`values` (as logged, one batch) in fractions. When this batch changes the unit decision,
        the values kept so far (`kept`) are rescaled in place and a note says so."""
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
        first = cuts[0] if cuts else len(values)
        if not self.locked:
            w, a = _votes(values[:first])
            self.within, self.above = self.within + w, self.above + a
            pct = self._percent(self.within, self.above)
            if pct != (self.scale != 1.0):
                self._redecide(0.01 if pct else 1.0, kept, name)
        out = np.empty(len(values))
        scales = np.empty(len(values))  # the scale each value is read at
        out[:first] = values[:first] * self.scale
        scales[:first] = self.scale
        for j, i in enumerate(cuts):
            before = float(values[finite[np.searchsorted(finite, i) - 1]]) if i > finite[0] else prev
            self.scale, self.locked = (0.01 if values[i] > 1.0 else 1.0), True
            unit = "percent" if values[i] > 1.0 else "fractions"
            self._said.append(
                (
                    i,
                    f"{name}: the unit changes mid-run ({before:g} then {float(values[i]):g}"
                    f" at {kept.where(self.seen + i)}): read in {unit} from there",
                )
            )
            end = cuts[j + 1] if j + 1 < len(cuts) else len(values)
            out[i:end] = values[i:end] * self.scale
            scales[i:end] = self.scale
        self._in_range(out, values, scales, name, kept)
        self._not_a_number(values, name, kept)
        self.seen += len(values)
        # in the order of the values they are about, however the history was cut into batches
        self.notes += [note for _, note in sorted(self._said, key=lambda t: t[0])]
        self._said.clear()
        return out + 0.0  # -0.0 becomes 0.0

    def follow(self, kept: Kept, name: str, why: str) -> None:
        """Read the series in percent from now on, whatever its own values vote, because a series
        beside it says so (`why`: its top-k accuracy is in percent and at or above it at every
        evaluation, which only the same unit allows): the values kept are rescaled, values left out
        that are in range in percent put back, and a note says so."""
        if self.scale != 1.0:
            return
        self._redecide(0.01, kept, name)
        self.locked = True  # (its own votes no longer decide)
        if self._said and self._said[0][0] == -1:  # (the note of the votes, replaced by the reason)
            put = self._said[0][1].rpartition("rescaled")[2]
            self._said[0] = (-1, f"{name}: read in percent ({why}): {_n(self.seen, 'value')} rescaled{put}")
        self.notes += [note for _, note in sorted(self._said, key=lambda t: t[0])]
        self._said.clear()

    def _small(self, values: np.ndarray) -> np.ndarray | None:
        """A live batch's few values in plain Python (numpy's per-call cost is most of the work at
        this size): the scaled values when none of them could change the unit, the decision or fall
        outside the range; None when one might (the full path then decides, as for any batch)."""
        prev, scale = self._last, self.scale
        within, above = self.within, self.above
        for v in values.tolist():
            if v != v:
                return None  # NaN: the full path names it (`_not_a_number`)
            if v in (math.inf, -math.inf):
                return None
            if prev == prev and min(prev, v) <= 1.0 < max(prev, v):
                return None  # maybe a change of unit
            if not 0.0 <= v * scale <= 1.0 + RANGE_SLACK:
                return None
            if not self.locked:
                if v <= 1.0 + RANGE_SLACK:
                    within += 1
                elif v <= 100.0:
                    above += 1
            prev = v
        if not self.locked and self._percent(within, above) != (scale != 1.0):
            return None
        self._last, self.within, self.above = prev, within, above
        self.seen += len(values)
        return (values * scale if scale != 1.0 else values) + 0.0

    def _redecide(self, scale: float, kept: Kept, name: str) -> None:
        """The votes changed the unit: the values kept so far are rescaled in place and said to be;
        values left out that are in range in the new unit are put back, and kept values now out of
        range are left out (each named)."""
        old, self.scale = self.scale, scale
        if not self.seen:
            return
        v = kept.writable_values()
        if len(v):
            v *= scale / old
            back = [
                (i, raw)
                for i, raw in self._out.items()
                if 0.0 <= raw * scale <= 1.0 + RANGE_SLACK and kept.position(i) is not None
            ]
            for i, raw in back:
                v[kept.position(i)] = raw * scale  # type: ignore[index]
                del self._out[i]
            put = f"; {_n(len(back), 'value')} left out before in range now, put back" if back else ""
            bad = np.flatnonzero((v < 0.0) | (v > 1.0 + RANGE_SLACK))
            for p in bad.tolist():
                i = kept.absolute(p)
                self._left_out(i, float(v[p]) / scale, scale, name, kept)
            v[bad] = math.nan
        else:
            put = ""
        unit, was = ("percent", "fractions") if scale != 1.0 else ("fractions", "percent")
        self._said.insert(
            0,
            (
                -1,
                f"{name}: now read in {unit} (at {kept.where(self.seen)}: {_n(self.above, 'value')} in"
                f" (1, 100], {self.within} in [0, 1]): {_n(self.seen, 'value')} before, first shown in"
                f" {was}, rescaled{put}",
            ),
        )

    def _in_range(
        self, out: np.ndarray, logged: np.ndarray, scales: np.ndarray, name: str, kept: Kept
    ) -> None:
        """An accuracy outside [0, 1] once scaled (above 100 %, negative, infinite, a lone 1.02 among
        fractions) is no accuracy: it becomes NaN in `out`, kept out of the analysis, and a note
        names it (the first `LISTED` of a series, then one line for the rest)."""
        bad = np.flatnonzero((out < 0.0) | (out > 1.0 + RANGE_SLACK))  # NaN compares False
        for i in bad.tolist():
            self._left_out(self.seen + i, float(logged[i]), float(scales[i]), name, kept, i)
        out[bad] = math.nan

    def _not_a_number(self, values: np.ndarray, name: str, kept: Kept) -> None:
        """A NaN logged as an accuracy (an evaluation that computed none: an empty split, NaN
        outputs) is no point of the series' analysis; it is named (the first `LISTED`, then one line
        for the rest), never dropped unsaid (tester h19t: `"val_acc": NaN` at 2 of 40 evaluations)."""
        for i in np.flatnonzero(np.isnan(values)).tolist():
            self._nan += 1
            if self._nan <= LISTED:
                self._said.append(
                    (
                        i,
                        f"{name}: NaN at {kept.where(self.seen + i)}: no accuracy was computed there (an "
                        "empty split, NaN outputs): left out of the analysis",
                    )
                )
            elif self._nan == LISTED + 1:
                self._said.append(
                    (i, f"{name}: more NaN values (the next at {kept.where(self.seen + i)}): left out too")
                )

    def _left_out(self, i: int, raw: float, scale: float, name: str, kept: Kept, key: int = -1) -> None:
        """Absolute point i, `raw` as logged and read at `scale`, is outside the range: remembered,
        and named once (`key`: where its note goes among this batch's, -1 before them all)."""
        if not self.locked and len(self._out) < REMEMBERED:
            self._out[i] = raw
        self._listed += 1
        if self._listed <= LISTED:
            unit = "percent: 0-100" if scale != 1.0 else "fractions: 0-1"
            self._said.append(
                (
                    key,
                    f"{name}: {raw:g} at {kept.where(i)} is outside the range of an accuracy (read in"
                    f" {unit}): left out of the analysis",
                )
            )
        elif self._listed == LISTED + 1:
            self._said.append(
                (
                    key,
                    f"{name}: more values outside the range of an accuracy (the next at {kept.where(i)}):"
                    " left out of the analysis too, not listed one by one",
                )
            )
