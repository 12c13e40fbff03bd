"""Feeding a whole chunk of logged accuracies to a `resolution.GridEstimate` in O(new distinct
values) Python work instead of a call per point.

A GridEstimate changes only when it is given a finite value strictly between 0 and 1 that it has
not been given before (`GridEstimate.feed` returns at once for any other). An accuracy evaluated on
n samples takes at most n + 1 values, so on a long per-step series nearly every point is a value
seen before: the feeder remembers what it has given and calls `feed` only for the rest, in the
order they come, and reads the estimate's state (n, n_fit) between them.

>>> from lossacc_tui.analysis.resolution import GridEstimate, step_floor
>>> f = GridFeeder(GridEstimate())
>>> n, step = f.feed_many(np.array([0.5, 0.5, np.nan, 0.25, 0.5]))
>>> len(n) == len(step) == 5
True
>>> f.calls
2
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from lossacc_tui.analysis.npcalls import nonzero1
from lossacc_tui.analysis.passmemo import quiet
from lossacc_tui.analysis.resolution import GridEstimate, step_floor


class GridFeeder:
    """`grid` with the values it has been given (each value passed to `feed` at most once)."""

    def __init__(self, grid: GridEstimate) -> None:
        self.grid = grid
        self._given: set[float] = set()
        self.calls = 0  # `feed` calls made (a cost counter, for tests)

    def feed_many(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Feed `values` in order; (n, step) after each one, as float arrays of len(values): n as
        `grid.feed` returns it (NaN for None) and the larger of `step_floor(grid.n_fit)` and
        `grid.printed_unit` (fraction; NaN: none).
        The same as calling `grid.feed` on each value."""
        m = len(values)
        g = self.grid
        if g.settled:  # (no value can change it now: its state after every point is the one it has)
            n_now = math.nan if g.n is None else float(g.n)
            return np.full(m, n_now), np.full(m, np.fmax(step_floor(g.n_fit), g.printed_unit))
        with quiet(invalid="ignore"):
            ok = np.isfinite(values) & (values > 0.0) & (values < 1.0)
        cand = nonzero1(ok)
        # first occurrence in this chunk of each value not given before, in order
        pos: list[int] = []
        states = [(g.n, g.n_fit, g.printed_unit)]
        for piece in first_seen_pieces(values[cand], self._given):
            for p in cand[piece].tolist():
                v = float(values[p])
                g.feed(v)
                self._given.add(v)
                self.calls += 1
                pos.append(p)
                states.append((g.n, g.n_fit, g.printed_unit))
                if g.settled:  # (the feeds left would change nothing: the state stays the last one)
                    break
            if g.settled:
                break
        # the state after point j: the one after the last feed at or before j
        which = np.searchsorted(np.asarray(pos, dtype=np.int64), np.arange(m), side="right")
        n = np.array([math.nan if s[0] is None else float(s[0]) for s in states])[which]
        # (one unit of the printing is as small as a change the log can show: a 2-decimal log's
        # 0.97 -> 0.96 may be one sample of 100 or of any set, so it is no trend either)
        step = np.array([np.fmax(step_floor(s[1]), s[2]) for s in states])[which]
        return n, step


def first_seen(values: np.ndarray, given: set[float] | frozenset[float] = frozenset()) -> np.ndarray:
    """Positions (ascending) of the first occurrence of each distinct value of `values` that is not
    in `given`. `values`: finite floats. The same as `np.unique(values, return_index=True)`'s
    indices of the values not given, sorted; but the stable sort of every value that needs costs
    O(m log m) for m values, and a per-step accuracy takes few distinct values, most of them
    early: so the values not given are listed at once (a hash), their first positions looked for
    in the first block, and those of the few left only among the values equal to one of them."""
    m = len(values)
    if m <= 2 * _FIRST:  # (a few values: one sort is cheapest)
        uniq, first = np.unique(values, return_index=True)
        pos = [i for u, i in zip(uniq.tolist(), first.tolist(), strict=True) if u not in given]
        return np.array(sorted(pos), dtype=np.int64)
    want = {u for u in np.unique(values).tolist() if u not in given}
    found: list[int] = []
    if want:
        uniq, first = np.unique(values[:_FIRST], return_index=True)
        for u, i in zip(uniq.tolist(), first.tolist(), strict=True):
            if u in want:
                want.discard(u)
                found.append(i)
    if want:
        rest = values[_FIRST:]
        hit = np.flatnonzero(np.isin(rest, np.array(sorted(want))))
        _, first = np.unique(rest[hit], return_index=True)
        found.extend((_FIRST + hit[first]).tolist())
    return np.array(sorted(found), dtype=np.int64)


_FIRST = 4096  # values looked at first
_SHORT = 64  # values walked one by one in Python (a live update's new points, a small run)


def first_seen_pieces(
    values: np.ndarray, given: set[float] | frozenset[float] = frozenset()
) -> Iterator[np.ndarray]:
    """`first_seen(values, given)` in pieces (ascending position arrays; together, the same
    positions): the values are looked at in stretches that double from `_FIRST`, so a caller that
    stops early (a grid settled after a few hundred distinct values) has not sorted the rest."""
    if len(values) <= _SHORT:  # (a few values: a walk costs less than numpy's sorts and hashes)
        seen: set[float] = set()
        pos: list[int] = []
        for i, u in enumerate(values.tolist()):
            if u not in given and u not in seen:
                seen.add(u)
                pos.append(i)
        if pos:
            yield np.array(pos, dtype=np.int64)
        return
    prior: set[float] = set()
    a, size = 0, _FIRST
    while a < len(values):
        piece = values[a : a + size]
        u_list = np.unique(piece).tolist()  # (no positions: a hash, not a stable sort)
        want = [u for u in u_list if u not in given and u not in prior]
        prior.update(u_list)
        if want:
            hit = np.flatnonzero(np.isin(piece, np.array(want))) if 8 * len(want) < len(u_list) else None
            got = piece if hit is None else piece[hit]
            uniq, first = np.unique(got, return_index=True)
            wanted = set(want)
            keep = [i for u, i in zip(uniq.tolist(), first.tolist(), strict=True) if u in wanted]
            pos = np.array(sorted(keep), dtype=np.int64)
            yield a + (pos if hit is None else hit[pos])
        a, size = a + size, 2 * size
