"""Lookups into a long history that cost what was appended since the last one: whether an x column
is non-decreasing (`ordered`), the last point at or before each x (`at_or_before`), and running
sums of a series' values (`prefix_sums`). Each remembers what it checked or summed, so a live run's
analysis does not pass over its whole history at every update.
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING

import numpy as np

from lossacc_tui.analysis.passmemo import in_pass

if TYPE_CHECKING:
    from lossacc_tui.model import Series


def ordered(col: np.ndarray) -> bool:
    """`bool(np.all(col[1:] >= col[:-1]))` (False with a NaN past the first value): the 1-D column
    is non-decreasing. Within a pass (`one_pass`) the answer is remembered, also for later passes,
    and extended over the values appended since, so the lookups of a live run into a long history
    pay a comparison of its new values only. The memory holding a column's values is known by the
    array that owns it (a weak reference: an entry never keeps it alive, and a dead one is never
    taken for a new array at the same address); a series' columns are append-only (a changed value
    makes a new array)."""
    n = len(col)
    if n < 2 or not in_pass():
        return n < 2 or bool(np.all(col[1:] >= col[:-1]))
    owner = col
    while isinstance(owner.base, np.ndarray):
        owner = owner.base
    key = (col.__array_interface__["data"][0], col.strides[0], col.dtype.str)
    with _ORDERED_LOCK:
        got = _ORDERED.get(key)
    if got is not None and got[0]() is owner and got[1] <= n:
        _, done, ok = got
        if not ok or done == n:
            return ok
        ok = bool(np.all(col[done:] >= col[done - 1 : -1]))
    else:
        ok = bool(np.all(col[1:] >= col[:-1]))
    with _ORDERED_LOCK:
        _ORDERED.pop(key, None)
        _ORDERED[key] = (weakref.ref(owner), n, ok)
        while len(_ORDERED) > _ORDERED_KEEP:
            del _ORDERED[next(iter(_ORDERED))]
    return ok


#: `ordered`'s answers: (where the values start, stride, dtype) -> (weak reference to the array that
#: owns that memory, values checked, whether they are non-decreasing); the most recent last
_ORDERED: dict[tuple[int, int, str], tuple[weakref.ref[np.ndarray], int, bool]] = {}
_ORDERED_KEEP = 64
_ORDERED_LOCK = threading.Lock()


def at_or_before(col: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """`np.searchsorted(col, xs, side="right") - 1`: for each x the index of the last value of `col`
    at or before it (-1: none), `col` the x values of a series (non-decreasing where the answer is
    defined). The same numbers, for less than a binary search per x in the two common cases of a
    non-decreasing `col` with many xs: xs that are a run of col itself (two series logged on the
    same rows), looked up in one comparison; and xs in runs of one value (the x of a running best),
    one binary search per run. Either needs a pass over col: taken only when len(xs) is at least a
    sixteenth of it (a backlog's block), so a few new points cost O(log len(col)) each; and for a
    short col (under 1,024 values), where the binary searches cost less than the checks."""
    m = len(xs)
    # (checking that col is ordered is a pass over it: done only for many xs, so that a few new
    # points of a long history cost a binary search each, not a pass; NaN: not ordered)
    if m < 64 or 16 * m < len(col) or len(col) < 1024 or not ordered(col):
        return np.searchsorted(col, xs, side="right") - 1
    k0 = int(np.searchsorted(col, xs[0], side="right")) - 1
    hi = k0 + m
    if (
        k0 >= 0
        and hi <= len(col)
        and np.array_equal(col[k0:hi], xs)
        and (hi == len(col) or col[hi] > xs[-1])
        and bool(np.all(xs[1:] > xs[:-1]))
    ):
        return np.arange(k0, hi, dtype=np.intp)
    starts = np.flatnonzero(xs[1:] != xs[:-1]) + 1
    if len(starts) < m // 4:
        starts = np.concatenate([[0], starts])
        k = np.searchsorted(col, xs[starts], side="right") - 1
        return np.repeat(k, np.diff(np.append(starts, m)))
    return np.searchsorted(col, xs, side="right") - 1


#: prefix sums of the last few series `prefix_sums` was asked for (`detectors.series_at.lookup_level`: the
#: analysis of a live run reads the same accuracy at each update), so an update costs its new points
_SUMS: dict[int, tuple[Series, tuple[object, ...], int, np.ndarray, np.ndarray]] = {}
_SUMS_KEEP = 4
_SUMS_LOCK = threading.Lock()


def prefix_sums(series: Series) -> tuple[np.ndarray, np.ndarray]:
    """(cs, cn), each len(series.raw) + 1 long: cs[k] the sum of the finite values among raw[:k]
    (fixed order, from the first), cn[k] how many there are. Kept between calls and extended by the
    points appended since: a cumulative sum adds one value at a time, so continuing it from its
    last entry gives the numbers summing from the start gives. Started over when the series' values
    may have changed (a fold of its oldest points, a change of unit: its generation, scale, base)."""
    raw = np.asarray(series.raw, dtype=np.float64)
    n = len(raw)
    key = (series.generation, series.scale, series.base)
    with _SUMS_LOCK:
        got = _SUMS.get(id(series))
        if got is None or got[0] is not series or got[1] != key or got[2] > n:
            fin = np.isfinite(raw)
            cap = max(64, n + 1 + n // 4)
            cs, cn = np.empty(cap), np.empty(cap, dtype=np.int32)  # (counts: 12 bytes a point in all)
            cs[0], cn[0] = 0.0, 0
            np.cumsum(np.where(fin, raw, 0.0), out=cs[1 : n + 1])
            np.cumsum(fin, out=cn[1 : n + 1])
        else:
            _, _, done, cs, cn = got
            if n + 1 > len(cs):  # (room for a quarter as many again)
                cap = n + 1 + n // 4
                cs, cn = np.resize(cs, cap), np.resize(cn, cap)
            if done < n:  # (nothing appended since: the sums are as kept)
                new = raw[done:]
                fin = np.isfinite(new)
                cs[done : n + 1] = np.cumsum(np.concatenate([[cs[done]], np.where(fin, new, 0.0)]))
                cn[done : n + 1] = np.cumsum(np.concatenate([[cn[done]], fin.astype(np.int32)]))
        _SUMS.pop(id(series), None)
        _SUMS[id(series)] = (series, key, n, cs, cn)
        while len(_SUMS) > _SUMS_KEEP:
            del _SUMS[next(iter(_SUMS))]
        return cs[: n + 1], cn[: n + 1]
