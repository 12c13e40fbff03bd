"""What a run's series are, for its analysis: the x axis, which series is the loss, the accuracy
and the training loss, the number of classes, the per-evaluation windows, and whether the loss and
accuracy are systematically inconsistent. Summed up in a layout key: when it changes (a series
appears, an epoch column goes missing, the class count becomes known...), the analysis starts over.
"""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.acc_nature import not_share
from lossacc_tui.analysis.classes import classes_from_files
from lossacc_tui.analysis.consistency import corroborates, inconsistent
from lossacc_tui.analysis.density import batch_window, points_per_eval
from lossacc_tui.analysis.detectors import Ctx
from lossacc_tui.analysis.detectors.mismatch import MetricMismatch
from lossacc_tui.analysis.held import HELD_MIN
from lossacc_tui.analysis.mean_ce import objective_of
from lossacc_tui.analysis.own_count import own_count
from lossacc_tui.analysis.params import Params
from lossacc_tui.analysis.passmemo import quiet
from lossacc_tui.analysis.printed import printed_decimals
from lossacc_tui.analysis.quantities import Classes, infer_classes
from lossacc_tui.analysis.smoothing_config import smoothing_from_files
from lossacc_tui.analysis.track import x_column
from lossacc_tui.model import Run, Series
from lossacc_tui.readers.probe_align import probe_classes
from lossacc_tui.readers.probe_sidecar import facts_lookup


class RunLayout:
    """Follows one run's structure incrementally (each call looks at the points added since)."""

    def __init__(self, run: Run, params: Params) -> None:
        self.run = run
        self.params = params
        self._scanned: dict[str, int] = {}
        self._missing_epoch = False
        self._ic_key: object = None
        self._ic: list = [0, 0, 0, False, False, False, math.nan]
        self._corr: dict[tuple[str, str], tuple[int, bool]] = {}

    def axis(self) -> str:
        has_points = False
        for name, s in self.run.series.items():
            n = len(s)
            has_points = has_points or n > 0
            seen = max(self._scanned.get(name, 0), s.base)
            if n > seen and not self._missing_epoch:
                col = x_column(s, "epoch")  # (from s.base on)
                if col is None or np.isnan(col[seen - s.base : n - s.base]).any():
                    self._missing_epoch = True
            self._scanned[name] = n
        # (several evaluations in one epoch: `Run.x_axis`, the same flag the view reads)
        repeat = bool(getattr(self.run, "_epoch_repeat", False))
        return "step" if self._missing_epoch or repeat or not has_points else "epoch"

    def resolve(self, prev: Ctx | None) -> tuple[tuple[object, ...], Ctx]:
        """(layout key, a fresh context) for the run as it is now; `prev`: the context in use (its
        measured windows are kept once the first evaluations are folded away). A change of the
        layout key means the analysis must start over."""
        r = self.run.by_role
        val_loss, val_acc, train_loss, train_acc = (
            r("val_loss"),
            r("val_acc"),
            r("train_loss"),
            r("train_acc"),
        )
        if val_loss is not None or val_acc is not None:
            loss, acc, train, split_name = val_loss, val_acc, train_loss, "validation"
        else:
            loss, acc, train, split_name = train_loss, train_acc, None, "training"
        p = self.params
        from_files = classes_from_files(self.run.path) if p.n_classes is None else None
        if p.n_classes is not None:
            classes = Classes(p.n_classes, "given")
        elif from_files is not None:
            classes = from_files
        elif (from_probe := probe_classes(self.run)) is not None:
            classes = Classes(from_probe, "probe", f"the probe: k = {from_probe} at every evaluation")
        else:
            # (no chance level, so no class count, from a metric that is not plain accuracy)
            shares = [s is not None and not not_share(s.source_name) for s in (val_acc, train_acc)]
            classes = infer_classes(
                [
                    ("validation", _first(val_loss), _first_or_none(val_acc) if shares[0] else None),
                    (
                        "training",
                        _first(train_loss),
                        _first_paired(train_loss, train_acc) if shares[1] else None,
                    ),
                ]
            )
        ctx = Ctx(p, self.axis(), classes, loss, acc, train, train_acc, split_name, r("lr"))
        ctx.acc_not_share = not_share(acc.source_name) if acc is not None else ""
        ctx.smoothing_config = smoothing_from_files(self.run.path)
        ctx.objective = objective_of(self.run.path, tuple(self.run.series))
        ctx.own_count = own_count(self.run)
        ctx.printed_digits = printed_decimals(self.run.format)
        if prev is not None and any(s.base for s in (loss, acc, train) if s is not None):
            # the first evaluations are folded away (`Series.fold`): the windows stay as measured
            ctx.train_window, ctx.loss_window = prev.train_window, prev.loss_window
            ctx.train_acc_window = prev.train_acc_window
        else:
            ctx.train_window = points_per_eval(train, loss if loss is not None else acc)
            ctx.loss_window = points_per_eval(loss, None) if split_name == "training" else 1
            if split_name == "training" and ctx.loss_window == 1:
                # (no evaluation, nor two epochs, to count against: a loss logged at every batch)
                ctx.loss_window = batch_window(loss, HELD_MIN)
            ref = loss if loss is not None else acc
            ctx.train_acc_window = points_per_eval(train_acc, ref) if split_name == "validation" else 1
        # per-sample facts logged beside the run (a probe sidecar): claims they decide are
        # confirmed or refuted; looked up live, so facts read later count at the next update
        ctx.facts = facts_lookup(self.run, split_name, exact=True)
        names = tuple(None if s is None else (s.name, s.scale) for s in (loss, acc, train, train_acc))
        mismatch = tuple(s.name for s in self.run.series.values() if MetricMismatch.matches(s) and len(s))
        # a K guessed from 1/accuracy counts for the chance rule only when the training pair says so too
        guess_ok = classes.k is not None or split_name == "training" or self._corroborated(train, train_acc)
        ctx.chance_guess_ok = guess_ok
        # (no bound between the loss and a metric that is not plain accuracy: nothing to be inconsistent)
        systematic = not ctx.acc_not_share and self._systematic(
            loss, acc, classes.k, (names, guess_ok), guess_ok
        )
        windows = (ctx.train_window, ctx.loss_window, ctx.train_acc_window)
        layout = (
            ctx.axis,
            names,
            classes,
            split_name,
            ctx.lr.name if ctx.lr else None,
            mismatch,
            windows,
            guess_ok,
            ctx.own_count,
            systematic,  # (last: the analyzer reads it as layout[-1])
        )
        return layout, ctx

    def _corroborated(self, train: Series | None, train_acc: Series | None) -> bool:
        """`consistency.corroborates` over the training pair, incrementally: once True, it stays."""
        if train is None or train_acc is None or abs(len(train) - len(train_acc)) > 1:
            return False  # (not logged together: index i is not one evaluation of both)
        key = (train.name, train_acc.name)
        seen, found = self._corr.get(key, (0, False))
        n = min(len(train), len(train_acc))
        lo = max(seen, train.base, train_acc.base)
        if not found and n > lo:
            found = corroborates(
                train.raw[lo - train.base : n - train.base],
                train_acc.raw[lo - train_acc.base : n - train_acc.base],
            )
        self._corr[key] = (n, found)
        return found

    def _systematic(
        self, loss: Series | None, acc: Series | None, k: int | None, key: object, guess_ok: bool = True
    ) -> bool:
        """Whether the loss/accuracy pair is inconsistent at 2 evaluations in a row or at 3 in all,
        and still is: at the newest evaluation, or at more than half of them; or whether the loss went
        on smoothly from an inconsistent evaluation to a consistent one (`_smooth_exit`). Then it is
        the run's loss or metric that is not what it seems, not glitched evaluations, and no evaluation
        is masked. A glitch is, even a stretch of them that ended: the loss jumps back from it (a pass
        on all-zero one-hot targets costs 0, the next evaluation 1.0), and a run whose pairs are
        consistent again after such a jump has a cross-entropy loss whose glitches must not become its
        bests. A loss that leaves the inconsistent range without a jump (an MSE loss creeping above
        (1 - a) ln 2 as the model learns: tester 19) is the same loss as before, still not
        cross-entropy, and stays so: the verdict does not flip back. Counted incrementally per pair."""
        if loss is None or acc is None:
            return False
        if self._ic_key != (key, k):
            # seen, bad, run, reached, last, smooth, the last evaluation's loss if inconsistent else NaN
            self._ic_key, self._ic = (key, k), [0, 0, 0, False, False, False, math.nan]
        seen, bad, run, reached, last, smooth, pend = self._ic
        n = min(len(loss), len(acc))
        seen = max(seen, loss.base, acc.base)  # (the oldest points folded: from the first kept)
        if n > seen:
            lv = loss.raw[seen - loss.base : n - loss.base]
            code = inconsistent(lv, acc.raw[seen - acc.base : n - acc.base], k)
            flags = (code == 1) | ((code == 2) & guess_ok)
            bad, run, hit = _count_inconsistent(flags, bad, run)
            reached, last = reached or hit, bool(flags[-1])
            smooth = smooth or _smooth_exit(lv, flags, pend)
            pend = float(lv[-1]) if last else math.nan
        self._ic = [n, bad, run, reached, last, smooth, pend]
        return (reached and (last or 2 * bad > n)) or smooth


#: how far (a factor either way) the loss may move from an inconsistent evaluation to the consistent
#: one right after it and still be the same loss going on (`_smooth_exit`): an epoch of training moves
#: a loss by less than this; a glitch and the evaluation after it differ by far more (0 -> 1.0)
SMOOTH_EXIT = 2.0


def _smooth_exit(loss: np.ndarray, flags: np.ndarray, pend: float) -> bool:
    """Whether some consistent evaluation follows an inconsistent one (`flags`, shape (m,); `pend`:
    the loss of the evaluation before the chunk if it was inconsistent, else NaN) with a loss
    (`loss`, shape (m,), nats) within a factor SMOOTH_EXIT of it, both positive and finite."""
    if not len(flags):
        return False
    prev = np.concatenate(([pend], loss[:-1])).astype(np.float64)
    was = np.concatenate(([math.isfinite(pend)], flags[:-1]))
    exits = np.flatnonzero(was & ~flags)
    if not len(exits):
        return False
    a, b = prev[exits], loss[exits].astype(np.float64)
    with quiet(invalid="ignore", divide="ignore"):
        ok = (
            np.isfinite(a)
            & np.isfinite(b)
            & (a > 0)
            & (b > 0)
            & (np.maximum(a, b) <= SMOOTH_EXIT * np.minimum(a, b))
        )
    return bool(ok.any())


def _count_inconsistent(flags: np.ndarray, bad: int, run: int) -> tuple[int, int, bool]:
    """(bad, run, reached) after the flags (True: an inconsistent evaluation), from `bad` so far
    and the `run` of inconsistent ones just before: reached once a run reaches 2 or bad 3."""
    m = len(flags)
    if m == 0:
        return bad, run, False
    if not flags.any():  # (the usual case: every run of inconsistent ones is 0 long, bad unchanged)
        return bad, 0, bad >= 3
    total = bad + np.cumsum(flags, dtype=np.int64)
    idx = np.arange(m)
    last_ok = np.maximum.accumulate(np.where(flags, -1, idx))  # last consistent one at or before i
    runs = np.where(last_ok < 0, idx + 1 + run, idx - last_ok)
    hit = bool(((runs >= 2) | (total >= 3)).any())
    return int(total[-1]), int(runs[-1]), hit


def _first(s: Series | None) -> float:
    return float(s.values[0]) if s is not None and len(s) else math.nan


def _first_or_none(s: Series | None) -> float | None:
    return float(s.values[0]) if s is not None and len(s) else None


def _first_paired(loss: Series | None, acc: Series | None) -> float | None:
    """The first value of `acc` when it was logged at the same step as the first value of `loss` (or,
    without steps, the same epoch), else None: a first batch's accuracy is no pair for an epoch's mean
    loss (Lightning's `train_acc_step` beside `train_loss_epoch`: tester 15's `nosignal` named no K
    there while the five other formats of the same run named 5)."""
    if loss is None or acc is None or not len(loss) or not len(acc):
        return None
    for axis in ("step", "epoch"):
        a, b = loss.x_or_none(axis), acc.x_or_none(axis)
        if a is not None and b is not None and len(a) and len(b):
            return float(acc.values[0]) if float(a[0]) == float(b[0]) else None
    return float(acc.values[0])
