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

import functools
import math
from collections.abc import Iterable
from dataclasses import replace

import numpy as np

from lossacc_tui.analysis import span_memo, stats
from lossacc_tui.analysis.agreed import AgreedStates, Span
from lossacc_tui.analysis.alert_events import (
    as_of_pass_end,
    decided_by,
    diff,
    event_key,
    severities,
    severity_changes,
)
from lossacc_tui.analysis.alerts import Alert, Event, StateSegment
from lossacc_tui.analysis.consistency import ConsistentLoss
from lossacc_tui.analysis.detectors import Ctx, Detector, build_detectors
from lossacc_tui.analysis.detectors.mismatch import MetricMismatch
from lossacc_tui.analysis.detectors.overfitting import Overfitting
from lossacc_tui.analysis.layout import RunLayout
from lossacc_tui.analysis.lookups import ordered
from lossacc_tui.analysis.pairing import Pairer
from lossacc_tui.analysis.params import MAX_COUNT, Params
from lossacc_tui.analysis.passmemo import in_pass, one_pass
from lossacc_tui.analysis.states import (
    HELD_ACC,
    LOSS_WORSE_KINDS,
    MORE_MISTAKES,
    NewLows,
    ShortBand,
    Timeline,
    state_codes,
)
from lossacc_tui.analysis.summary import run_summary
from lossacc_tui.analysis.track import Feats, NLikelyAt, Track, x_column
from lossacc_tui.model import Run
from lossacc_tui.unread import unread_of

#: most points a track turns into features at once (bounds memory on a long backlog: with what the
#: detectors share within a block, `span_memo.Memo`, 2^17 peaks lower than 2^18 did without it; 2^16
#: keeps each temporary at 512 kB, within a core's cache: a 1,000,000-row backlog's analysis took
#: ~12 % less CPU than at 2^17, 2^15 no less again; the results do not depend on it)
BLOCK = 1 << 16


class Analyzer:
    """Incremental loss/accuracy analysis of one run."""

    def __init__(self, run: Run, params: Params | None = None) -> None:
        self.run = run
        self.params = params or _default_params()
        self._structure = RunLayout(run, self.params)
        self._layout: tuple[object, ...] | None = None
        self.ctx: Ctx | None = None
        self._generation = 0  # counts _start: a new set of detectors and a new timeline
        self._agreed = AgreedStates()
        self._changes = 0  # updates that opened or closed an alert (every such change is an event)
        self._alerts_version: object = None
        self._alerts_sorted: list[Alert] = []
        self._spans_version: object = None
        self._open_rising: list[Alert] = []  # open loss-worse alerts, whose claims are read each time
        self._open_extra: list[Span] | None = None
        self._open_spans: list[Span] = []
        self._spans: list[tuple[str, float, float]] = []
        self._eval_token: object = None  # (`_eval_x`'s answers that appends cannot change)
        self._eval_memo: dict[tuple[float, int], float] = {}
        self._eval_ordered = False
        self._read: tuple[str, float] | None = None  # (axis, x of the last record) the last update read
        self.finished = False  # (the log read to its end, `check`: its last evaluations judged)

    # --- public ------------------------------------------------------------------------------
    def update(self) -> list[Event]:
        """Consume new points; the ('opened' | 'closed', alert snapshot) events they caused.

        numpy's floating-point warnings are off inside: the analysis reads NaN, inf and overflow
        (a loss of 1e308) explicitly, and a warning on stderr would only scramble `check`'s output
        or the user's training loop. (The command line also sets how malloc reuses large temporaries:
        `heap`, from `Feed`.)"""
        with np.errstate(all="ignore"), one_pass(quiet=True):
            try:
                return self._update()
            finally:
                span_memo.forget()  # (what detectors shared within the pass)

    def _update(self) -> list[Event]:
        if self.ctx is not None:
            self.ctx.clear_cache()  # x columns may have been reallocated by the appends
        layout, ctx = self._structure.resolve(self.ctx)
        if self.ctx is not None and self.ctx.facts is None and ctx.facts is not None:
            self.ctx.facts = ctx.facts  # a probe sidecar found after the analysis started
        if layout != self._layout:
            restart = self._layout is not None
            old = self.alerts if restart else []
            self._layout = layout
            self._start(ctx)
            self._advance([])
            changes = diff(old, self.alerts)
            if restart:  # (the records since the last update decided what the new reading changes)
                decided_by(changes, self._first_unread(ctx.axis))
            self._read = (ctx.axis, _last_x(self.run, ctx.axis))
            return changes
        before = severities(self.alerts)
        events: list[Event] = []
        self._advance(events)
        if events:  # (an alert opened, closed or reopened: the sorted list and the spans are rebuilt)
            self._changes += 1
            events = as_of_pass_end(events, self.alerts)
        events.sort(key=event_key)
        read_before = self._read[1] if self._read is not None and self._read[0] == ctx.axis else math.nan
        self._read = (ctx.axis, _last_x(self.run, ctx.axis))
        if before:  # (told after the pass's openings and closings: it is of the pass's last point)
            changed = severity_changes(before, events, self.alerts)
            decided_by(changed, self._read[1])
            for _what, a in changed:  # (it changed after the record the last pass read, by this one)
                a.data["changed_after_x"] = read_before
            events += changed
        return events

    def _first_unread(self, axis: str) -> float:
        """x (on `axis`) of the first record after those the last update had read (the run's last x
        when that update read another axis): an analysis that started over on new layout changes
        nothing the records before had decided, so what it changes was decided at or after it."""
        if self._read is None or self._read[0] != axis:
            return _last_x(self.run, axis)
        read = self._read[1]
        after = [
            float(col[col > read].min())
            for s in self.run.series.values()
            if (col := s.raw_x(axis)) is not None and len(col) and bool((col > read).any())
        ]
        return min(after) if after else _last_x(self.run, axis)

    @property
    def alerts(self) -> list[Alert]:
        """Every alert of the run, in `Alert.sort_key` order. The order is kept between calls and
        rebuilt only after an update that opened, closed or reopened one (each is an event; an
        alert's start is fixed once it is listed), so a read is a list copy, not a sort."""
        if self.ctx is None:
            return []
        version = (self._generation, self._changes)
        if version != self._alerts_version:
            out = [a for d in self._detectors for a in d.alerts]
            self._alerts_sorted = sorted(out, key=Alert.sort_key)
            self._alerts_version = version
        return list(self._alerts_sorted)

    @property
    def states(self) -> list[StateSegment]:
        """The timeline of joint states, made to agree with the alerts over their spans
        (`states.agree_with_alerts`): a band never says the loss improves where an alert says it
        has risen beyond noise above its best."""
        if self.ctx is None or self._timeline is None:
            return []
        alerts = self.alerts
        if self._spans_version != self._alerts_version:  # (the same list while no alert changed)
            primary = ("", self.ctx.loss.name if self.ctx.loss is not None else "")
            mine = [
                a
                for a in alerts
                if a.data.get("subject", "") in primary and a.start is not None and math.isfinite(a.start)
            ]
            self._spans = [(a.kind, a.start, math.inf if a.end is None else a.end) for a in mine]
            self._spans += _more_mistakes(a for a in mine if a.end is not None)
            acc_name = self.ctx.acc.name if self.ctx.acc is not None else None
            stuck = [a for a in alerts if a.kind == "acc-stuck" and a.data.get("subject") == acc_name]
            self._spans += self._held(a for a in stuck if a.end is not None)
            # an open alert's claims (and so its severity) change without an alert opening or
            # closing: read each time
            self._open_rising = [a for a in mine if a.end is None and a.kind in LOSS_WORSE_KINDS]
            self._open_rising += [a for a in stuck if a.end is None]
            self._open_extra = None
            self._spans_version = self._alerts_version
        spans = self._spans
        if self._open_rising:
            extra = _more_mistakes(a for a in self._open_rising if a.kind != "acc-stuck")
            extra += self._held(a for a in self._open_rising if a.kind == "acc-stuck")
            if extra != self._open_extra:
                self._open_extra, self._open_spans = extra, spans + extra
            spans = self._open_spans
        token = (self._generation, self.ctx.loss.base if self.ctx.loss is not None else 0)
        self._eval_x_ready()
        return self._agreed.get(
            self._timeline.segments, spans, lambda x: self._eval_x(x, -1), lambda x: self._eval_x(x, 0), token
        )

    def _held(self, alerts: Iterable[Alert]) -> list[Span]:
        """(HELD_ACC, start, end) for each warning or critical acc-stuck alert: from the first
        evaluation of the stretch its accuracy held over (`first_idx`, where its claims start) to
        its end (inf while open). An info one favours no reading: the band keeps its trends there."""
        out: list[Span] = []
        acc = self.ctx.acc if self.ctx is not None else None
        for a in alerts:
            if a.severity == "info" or a.start is None or not math.isfinite(a.start) or acc is None:
                continue
            first = int(a.data.get("first_idx", -1))
            start = min(a.start, self.ctx.x(acc, first)) if first >= acc.base else a.start
            out.append((HELD_ACC, start, math.inf if a.end is None else a.end))
        return out

    def _eval_x(self, x: float, shift: int) -> float:
        """x of the first evaluation of the primary loss at or after x (shift 0) or of the last one
        before it (shift -1); x itself when there is none."""
        memo = self._eval_memo if self._eval_ordered else None
        got = memo.get((x, shift)) if memo is not None else None
        if got is not None:
            return got
        loss = self.ctx.loss if self.ctx is not None else None
        if loss is None or self.ctx is None:
            return x
        col = x_column(loss, self.ctx.axis)
        if col is None:
            k = math.ceil(x) + shift
            return self.ctx.x(loss, k) if 0 <= k < len(loss) else x
        # (col: the points from loss.base on, 0 unless the oldest were folded: `--keep`)
        p = int(np.searchsorted(col, x, side="left"))
        k = loss.base + p + shift
        out = self.ctx.x(loss, k) if 0 <= k < len(loss) else x
        if memo is not None and p < len(col) and len(memo) < 1 << 16:
            # (an ordered column with an evaluation at or after x: appends, all after it, change
            # neither answer)
            memo[(x, shift)] = out
        return out

    def _eval_x_ready(self) -> None:
        """Before a round of `_eval_x`: its answers are remembered while the primary loss's x column
        is non-decreasing (`lookups.ordered`, which costs the values appended since) and the same
        points (no new timeline, fold or rescale)."""
        loss = self.ctx.loss if self.ctx is not None else None
        col = x_column(loss, self.ctx.axis) if loss is not None and self.ctx is not None else None
        if loss is None or col is None:
            self._eval_ordered = False
            return
        token = (self._generation, loss.base, loss.generation)
        if token != self._eval_token:
            self._eval_token, self._eval_memo = token, {}
        if in_pass():  # (inside an update's pass: do not end its memo)
            self._eval_ordered = ordered(col)
            return
        with one_pass():
            self._eval_ordered = ordered(col)

    def summary(self) -> str:
        """Markdown: where the run stands now, in its own numbers."""
        if self.ctx is None:
            return f"**{self.run.name}**: no points yet.\n"
        # the state the band and `check` show: the timeline made to agree with the alerts' spans
        states = self.states
        state = states[-1] if states else None
        loss = self._tracks.get("loss")
        acc = self.ctx.acc
        acc_best = -1
        if acc is not None:  # (RunningBest over `values`: positions, which a fold renumbers)
            if self._acc_best_gen != acc.generation:
                self._acc_best, self._acc_best_gen = stats.RunningBest(high=True), acc.generation
            acc_best = self._acc_best.update(acc.values)
            acc_best = acc.absolute(acc_best) if acc_best >= 0 else -1
        best = (loss.best_idx if loss else -1, acc_best)
        return run_summary(
            self.run.name, self.ctx, state, [a for a in self.alerts if a.active], best, unread_of(self.run)
        )

    def _start(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self._generation += 1
        self._alerts_version, self._spans_version = None, None
        p = self.params
        self._tracks: dict[str, Track] = {}
        # mask isolated glitches only: a pair inconsistent again and again is the run's loss or metric
        systematic = bool(self._layout and self._layout[-1])
        # a loss its format calls a sum of terms (a detection loss) is not one cross-entropy either
        summed = ctx.loss is not None and ctx.loss.loss_kind == "sum-of-terms"
        # (so is a loss beside a metric in the accuracy role that is not plain accuracy: an F1, an AUC)
        ctx.not_ce = systematic or summed or bool(ctx.acc_not_share)  # then no kind that reads loss
        # against accuracy is built
        self._consistent = (
            ConsistentLoss(ctx.loss, ctx.acc, ctx.classes.k, ctx.chance_guess_ok)
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
                # (at most MAX_COUNT points: 6,000 steps an epoch is an ImageNet-sized run, not an
                # error; the window had been refused as a parameter out of range)
                wide = min(2 * ctx.train_window, MAX_COUNT)
                tp = replace(p, window=wide) if key == "train" and ctx.train_window > 1 else p
                self._tracks[key] = Track(s, kind, tp, ctx.axis)  # type: ignore[arg-type]
        if "acc" in self._tracks and not ctx.acc_not_share:  # (an F1's values count no samples)
            ctx.acc_grid = self._tracks["acc"].grid
            ctx.acc_n_likely = NLikelyAt(self._tracks["acc"])
        others = [s for s in self.run.series.values() if MetricMismatch.matches(s) and len(s)]
        self._dets = build_detectors(ctx, others)
        self._detectors: list[Detector] = [d for ds in self._dets.values() for d in ds]
        self._overfit = [d for d in self._detectors if isinstance(d, Overfitting)]  # and ValDegrading
        self._mismatch = [d for d in self._detectors if isinstance(d, MetricMismatch)]
        self._timeline = Timeline(p.state_min_run) if ctx.loss is not None and ctx.acc is not None else None
        self._short_band = ShortBand()  # (a short run's band: `states.ShortBand`)
        self._new_lows = NewLows()  # (a loss at a new low never reads worse: `states.NewLows`)
        self._acc_best = stats.RunningBest(high=True)  # for summary(): updated when asked
        self._acc_best_gen = ctx.acc.generation if ctx.acc is not None else 0
        self._pairer = Pairer()

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
            span_memo.forget()  # (what the detectors shared is for this block's points only)
        for d in self._overfit:
            d.finished = self.finished or self.run.ended
            d.feed(None, sink)
        for d in self._mismatch:
            d.feed(sink)
        if touched:
            for d in self._detectors:
                d.refresh()

    def _pair(self, lf: Feats | None, af: Feats | None, sink: list[Event]) -> None:
        matched = self._pairer.pair(lf, af)
        if matched is None:
            return
        f, g = matched
        for d in self._dets.get("pair", []):
            d.step(f, g, sink)
        for d in self._dets.get("pair_acc", []):
            d.step(g, f, sink)
        if self._timeline is not None and self.ctx is not None:
            codes = state_codes(f.warm, f.band_dir, g.band_dir)  # type: ignore[arg-type]
            self._new_lows.feed(codes, f.band_dir, f.y)  # type: ignore[arg-type]
            ctx, loss = self.ctx, self.ctx.loss
            back = self._short_band.feed(codes, f.y, g.y, f.idx, ctx.acc_n_likely, ctx.params)
            self._timeline.feed(codes, int(f.idx[0]), f.x, lambda i: ctx.x(loss, i), back)

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


@functools.cache
def _default_params() -> Params:
    """The default parameters, made once (`Params` is frozen; checking its ranges costs about as much
    as a small run's whole layout)."""
    return Params()


def _more_mistakes(alerts: Iterable[Alert]) -> list[Span]:
    """(MORE_MISTAKES, start, end) for each alert with a `more-mistakes` claim no probe refuted (its
    net count of mistakes went up over its span, beyond its noise or not): the band never reads
    accuracy-better there, against the alert's own numbers."""
    return [
        (MORE_MISTAKES, a.start, math.inf if a.end is None else a.end)
        for a in alerts
        if a.start is not None and any(c.id == MORE_MISTAKES and c.strength != "refuted" for c in a.claims)
    ]


def _last_x(run: Run, axis: str) -> float:
    """x (on `axis`) of the latest point of any of the run's series: the last record read; NaN with
    no point."""
    xs = [s.x_at(axis, len(s) - 1) for s in run.series.values() if len(s)]
    xs = [x for x in xs if math.isfinite(x)]
    return max(xs) if xs else math.nan
