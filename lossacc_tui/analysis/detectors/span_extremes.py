"""The highest or lowest values over an alert's span that its texts quote (a peak of the loss, the
lowest accuracy): kept as the span's chunks are fed, trimmed to the span's own points when it
closes, and read with the point now counted while it is open."""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.analysis.alerts import Alert

#: alert.data key prefix under which `span_extreme` keeps its runners-up (see there)
RUNNERS = "extreme_top:"


def span_extreme(
    alert: Alert, key: str, values: np.ndarray, xs: np.ndarray, idx: np.ndarray, high: bool
) -> None:
    """Keep the max (high) or min of `values` over the alert's points in alert.data[key] (with x
    and index), first occurrence on ties. Besides it, the next best values up to
    alert.data["extreme_keep"] in all (under RUNNERS + key): a span ends before the release points
    that confirmed its close (at most the latch's close_after of them and a forcing point), which a
    live log feeds here before anyone knows the alert closes, so `end_extremes` can take the
    extreme of the span's own points from these once it does (tester 20: "peak 1.0275 at epoch
    11" for a span of epochs 8-10)."""
    fin = np.isfinite(values)
    if not fin.any():
        return
    keep = max(1, int(alert.data.get("extreme_keep", 1)))
    v, x, ix = values[fin], xs[fin], idx[fin]
    key_v = -v if high else v
    if len(v) > keep:  # (the chunk's `keep` best, ties with the last of them included)
        cut = np.partition(key_v, keep - 1)[keep - 1]
        sel = np.flatnonzero(key_v <= cut)
    else:
        sel = np.arange(len(v))
    sel = sel[np.lexsort((ix[sel], key_v[sel]))][:keep]
    new = [(float(v[k]), float(x[k]), int(ix[k])) for k in sel]
    old = alert.data.get(RUNNERS + key)
    if old is None:
        old = (alert.data[key],) if key in alert.data else ()
    sign = -1.0 if high else 1.0
    top = sorted({*old, *new}, key=lambda t: (sign * t[0], t[2]))[:keep]
    alert.data[RUNNERS + key] = tuple(top)
    alert.data[key] = top[0]


def end_extremes(alert: Alert, end_idx: int) -> None:
    """A closed alert's `span_extreme` values over its own span only (point indices up to
    `end_idx`, its last point that held), not the release points after it; a key none of whose
    kept values lies in the span is dropped (the texts then take the span's last point)."""
    d = alert.data
    for rk in [k for k in d if k.startswith(RUNNERS)]:
        key = rk[len(RUNNERS) :]
        inside = tuple(t for t in d[rk] if t[2] <= end_idx)
        if inside:
            d[rk], d[key] = inside, inside[0]
        else:
            del d[rk]
            d.pop(key, None)


def extreme_so_far(alert: Alert, key: str, v: float, x: float, high: bool) -> tuple[float, float, int]:
    """The extreme `span_extreme` keeps under `key`, counting the point now too (value v at x): an
    alert's text rendered as it opens (live) comes before any span of it was seen, and its point
    now is always one of its own. (NaN, NaN, -1) only when neither is finite."""
    cur = alert.data.get(key)
    if not math.isfinite(v):
        return cur if cur is not None else (math.nan, math.nan, -1)
    if cur is None or not math.isfinite(cur[0]) or (v > cur[0] if high else v < cur[0]):
        return (v, x, -1)
    return cur
