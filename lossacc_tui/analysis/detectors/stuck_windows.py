"""acc-stuck's windows over the accuracy's last evaluations: the loss (or another series) logged at
each of them, the training accuracy there, and the long-held majority share they favour (a
one-class predictor scores the same count at every evaluation, whatever its loss does). A mixin of
`stuck.AccStuck`; shapes (w, n): a row per lag, oldest first, a column per point of the chunk."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from lossacc_tui.analysis.detectors.base import Ctx, lookup
from lossacc_tui.analysis.detectors.base_rate import FLOOR_TOL
from lossacc_tui.analysis.detectors.majority import least_common_n, majority_share
from lossacc_tui.analysis.detectors.train_acc import frozen_tol, per_step, train_acc_at
from lossacc_tui.analysis.features import AccFeatures, LossFeatures
from lossacc_tui.analysis.params import Params
from lossacc_tui.analysis.passmemo import quiet
from lossacc_tui.analysis.stats import ordered
from lossacc_tui.analysis.track import x_column, x_values, x_values_rows
from lossacc_tui.model import Series

#: how many evaluations an accuracy must repeat exactly, at a majority share, for a stretch that
#: began with the loss at a constant guess's cost to favour a one-class predictor (`long_share`):
#: two more than `stuck_window`'s six (tester 18's Keras 95/5 run: 8 evaluations at 485/510, every
#: prediction the majority class, the loss 0.247 -> 0.116 below H = 0.196 from the third on)
LONG_EXTRA = 2

#: how far (a fraction) a logged training accuracy may range over the last stuck_window
#: evaluations for the long-held share to be favoured: a one-class model scores its training
#: split's share of that class at every epoch (its epoch means move by the few samples a changing
#: bias tips within an epoch: tester 18's torch 95/5, 0.9489-0.9515); one whose training accuracy
#: climbs (truth corpus slow-underconfident-torch s3: 0.877 -> 0.894 while validation held 153/171
#: with the loss near ln 2) is changing its training predictions, and the reading stays `possible`
TRAIN_HOLD = 0.01


#: how far (relative to its level) the training loss must range over the held stretch for the
#: long-held share with a loss that does not move to be favoured (`_long_still`): training goes on
#: (tester 19's `maj3`: 0.5530 -> 0.5441 over 8 epochs, 1.6 %); a learning rate decayed to nothing
#: holds it within a few tenths of a percent
MOVE_REL = 0.01


#: a chunk shorter than this (a live update, a run of up to a few hundred epochs) looks the loss up
#: at the accuracy's last `stuck_window` evaluations in one call; a longer one a row at a time
#: (`lookups.at_or_before` then finds each row, a run of the loss's own x column, in one comparison,
#: but only from 1,024 points of that column on: below, a row is a binary search per x anyway, and a
#: 100-epoch run paid 8 lookups for each of its 3 to 5 windows, 0.4 ms). The same numbers either way.
ONE_LOOKUP_UNDER = 1024


#: how many of a series' latest values `_set_size` reads for the distinct accuracies it logged
HISTORY = 256


def spread(window: np.ndarray) -> np.ndarray:
    """max - min of each column of `window` ((w, n), nats), ignoring NaN; 0 where nothing is finite."""
    fin = np.isfinite(window)
    hi = np.where(fin, window, -np.inf).max(axis=0, initial=-np.inf)
    lo = np.where(fin, window, np.inf).min(axis=0, initial=np.inf)
    with quiet(invalid="ignore"):
        return np.where(fin.any(axis=0), hi - lo, 0.0)


def _own_x(series: Series, axis: str, lo: int, hi: int) -> bool:
    """Whether looking `series` up at the x of its own points lo .. hi - 1 (absolute; a series never
    folded) gives back those points' values: its x column non-decreasing (`ordered`: what a lookup's
    binary search needs), finite there and rising at every point from lo through hi (so each x is
    its point's alone, and no later point shares the last one)."""
    col = x_column(series, axis)
    if col is None or series.base or hi > len(col) or hi > len(series.raw) or lo >= hi:
        return False
    part = col[lo : min(hi + 1, len(col))]
    return bool(np.isfinite(part).all() and (part[1:] > part[:-1]).all() and ordered(col))


class StuckWindows:
    """Mixin: the windows `AccStuck.conditions` reads (see the module docstring)."""

    ctx: Ctx
    p: Params
    series: Series | None
    #: the chunk `_train_acc_window` last read and its window (read-only), or None
    _t_win: tuple[AccFeatures, np.ndarray] | None = None
    #: the chunk `_loss_window` last read, with the x of its widest window ("xs") and each series'
    #: window looked up there (by the series' id: (series, window), read-only), or None
    _win_memo: tuple[AccFeatures, dict[object, object]] | None = None

    def _long_share(
        self, acc: AccFeatures, loss: LossFeatures, prior: np.ndarray, moves: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(open, keep, still) per point of the chunk for the long-held majority share (LONG_EXTRA):
        open where the accuracy's last stuck_window + LONG_EXTRA values are equal (within stuck_tol),
        at a majority share, with the loss logged at one of those evaluations at or above
        (1 - FLOOR_TOL) x H(acc) (`prior`, nats) and the loss moving (`moves`); still where so held
        with the loss not moving (`_long_still`: at or above that cost at every one of them, the
        training accuracy frozen, the training loss moving); keep where the last stuck_window are
        equal at a majority share (an alert that opened so stays open while the count holds)."""
        w = self.p.stuck_window + LONG_EXTRA
        # (the first points of a series have fewer than w values before them: never long)
        same = self._held_equal(acc, w, acc.idx >= w - 1)
        with quiet(invalid="ignore"):
            share = majority_share(acc.y, acc.n_eval)
            keep = share & (acc.range_stuck <= self.p.stuck_tol) & np.isfinite(loss.y)
            if not same.any():  # (the usual chunk: held nowhere, so open nowhere; no loss window read)
                return same, keep, same
            cost = self._held_cost(acc, w, prior, same)
            if self.ctx.train_acc is not None and self.ctx.split == "validation":
                t_win = self._train_acc_window(acc)
                same &= ~np.isfinite(t_win).all(axis=0) | (spread(t_win) <= TRAIN_HOLD)
            same &= share & np.isfinite(loss.y)
        return same & cost & moves, keep, self._long_still(acc, prior, same)

    def _held_cost(self, acc: AccFeatures, w: int, prior: np.ndarray, same: np.ndarray) -> np.ndarray:
        """Where the loss logged at one of the accuracy's last w evaluations is at or above
        (1 - FLOOR_TOL) x `prior` (nats), read only where `same` (bools, shape (n,)) holds: False
        elsewhere (`_long_share` reads it only there). A long chunk (`ONE_LOOKUP_UNDER` points or
        more) of a series never folded looks the window up at those points alone (a clean run's
        accuracy holds its last eight values at a few points in a hundred), the same lookups as the
        whole window's."""
        if len(acc.idx) < ONE_LOOKUP_UNDER or self.series is None or self.series.base:
            losses = self._loss_window(acc, count=w)
            return np.where(np.isfinite(losses), losses, -np.inf).max(axis=0) >= (1 - FLOOR_TOL) * prior
        at = np.flatnonzero(same)
        of, axis = self.ctx.loss, self.ctx.axis
        idx = acc.idx[at]
        rows = [lookup(of, axis, x_values(self.series, axis, np.maximum(idx - j, 0))) for j in range(w)]
        top = np.where(np.isfinite(rows[0]), rows[0], -np.inf)
        for r in rows[1:]:
            np.fmax(top, np.where(np.isfinite(r), r, -np.inf), out=top)
        out = np.zeros(len(same), dtype=bool)
        out[at] = top >= (1 - FLOOR_TOL) * np.broadcast_to(prior, same.shape)[at]
        return out

    def _long_held(self, acc: AccFeatures, loss: LossFeatures, prior: np.ndarray) -> np.ndarray:
        """What both long-held rules (`_long_share`'s open and still) ask first, per point of the
        chunk: the accuracy's last stuck_window + LONG_EXTRA values equal (within stuck_tol) at a
        majority share, a finite loss, and the loss logged at one of those evaluations at or above
        (1 - FLOOR_TOL) x H(acc) (`prior`, nats). The same windows as `_long_share` (looked up once
        a chunk)."""
        w = self.p.stuck_window + LONG_EXTRA
        with quiet(invalid="ignore"):
            held = majority_share(acc.y, acc.n_eval) & np.isfinite(loss.y) & (acc.idx >= w - 1)
            if not held.any():
                return held
            held = self._held_equal(acc, w, held)
            if not held.any():
                return held
            losses = self._loss_window(acc, count=w)
            top = np.where(np.isfinite(losses), losses, -np.inf).max(axis=0)
            return held & (top >= (1 - FLOOR_TOL) * prior)

    def _held_equal(self, acc: AccFeatures, w: int, where: np.ndarray) -> np.ndarray:
        """`where` (bools, shape (n,)) and the accuracy's last w values at each point of the chunk
        (its own window, `_loss_window`) all finite and within stuck_tol of its value there. A long
        chunk of a series never folded is judged a lag at a time, each lag looked up only where the
        lags before held (a noisy accuracy: a few points in ten equal their last value, fewer their
        last two); the same lookups, point by point, so the same answer as the whole window's."""
        tol = self.p.stuck_tol
        series = self.series
        if len(acc.idx) < ONE_LOOKUP_UNDER or series is None or series.base:
            accs = self._loss_window(acc, series, count=w)
            with quiet(invalid="ignore"):
                return where & np.isfinite(accs).all(axis=0) & (np.abs(accs - acc.y).max(axis=0) <= tol)
        held = where.copy()
        axis = self.ctx.axis
        own = _own_x(series, axis, max(0, int(acc.idx[0]) - w + 1), int(acc.idx[-1]) + 1)
        for lag in (*range(1, w), 0):  # (the newest lags first: they rule out the most points)
            at = np.flatnonzero(held)
            if len(at) == 0:
                break
            back = np.maximum(acc.idx[at] - lag, 0)
            got = series.raw[back] if own else lookup(series, axis, x_values(series, axis, back))
            with quiet(invalid="ignore"):
                held[at] = np.isfinite(got) & (np.abs(got - acc.y[at]) <= tol)
        return held

    def _long_still(self, acc: AccFeatures, prior: np.ndarray, same: np.ndarray) -> np.ndarray:
        """Where the long-held share (`same`: the last stuck_window + LONG_EXTRA accuracies equal at a
        majority share, (n,) bools) is favoured with a loss that does not move: the loss logged at
        every one of those evaluations at or above (1 - FLOOR_TOL) x H(acc) (`prior`, nats), the
        logged training accuracy frozen over the last stuck_window evaluations (exactly for an
        epoch-level one; within its batch noise for a per-step one: `train_acc.frozen_tol`), and the
        training loss still moving by MOVE_REL or more over the held stretch (training goes on). A
        model predicting the majority class of three or more classes while its confidence in it is
        calibrated (tester 19's 85/10/5 `maj3`: 490/600 for 23 evaluations, the loss settled near
        0.577 above H = 0.476, training accuracy 0.8164 every epoch) logs this; a model whose weights
        no longer change holds its training loss too. False without a logged training accuracy."""
        out = np.zeros(len(acc.y), dtype=bool)
        if not same.any() or self.ctx.train_acc is None or self.ctx.train is None:
            return out
        if self.ctx.split != "validation":
            return out
        w = self.p.stuck_window + LONG_EXTRA
        losses = self._loss_window(acc, count=w)
        t_win = self._train_acc_window(acc)
        trains = self._loss_window(acc, self.ctx.train, count=w)
        with quiet(invalid="ignore"):
            at_cost = np.isfinite(losses).all(axis=0) & (losses.min(axis=0) >= (1 - FLOOR_TOL) * prior)
            t_frozen = np.isfinite(t_win).all(axis=0) & (
                spread(t_win) <= frozen_tol(self.ctx, acc.x, self.p.stuck_tol)
            )
            # (the mean of each column's finite values: NaN for a column with none, without numpy's
            # "Mean of empty slice" warning, which no error state silences: tester 21's lt_bce_vci)
            fin = np.isfinite(trains)
            total = np.where(fin, trains, 0.0).sum(axis=0)
            level = np.abs(total / np.where(fin.any(axis=0), fin.sum(axis=0), np.nan))
            goes_on = fin.all(axis=0) & (spread(trains) >= MOVE_REL * level)
        return same & at_cost & t_frozen & goes_on

    def _set_size(self, acc: AccFeatures, pts: np.ndarray) -> np.ndarray:
        """The evaluation set's size at the chunk's points `pts` (indices into the chunk), samples:
        `acc.n_eval` where the values reveal it, else a lower bound, the least n whose grid holds every
        distinct value the series logged up to there (its last HISTORY values: `least_common_n`);
        shape (len(pts),)."""
        n = np.full(len(pts), np.nan) if acc.n_eval is None else np.asarray(acc.n_eval, dtype=float)[pts]
        series = self.series
        if series is None:
            return n
        dg = self.ctx.printed_digits
        for j in np.flatnonzero(~np.isfinite(n)).tolist():
            end = int(acc.idx[pts[j]]) - series.base + 1
            seen = np.asarray(series.raw[max(0, end - HISTORY) : max(0, end)], dtype=np.float64)
            vals = np.unique(seen[np.isfinite(seen)])
            n[j] = least_common_n(tuple(vals.tolist()), dg)
        return n

    def _train_acc_window(self, acc: AccFeatures) -> np.ndarray:
        """The training accuracy (`train_acc.train_acc_at`: a per-step one's level) at each of the
        accuracy's last `stuck_window` evaluations, (w, n) fractions, oldest row first (NaN where
        none)."""
        got = self._t_win
        if got is not None and got[0] is acc:  # (asked by three rules of the same chunk)
            return got[1]
        if not per_step(self.ctx):
            out = self._loss_window(acc, self.ctx.train_acc)
        else:
            out = self._loss_window(acc, read=lambda xs: train_acc_at(self.ctx, xs))
        out.setflags(write=False)
        self._t_win = (acc, out)
        return out

    def _loss_window(
        self,
        acc: AccFeatures,
        series: Series | None = None,
        read: Callable[[np.ndarray], np.ndarray] | None = None,
        count: int | None = None,
    ) -> np.ndarray:
        """The loss (or `series`, or what `read` gives at an array of x) logged at each of the
        accuracy's last `stuck_window` evaluations (the last `count`, when given), (w, n) nats, oldest
        row first (NaN where none)."""
        of = self.ctx.loss if series is None else series
        axis = self.ctx.axis
        get = read if read is not None else (lambda xs: lookup(of, axis, xs))
        w = self.p.stuck_window if count is None else count
        if len(acc.idx) >= ONE_LOOKUP_UNDER:  # (a row at a time: each row's xs are a run of the column)
            memo = self._win_memo
            if memo is None or memo[0] is not acc:
                memo = self._win_memo = (acc, {})
            key = None if read is not None else ("long", id(of), w)  # (asked again by `_long_still`)
            got = memo[1].get(key) if key is not None else None
            if got is not None:
                return got[1]
            rows = [x_values(self.series, axis, np.maximum(acc.idx - j, 0)) for j in range(w - 1, -1, -1)]
            out = np.stack([get(xs) for xs in rows])
            if key is not None:
                out.setflags(write=False)
                memo[1][key] = (of, out)  # (the series kept: its id is not reused while in here)
            return out
        # a short chunk: one lookup for every row (the same numbers as one per row, for one call's
        # cost); a series' window over the widest lags the rules read is looked up once a chunk, and
        # a narrower one is its newest rows (`read` windows are not kept: `_train_acc_window` keeps
        # its own)
        top = max(w, self.p.stuck_window + LONG_EXTRA)
        memo = self._win_memo
        if memo is None or memo[0] is not acc:
            memo = self._win_memo = (acc, {})
        key = None if read is not None else id(of)
        got = memo[1].get(key) if key is not None else None
        if got is None:
            xs = memo[1].get("xs")
            if xs is None:
                lags = np.arange(top - 1, -1, -1)
                idx = np.maximum(acc.idx[None, :] - lags[:, None], 0)  # (a row per lag, oldest first)
                xs = memo[1]["xs"] = x_values_rows(self.series, axis, idx)
            got = get(xs.ravel()).reshape(xs.shape)
            got.setflags(write=False)
            if key is not None:
                memo[1][key] = (of, got)  # (the series kept: its id is not reused while in here)
        else:
            got = got[1]
        return got[top - w :]
