"""Alerts, state segments, and the latch that opens and closes alerts with hysteresis."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from lossacc_tui.analysis.claims import Claim
from lossacc_tui.analysis.kind import kind_order

Severity = Literal["info", "warning", "critical"]
SEVERITIES: tuple[Severity, ...] = ("info", "warning", "critical")

STATES: tuple[str, ...] = (
    "warming-up",
    "both-improving",
    "loss-better-acc-worse",
    "loss-worse-acc-better",
    "both-worse",
    "flat",
    # (never from the trends themselves: what an alert over the stretch says, `states.agree_with_alerts`)
    "acc-stuck",
    "worse-than-chance",
)


def _num(v: Any) -> Any:
    """JSON-safe number: non-finite floats become None."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, np.floating):
        return _num(float(v))
    if isinstance(v, np.integer):
        return int(v)
    return v


class Alert:
    """One alert: what kind, how bad, when (x of the run's axis), the numbers, the explanation.

    `evidence`, `title` and `explanation` are computed when first read (detectors set the
    renderers), so an analysis that opens thousands of alerts does not format thousands of texts.
    """

    __slots__ = (
        "_claims",
        "_claims_fn",
        "_ev",
        "_ev_fn",
        "_expl",
        "_expl_fn",
        "_title",
        "_title_fn",
        "active",
        "data",
        "end",
        "kind",
        "severity",
        "start",
    )

    def __init__(
        self,
        kind: str,
        severity: Severity,
        title: str,
        start: float,
        end: float | None = None,
        active: bool = True,
        evidence: dict[str, float] | None = None,
        explanation: str = "",
        data: dict[str, Any] | None = None,
    ) -> None:
        self.kind = kind
        self.severity: Severity = severity
        self.start = start
        self.end = end
        self.active = active
        self._ev: dict[str, float] | None = {} if evidence is None else evidence
        self._ev_fn: Callable[[Alert], dict[str, float]] | None = None
        #: detector bookkeeping (indices, metric names); not part of the public record
        self.data: dict[str, Any] = {} if data is None else data
        self._title: str | None = title
        self._expl: str | None = explanation
        self._title_fn: Callable[[Alert], str] | None = None
        self._expl_fn: Callable[[Alert], str] | None = None
        self._claims: list[Claim] | None = []
        self._claims_fn: Callable[[Alert], list[Claim]] | None = None

    def set_renderers(
        self,
        title: Callable[[Alert], str],
        explanation: Callable[[Alert], str],
        evidence: Callable[[Alert], dict[str, float]] | None = None,
        claims: Callable[[Alert], list[Claim]] | None = None,
    ) -> None:
        """Evidence, claims and texts are built on demand from `data`; call `invalidate()` when it
        changes."""
        self._title_fn, self._expl_fn = title, explanation
        if evidence is not None:
            self._ev_fn = evidence
        if claims is not None:
            self._claims_fn = claims
        self.invalidate()

    def invalidate(self) -> None:
        if self._claims_fn is not None:
            self._claims = None
        if self._ev_fn is not None:
            self._ev = None
        if self._title_fn is not None:
            self._title = None
        if self._expl_fn is not None:
            self._expl = None

    @property
    def evidence(self) -> dict[str, float]:
        if self._ev is None:
            self._ev = self._ev_fn(self) if self._ev_fn else {}
        return self._ev

    @evidence.setter
    def evidence(self, value: dict[str, float]) -> None:
        self._ev, self._ev_fn = value, None

    @property
    def claims(self) -> list[Claim]:
        """What the alert says about the run, each with its strength (see `claims.py`)."""
        if self._claims is None:
            self._claims = self._claims_fn(self) if self._claims_fn else []
        return self._claims

    @claims.setter
    def claims(self, value: list[Claim]) -> None:
        self._claims, self._claims_fn = value, None

    @property
    def title(self) -> str:
        if self._title is None:
            self._title = self._title_fn(self) if self._title_fn else self.kind
        return self._title

    @title.setter
    def title(self, value: str) -> None:
        self._title, self._title_fn = value, None

    @property
    def explanation(self) -> str:
        if self._expl is None:
            self._expl = self._expl_fn(self) if self._expl_fn else ""
        return self._expl

    @explanation.setter
    def explanation(self, value: str) -> None:
        self._expl, self._expl_fn = value, None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "severity": self.severity,
            "title": self.title,
            "start": _num(self.start),
            "end": _num(self.end),
            "active": self.active,
            "evidence": {k: _num(v) for k, v in self.evidence.items()},
            "claims": [c.to_dict() for c in self.claims],
            "explanation": self.explanation,
        }

    def snapshot(self) -> Alert:
        """A copy that later updates of this alert do not change (for event streams); evidence
        and texts not computed yet are computed from the copy's own data when read."""
        ev = None if self._ev is None else dict(self._ev)
        a = Alert(self.kind, self.severity, "", self.start, self.end, self.active, ev, "", dict(self.data))
        a._ev, a._title, a._expl = ev, self._title, self._expl
        a._ev_fn, a._title_fn, a._expl_fn = self._ev_fn, self._title_fn, self._expl_fn
        a._claims = None if self._claims is None else list(self._claims)
        a._claims_fn = self._claims_fn
        return a

    def sort_key(self) -> tuple[float, int, str]:
        s = self.start if self.start is not None and math.isfinite(self.start) else math.inf
        kind = kind_order(self.kind)
        return (s, kind, str(self.data.get("subject", "")))

    def __repr__(self) -> str:
        end = "" if self.end is None else f"-{self.end:g}"
        state = "active" if self.active else "closed"
        return f"Alert({self.kind}, {self.severity}, {self.start:g}{end}, {state})"


@dataclass
class StateSegment:
    """A stretch of evaluations (x from start to end, inclusive) in one joint state."""

    state: str
    start: float
    end: float

    def to_dict(self) -> dict[str, Any]:
        return {"state": self.state, "start": _num(self.start), "end": _num(self.end)}


#: 'reopened': a closed alert of the same kind and place came back and is active again as one more
#: episode of itself (`merging`); it keeps its start, so a consumer updates it rather than adding it.
#: 'severity': an open alert's severity changed (an overfitting info that became a warning) with no
#: other event of it in the same analysis pass; the snapshot carries the new severity
Event = tuple[Literal["opened", "closed", "reopened", "severity"], Alert]


class Runs:
    """The runs of True in a boolean chunk (the first may continue a run of `carry` points from
    the chunk before), built from whichever of the True/False positions is sparser. Answers
    'first point at or after s where the run has lasted n points' in O(log runs).

    >>> r = Runs(np.array([True, False, True, True, True]), carry=1, n=2)
    >>> r.first_reaching(0), r.first_reaching(1), r.begin(4), r.tail
    (0, 3, 2, 3)
    """

    __slots__ = ("eff", "ends", "reach", "tail", "valid")

    def __init__(self, cond: np.ndarray, carry: int, n: int) -> None:
        m = len(cond)
        ones = int(np.count_nonzero(cond))
        if ones == 0:
            starts = ends = np.empty(0, dtype=np.int64)
        elif ones <= m // 2:
            t = np.flatnonzero(cond)
            brk = np.flatnonzero(np.diff(t) != 1)
            starts = t[np.concatenate([[0], brk + 1])]
            ends = t[np.concatenate([brk, [len(t) - 1]])]
        else:
            f = np.flatnonzero(~cond)
            starts = np.concatenate([[0], f + 1])
            ends = np.concatenate([f - 1, [m - 1]])
            keep = starts <= ends
            starts, ends = starts[keep], ends[keep]
        eff = starts.copy()
        if len(eff) and eff[0] == 0:
            eff[0] = -carry  # the run began `carry` points before this chunk
        reach = np.maximum(starts, eff + n - 1)
        self.ends, self.eff, self.reach = ends, eff, reach
        self.valid = np.flatnonzero(reach <= ends)
        self.tail = int(m - eff[-1]) if len(ends) and ends[-1] == m - 1 else 0

    def first_reaching(self, s: int) -> int | None:
        k = int(np.searchsorted(self.ends, s))  # first run ending at or after s
        if k < len(self.ends) and self.reach[k] <= self.ends[k] and s <= self.ends[k]:
            return max(int(self.reach[k]), s)
        j = int(np.searchsorted(self.valid, k + 1))
        return None if j == len(self.valid) else int(self.reach[self.valid[j]])

    def begin(self, i: int) -> int:
        """Where the run containing point i began (negative: before the chunk)."""
        k = int(np.searchsorted(self.ends, i))
        return int(self.eff[k])


class Latch:
    """Opens when `open` has held for `n_open` points, closes when `close` has held for
    `n_close` points, or at once at a point of `force` (the alert's premise no longer holds there,
    e.g. the loss it says has risen made a new best). `close` and `force` must imply not `open` (the
    caller guarantees it), so a release run can only start after the condition stopped.
    Vectorized: Python work per transition only.
    """

    __slots__ = ("active", "n_close", "n_open", "run_close", "run_open")

    def __init__(self, n_open: int, n_close: int) -> None:
        self.n_open, self.n_close = max(1, n_open), max(1, n_close)
        self.active = False
        self.run_open = 0
        self.run_close = 0

    def feed(
        self,
        open_: np.ndarray,
        close: np.ndarray,
        k0: int,
        force: np.ndarray | None = None,
        gate: np.ndarray | None = None,
    ) -> list[tuple[str, int, int]]:
        """Transitions in this chunk: ('open', index, index where the condition began) or
        ('close', index, last index where the alert still held). Indices are absolute. A close at
        a `force` point ends the alert where its release run began (or just before that point).
        With `gate`, an alert opens only at a point where it is True: a run of `open` that has
        lasted `n_open` points goes on counting through points where it is False, and opens at its
        first point where it is True (what the alert says of its opening point must hold there)."""
        m = len(open_)
        if m == 0:
            return []
        # a few new points (following a live log) or a short run: a plain loop is cheaper (measured:
        # 100 points 0.1 ms against 0.4 ms for the runs' arrays; even at about 300)
        if m <= 256:
            quiet = _quiet(self, open_, close, force)
            if quiet is not None:  # (no transition in the chunk: the run lengths are all it changes)
                self.run_open, self.run_close = quiet
                return []
            f = [False] * m if force is None else force.tolist()
            g = [True] * m if gate is None else gate.tolist()
            return self._feed_small(open_.tolist(), close.tolist(), f, k0, g)
        ro = Runs(open_, self.run_open, self.n_open)
        rc = Runs(close, self.run_close, self.n_close)
        forced = np.flatnonzero(force) if force is not None else np.empty(0, dtype=np.int64)
        out: list[tuple[str, int, int]] = []
        pos = 0
        while pos < m:
            if not self.active:
                i = ro.first_reaching(pos)
                if i is not None and gate is not None:
                    i = _gated(ro, gate, i)
                if i is None:
                    break
                out.append(("open", k0 + i, k0 + ro.begin(i)))
                self.active = True
                pos = i + 1
            else:
                j = rc.first_reaching(pos)
                q = int(np.searchsorted(forced, pos))
                f = int(forced[q]) if q < len(forced) else None
                if f is not None and (j is None or f < j):
                    end = rc.begin(f) - 1 if close[f] else f - 1
                    out.append(("close", k0 + f, k0 + end))
                    self.active = False
                    pos = f + 1
                    continue
                if j is None:
                    break
                out.append(("close", k0 + j, k0 + rc.begin(j) - 1))
                self.active = False
                pos = j + 1
        self.run_open, self.run_close = ro.tail, rc.tail
        return out

    def _feed_small(
        self, open_: list[bool], close: list[bool], force: list[bool], k0: int, gate: list[bool]
    ) -> list[tuple[str, int, int]]:
        out: list[tuple[str, int, int]] = []
        ro, rc = self.run_open, self.run_close
        for i, (o, c, f, g) in enumerate(zip(open_, close, force, gate, strict=True)):
            ro = ro + 1 if o else 0
            rc = rc + 1 if c else 0
            if not self.active and ro >= self.n_open and g:
                out.append(("open", k0 + i, k0 + i - ro + 1))
                self.active = True
            elif self.active and (rc >= self.n_close or f):
                out.append(("close", k0 + i, k0 + i - max(rc, 1)))
                self.active = False
        self.run_open, self.run_close = ro, rc
        return out


def _gated(ro: Runs, gate: np.ndarray, i: int) -> int | None:
    """The first point at or after i, in a run of `ro` that has lasted its n points there, where
    `gate` is True; None when there is none in the chunk."""
    ok = np.flatnonzero(gate[i:]) + i
    while True:
        k = int(np.searchsorted(ro.ends, i))  # (the run holding i)
        q = int(np.searchsorted(ok, i))
        if q < len(ok) and ok[q] <= ro.ends[k]:
            return int(ok[q])
        nxt = ro.first_reaching(int(ro.ends[k]) + 1)
        if nxt is None:
            return None
        i = nxt


def _tail_run(cond: np.ndarray, carry: int) -> int:
    """How many consecutive True values end `cond` (1-D bool), continuing `carry` when all are."""
    false_at = (~cond).nonzero()[0]
    return carry + len(cond) if not len(false_at) else len(cond) - 1 - int(false_at[-1])


def _quiet(
    latch: Latch, open_: np.ndarray, close: np.ndarray, force: np.ndarray | None
) -> tuple[int, int] | None:
    """The latch's (run_open, run_close) after a chunk in which it neither opens nor closes, or None
    when it may do either (then `Latch._feed_small` walks the points). Closed: no point of `open_`
    (so its run never reaches n_open). Open: no point of `close` or `force` (a release needs one)."""
    if not latch.active:
        if open_.any():
            return None
        return 0, _tail_run(close, latch.run_close)
    if close.any() or (force is not None and force.any()):
        return None
    return _tail_run(open_, latch.run_open), 0
