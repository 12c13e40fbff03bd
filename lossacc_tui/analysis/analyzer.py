"""Analyzer: one per Run. `update()` consumes the points appended since the last call and returns
the alerts opened and closed on the way; `alerts`, `states` and `summary()` describe the run now.

>>> from lossacc_tui.model import Batch, Run
>>> import numpy as np
>>> run = Run("r", "-", "jsonl")
>>> loss = np.array([0.69, 0.6, 0.5, 0.45, 0.4, 0.38, 0.37, 0.36])
>>> run.add_batch(Batch(8, {"val_loss": loss, "val_acc": np.linspace(0.5, 0.9, 8)}, {}, epoch=np.arange(8.0)))
>>> a = Analyzer(run)
>>> a.update()
[]
>>> [s.state for s in a.states]
['warming-up', 'both-improving']
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from lossacc_tui.analysis import stats
from lossacc_tui.analysis.alerts import Alert, Event, StateSegment
from lossacc_tui.analysis.classes import classes_from_files
from lossacc_tui.analysis.consistency import ConsistentLoss, inconsistent
from lossacc_tui.analysis.density import points_per_eval
from lossacc_tui.analysis.detectors import Ctx, Detector, build_detectors
from lossacc_tui.analysis.detectors.joined import MetricMismatch, Overfitting
from lossacc_tui.analysis.features import concat, split
from lossacc_tui.analysis.params import Params
from lossacc_tui.analysis.quantities import Classes, infer_classes
from lossacc_tui.analysis.states import Timeline, agree_with_alerts, state_codes
from lossacc_tui.analysis.summary import run_summary
from lossacc_tui.analysis.track import Feats, Track, x_column
from lossacc_tui.model import Run, Series
from lossacc_tui.readers.probe_sidecar import facts_lookup

LOSS_KEYS = (
    "y",
    "x",
    "idx",
    "lvl",
    "sig",
    "sig_prev",
    "dir",
    "warm",
    "best",
    "best_idx",
    "lbest",
    "lbest_idx",
)
LOSS_KEYS += ("lvl_flat", "lvl_mid", "lvl_stuck", "swing", "swing_abs")
ACC_KEYS = (
    "y",
    "x",
    "idx",
    "lvl",
    "sig",
    "dir",
    "lbest",
    "lbest_idx",
    "range_flat",
    "range_unst",
    "range_stuck",
)
ACC_KEYS += ("nonfinite_stuck", "res")


#: most points a track turns into features at once (bounds memory on a long backlog)
BLOCK = 1 << 18


class Analyzer:
    """Incremental loss/accuracy analysis of one run."""

    def __init__(self, run: Run, params: Params | None = None) -> None:
        self.run = run
        self.params = params or Params()
        self._scanned: dict[str, int] = {}
        self._missing_epoch = False
        self._layout: tuple[object, ...] | None = None
        self.ctx: Ctx | None = None
        self._ic_key: object = None
        self._ic: list = [0, 0, 0, False]

    # --- public ------------------------------------------------------------------------------
    def update(self) -> list[Event]:
        """Consume new points; the ('opened' | 'closed', alert snapshot) events they caused."""
        if self.ctx is not None:
            self.ctx.clear_cache()  # x columns may have been reallocated by the appends
        layout, ctx = self._resolve()
        if self.ctx is not None and self.ctx.facts is None and ctx.facts is not None:
            self.ctx.facts = ctx.facts  # a probe sidecar found after the analysis started
        if layout != self._layout:
            old = self.alerts if self._layout is not None else []
            self._layout = layout
            self._start(ctx)
            self._advance([])
            return _diff(old, self.alerts)
        events: list[Event] = []
        self._advance(events)
        events.sort(key=_event_key)
        return events

    @property
    def alerts(self) -> list[Alert]:
        if self.ctx is None:
            return []
        out = [a for d in self._detectors for a in d.alerts]
        return sorted(out, key=Alert.sort_key)

    @property
    def states(self) -> list[StateSegment]:
        """The timeline of joint states, made to agree with the alerts over their spans
        (`states.agree_with_alerts`): a band never says the loss improves where an alert says it
        has risen beyond noise above its best."""
        if self.ctx is None or self._timeline is None:
            return []
        primary = ("", self.ctx.loss.name if self.ctx.loss is not None else "")
        spans = [
            (a.kind, a.start, math.inf if a.end is None else a.end)
            for a in self.alerts
            if a.data.get("subject", "") in primary and a.start is not None and math.isfinite(a.start)
        ]
        segs = [replace(s) for s in self._timeline.segments]
        return agree_with_alerts(segs, spans, lambda x: self._eval_x(x, -1), lambda x: self._eval_x(x, 0))

    def _eval_x(self, x: float, shift: int) -> float:
        """x of the first evaluation of the primary loss at or after x (shift 0) or of the last one
        before it (shift -1); x itself when there is none."""
        loss = self.ctx.loss if self.ctx is not None else None
        if loss is None or self.ctx is None:
            return x
        col = x_column(loss, self.ctx.axis)
        # (col: the points from loss.base on, 0 unless the oldest were folded: `--keep`)
        k = (math.ceil(x) if col is None else loss.base + int(np.searchsorted(col, x, side="left"))) + shift
        return self.ctx.x(loss, k) if 0 <= k < len(loss) else x

    def summary(self) -> str:
        """Markdown: where the run stands now, in its own numbers."""
        if self.ctx is None:
            return f"**{self.run.name}**: no points yet.\n"
        state = self._timeline.segments[-1] if self._timeline and self._timeline.segments else None
        loss = self._tracks.get("loss")
        acc = self.ctx.acc
        acc_best = -1
        if acc is not None:  # (RunningBest over `values`: positions, which a fold renumbers)
            if self._acc_best_gen != acc.generation:
                self._acc_best, self._acc_best_gen = stats.RunningBest(high=True), acc.generation
            acc_best = self._acc_best.update(acc.values)
            acc_best = acc.absolute(acc_best) if acc_best >= 0 else -1
        best = (loss.best_idx if loss else -1, acc_best)
        return run_summary(self.run.name, self.ctx, state, [a for a in self.alerts if a.active], best)

    # --- structure ---------------------------------------------------------------------------
    def _axis(self) -> str:
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
        return "step" if self._missing_epoch or not has_points else "epoch"

    def _resolve(self) -> tuple[tuple[object, ...], Ctx]:
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
        else:
            classes = infer_classes(
                [
                    ("validation", _first(val_loss), _first_or_none(val_acc)),
                    ("training", _first(train_loss), _first_or_none(train_acc)),
                ]
            )
        ctx = Ctx(p, self._axis(), classes, loss, acc, train, train_acc, split_name, r("lr"))
        if self.ctx is not None and any(s.base for s in (loss, acc, train) if s is not None):
            # the first evaluations are folded away (`Series.fold`): the windows stay as measured
            ctx.train_window, ctx.loss_window = self.ctx.train_window, self.ctx.loss_window
        else:
            ctx.train_window = points_per_eval(train, loss if loss is not None else acc)
            ctx.loss_window = points_per_eval(loss, None) if split_name == "training" else 1
        # per-sample facts logged beside the run (a probe sidecar): claims they decide are
        # confirmed or refuted; looked up live, so facts read later count at the next update
        ctx.facts = facts_lookup(self.run, split_name, exact=True)
        names = tuple(None if s is None else (s.name, s.scale) for s in (loss, acc, train, train_acc))
        mismatch = tuple(s.name for s in self.run.series.values() if MetricMismatch.matches(s) and len(s))
        systematic = self._systematic(loss, acc, classes.k, names)
        windows = (ctx.train_window, ctx.loss_window)
        layout = (
            ctx.axis,
            names,
            classes,
            split_name,
            ctx.lr.name if ctx.lr else None,
            mismatch,
            windows,
            systematic,
        )
        return layout, ctx

    def _systematic(self, loss: Series | None, acc: Series | None, k: int | None, key: object) -> bool:
        """Whether the loss/accuracy pair is inconsistent at 2 evaluations in a row or at 3 in all:
        then it is the run's loss or metric that is not what it seems, not one glitched evaluation,
        and no evaluation is masked (an isolated glitch is). Counted incrementally per pair."""
        if loss is None or acc is None:
            return False
        if self._ic_key != (key, k):
            self._ic_key, self._ic = (key, k), [0, 0, 0, False]  # seen, bad, run, systematic
        seen, bad, run, sys_ = self._ic
        n = min(len(loss), len(acc))
        seen = max(seen, loss.base, acc.base)  # (the oldest points folded: from the first kept)
        if n > seen and not sys_:
            flags = (
                inconsistent(
                    loss.raw[seen - loss.base : n - loss.base], acc.raw[seen - acc.base : n - acc.base], k
                )
                > 0
            )
            for f in flags.tolist():
                run = run + 1 if f else 0
                bad += f
                if run >= 2 or bad >= 3:
                    sys_ = True
                    break
        self._ic = [n, bad, run, sys_]
        return sys_

    def _start(self, ctx: Ctx) -> None:
        self.ctx = ctx
        p = self.params
        self._tracks: dict[str, Track] = {}
        # mask isolated glitches only: a pair inconsistent again and again is the run's loss or metric
        systematic = bool(self._layout and self._layout[-1])
        # a loss its format calls a sum of terms (a detection loss) is not one cross-entropy either
        summed = ctx.loss is not None and ctx.loss.loss_kind == "sum-of-terms"
        ctx.not_ce = systematic or summed  # then no kind that reads loss against accuracy is built
        self._consistent = (
            ConsistentLoss(ctx.loss, ctx.acc, ctx.classes.k)
            if ctx.loss is not None and ctx.acc is not None and not ctx.not_ce
            else None
        )
        for key, s, kind in (
            ("loss", self._consistent or ctx.loss, "loss"),
            ("acc", ctx.acc, "acc"),
            ("train", ctx.train, "train"),
        ):
            if s is not None:
                # a per-step training loss: its level is the mean of about an epoch's worth of points
                tp = replace(p, window=2 * ctx.train_window) if key == "train" and ctx.train_window > 1 else p
                self._tracks[key] = Track(s, kind, tp, ctx.axis)  # type: ignore[arg-type]
        if "acc" in self._tracks:
            ctx.acc_grid = self._tracks["acc"].grid
        others = [s for s in self.run.series.values() if MetricMismatch.matches(s) and len(s)]
        self._dets = build_detectors(ctx, others)
        self._detectors: list[Detector] = [d for ds in self._dets.values() for d in ds]
        self._overfit = [d for d in self._detectors if isinstance(d, Overfitting)]  # and ValDegrading
        self._mismatch = [d for d in self._detectors if isinstance(d, MetricMismatch)]
        self._timeline = Timeline(p.state_min_run) if ctx.loss is not None and ctx.acc is not None else None
        self._acc_best = stats.RunningBest(high=True)  # for summary(): updated when asked
        self._acc_best_gen = ctx.acc.generation if ctx.acc is not None else 0
        self._pend_l: Feats | None = None
        self._pend_a: Feats | None = None
        self._carry = {"acc_at_best": (math.nan, -1), "loss_at_abest": (math.nan, -1)}

    # --- data flow ---------------------------------------------------------------------------
    def _advance(self, sink: list[Event]) -> None:
        """Consume the new points in blocks of at most BLOCK (results do not depend on where
        blocks start, and a long backlog then needs bounded memory)."""
        ctx = self.ctx
        assert ctx is not None
        touched = False
        while True:
            lf = self._step_track("loss", sink)
            af = self._step_track("acc", sink)
            tf = self._step_track("train", sink)
            if lf is None and af is None and tf is None:
                break
            touched = True
            if ctx.loss is not None and ctx.acc is not None:
                self._pair(lf, af, sink)
            for d in self._overfit:
                d.feed(lf, sink)
        for d in self._overfit:
            d.feed(None, sink)
        for d in self._mismatch:
            d.feed(sink)
        if touched:
            for d in self._detectors:
                d.refresh()

    def _step_track(self, key: str, sink: list[Event]) -> Feats | None:
        track = self._tracks.get(key)
        if track is None:
            return None
        f = track.advance(track.n + BLOCK)
        if f is None:
            return None
        for d in self._dets.get(key, []):
            d.step(f, None, sink)
        if key == "acc" and self.ctx is not None and self.ctx.loss is None:
            for d in self._dets.get("acc_only", []):
                d.step(f, None, sink)
        return f

    def _pair(self, lf: Feats | None, af: Feats | None, sink: list[Event]) -> None:
        if lf is not None:
            self._pend_l = concat(self._pend_l, lf, LOSS_KEYS)
        if af is not None:
            keys = ACC_KEYS + (("maj_dev",) if af.maj_dev is not None else ())
            self._pend_a = concat(self._pend_a, af, keys)
        if self._pend_l is None or self._pend_a is None:
            return
        n = min(len(self._pend_l.idx), len(self._pend_a.idx))
        f, self._pend_l = split(self._pend_l, n)
        g, self._pend_a = split(self._pend_a, n)
        # accuracy where the loss had its best: the higher of the value and its level (the level
        # right after the start still averages in the first, untrained evaluations)
        f.acc_at_best = self._cross("acc_at_best", f.best_idx, np.fmax(g.lvl, g.y), f.idx[0])
        g.loss_at_abest = self._cross("loss_at_abest", g.lbest_idx, f.lvl, f.idx[0])
        for d in self._dets.get("pair", []):
            d.step(f, g, sink)
        for d in self._dets.get("pair_acc", []):
            d.step(g, f, sink)
        if self._timeline is not None:
            codes = state_codes(f.warm, f.dir, g.dir)
            loss = self.ctx.loss if self.ctx else None
            self._timeline.feed(codes, int(f.idx[0]), f.x, lambda i: self.ctx.x(loss, i))  # type: ignore[union-attr]

    def _cross(self, key: str, at: np.ndarray, other: np.ndarray, k0: int) -> np.ndarray:
        """other's value at index `at` (a running-best index), carried across chunks. `at` is
        piecewise constant, so only the first point of each piece is looked up."""
        val, idx = self._carry[key]
        m = len(at)
        prev = np.empty_like(at)
        prev[0] = idx
        prev[1:] = at[:-1]
        starts = np.flatnonzero(at != prev)
        if len(starts) == 0 or starts[0] != 0:
            starts = np.concatenate([[0], starts])
        a = at[starts]
        loc = a - k0
        inside = (loc >= 0) & (loc < m)
        vals = np.where(inside, other[np.clip(loc, 0, m - 1)], np.where(a == idx, val, np.nan))
        out = np.repeat(vals, np.diff(np.concatenate([starts, [m]])))
        self._carry[key] = (float(out[-1]), int(at[-1]))
        return out


def _first(s: Series | None) -> float:
    return float(s.values[0]) if s is not None and len(s) else math.nan


def _first_or_none(s: Series | None) -> float | None:
    return float(s.values[0]) if s is not None and len(s) else None


def _key(a: Alert) -> tuple[str, str, int]:
    return (a.kind, str(a.data.get("subject", "")), int(a.data.get("start_idx", -1)))


def _event_key(ev: Event) -> tuple[float, int]:
    what, a = ev
    x = a.start if what == "opened" else (a.end if a.end is not None else a.start)
    return (x if x is not None and math.isfinite(x) else math.inf, 0 if what == "closed" else 1)


def _diff(old: list[Alert], new: list[Alert]) -> list[Event]:
    """Events that turn the old alert list into the new one (after a replay)."""
    before = {_key(a): a for a in old}
    after = {_key(a): a for a in new}
    events: list[Event] = []
    for k, a in before.items():
        if a.active and (k not in after or not after[k].active):
            b = after.get(k, a).snapshot()
            b.active = False
            if b.end is None:
                b.end = b.start
            events.append(("closed", b))
    for k, a in after.items():
        if k not in before or (a.active and not before[k].active):
            b = a.snapshot()
            b.active, b.end = True, None
            events.append(("opened", b))
            if not a.active and k not in before:
                events.append(("closed", a.snapshot()))
    events.sort(key=_event_key)
    return events
