"""The shape of `SpanTrend`'s long windows, whatever the values: per point of a chunk, the window of
the last idx / 10 points (10 to `LONG_MAX`) it pools, where that window starts among the running
sums seen (`geometry`), and the sums over it taken from at most two slices (`one_slice`,
`minus_columns`). Moved out of span_trend.py, unchanged."""

from __future__ import annotations

import numpy as np

from lossacc_tui.analysis.npcalls import clip

#: most points the long noise estimate pools (`SpanTrend._long`)
LONG_MAX = 256
#: the running-sum rows `SpanTrend._long` and `_recent` read (row 4, the squared first differences, is
#: read only over the span since the best)
LONG_ROWS = np.array([0, 1, 2, 3, 5, 6], dtype=np.intp)  # (an index array: a list is converted at each use)


def one_slice(ok: np.ndarray, kk: np.ndarray) -> int:
    """The column the first window starts at when every window starts inside what was seen and
    each starts one column after the one before (a chunk past `LONG_MAX` * 10 points: windows of
    one length); -1 otherwise."""
    if len(kk) == 0 or not ok.all():
        return -1
    return int(kk[0]) if int(kk[-1]) - int(kk[0]) == len(kk) - 1 else -1


def minus_columns(cs: np.ndarray, tail: np.ndarray, start: int) -> np.ndarray:
    """The `LONG_ROWS` rows of the chunk's running sums `cs` (7, n) minus columns start ..
    start + n - 1 of the tail's sums followed by the chunk's: what subtracting
    `np.concatenate([tail, cs], axis=1)[LONG_ROWS][:, kk]` gives for consecutive kk, element by
    element the same subtractions, from at most two slices and without copying the columns first.
    Shape (6, n)."""
    n, t0 = cs.shape[1], tail.shape[1]
    out = np.empty((len(LONG_ROWS), n))
    cut = min(max(t0 - start, 0), n)  # (columns read from the tail)
    for k, r in enumerate(LONG_ROWS.tolist()):
        if cut:
            np.subtract(cs[r, :cut], tail[r, start : start + cut], out=out[k, :cut])
        if cut < n:
            lo = start + cut - t0
            np.subtract(cs[r, cut:], cs[r, lo : lo + n - cut], out=out[k, cut:])
    return out


Geometry = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool]


def geometry(t0: int, idx: np.ndarray) -> Geometry:
    """What `SpanTrend._long_raw`'s windows are, whatever the values: per point of the chunk `idx`
    (consecutive indices) after `t0` tail columns, whether its window starts inside what was seen
    (ok), the column it starts at (kk), its points (n, float), their mean index (tbar), the spread
    of their indices (sxx), n >= 3; and whether any window starts inside. Read-only; the same
    arrays for the same arguments (every small run's first chunk, every live update's next one)."""
    key = (t0, int(idx[0]), int(idx[-1]), len(idx))
    got = _GEOMETRY.get(key)
    if got is None and len(idx) == 1:  # (a live update's point: the same arithmetic on Python numbers)
        i = key[1]
        lb = min(max(i // 10, 10), LONG_MAX)
        inside = t0 - lb >= 0
        nv = float(lb if inside else i + 1)
        arrays = (
            np.array([inside]),
            np.array([max(t0 - lb, 0)], dtype=np.int64),
            np.array([nv]),
            np.array([i - (nv - 1) / 2.0]),
            np.array([nv * (nv * nv - 1.0) / 12.0]),
            np.array([nv >= 3]),
        )
    elif got is None:
        lookback = clip(idx // 10, 10, LONG_MAX)
        k = np.arange(t0, t0 + len(idx)) - lookback
        ok = k >= 0
        kk = np.maximum(k, 0)
        n = np.where(ok, lookback, idx + 1).astype(np.float64)  # points in the window
        tbar = idx - (n - 1) / 2.0
        sxx = n * (n * n - 1.0) / 12.0
        arrays = (ok, kk, n, tbar, sxx, n >= 3)
    if got is None:
        for a in arrays:
            a.setflags(write=False)
        got = (*arrays, bool(arrays[0].any()))
        if len(_GEOMETRY) >= 256:
            _GEOMETRY.clear()
        _GEOMETRY[key] = got
    return got


#: `geometry`'s answers
_GEOMETRY: dict[tuple[int, int, int, int], Geometry] = {}


__all__ = ["LONG_MAX", "LONG_ROWS", "Geometry", "geometry", "minus_columns", "one_slice"]
