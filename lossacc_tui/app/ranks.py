"""The compare view's two rankings of runs (by best loss, by best accuracy): each run's best
values, its competition ranks (ties to the precision the values were logged with) and the runs
whose two orders disagree. Textual-free; O(n log n) in the runs ranked (5,000 runs of a folder are
ranked at every frame of the view, with the feed's lock held)."""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from lossacc_tui.app.tracker import RunState


def ranking(
    runs: list[RunState], names: list[str], role: str, high: bool
) -> list[tuple[int, str, float, bool]]:
    """(index in runs, name, best finite value, whether the series also went non-finite), best
    first, for runs that have the role: a run that diverged is ranked by its finite best, marked."""
    out = []
    for k, (rs, name) in enumerate(zip(runs, names, strict=True)):
        s = rs.run.by_role(role)  # type: ignore[arg-type]
        c = rs.caches.get(s.name) if s is not None else None
        best = (c.best_max if high else c.best_min) if c is not None else None
        if best is not None and s is not None:
            out.append((k, name, best[0], not bool(np.isfinite(s.values).all())))
    return sorted(out, key=lambda t: -t[2] if high else t[2])


#: decimals at or past this count as a value logged at full precision (compared exactly)
FULL_DECIMALS = 9
#: the last values of a series whose decimals tell how precisely it was logged
PRECISION_SAMPLE = 64


def logged_decimals(values: np.ndarray) -> int:
    """How many decimals a series was logged with: the most in the shortest repr of its last
    `PRECISION_SAMPLE` finite values (a print with 4 decimals gives 4, trailing zeros dropped by
    most values but not all; a float32 written in full, 16-17). Scientific notation counts as 17.

    >>> logged_decimals(np.array([0.1829, 0.25, 0.2412])), logged_decimals(np.array([0.18288479745388031]))
    (4, 16)
    """
    v = values[-PRECISION_SAMPLE:]
    best = 0
    for x in v[np.isfinite(v)]:
        r = repr(float(x))
        if "e" in r or "E" in r:
            return 17
        best = max(best, len(r.partition(".")[2]))
    return best


def places(
    ranked: list[tuple[int, str, float, bool]], high: bool = False, decimals: dict[int, int] | None = None
) -> dict[int, int]:
    """Competition ranks ("1, 1, 3") of `ranking`'s runs (index in runs -> rank): runs whose bests
    are equal to the precision the coarser of the two was logged with (`decimals`, index in runs
    -> `logged_decimals`; within half a unit of its last decimal) share a rank; values logged at
    full precision (`FULL_DECIMALS` or more) tie only when equal. The same run logged with 4
    decimals (0.1829) and at full precision (0.18288...) is one result, and ranking the print log's
    copy #5 beside four #1 copies of the same numbers read as a different one (tester 15).

    A run's rank is 1 + the runs better than it by more than the larger of the two's tolerances:
    counted by bisection in the sorted values of each tolerance (a few: one per precision logged),
    O(n log n). (Every pair had been compared: 4.8 s for each of the two orders at 5,000 runs,
    with the feed's lock held, and the view showed a count of runs from a minute before: h19t.)

    >>> bests = [(0, "a", 0.1829, False), (1, "b", 0.18288479, False), (2, "c", 0.2, False)]
    >>> places(bests, decimals={0: 4, 1: 16, 2: 4})
    {0: 1, 1: 1, 2: 3}
    """
    dec = decimals or {}
    sign = -1.0 if high else 1.0  # (values as "lower is better")

    def tolerance(k: int) -> float:
        d = dec.get(k, 17)
        return 0.0 if d >= FULL_DECIMALS else 0.5 * 10.0**-d * (1 + 1e-9)

    by_tol: dict[float, list[float]] = {}
    for t in ranked:
        by_tol.setdefault(tolerance(t[0]), []).append(sign * t[2])
    for values in by_tol.values():
        values.sort()
    out = {}
    for t in ranked:
        v, mine = sign * t[2], tolerance(t[0])
        # (better and not tied: u < v and v - u > the larger tolerance; at 0, u < v)
        out[t[0]] = 1 + sum(bisect.bisect_left(values, v - max(mine, tol)) for tol, values in by_tol.items())
    return out


def discordant(at_loss: dict[int, int], at_acc: dict[int, int]) -> set[int]:
    """The runs (keys of both place maps) that some other run beats on one metric while it beats
    that run on the other: their two orders disagree. A tie on either metric is no disagreement
    (three runs with the same accuracy are in any loss order). O(n log n): for each loss place, the
    worst accuracy place of the runs better by loss and the best of the runs worse by loss.

    >>> sorted(discordant({0: 1, 1: 2, 2: 3}, {0: 2, 1: 1, 2: 3}))
    [0, 1]
    >>> sorted(discordant({0: 1, 1: 2, 2: 3}, {0: 1, 1: 1, 2: 1}))
    []
    """
    both = sorted((at_loss[k], at_acc[k], k) for k in at_loss if k in at_acc)
    out: set[int] = set()
    worst_before = 0  # the largest accuracy place among runs strictly better by loss
    i = 0
    while i < len(both):
        j = i
        while j < len(both) and both[j][0] == both[i][0]:
            j += 1
        group = both[i:j]
        out |= {k for _, a, k in group if a < worst_before}
        worst_before = max(worst_before, max(a for _, a, _ in group))
        i = j
    best_after = len(both) + 1  # the smallest accuracy place among runs strictly worse by loss
    i = len(both)
    while i > 0:
        j = i
        while j > 0 and both[j - 1][0] == both[i - 1][0]:
            j -= 1
        group = both[j:i]
        out |= {k for _, a, k in group if a > best_after}
        best_after = min(best_after, min(a for _, a, _ in group))
        i = j
    return out


def precisions(runs: list[RunState], role: str) -> dict[int, int]:
    """`logged_decimals` of each run's series of `role` (index in runs -> decimals)."""
    out = {}
    for k, rs in enumerate(runs):
        s = rs.run.by_role(role)  # type: ignore[arg-type]
        if s is not None:
            out[k] = logged_decimals(s.values)
    return out
