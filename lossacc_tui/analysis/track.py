"""A Track follows one series (a loss or an accuracy) and turns its new points into features.

Features of point i depend only on the points up to i within a bounded window, plus exact running
extremes carried from earlier points, so the cost of an update is proportional to the new points.
"""

from __future__ import annotations

import bisect
import math
from statistics import NormalDist
from typing import Literal

import numpy as np

from lossacc_tui.analysis import stats, track_windows
from lossacc_tui.analysis.features import AccFeatures, LossFeatures
from lossacc_tui.analysis.gridfeed import GridFeeder, first_seen_pieces
from lossacc_tui.analysis.npcalls import clip
from lossacc_tui.analysis.params import Params
from lossacc_tui.analysis.passmemo import quiet
from lossacc_tui.analysis.resolution import TREND_DIGITS, GridEstimate
from lossacc_tui.analysis.span_trend import BAND_WANDER_MIN, LongNoise
from lossacc_tui.model import Series

Feats = LossFeatures | AccFeatures


def x_column(series: Series, axis: str) -> np.ndarray | None:
    """The series' x values on `axis` without materialising a column that was never written
    (Series.epochs builds a full NaN array in that case, which would cost O(history)). Only the
    points from `series.base` on (all of them unless the oldest were folded: `Series.fold`)."""
    return series.raw_x(axis)


def x_values(series: Series, axis: str, idx: np.ndarray) -> np.ndarray:
    """x of the given point indices; the point index where x is unknown."""
    col = x_column(series, axis)
    if col is None or len(col) == 0:
        return idx.astype(np.float64)
    base = series.base
    if base and int(idx[0]) < base:  # points folded away: x interpolated between the kept ones
        xs = np.array([series.x_at(axis, int(i)) for i in idx])
        fin = np.isfinite(xs)
        xs[~fin] = idx[~fin]
        return xs
    lo, hi = int(idx[0]) - base, int(idx[-1]) + 1 - base
    contiguous = hi - lo == len(idx) and hi <= len(col)
    xs = col[lo:hi].copy() if contiguous else col[np.minimum(idx - base, len(col) - 1)]
    fin = np.isfinite(xs)
    if not fin.all():
        xs[~fin] = idx[~fin]
    return xs


def x_values_rows(series: Series, axis: str, idx: np.ndarray) -> np.ndarray:
    """`x_values` of each row of the 2-D point indices `idx` (shape (w, n), each row non-decreasing),
    in one lookup: the same numbers as a call per row (shape (w, n))."""
    col = x_column(series, axis)
    if col is None or len(col) == 0:
        return idx.astype(np.float64)
    base = series.base
    if base and idx.size and int(idx.min()) < base:  # (points folded away: a row at a time, as `x_values`)
        return np.stack([x_values(series, axis, row) for row in idx])
    xs = col[np.minimum(idx - base, len(col) - 1)]
    fin = np.isfinite(xs)
    if not fin.all():
        xs[~fin] = idx[~fin]
    return xs


def x_at(series: Series, axis: str, i: int) -> float:
    """x of one point (its index when x is unknown)."""
    v = series.x_at(axis, i)
    return v if math.isfinite(v) else float(i)


class NLikelyAt:
    """`Track.n_likely_at` as a callable (`Ctx.acc_n_likely`), with `many` for a whole chunk."""

    __slots__ = ("_track",)

    def __init__(self, track: Track) -> None:
        self._track = track

    def __call__(self, i: int) -> int | None:
        return self._track.n_likely_at(i)

    def many(self, idx: np.ndarray) -> np.ndarray:
        """`self(i) or 0` for each point index of `idx`, as floats."""
        return self._track.n_likely_many(idx)


class Track:
    """Incremental features of one series. `role` is 'loss' (the primary loss: everything),
    'acc' (an accuracy) or 'train' (a secondary loss: only what explosion and NaN checks need)."""

    def __init__(
        self, series: Series, role: Literal["loss", "acc", "train"], params: Params, axis: str
    ) -> None:
        self.series = series
        self.role = role
        self.kind = "acc" if role == "acc" else "loss"
        self.p = params
        self.axis = axis
        self.n = series.base  # points consumed (those folded away before it began: none to consume)
        self.high = role == "acc"
        h = params.half
        self.weights = stats.ema_weights(params.smoothing) if params.smoothing > 0 else np.ones(1)
        e = len(self.weights) - 1
        self.pad = max(
            2 * params.long_window_factor * h + e,
            params.noise_window + 1,
            params.flat_window + h + e,
            params.stuck_window + h + e,
            params.unstable_window,
            params.plateau_patience,
        )
        self.best, self.best_idx = math.nan, -1  # raw running best (min loss / max accuracy)
        self.lbest, self.lbest_idx = math.nan, -1  # running best of the level
        self.majority = params.majority_rate
        # the evaluation set's size n: for the trend rule at the precision every format prints
        # (`resolution.TREND_DIGITS`), and from the values as logged (`GridEstimate.n_likely`)
        self.grid = GridEstimate(TREND_DIGITS) if role == "acc" else None
        self._feeder = GridFeeder(self.grid) if self.grid is not None else None
        self.grid_full = GridEstimate() if role == "acc" else None
        #: (point index, n_likely from there on) each time the full-precision estimate changed
        self.n_likely_changes: list[tuple[int, int | None]] = []
        self._long = LongNoise(BAND_WANDER_MIN)  # the noise over many evaluations, for the band's trends

    def n_likely_at(self, i: int) -> int | None:
        """`GridEstimate.n_likely` of the accuracy as its values up to point i revealed it; the size
        the log printed where it did (`Series.eval_size`)."""
        if self.series.eval_size:
            return self.series.eval_size
        k = bisect.bisect_right(self.n_likely_changes, i, key=lambda c: c[0])
        return self.n_likely_changes[k - 1][1] if k else None

    def n_likely_many(self, idx: np.ndarray) -> np.ndarray:
        """`n_likely_at(i) or 0` for each point index of `idx`, as floats (one binary search for all)."""
        if self.series.eval_size:  # (printed by the log: known, not revealed)
            return np.full(len(idx), float(self.series.eval_size))
        changes = self.n_likely_changes
        if not changes:
            return np.zeros(len(idx))
        at = np.array([c[0] for c in changes], dtype=np.int64)
        n = np.array([0.0] + [float(c[1] or 0) for c in changes])
        return n[np.searchsorted(at, idx, side="right")]

    def advance(self, upto: int | None = None) -> Feats | None:
        """Features of the points not consumed yet (up to `upto`), or None when there are none."""
        k1 = len(self.series) if upto is None else min(upto, len(self.series))
        if k1 <= self.n:
            return None
        win = stats.Window(self.series.raw, self.n, k1, self.pad, self.series.base)
        f = self._features(win)
        self.n = k1
        return f

    def _features(self, win: stats.Window) -> Feats:
        p, h = self.p, self.p.half
        buf = win.buf
        idx = win.index
        src = stats.smooth(buf, self.weights) if len(self.weights) > 1 else buf
        lvl_ext = stats.rolling_mean(src, h)
        sig_ext = stats.second_diff_noise(buf, p.noise_window)
        y, lvl = win.chunk(buf), win.chunk(lvl_ext)
        xs = x_values(self.series, self.axis, idx)
        lbest, lbest_idx = stats.running_extreme(lvl, self.lbest, self.lbest_idx, idx, self.high)
        self.lbest, self.lbest_idx = float(lbest[-1]), int(lbest_idx[-1])
        common = dict(y=y, lvl=lvl, idx=idx, sig=win.chunk(sig_ext), sig_prev=win.chunk(sig_ext, 1), x=xs)
        f: Feats = (AccFeatures if self.role == "acc" else LossFeatures)(
            **common, lbest=lbest, lbest_idx=lbest_idx
        )
        if self.role == "loss":
            best, best_idx = stats.running_extreme(y, self.best, self.best_idx, idx, self.high)
            self.best, self.best_idx = float(best[-1]), int(best_idx[-1])
            f.best, f.best_idx = best, best_idx
        if self.role == "train":
            return f
        if isinstance(f, AccFeatures) and self._feeder is not None:
            n_eval, step = self._feeder.feed_many(y)  # (grid.feed on each value, without a call each)
            # (not `Series.eval_size` here, though the log may print it: this n sets the trend rules'
            # tolerance, and the same run's Keras CSV, which cannot print it, must raise the same kinds)
            self._feed_full(y, idx)
            f.n_eval = n_eval
            with quiet(invalid="ignore", divide="ignore"):
                a = clip(lvl, 0.0, 1.0)
                # one step of the values' grid (a change of exactly one sample is not a trend), and
                # with the set's size revealed, the binomial standard error of its accuracy
                f.res = np.fmax(step * (1 + 1e-6), np.fmax(1.0 / n_eval, np.sqrt(a * (1.0 - a) / n_eval)))
        self._trend(f, win, lvl_ext)
        if self.role == "loss":
            # the level of the first `half` points of the flat window (not `flat_window - 1` back,
            # whose mean reached half a window before the span the accuracy is flat over)
            f.lvl_flat = win.chunk(lvl_ext, max(0, p.flat_window - p.half))
            f.lvl_mid = win.chunk(lvl_ext, p.half)
            f.lvl_stuck = win.chunk(lvl_ext, p.stuck_window - 1)
            ratio, rise = track_windows.swing(
                buf, p.unstable_window, math.sqrt(p.unstable_ratio), p.unstable_min_abs / 2
            )
            f.swing, f.swing_abs = win.chunk(ratio), win.chunk(rise)
            f.pmin = win.chunk(stats.rolling_extreme(buf, p.plateau_patience, high=False))
        else:
            ranges = track_windows.ranges(buf, sorted({p.flat_window, p.unstable_window, p.stuck_window}))
            f.range_flat = win.chunk(ranges[p.flat_window])
            f.range_unst = win.chunk(ranges[p.unstable_window])
            f.range_stuck = win.chunk(ranges[p.stuck_window])
            bad = (~np.isfinite(buf)).view(np.int8)
            if p.stuck_window > 1 and len(buf) * p.stuck_window <= stats.LAGGED_MAX:
                # (a short buffer: the count over its lagged copies, in int8 as below)
                cnt = np.add.reduce(stats.lagged(bad, p.stuck_window, 0), axis=1, dtype=np.int8)
            else:
                cnt = bad.copy()
                for j in range(1, min(p.stuck_window, len(buf))):
                    cnt[j:] += bad[: len(buf) - j]
            f.nonfinite_stuck = win.chunk(cnt)
            if self.majority is not None:
                dev = np.abs(buf - self.majority)
                f.maj_dev = win.chunk(stats.rolling_extreme(dev, p.stuck_window, high=True))
        return f

    def _feed_full(self, y: np.ndarray, idx: np.ndarray) -> None:
        """Feed the full-precision grid the first occurrence of each value (until it is settled) and
        record where its `n_likely` changes (`n_likely_changes`)."""
        full = self.grid_full
        if full is None or full.settled:
            return
        changes = self.n_likely_changes
        last = changes[-1][1] if changes else None
        with quiet(invalid="ignore"):  # (the grid takes only finite values in (0, 1))
            cand = np.flatnonzero(np.isfinite(y) & (y > 0.0) & (y < 1.0))
        for piece in first_seen_pieces(y[cand]):
            for j in cand[piece].tolist():
                full.feed(float(y[j]))
                if full.n_likely != last:
                    last = full.n_likely
                    changes.append((int(idx[j]), last))
                if full.settled:
                    return

    def _trend(self, f: Feats, win: stats.Window, lvl_ext: np.ndarray) -> None:
        """Direction (-1, 0, +1) of each point's trend: the newer half of the short window against
        the older half, or failing that the same over the long window, beyond noise and a floor."""
        p, h, lf = self.p, self.p.half, self.p.long_window_factor
        lvl, sig, k0, m = f.lvl, f.sig, win.k0, win.m
        ds = lvl - win.chunk(lvl_ext, h)
        short_from, long_from = 2 * h - 1, 2 * lf * h - 1  # first points with a full window
        ds[: max(0, min(m, short_from - k0))] = np.nan
        dl: np.ndarray | None = None  # (None: no point of the chunk has a full long window yet)
        dm: np.ndarray | None = None
        if k0 + m > long_from:
            g = stats.lag_sum(lvl_ext, range(0, lf * h, h))
            dl = win.chunk(g) - win.chunk(g, lf * h)
            dl /= lf
            dl[: max(0, min(m, long_from - k0))] = np.nan
            dm = lvl - win.chunk(lvl_ext, lf * h // 2)
        floor = p.min_loss_change * np.abs(lvl) if self.kind == "loss" else p.min_acc_change
        if isinstance(f, AccFeatures) and f.res is not None:
            # an accuracy change within its resolution (one sample, or the binomial standard error of
            # an evaluation set of the size its values reveal) is not a trend
            floor = np.fmax(floor, f.res)
        f.dir = _direction(ds, dl, dm, sig, floor, p.trend_z, h, lf)
        # the state band: the same trends in a noise that is also at least the one pooled over many
        # evaluations and their wander (`span_trend.LongNoise`): asked after every evaluation of a
        # long noisy run, a noise read from 10 points is now and then a third of the true one, and
        # the band said "loss worse" hundreds of times on a healthy run
        noise, wander = self._long.feed(f.y, f.idx)
        with quiet(invalid="ignore"):
            wide = np.fmax(sig, np.fmax(noise, wander))
            # and a threshold for how often it was asked: about (i + 1) / half distinct windows by
            # point i, sharing a 5 % chance of a false trend (`look_z`); trend_z at least
            zb = _band_z(k0, m, h, p.trend_z)
        f.band_dir = _direction(ds, dl, dm, wide, floor, zb, h, lf)
        warm = np.zeros(m, dtype=bool)
        warm[: max(0, min(m, short_from - k0))] = True
        f.warm = warm


_LOOKS = 2.0 ** np.arange(0, 41)
_LOOK_Z = np.array([NormalDist().inv_cdf(1 - 0.05 / n) for n in _LOOKS])


#: `_band_z`'s arrays of the last few chunks (a run analysed from its start: the same first chunk)
_BAND_Z: dict[tuple[int, int, int, float], np.ndarray] = {}
_BAND_Z_KEEP = 64


def _band_z(k0: int, m: int, h: int, trend_z: float) -> np.ndarray:
    """The state band's threshold at points k0 .. k0 + m - 1: `look_z` of (i + 1) / h looks, at
    least trend_z (read-only; the same array for the same arguments)."""
    key = (k0, m, h, trend_z)
    got = _BAND_Z.get(key)
    if got is None:
        got = np.maximum(trend_z, look_z((np.arange(k0, k0 + m) + 1.0) / h))
        got.setflags(write=False)
        if len(_BAND_Z) >= _BAND_Z_KEEP:
            _BAND_Z.clear()
        _BAND_Z[key] = got
    return got


def look_z(looks: np.ndarray) -> np.ndarray:
    """The one-sided normal quantile that keeps a 5 % chance of any false exceedance among `looks`
    independent tests (Bonferroni: 1 - 0.05 / looks), interpolated in log2(looks); 1.64 for one."""
    return np.interp(np.log2(np.maximum(looks, 1.0)), np.arange(len(_LOOKS)), _LOOK_Z)


def _direction(
    ds: np.ndarray,
    dl: np.ndarray | None,
    dm: np.ndarray | None,
    sig: np.ndarray,
    floor: np.ndarray | float,
    z: float | np.ndarray,
    h: int,
    lf: int,
) -> np.ndarray:
    """-1, 0, +1 per point: the short trend `ds` (the newer half of the short window against the
    older), or failing that the long one `dl`, beyond z noise standard errors of `sig` and `floor`;
    a long trend counts only where the newer half of the long window (`dm`) moves the same way (a V
    read as still falling). `dl` and `dm` None: no point has a long window (the short trend alone)."""
    with quiet(invalid="ignore"):
        need_s = np.fmax((z * math.sqrt(2.0 / h)) * sig, floor)
        up_s, down_s = ds >= need_s, ds <= -need_s
        if dl is None or dm is None:
            return up_s.view(np.int8) - down_s.view(np.int8)
        need_l = np.fmax((z * math.sqrt(2.0 / (lf * h))) * sig, floor)
        up_l, down_l = (dl >= need_l) & (dm > 0), (dl <= -need_l) & (dm < 0)
    short = up_s | down_s
    up = up_s | (up_l & ~short)
    down = down_s | (down_l & ~short)
    return up.view(np.int8) - down.view(np.int8)
