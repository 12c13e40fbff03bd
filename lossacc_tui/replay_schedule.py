"""When each record of a finished log plays in a replay: in the order and at the pace the log was
written (its own timestamps), or evenly spaced when it has none. Textual-free, numpy only."""

from __future__ import annotations

import numpy as np

UNTIMED_GAP = 1.0  # seconds between records at 1x when the log has no timestamps
MAX_GAP_FACTOR = 10.0  # a pause longer than this many typical gaps is shortened to that


def schedule(stream: np.ndarray, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Play order and play time (seconds into the log) of records, given the stream (file) each
    comes from and its timestamp (NaN: none). Timestamped records play in time order, at their
    own pace (a pause longer than MAX_GAP_FACTOR typical gaps is shortened to that); streams
    without timestamps play side by side, one record every UNTIMED_GAP seconds.

    >>> order, t = schedule(np.array([0, 0, 1, 1]), np.full(4, np.nan))
    >>> order.tolist(), t.tolist()
    ([0, 2, 1, 3], [1.0, 1.0, 2.0, 2.0])
    """
    n = len(times)
    t = np.array(times, dtype=np.float64)
    known = np.isfinite(t)
    if known.sum() >= 2 and np.nanmax(t) > 1e11:  # milliseconds since the epoch
        t = t / 1000.0
    if known.sum() >= max(2, n // 2):
        for key in np.unique(stream):  # a record without a time takes its stream's previous one
            idx = np.flatnonzero(stream == key)
            seg = t[idx]
            last = np.maximum.accumulate(np.where(np.isfinite(seg), np.arange(len(seg)), -1))
            fill = seg[int(np.argmax(last >= 0))] if (last >= 0).any() else np.nanmin(t)
            t[idx] = np.where(last >= 0, seg[np.maximum(last, 0)], fill)
        order = np.argsort(t, kind="stable")
        gaps = np.diff(t[order], prepend=t[order][0])
        typical = float(np.median(gaps[gaps > 0])) if (gaps > 0).any() else UNTIMED_GAP
        gaps = np.minimum(gaps, typical * MAX_GAP_FACTOR)
        gaps[0] = typical
        return order, np.cumsum(gaps)
    rank = np.zeros(n)
    for key in np.unique(stream):
        idx = np.flatnonzero(stream == key)
        rank[idx] = np.arange(1, len(idx) + 1)
    order = np.lexsort((np.arange(n), rank))
    return order, rank[order] * UNTIMED_GAP
