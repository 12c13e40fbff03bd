"""The joint (loss, accuracy) state of every evaluation, and the timeline of state segments.

A loss trend of -1 is an improvement, an accuracy trend of +1 is. The state says what the loss
says and whether accuracy agrees: 'both-improving' (loss better, accuracy up or holding; or loss
flat and accuracy up), 'loss-better-acc-worse', 'loss-worse-acc-better' (loss worse while
accuracy rises or holds, as in loss-up-acc-up), 'both-worse' (loss worse and accuracy down; or
loss flat and accuracy down), 'flat' (neither moves beyond its own noise). Two more say what an
alert over the stretch says of the level, whatever the trends (`agree_with_alerts`): 'acc-stuck'
(accuracy held where a warning acc-stuck alert says it is stuck: the majority share, chance, a
non-finite loss) and 'worse-than-chance' (the loss above a uniform guess's cost, as an open
loss-above-chance alert says).

>>> state_codes(np.array([False, False, False]), np.array([-1, 1, 1]), np.array([-1, -1, 0])).tolist()
[2, 4, 3]
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable

import numpy as np

from lossacc_tui.analysis.alerts import STATES, StateSegment
from lossacc_tui.analysis.params import Params

WARMING, BOTH_IMPROVING, LOSS_BETTER_ACC_WORSE, LOSS_WORSE_ACC_BETTER, BOTH_WORSE, FLAT = range(6)


def state_codes(warm: np.ndarray, loss_dir: np.ndarray, acc_dir: np.ndarray) -> np.ndarray:
    """Index into STATES for each point, from the trend directions."""
    gl = -loss_dir.astype(np.int8)  # +1: loss got better
    ga = acc_dir.astype(np.int8)
    code = np.full(len(warm), FLAT, dtype=np.int8)
    code[((gl > 0) & (ga >= 0)) | ((gl == 0) & (ga > 0))] = BOTH_IMPROVING
    code[((gl < 0) & (ga < 0)) | ((gl == 0) & (ga < 0))] = BOTH_WORSE
    code[(gl > 0) & (ga < 0)] = LOSS_BETTER_ACC_WORSE
    code[(gl < 0) & (ga >= 0)] = LOSS_WORSE_ACC_BETTER
    code[warm] = WARMING
    return code


class NewLows:
    """A loss at a new low is not "worse" (tester h19t 2b: a missing softmax, the loss falling 74 %
    to its lowest at the last two evaluations while accuracy fell, read both-worse there): a point
    whose loss trend is flat in the band's noise while its accuracy falls reads both-worse
    (`state_codes`), unless its loss value is below every earlier one of the run; then it reads
    loss-better-acc-worse. Carries the run's lowest loss across chunks."""

    def __init__(self) -> None:
        self.best = math.inf  # the lowest finite loss (nats) before the next chunk

    def feed(self, codes: np.ndarray, loss_dir: np.ndarray, loss: np.ndarray) -> None:
        """`codes` (modified in place) of the chunk whose loss values are `loss` (nats)."""
        if len(loss) == 0:
            return
        with np.errstate(invalid="ignore"):
            before = np.fmin.accumulate(np.concatenate(([self.best], loss[:-1])))
            low = loss < before  # (NaN: never a new low)
        fix = low & (codes == BOTH_WORSE) & (loss_dir == 0)
        codes[fix] = LOSS_BETTER_ACC_WORSE
        top = float(np.fmin.reduce(loss))
        if top < self.best:
            self.best = top


class ShortBand:
    """The state of each warming-up evaluation from 3 on (a short run: a fine-tune of a few epochs
    reads nothing but warming-up otherwise, tester 23 F7), from the last 3 evaluations alone: the
    loss better (worse) where it fell (rose) at both steps and by `rise_rel` in all, holding where it
    stayed within `min_loss_change` of the first; accuracy holding where it took one value at all 3
    or moved less than `rise_z` binomial standard errors of the evaluation set (its size as the
    values reveal it), up (down) where it rose (fell) at neither step against it and beyond that.
    Where either part is undecided the point stays warming-up. Each state so read speaks for the 3
    evaluations it was read from (`Timeline.feed`'s `back`)."""

    def __init__(self) -> None:
        self._prev: list[tuple[float, float]] = []  # the last 2 (loss, accuracy) before the chunk

    def feed(
        self,
        codes: np.ndarray,
        loss: np.ndarray,
        acc: np.ndarray,
        idx: np.ndarray,
        n_at: Callable[[int], int | None] | None,
        p: Params,
    ) -> np.ndarray:
        """`codes` (modified in place) with each warming-up point at index 2 or more read from its
        last 3 evaluations; returns `back`, per point the earlier points its code speaks for (2 where
        so read, else 0). `loss`, `acc`: the paired values (nats, fraction), `idx` their indices."""
        back = np.zeros(len(codes), dtype=np.int64)
        warm = np.flatnonzero(codes == WARMING)
        if len(warm):  # (only the first few points of a run warm up: no work past them)
            top = int(warm[-1]) + 1
            ls = [v for v, _ in self._prev] + loss[:top].tolist()
            accs = [a for _, a in self._prev] + acc[:top].tolist()
            off = len(self._prev)
            for t in warm.tolist():
                if int(idx[t]) < 2 or t + off < 2:
                    continue
                part_l = _loss_part(ls[t + off - 2 : t + off + 1], p)
                n = n_at(int(idx[t])) if n_at is not None else None
                part_a = _acc_part(accs[t + off - 2 : t + off + 1], n, p)
                if part_l is None or part_a is None:
                    continue
                codes[t] = STATES.index(_state_of(part_l, part_a))
                back[t] = 2
        keep = list(zip(loss[-2:].tolist(), acc[-2:].tolist(), strict=True))
        self._prev = (self._prev + keep)[-2:]
        return back


def _loss_part(v: list[float], p: Params) -> int | None:
    """+1 better, -1 worse, 0 holds, None undecided, of 3 loss values (`ShortBand`)."""
    if not all(math.isfinite(x) for x in v) or v[0] <= 0:
        return None
    if max(abs(x - v[0]) for x in v) <= p.min_loss_change * v[0]:
        return 0
    if v[0] > v[1] > v[2] and v[2] <= v[0] * (1 - p.rise_rel):
        return 1
    if v[0] < v[1] < v[2] and v[2] >= v[0] * (1 + p.rise_rel):
        return -1
    return None


def _acc_part(v: list[float], n: int | None, p: Params) -> int | None:
    """+1 up, -1 down, 0 holds, None undecided, of 3 accuracy values (fractions; `ShortBand`)."""
    if not all(math.isfinite(x) for x in v):
        return None
    if v[0] == v[1] == v[2]:
        return 0
    if not n:
        return None
    q = sum(v) / 3
    se = math.sqrt(max(q * (1 - q), 1.0 / n) / n)
    d = v[2] - v[0]
    if abs(d) < p.rise_z * se:
        return 0
    if d > 0 and v[1] >= v[0] and v[2] >= v[1]:
        return 1
    if d < 0 and v[1] <= v[0] and v[2] <= v[1]:
        return -1
    return None


class Timeline:
    """State segments built incrementally. A new state must persist `min_run` points before the
    timeline switches to it; the new segment then starts where that run began."""

    def __init__(self, min_run: int) -> None:
        self.min_run = max(1, min_run)
        self.segments: list[StateSegment] = []
        self.raw_code = -1
        self.raw_run = 0
        self.code = -1
        self.n = 0

    def feed(
        self,
        codes: np.ndarray,
        k0: int,
        xs: np.ndarray,
        x_of: Callable[[int], float],
        back: np.ndarray | None = None,
    ) -> None:
        """Extend the timeline by the codes of points k0 .. k0 + len(codes) - 1 (x: `xs`, earlier
        points: `x_of(i)`). `back`: per point, how many earlier points its code was read from
        (`ShortBand`): the run's first such state is taken at once, from its own evaluation (the
        evaluations before it stay warming-up: the first of the 3 read is no state of its own)."""
        m = len(codes)
        if m == 0:
            return
        idx = np.arange(m)
        prev = np.empty(m, dtype=np.int64)
        prev[0] = self.raw_code
        prev[1:] = codes[:-1]
        last_change = np.maximum.accumulate(np.where(codes != prev, idx, -1))
        runs = idx - last_change + 1
        head = last_change < 0
        runs[head] = idx[head] + 1 + self.raw_run
        eligible = runs >= self.min_run
        if k0 == 0:
            eligible[0] = True
        if back is not None and self.code in (-1, WARMING):
            # (still warming-up: the first state read from a window is taken at once, from its start)
            first = np.flatnonzero((back > 0) & (codes != WARMING))
            acc_before = np.flatnonzero(eligible & (codes != WARMING))
            if len(first) and (len(acc_before) == 0 or acc_before[0] >= first[0]):
                eligible[int(first[0])] = True  # (its run starts there: the points before were warm)
        src = np.maximum.accumulate(np.where(eligible, idx, -1))
        accepted = np.where(src >= 0, codes[np.maximum(src, 0)], self.code)
        before = np.empty(m, dtype=np.int64)
        before[0] = self.code
        before[1:] = accepted[:-1]
        sw = np.flatnonzero(accepted != before)
        if len(sw):
            local = sw - runs[sw] + 1  # where each new state's run began (may be before the chunk)

            def x(i: int) -> float:
                return float(xs[i]) if i >= 0 else x_of(k0 + i)

            x_start = [x(int(i)) for i in local]
            x_end = [x(int(i) - 1) for i in local[1:]] + [float(xs[-1])]
            if self.segments:
                self.segments[-1].end = x(int(local[0]) - 1)
            self.segments.extend(
                StateSegment(STATES[int(c)], a, b)
                for c, a, b in zip(accepted[sw].tolist(), x_start, x_end, strict=True)
            )
        if self.segments:
            self.segments[-1].end = float(xs[-1])
        self.raw_code, self.raw_run = int(codes[-1]), int(runs[-1])
        self.code = int(accepted[-1])
        self.n = k0 + m


#: alert kinds that say the (primary) loss is worse than its best over their span, and those that
#: say accuracy is below its peak: inside their spans the band cannot say the opposite.
#: `MORE_MISTAKES` is not an alert kind: the span of an alert whose own `more-mistakes` claim
#: follows from the numbers (an overfitting whose accuracy fell beyond noise) is given again under
#: it, so that the band beside it cannot read accuracy-better (`Analyzer.states`)
MORE_MISTAKES = "more-mistakes"
LOSS_WORSE_KINDS = frozenset({"loss-up-acc-up", "overfitting", "val-degrading"})
ACC_WORSE_KINDS = frozenset({"loss-down-acc-down", "val-degrading", MORE_MISTAKES})
#: `HELD_ACC` is not an alert kind either: the stretch over which a warning (or critical) acc-stuck
#: alert's accuracy was held (`Analyzer.states` gives it from the held stretch's first evaluation to
#: the alert's end); there the band reads ACC_STUCK, never "improving" (tester 18: a 95/5 run whose
#: accuracy was the majority share to the last digit read both-improving beside that warning)
HELD_ACC = "acc-held"
#: alert kinds that say the loss is worse than a uniform guess: inside their spans the band reads
#: WORSE_THAN_CHANCE, never merely flat (tester 18: loss 12-18 at accuracy 0.10 read "flat")
CHANCE_KINDS = frozenset({"loss-above-chance"})
#: the kinds (and pseudo-kinds) `agree_with_alerts` reads
AGREE_KINDS = LOSS_WORSE_KINDS | ACC_WORSE_KINDS | CHANCE_KINDS | {HELD_ACC}
ACC_STUCK, WORSE_THAN_CHANCE = "acc-stuck", "worse-than-chance"
WARMING_UP = STATES[WARMING]
#: (loss part, accuracy part) of each state: +1 better, 0 holds, -1 worse, None unknown
_PARTS = {
    "both-improving": (1, 0),
    "loss-better-acc-worse": (1, -1),
    "loss-worse-acc-better": (-1, 0),
    "both-worse": (-1, -1),
    "flat": (0, 0),
}


def _state_of(loss: int, acc: int) -> str:
    if loss < 0:
        return "both-worse" if acc < 0 else "loss-worse-acc-better"
    if acc < 0:
        return "loss-better-acc-worse" if loss > 0 else "both-worse"
    return "both-improving" if loss > 0 or acc > 0 else "flat"


def agree_with_alerts(
    segments: list[StateSegment],
    spans: list[tuple[str, float, float]],
    prev: Callable[[float], float],
    nxt: Callable[[float], float],
    out: list[StateSegment] | None = None,
    marks: list[tuple[int, float]] | None = None,
) -> list[StateSegment]:
    """The segments with each stretch inside an alert's span (kind, start x, end x) made to say
    what the alert says: a trend that is locally flat or improving inside a span where the loss
    has risen beyond noise above its best (`LOSS_WORSE_KINDS`) reads loss-worse, and accuracy
    below its peak (`ACC_WORSE_KINDS`) reads accuracy-worse; inside a loss-above-chance span
    (`CHANCE_KINDS`) every state reads worse-than-chance, and inside a held accuracy's stretch
    (`HELD_ACC`) a state whose accuracy is not worse reads acc-stuck. A warming-up stretch inside
    such a span reads what the alert says (loss worse and accuracy holding where only the loss is
    said worse), elsewhere it is kept. Adjacent segments of one state are merged. `prev(x)`: the x
    of the last evaluation before x (a piece cut where a span starts ends there); `nxt(x)`: the x of
    the first evaluation at or after x (where a piece cut just after a span's end starts).
    O((segments + spans) log spans): the cuts inside a segment are found by bisection, and whether a
    piece lies inside some span by a prefix maximum of span ends over spans sorted by start.

    To continue an earlier result (the segments are the ones after those it was computed from, and
    `spans` all the spans that reach them), pass it as `out`: it is extended in place, merging
    across the seam, and returned; `marks` then gets (len(out), out[-1].end) after each segment."""
    judge = SpanJudge(spans)
    if judge.empty and out is None:
        return segments
    out = [] if out is None else out
    for seg in segments:
        pieces = judge.pieces(seg)
        for j in range(len(pieces) - 1):
            judge.piece(seg, pieces, j, prev, nxt, out)
        if marks is not None:
            marks.append((len(out), out[-1].end if out else math.nan))
    return out


class SpanJudge:
    """What `agree_with_alerts` reads of a set of alert spans: where they cut a segment into pieces,
    and which spans cover a piece (`_Cover`); a piece at a time (`piece`), so that a caller that
    kept the result of a segment's first pieces (`agreed.AgreedStates`: the growing last segment)
    can go on from there."""

    __slots__ = ("acc_cover", "chance_cover", "cuts", "empty", "held_cover", "loss_cover")

    def __init__(self, spans: list[tuple[str, float, float]]) -> None:
        worse = [(a, b, k) for k, a, b in spans if k in AGREE_KINDS]
        self.empty = not worse
        # a span covers its first and last evaluation: pieces start at a span's start and just after
        # its end (a NaN bound is never inside a segment)
        self.cuts = sorted(
            c for c in {w[0] for w in worse} | {math.nextafter(w[1], math.inf) for w in worse} if c == c
        )
        self.loss_cover = _Cover([(a, b) for a, b, k in worse if k in LOSS_WORSE_KINDS])
        self.acc_cover = _Cover([(a, b) for a, b, k in worse if k in ACC_WORSE_KINDS])
        self.chance_cover = _Cover([(a, b) for a, b, k in worse if k in CHANCE_KINDS])
        self.held_cover = _Cover([(a, b) for a, b, k in worse if k == HELD_ACC])

    def pieces(self, seg: StateSegment) -> list[float]:
        """Where the segment's pieces start (x): its start and each cut inside it, then inf."""
        inner: list[float] = []
        if seg.start == seg.start and seg.end == seg.end:  # (NaN: no cut lies inside)
            cuts = self.cuts
            inner = cuts[bisect_right(cuts, seg.start) : bisect_right(cuts, seg.end)]
        return [seg.start, *inner, math.inf]

    def piece(
        self,
        seg: StateSegment,
        pieces: list[float],
        j: int,
        prev: Callable[[float], float],
        nxt: Callable[[float], float],
        out: list[StateSegment],
    ) -> None:
        """Append piece j of the segment (`pieces`: `self.pieces(seg)`) to `out`, made to say what
        the spans covering it say, merged into the last piece of `out` when of one state."""
        lo = pieces[j] if j == 0 else nxt(pieces[j])
        hi = seg.end if j == len(pieces) - 2 else prev(pieces[j + 1])
        if hi < lo:
            return
        state = seg.state
        warm = state == WARMING_UP
        if state in _PARTS or warm:
            # (a warming-up stretch has no trend of its own: it reads what an alert over it says,
            # else stays warming-up; tester 18 N5, a 4-epoch fine-tune read "warming-up" for the
            # whole run beside an overfitting warning whose rise follows from the numbers)
            loss, acc = _PARTS.get(state, (0, 0))
            if self.loss_cover.covers(lo, hi):
                loss, warm = -1, False
            if self.acc_cover.covers(lo, hi):
                acc, warm = -1, False
            if not warm:
                state = _state_of(loss, acc)
            # what an alert says of the level outranks the trends: a loss worse than a uniform
            # guess is not "flat" or "improving", nor an accuracy held at a share it is stuck at
            if self.chance_cover.covers(lo, hi):
                state = WORSE_THAN_CHANCE
            elif acc >= 0 and self.held_cover.covers(lo, hi):
                state = ACC_STUCK
        if out and out[-1].state == state:
            out[-1].end = hi
        else:
            out.append(StateSegment(state, lo, hi))


class _Cover:
    """Whether some span (a, b) of a fixed set has a <= lo and hi <= b: O(log spans) a query."""

    def __init__(self, spans: list[tuple[float, float]]) -> None:
        spans = sorted(s for s in spans if s[0] == s[0])  # (a NaN start covers nothing)
        self.starts = [a for a, _ in spans]
        self.reach: list[float] = []  # the largest end among the spans up to each one
        top = -math.inf
        for _, b in spans:
            top = b if b > top else top  # (a NaN end never wins: it covers nothing)
            self.reach.append(top)

    def covers(self, lo: float, hi: float) -> bool:
        if lo != lo or hi != hi:
            return False
        k = bisect_right(self.starts, lo)
        return k > 0 and self.reach[k - 1] >= hi
