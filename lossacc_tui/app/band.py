"""The band's columns: which joint state and which alert each column of the band shows. Textual-free.

The states and alert spans of a run are painted onto the band's columns in one vectorized pass each,
so the band handed to the widget is as long as the band is wide, whatever the run's history or its
number of alerts, and comparing two frames' bands costs a width's worth of cells.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from lossacc_tui.app.view import Span, x_to_col

if TYPE_CHECKING:
    from lossacc_tui.analysis.alerts import StateSegment

SEVERITY_RANK = {"info": 1, "warning": 2, "critical": 3}
#: states painted over the others where they share a column (a disagreement is what the band is for)
PRIORITY = ("loss-better-acc-worse", "loss-worse-acc-better", "both-worse", "acc-stuck", "worse-than-chance")


def to_cols(xs: np.ndarray, x0: float, x1: float, cols: int) -> np.ndarray:
    """`x_to_col` of many x at once (inf and nan go to the last and first column)."""
    if x1 <= x0:
        return np.zeros(len(xs), dtype=np.int64)
    with np.errstate(invalid="ignore", over="ignore"):
        sub = np.round((np.nan_to_num(xs, nan=x0, posinf=x1, neginf=x0) - x0) / (x1 - x0) * (2 * cols - 1))
    return np.clip(sub // 2, 0, cols - 1).astype(np.int64)


def last_painter(a: np.ndarray, b: np.ndarray, cols: int) -> np.ndarray:
    """For each column, the index of the last interval [a[k], b[k]] covering it (-1: none), in one
    pass over the intervals' cells."""
    winner = np.full(cols, -1, dtype=np.int64)
    lengths = np.maximum(b - a + 1, 0)
    total = int(lengths.sum())
    if total == 0:
        return winner
    k = np.repeat(np.arange(len(a)), lengths)
    offsets = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    np.maximum.at(winner, a[k] + offsets, k)
    return winner


def state_columns(
    states: Sequence[tuple[str, float, float]], x0: float, x1: float, cols: int
) -> tuple[str, ...]:
    """The state shown in each column ("" where none): the last painted over it, the priority states
    on top; a state lasts until the next one starts (the gaps between segments are filled).

    >>> state_columns([("flat", 0, 4), ("both-worse", 5, 6), ("flat", 8, 9)], 0, 10, 10)
    ('flat', 'flat', 'flat', 'flat', 'flat', 'both-worse', 'both-worse', 'both-worse', 'flat', 'flat')
    """
    out = [""] * cols
    if not states or cols < 1:
        return tuple(out)
    painted = [s for s in states if s[0] not in PRIORITY] + [s for s in states if s[0] in PRIORITY]
    starts = np.array([s[1] for s in painted], dtype=float)
    ends = np.array([s[2] for s in painted], dtype=float)
    winner = last_painter(to_cols(starts, x0, x1, cols), to_cols(ends, x0, x1, cols), cols)
    for c in np.flatnonzero(winner >= 0).tolist():
        out[c] = painted[winner[c]][0]
    last_col = x_to_col(states[-1][2], x0, x1, cols)
    for c in range(1, min(cols, last_col + 1)):
        if not out[c] and out[c - 1]:
            out[c] = out[c - 1]
    return tuple(out)


def alert_columns(
    spans: Sequence[Span], x0: float, x1: float, cols: int
) -> tuple[tuple[str, bool, bool], ...]:
    """Per column: (severity, selected, is its start) of the span drawn there, ("", False, False)
    where none. Later spans paint over earlier ones (the selected one and the worst on top), and a
    span's start (its glyph) over any span's line.

    >>> [c[0][:1] + ("*" if c[2] else "") for c in alert_columns([Span(2, 5, "info")], 0, 8, 8)]
    ['', '', 'i*', 'i', 'i', 'i', '', '']
    """
    none = ("", False, False)
    if not spans or cols < 1:
        return (none,) * max(cols, 0)
    order = sorted(spans, key=lambda s: (s.selected, SEVERITY_RANK.get(s.severity, 0)))
    a = to_cols(np.array([s.start for s in order], dtype=float), x0, x1, cols)
    b = to_cols(np.array([s.end for s in order], dtype=float), x0, x1, cols)
    line = last_painter(a + 1, b, cols)
    glyph = last_painter(a, a, cols)
    out = []
    for g, ln in zip(glyph.tolist(), line.tolist(), strict=True):
        k, start = (g, True) if g >= ln else (ln, False)
        out.append(none if k < 0 else (order[k].severity, order[k].selected, start))
    return tuple(out)


class StateColumns:
    """`state_columns` of a run's growing timeline, kept between analyses: a call repaints only the
    segments that are not the very objects it painted last time (the analysis shares the segments
    of the timeline that are final between its results: `analysis.agreed`), so an analysis of a
    long run with thousands of segments costs the band what changed, not its whole history.
    Segments must be sorted by start, with ends in the same order (a timeline)."""

    def __init__(self) -> None:
        self._key: tuple[float, float, int] | None = None
        self._segs: list[StateSegment] = []
        # per segment: its first and last column, its state's code
        self._a = self._b = self._codes = np.zeros(0, dtype=np.int64)
        self._names: list[str] = []  # state of each code
        self._plain = self._prio = np.zeros(0, dtype=np.int64)  # per column: last segment painted there

    def columns(
        self, segs: list[StateSegment], x0: float, x1: float, cols: int
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(the state of each column as `state_columns` paints it, the states of the timeline in the
        order they first appear)."""
        old, key = self._segs, (x0, x1, cols)
        j = min(len(old), len(segs)) if key == self._key else 0
        while j > 0 and segs[j - 1] is not old[j - 1]:
            j -= 1
        if j == 0:
            self._key = key
            self._plain, self._prio = np.full(cols, -1, dtype=np.int64), np.full(cols, -1, dtype=np.int64)
            self._a = self._b = self._codes = np.zeros(0, dtype=np.int64)
        first = j
        if 0 < j < len(self._a):  # segments from j on changed: unpaint the columns they reached
            col = int(self._a[j])
            self._plain[col:] = -1
            self._prio[col:] = -1
            first = int(np.searchsorted(self._b[:j], col, side="left"))  # (ends are in order)
        new = segs[j:]
        codes = [self._code(s.state) for s in new]
        self._a = np.concatenate([self._a[:j], to_cols(np.array([s.start for s in new], float), *key)])
        self._b = np.concatenate([self._b[:j], to_cols(np.array([s.end for s in new], float), *key)])
        self._codes = np.concatenate([self._codes[:j], np.array(codes, dtype=np.int64)])
        self._segs = list(segs)
        self._paint(first, cols)
        return self._out(segs, x0, x1, cols), self._legend()

    def _code(self, state: str) -> int:
        if state not in self._names:
            self._names.append(state)
        return self._names.index(state)

    def _paint(self, first: int, cols: int) -> None:
        """Paint segments from `first` on over the columns (a later one wins; priority states win
        over the others)."""
        idx = np.arange(first, len(self._codes))
        prio = np.isin(self._codes[first:], [self._names.index(p) for p in PRIORITY if p in self._names])
        for winners, pick in ((self._plain, ~prio), (self._prio, prio)):
            k = idx[pick]
            if len(k):
                got = last_painter(self._a[k], self._b[k], cols)
                np.maximum(winners, np.where(got >= 0, k[np.maximum(got, 0)], -1), out=winners)

    def _out(self, segs: list[StateSegment], x0: float, x1: float, cols: int) -> tuple[str, ...]:
        out = [""] * cols
        if not segs or cols < 1:
            return tuple(out)
        winner = np.where(self._prio >= 0, self._prio, self._plain)
        for c in np.flatnonzero(winner >= 0).tolist():
            out[c] = self._names[self._codes[winner[c]]]
        last_col = x_to_col(segs[-1].end, x0, x1, cols)
        for c in range(1, min(cols, last_col + 1)):
            if not out[c] and out[c - 1]:
                out[c] = out[c - 1]
        return tuple(out)

    def _legend(self) -> tuple[str, ...]:
        if not len(self._codes):
            return ()
        codes, first = np.unique(self._codes, return_index=True)
        return tuple(self._names[c] for c in codes[np.argsort(first)].tolist())
