"""The state band made to agree with the alerts (`states.agree_with_alerts`), kept between
updates so that reading it costs what changed, not the whole history.

Every timeline segment but the last is final (`states.Timeline` only moves the last one's end and
appends), and a segment's agreed pieces depend only on the alert spans that reach it. So the
agreed result of the final segments is kept; a call processes the segments added since, and a
change in the spans (an alert opened, or closed) re-does only the segments from the earliest
start among the spans that changed. A fold of the oldest points (`--keep`) or a new timeline
starts over. The last segment is cut into pieces by the spans' bounds inside it, and only its last
piece moves as it grows: the agreed pieces before it are kept too, while the segments before it,
its start, its state and the spans stay (a long run's last segment holds hundreds of cuts: a read
at 1,000,000 points with 60 alerts took 0.26 ms of CPU, now 0.05; the view reads it twice an
update).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

from lossacc_tui.analysis.alerts import StateSegment
from lossacc_tui.analysis.states import AGREE_KINDS, SpanJudge, agree_with_alerts

Span = tuple[str, float, float]  # (alert kind, start x, end x: inf while open)


class AgreedStates:
    """`agree_with_alerts(segments, spans, prev, nxt)` of a growing timeline, incrementally.
    `segments_done` counts the timeline segments whose agreed pieces are kept (for tests)."""

    def __init__(self) -> None:
        self._token: object = None
        self._spans: frozenset[Span] = frozenset()
        self._given: list[Span] | None = None
        self._relevant: list[Span] = []
        self._now: frozenset[Span] = frozenset()
        self._plain: list[StateSegment] = []  # copies of the final segments (no span to agree with)
        self._out: list[StateSegment] = []  # agreed pieces of the first `len(marks) - 1` segments
        self._marks: list[tuple[int, float]] = [(0, math.nan)]  # (len(out), out[-1].end) after j segments
        self.segments_done = 0
        self.segments_agreed = 0  # segments processed since creation (a cost counter, for tests)
        self.pieces_agreed = 0  # pieces of the last segment processed (a cost counter, for tests)
        #: the spans' judge for the last segment, and what it was made for (the spans, its start)
        self._judge: tuple[object, SpanJudge] | None = None
        #: the last segment's agreed pieces but its last one: (what they depend on, the piece
        #: starts read, the result's pieces from the seam on: shared, but for a copy of the last)
        self._head: tuple[object, list[float], list[StateSegment]] | None = None

    def get(
        self,
        segments: list[StateSegment],
        spans: list[Span],
        prev: Callable[[float], float],
        nxt: Callable[[float], float],
        token: object,
    ) -> list[StateSegment]:
        """What `agree_with_alerts(copies of segments, spans, prev, nxt)` returns. `token` names
        what the kept result depends on besides segments and spans (the timeline, the first kept
        point): when it changes, everything is recomputed. The returned segments are shared with
        later calls' results: read them, do not change them."""
        if token != self._token:
            self._token, self._spans, self._given = token, frozenset(), None
            self._rollback(0)
            self._plain = []
            self._head = None
        if spans is not self._given:  # (a caller that keeps its list while nothing changed: no work)
            self._given = spans
            self._relevant = [s for s in spans if s[0] in AGREE_KINDS]
            self._now = frozenset(self._relevant)
        relevant = self._relevant
        final = len(segments) - 1  # the last segment still grows
        if not relevant:  # nothing to agree with: (copies of) the timeline as it is
            self._plain.extend(replace(s) for s in segments[len(self._plain) : max(final, 0)])
            return self._plain + [replace(s) for s in segments[len(self._plain) :]]
        now = self._now
        if now != self._spans:
            # the kept pieces of segments ending before the earliest change stay valid
            x = _first_change(self._spans, now)
            j = self.segments_done
            while j > 0 and not segments[j - 1].end < x:
                j -= 1
            self._rollback(j)
            self._spans = now
        j = self.segments_done
        if final > j:
            self._extend(segments[j:final], relevant, prev, nxt, self._out, self._marks)
            self.segments_done = final
        out = list(self._out)
        if out:
            out[-1] = replace(out[-1])  # (the last piece may be extended by the last segment)
        if final >= 0:
            self._extend_last(segments[final], relevant, prev, nxt, out)
        return out

    def _extend_last(
        self,
        seg: StateSegment,
        spans: list[Span],
        prev: Callable[[float], float],
        nxt: Callable[[float], float],
        out: list[StateSegment],
    ) -> None:
        """`_extend` of the last (growing) segment: its pieces before the last one from the kept
        result when nothing they depend on changed (the result before the segment, the spans, the
        segment's start and state, the cuts they read), the rest agreed here."""
        x0 = seg.start
        made_for = (self._now, x0)
        if self._judge is None or self._judge[0] != made_for:
            reach = [s for s in spans if s[2] >= x0] if x0 == x0 else spans  # (as `_extend` reads them)
            self._judge = (made_for, SpanJudge(reach))
        judge = self._judge[1]
        pieces = judge.pieces(seg)
        seam = max(len(out) - 1, 0)  # (the result's last piece, which the segment may extend, on)
        last = out[-1] if out else None
        depends = (
            self._token,
            self.segments_done,
            len(out),
            None if last is None else (last.state, last.start, last.end),
            made_for,
            seg.state,
        )
        j = 0
        head = self._head
        if head is not None and head[0] == depends and pieces[: len(head[1])] == head[1]:
            kept = head[2]
            out[seam:] = kept[:-1]  # (final: never changed again)
            out.extend(replace(p) for p in kept[-1:])  # (the one the next pieces may extend)
            j = len(head[1]) - 1
        final = len(pieces) - 2
        for k in range(j, final):
            judge.piece(seg, pieces, k, prev, nxt, out)
        # (the last piece kept as a copy: the segment's last piece may extend the one in `out`)
        self._head = (depends, pieces[: final + 1], out[seam:-1] + [replace(p) for p in out[-1:]])
        judge.piece(seg, pieces, final, prev, nxt, out)
        self.segments_agreed += 1
        self.pieces_agreed += final + 1 - j

    def _extend(
        self,
        segs: list[StateSegment],
        spans: list[Span],
        prev: Callable[[float], float],
        nxt: Callable[[float], float],
        out: list[StateSegment],
        marks: list[tuple[int, float]] | None,
    ) -> None:
        x0 = segs[0].start
        reach = [s for s in spans if s[2] >= x0] if x0 == x0 else spans  # spans ending before: no effect
        if out:
            out[-1] = replace(out[-1])  # never change a piece an earlier result holds
        agree_with_alerts(segs, reach, prev, nxt, out=out, marks=marks)
        self.segments_agreed += len(segs)

    def _rollback(self, j: int) -> None:
        """Keep the agreed pieces of the first j segments only."""
        del self._marks[j + 1 :]
        n, end = self._marks[j]
        del self._out[n:]
        if self._out:
            self._out[-1] = replace(self._out[-1], end=end)
        self.segments_done = j


def _first_change(before: frozenset[Span], after: frozenset[Span]) -> float:
    """The smallest x from which agreeing with `after` can differ from agreeing with `before`: a
    span added or gone changes what follows its start; a span whose end moved (an alert closed,
    or reopened: same kind and start) only what follows the nearer of its two ends."""
    changed: dict[tuple[str, float], list[tuple[bool, float]]] = {}
    for side, spans in ((False, before - after), (True, after - before)):
        for kind, a, b in spans:
            changed.setdefault((kind, a), []).append((side, b))
    x = math.inf
    for (_, a), ends in changed.items():
        moved = len({side for side, _ in ends}) == 2  # (on both sides: the same span, another end)
        x = min(x, min(b for _, b in ends) if moved else a)
    return x
