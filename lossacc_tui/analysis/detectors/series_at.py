"""Reading a series at a point or at x values, as the tracks read it: a raw value, its level (the
mean of the last half-window, bit for bit the tracks' own), its noise, and the last value or level
at or before each x of another series (a training split read at the validation's x)."""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.analysis import stats
from lossacc_tui.analysis.params import Params
from lossacc_tui.analysis.passmemo import shared_in_pass
from lossacc_tui.analysis.track import x_column
from lossacc_tui.model import Series


def value(series: Series | None, i: int) -> float:
    """One raw value (NaN when out of range or no series)."""
    if series is None or i < 0 or i >= len(series):
        return math.nan
    j = i - series.base
    return float(series.raw[j]) if j >= 0 else series.value_at(i)


def level(series: Series | None, i: int, params: Params) -> float:
    """The level (mean of the last half-window, smoothed if asked) at point i, computed exactly as
    the tracks compute it."""
    if series is None or i < 0 or i >= len(series):
        return math.nan
    if params.smoothing <= 0:
        return _plain_level(series.raw, i - series.base, params.half)
    weights = stats.ema_weights(params.smoothing) if params.smoothing > 0 else np.ones(1)
    pad = params.half + len(weights)
    win = stats.Window(series.raw, i, i + 1, pad, series.base)
    src = stats.smooth(win.buf, weights) if len(weights) > 1 else win.buf
    return float(win.chunk(stats.rolling_mean(src, params.half))[0])


#: the NaN numpy's 0.0 / 0 gives (the hardware's default NaN: its sign bit may differ from math.nan's)
with np.errstate(invalid="ignore"):
    _EMPTY_MEAN = float(np.float64(0.0) / np.float64(0.0))


def _plain_level(raw: np.ndarray, j: int, w: int) -> float:
    """`stats.rolling_mean(buf, w)` at `raw[j]` (its window: raw[j - w + 1 .. j], NaN before raw[0]),
    added in the order the rolling sum adds (the newest value first, then each older one) and
    divided by the count of finite values: the same bits, without building a window of arrays for
    one point (an alert's text reads a few levels)."""
    total, count = 0.0, 0
    for k in range(j, j - w, -1):
        v = float(raw[k]) if k >= 0 else math.nan
        finite = math.isfinite(v)
        if k == j:
            total = v if finite else 0.0
        else:
            total += v if finite else 0.0
        count += finite
    return total / count if count else _EMPTY_MEAN


def value_at_x(series: Series, axis: str, x: float) -> float:
    """The last value of `series` at or before x on `axis` (x values assumed non-decreasing);
    NaN when none. O(log n)."""
    col = x_column(series, axis)
    if col is None or not math.isfinite(x):
        return math.nan
    k = int(np.searchsorted(col, x, side="right")) - 1
    raw = series.raw
    return float(raw[k]) if 0 <= k < len(raw) else math.nan


def noise(series: Series | None, i: int, window: int = 10) -> float:
    """A series' own evaluation-to-evaluation noise at point i: the standard deviation implied by
    the mean absolute second difference of its last `window` values (an i.i.d. noise of std s gives
    second differences of std s * sqrt(6)); NaN with fewer than 3 finite values. O(window)."""
    if series is None or i < 2:
        return math.nan
    b = series.base
    v = series.raw[max(0, i - window + 1 - b) : max(0, i + 1 - b)]
    v = v[np.isfinite(v)]
    if len(v) < 3:
        return math.nan
    d2 = np.abs(np.diff(v, 2))
    return float(np.mean(d2) * math.sqrt(math.pi / 2) / math.sqrt(6.0))


def span_noise(series: Series | None, axis: str, x0: float, x1: float, window: int = 10) -> float:
    """The larger of a series' own noise (`noise`) at its last points at or before x0 and x1 on
    `axis` (the start and end of a span, in the series' unit; NaN when neither is known): a change
    from x0 to x1 is judged against both, since a run that has gone flat by its end (noise 0 over
    its last values) says nothing of how far its values wandered before (tester 20: 0.669 -> 0.665
    over 137 evaluations read as a change beyond a noise of 0)."""
    col = x_column(series, axis) if series is not None else None
    if series is None or col is None:
        return math.nan
    out = math.nan
    for x in (x0, x1):
        if math.isfinite(x):
            k = int(np.searchsorted(col, x, side="right")) - 1
            if k >= 0:
                out = float(np.fmax(out, noise(series, k + series.base, window)))
    return out


def span_noise_counts(
    series: Series | None, axis: str, x0: float, x1: float, window: int = 10
) -> tuple[int, int]:
    """How many finite values `span_noise` read its noise from at x0 and at x1 (evaluations, at most
    `window` each; 0 where x is before the series or not finite; a count under 3 gave no noise
    there): the words quote them, not the window's nominal size (tester h19t: "the 10 evaluations up
    to epoch 2" of a 5-epoch run)."""
    col = x_column(series, axis) if series is not None else None
    if series is None or col is None:
        return 0, 0
    out = []
    for x in (x0, x1):
        k = int(np.searchsorted(col, x, side="right")) - 1 if math.isfinite(x) else -1
        if k < 0:
            out.append(0)
            continue
        v = series.raw[max(0, k - window + 1) : k + 1]
        out.append(int(np.isfinite(v).sum()))
    return out[0], out[1]


def lookup(series: Series | None, axis: str, xs: np.ndarray) -> np.ndarray:
    """The last value of `series` at or before each x (NaN where none). O(len(xs) log n)."""
    out, col = _nan_and_column(series, axis, len(xs))
    if series is None or col is None:
        return out
    k = stats.at_or_before(col, xs)
    if len(k) and int(k.min()) >= 0:  # (every x has a point: one gather, no mask)
        return np.asarray(series.raw[k], dtype=np.float64)
    ok = k >= 0
    out[ok] = series.raw[k[ok]]  # (col and raw: the points from series.base on)
    return out


def lookup_level(series: Series | None, axis: str, xs: np.ndarray, h: int) -> np.ndarray:
    """The mean of the finite values among the last `h` points of `series` at or before each x (its
    level there, in the series' unit; NaN where none): a single noisy value (an accuracy that was
    lucky at the loss's best) is not taken as where the series stood. O(len(xs) log n).

    Within a pass (`passmemo.shared_in_pass`) the answer for the same series (same points), the same
    x values (bit for bit) and `h` is computed once: several kinds read the training split's level
    at the accuracy's x (`chance.corroborated` three times a chunk)."""
    if series is None:
        return _lookup_level(series, axis, xs, h)
    key = ("lookup_level", id(series), axis, h, len(series.raw), series.generation, series.scale, series.base)
    return shared_in_pass(key, (series,), (xs,), lambda: _lookup_level(series, axis, xs, h))


def _lookup_level(series: Series | None, axis: str, xs: np.ndarray, h: int) -> np.ndarray:
    """`lookup_level` without the pass's memo."""
    out, col = _nan_and_column(series, axis, len(xs))
    if series is None or col is None:
        return out
    cs, cn = stats.prefix_sums(series)
    k = stats.at_or_before(col, xs) + 1  # points at or before x: raw[:k]
    lo = np.maximum(k - max(1, h), 0)
    cnt = cn[k] - cn[lo]
    ok = cnt > 0
    out[ok] = (cs[k] - cs[lo])[ok] / cnt[ok]
    return out


def _nan_and_column(series: Series | None, axis: str, n: int) -> tuple[np.ndarray, np.ndarray | None]:
    """(n NaNs to fill, the series' x column on `axis`; None when it has no point or no x there)."""
    out = np.full(n, np.nan)
    if series is None or len(series) == 0:
        return out, None
    return out, x_column(series, axis)
