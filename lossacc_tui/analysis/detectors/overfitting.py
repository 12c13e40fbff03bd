"""overfitting: the validation loss clearly above its best while the training loss, joined to it by x,
kept falling since then."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from lossacc_tui.analysis.alerts import Alert, Event
from lossacc_tui.analysis.detectors import base as _base
from lossacc_tui.analysis.detectors.base import Ctx, Detector, extreme_so_far, span_extreme, value
from lossacc_tui.analysis.detectors.flip import grew_steadily
from lossacc_tui.analysis.detectors.holdback import HOLD_MAX
from lossacc_tui.analysis.detectors.loss_floor import above_floor, floors
from lossacc_tui.analysis.detectors.overfitting_readings import RiseReadings
from lossacc_tui.analysis.detectors.overfitting_tail import TailRun
from lossacc_tui.analysis.detectors.overfitting_train import TrainSide
from lossacc_tui.analysis.detectors.pair import new_best
from lossacc_tui.analysis.detectors.rise import (
    RiseRun,
    TrendRun,
    beyond_sampling,
    rise_bar,
    slow_rise,
    span_rules,
    steady_rise,
)
from lossacc_tui.analysis.detectors.run_length import after_through, held_through, run_lengths
from lossacc_tui.analysis.detectors.short_rise import short_rise
from lossacc_tui.analysis.detectors.train_noise import drop_clears_noise, level_noise, new_best_after
from lossacc_tui.analysis.features import AccFeatures, LossFeatures, concat, split
from lossacc_tui.analysis.npcalls import clip
from lossacc_tui.analysis.passmemo import quiet
from lossacc_tui.analysis.quantities import arrow, fmt_x
from lossacc_tui.analysis.span_trend import SpanTrend, span_significant
from lossacc_tui.analysis.track import Feats, x_column
from lossacc_tui.model import Series

KEEP = ("y", "x", "idx", "sig_prev", "best", "best_idx")


class Overfitting(TrainSide, RiseReadings, Detector):
    """Validation loss clearly above its best while the training loss kept falling since then.

    A validation point is judged once the training loss logged at or after its x is known (the
    log is read in order, so nothing earlier can still arrive); the last validation points of a
    log without a later training value wait.
    """

    kind = "overfitting"
    n_open = 1  # the condition's own run length decides (3 evaluations, or 2 on a short run)
    order = 40
    severity_doc = "warning/info"
    meaning = (
        "training loss falls while validation loss rises; the gap widens (information when one or two "
        "samples account for the rise, when a rise under 5 % costs less in all than one confident "
        "mistake with not one sample moved, or accuracy held one value while the training loss is no "
        "lower than a constant guess costs)"
    )
    general = (
        "Training loss falls while validation loss rises; the gap between them widens. The model fits "
        "its training samples, noise included, in ways that do not carry over. Early-stop at the best "
        "validation loss, regularise, augment, or get more data. A rise counts beyond the noise of the "
        "validation loss, measured from where its best evaluation's own luck puts it; a slow rise counts "
        "once it has grown several evaluations in a row and the line through every evaluation since the "
        "best rises beyond noise (the threshold grows with how often it was asked). When the "
        "validation-set size is known and one or two samples changing sides can account for the rise, "
        "the alert is information, not a warning. It closes at a new best of validation loss; it lets go "
        "while the training loss stands risen from its lowest since that best (both losses worse: a "
        "divergence) and holds again once the training loss is back down."
    )

    def __init__(self, ctx: Ctx, series: Series, subject: str) -> None:
        super().__init__(ctx, series, subject)
        assert ctx.train is not None
        self.train: Series = ctx.train
        self.pending: Feats | None = None
        self._kept_rows: tuple[Feats, int] | None = None  # (pending rows kept back, training points then)
        self.train_at_best = math.nan
        self.train_raw_at_best = math.nan  # (the same with `_train_raw`'s width)
        self.train_raw_after_best = math.nan  # (... at the evaluation after the best; NaN: not yet)
        self._raw = self._raw_best = np.empty(0)  # the rows being judged: `_train_raw` now / at best
        self._tsig = np.empty(0)  # ... the noise of their training level (`train_noise.level_noise`)
        self.best_idx = -1
        self._prev_y = math.nan  # the validation loss at the point before this chunk
        self._carry = (0, 0)  # run lengths of the normal and the short-run condition so far
        self._ups = RiseRun()  # evaluations in a row the validation loss grew (the steady rule)
        self._trend = TrendRun()  # the slope's t over the last 6 evaluations (`rise.trend_rise`)
        self._span = SpanTrend()  # the line through the points since the best (`span_trend`)
        self._slow_all = np.zeros(0, dtype=bool)  # `rise.slow_rise` over the last chunk
        # the training loss's lowest since the validation best, per row / carried, and its noise
        self._tlow = self._tbest = np.empty(0)
        self._tlow_carry = math.nan
        self._tail = np.empty(0)  # `_raw` of the last `noise_window` rows before this chunk
        self._tidx = np.empty(0, dtype=np.int64)  # the rows' own indices
        # per row of the last chunk: the index of the last evaluation where the training loss stood
        # risen (`_rose`), -1 when none; and its value at the chunk's end
        self._lrose = np.empty(0)
        self._lrose_carry = -1.0
        self._resume_carry = False  # (`run_length.after_through`'s carry)
        self._tailrun = TailRun()  # the few evaluations after the best early stopping leaves
        self.finished = False  # no training point will come: the last evaluations are judged (`_ready`)

    def feed(self, f: Feats | None, sink: list[Event]) -> None:
        if f is not None:
            self.pending = concat(self.pending, f, KEEP)
        if self.pending is None:
            return
        kept = self._kept_rows
        if f is None and kept is not None and kept[0] is self.pending and kept[1] == len(self.train):
            return  # (the same rows kept back and no training point since: the same answer)
        n = self._ready(self.pending)
        if n == 0:
            return
        quiet_ok = _base.QUIET_CHUNKS and not self.latch.active and n <= HOLD_MAX
        if quiet_ok and self._holds_rows(self.pending, n):
            self._kept_rows = (self.pending, len(self.train))
            return  # (kept pending, judged with the first rows where a rule can open: `holdback`)
        self._kept_rows = None
        rows, self.pending = split(self.pending, n)
        rows.train_lvl = self._train_level(rows.x, rows.idx)
        width = max(self.p.half, self.ctx.train_window)  # (the level's, as `_train_level` takes it)
        span = max(self.p.noise_window, 2 * width)
        self._tsig = level_noise(self.train, self.ctx.axis, rows.x, rows.idx, width, span)
        bi = rows.best_idx
        changed = np.concatenate([[self.best_idx], bi[:-1]]) != bi
        at = np.where(
            changed & (bi >= rows.idx[0]),
            rows.train_lvl[clip(bi - rows.idx[0], 0, n - 1)],
            np.nan,
        )
        # carry the training level at the validation best forward to every row
        src = np.maximum.accumulate(np.where(changed, np.arange(n), -1))
        rows.train_at_best = np.where(src >= 0, at[np.maximum(src, 0)], self.train_at_best)
        self.train_at_best = float(rows.train_at_best[-1])
        # the training loss itself (a per-step one: an epoch's worth), not its level: a level of
        # `half` epochs still holds a first epoch's high mean after the loss itself rose again
        self._raw = self._train_level(rows.x, rows.idx, max(1, self.ctx.train_window))
        at_raw = np.where(changed & (bi >= rows.idx[0]), self._raw[clip(bi - rows.idx[0], 0, n - 1)], np.nan)
        self._raw_best = np.where(src >= 0, at_raw[np.maximum(src, 0)], self.train_raw_at_best)
        self.train_raw_at_best = float(self._raw_best[-1])
        # ... and, for a best at the first evaluation, the one logged at the second: a training loss
        # logged as the mean over an epoch's batches stands for the model during that epoch, and the
        # first epoch's mean holds the untrained model's losses, far above where the validation
        # evaluated it at the epoch's end (1.83, then 0.43 the next epoch, on a run that then
        # collapsed to the majority class: the training loss never fell below 0.43 again). The mean
        # of the second epoch starts from that model; the lower of the two is where training stood.
        nxt = np.where(bi == 0, 1, -1)
        inside = (nxt >= rows.idx[0]) & (nxt <= rows.idx)  # (known by this row: never a later one)
        carried = np.where((nxt >= 0) & (nxt < rows.idx[0]), self.train_raw_after_best, np.nan)
        after = np.where(inside, self._raw[clip(nxt - rows.idx[0], 0, n - 1)], carried)
        self.train_raw_after_best = float(after[-1])
        self._raw_best = np.fmin(self._raw_best, after)
        self._train_low(bi, rows.idx, rows.train_lvl)
        self.best_idx = int(bi[-1])
        self.step(rows, None, sink)
        self._tail = np.concatenate([self._tail, self._raw])[-self.p.noise_window :]

    def _holds_rows(self, f: Feats, n: int) -> bool:
        """`Detector.holds` of the first n pending rows: every rule counts only where the validation
        loss stands above its best (`conditions`' quiet chunk), val-degrading's too."""
        with quiet(invalid="ignore"):
            return not bool((f.y[:n] > f.best[:n]).any())  # type: ignore[operator]

    def _ready(self, f: Feats) -> int:
        """How many of the pending rows can be judged: those the training loss has reached (its
        level at an evaluation needs the training points up to it), every row once `finished` (the
        log read to its end, or its run said it ended: a Hugging Face run's last evaluation follows
        its last logged loss)."""
        col = x_column(self.train, self.ctx.axis)
        nt = len(self.train)
        if nt == 0:
            return 0
        if self.finished:
            return len(f.idx)
        if col is None or not np.isfinite(col[-1]):
            return int(np.count_nonzero(np.cumprod(f.idx < nt)))
        return int(np.count_nonzero(np.cumprod(f.x <= col[-1])))

    def conditions(self, loss: LossFeatures, acc: AccFeatures | None) -> tuple[np.ndarray, np.ndarray]:
        p = self.p
        raw_y = loss.y
        if _base.QUIET_CHUNKS and not self.latch.active:
            with quiet(invalid="ignore"):
                moved = raw_y > loss.best
            if not moved.any():
                # (nothing can open: every rule below, the short-run ones too, counts only where the
                # loss stands above its best, above a floor too, and while no alert is open the
                # release rule is never read)
                self._span.skip(raw_y, loss.idx, loss.best_idx)
                return self._quiet_chunk(raw_y)
        # the line through the span since the best (`span_trend`), and that span's pooled noise
        fit = self._span.feed(raw_y, loss.idx, loss.best_idx)
        fl = fit.floor
        # a label-smoothed validation loss is judged on its part above its floor (`loss_floor`)
        lf = floors(self.ctx, loss.x, loss.best) if self.series is self.ctx.loss else np.zeros(len(raw_y))
        logged = loss  # (as logged: the tail rule reads the evaluations themselves)
        loss, fit = above_floor(loss, fit, lf)
        y, best, sig, tl, tb = loss.y, loss.best, loss.sig_prev, loss.train_lvl, loss.train_at_best
        with quiet(invalid="ignore"):
            depth, noise = rise_bar(sig, loss.idx, p.noise_window, fl)  # (for two z of `beyond_best`)
            beyond = y - best >= (p.rise_z + depth) * noise  # (`beyond_best` at rise_z)
            rise = (y >= best * (1 + p.rise_rel)) & beyond
            rise |= ~np.isfinite(sig) & (y >= best * (1 + 2 * p.rise_rel))  # too few points for noise
            # ... each a step from the best, which must clear the sampling noise of the evaluation
            # set when its size is known (`rise.beyond_sampling`); the trend rules need not
            step_ok = beyond_sampling(y, best, loss.idx, self._n_at(), p.rise_z)
            rise &= step_ok
            long, span = span_rules(fit, loss, sig, best, self._trend, p, step_ok, raw_y)
            rise |= long
            rise &= y > best  # a loss that stays at 0 has not risen
            # a slow rise that grows at every evaluation is beyond its (tiny) noise long before it is
            # rise_rel high: it counts from steady_rise_rel, and holds the alert open while it grows
            ups = self._ups.feed(raw_y)
            # (that grew at every evaluation since just after its best, or whose line since the best
            # rises significantly: runs of rises alone are no evidence where the noise wanders)
            steady = steady_rise(y, best, sig, ups, p, loss.idx, fl, beyond)
            steady &= span_significant(fit) | (ups >= loss.idx - loss.best_idx - 1)
            slow = slow_rise(fit, y, best, sig, loss.idx, p, beyond)  # (fit.floor is fl: `above_floor`)
            self._slow_all = slow  # (a trend, not a sample flip: `on_span`)
            self._steady = steady & ~rise  # (the steady rule alone: the text says so)
            self._slow = slow & ~steady & ~rise  # (... and the slow rule alone)
            steady |= slow
            rise |= steady
            train_fell = (tl <= tb * (1 - p.train_drop_rel)) & (tl < tb)
            # ... by more than its level moves by noise alone (`train_noise`: a per-batch loss)
            train_fell &= drop_clears_noise(tl, tb, self._tsig, p.rise_z)
            # ... and the training loss itself is lower than where it was at the best, when both are
            # known: a level still falling from a first epoch's high mean while the loss itself rose
            # is no fit improving (a collapsing or unstable run, not overfitting)
            raw, raw_best = self._raw, self._raw_best
            if len(raw) == len(y):
                train_fell &= ~(raw > raw_best * (1 - p.train_drop_rel))
            # the few evaluations after the best that early stopping leaves, each with more mistakes
            # than the best, beyond the run's own noise in all (`overfitting_tail`)
            tail = self._tailrun.feed(logged, self.ctx, self.series, train_fell, self._n_at(), p)
            calm = ((y < best * (1 + p.rise_rel / 2)) & ~steady) | (tl > tb * (1 - p.train_drop_rel / 2))
            # a rise the noise measured since explains has ended (`LossUpAccUp.conditions`)
            held = y - best >= (0.0 + depth) * noise  # (`beyond_best` at 0)
            calm |= np.isfinite(sig) & ~held & ~steady
            calm &= ~span
            # a short run (a fine-tune of a few epochs), before its noise can be measured; its
            # training loss fell by more than its level moves by noise alone (`train_noise`: a
            # per-batch loss at the start of a long run is no fine-tune's epoch means)
            fit_fell = (tl <= tb * (1 - 2 * p.train_drop_rel)) & drop_clears_noise(
                tl, tb, self._tsig, p.rise_z
            )
            if len(raw) == len(y):
                fit_fell &= ~(raw > raw_best * (1 - p.train_drop_rel))
            prev_y = self._prev_y - (float(lf[0]) if len(lf) else 0.0)
            short, mono = short_rise(loss, fit_fell, ups, prev_y, self._n_at(), p)
            if len(y):
                self._prev_y = float(raw_y[-1])
            self._mono, self._ups_now = mono, ups
        # the training loss rose from its lowest since the validation best beyond its noise: both
        # losses got worse together, a divergence (`train_rose`), whatever the rise rules say
        rose = self._rose(y, best)
        cond = rise & train_fell & ~rose
        # ... which releases the alert (`breaks`), but does not undo the validation rise held
        # before it: evaluations where the training loss stands risen while the validation loss
        # stays risen neither count nor break the run, so once the training loss is back down the
        # alert opens again at once (`held_through`: a per-batch training loss whose last batch
        # spiked 0.028 -> 0.189 and came back to 0.0225 while the validation loss stood at twice
        # its best ended a Lightning run with no overfitting open)
        # (the training level, a mean over `half` evaluations that still holds the spike, and its
        # noise widened by it, lag: back down is the training loss itself below where it was at the
        # best, as `train_fell` also asks)
        up = rise & rose
        back = rise & ~rose & ~cond
        if len(raw) == len(y):
            back &= raw <= raw_best * (1 - p.train_drop_rel)
        else:
            back[:] = False
        resumed, self._resume_carry = after_through(up, back, self._resume_carry)
        self._rl = held_through(cond, up | resumed, self._carry[0])
        last = np.concatenate([[self._lrose_carry], np.where(rose, loss.idx, -1)])
        self._lrose = np.fmax.accumulate(last)[1:]
        if len(self._lrose):
            self._lrose_carry = float(self._lrose[-1])
        self._srl = run_lengths(short & ~rose, self._carry[1])
        self._carry = (int(self._rl[-1]), int(self._srl[-1]))
        self._rose_now = rose
        return ((self._rl >= p.open_after) | (self._srl >= 2) | mono | tail) & ~rose, calm | rose

    def _quiet_chunk(self, raw_y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`conditions` of a chunk (the validation loss as logged: `raw_y`) where nothing can open
        and no alert is open: the runs carried to the next chunk (`RiseRun`, `TrendRun`, the
        condition's run lengths, the last value) move on as the rules would move them; no point
        opens and every one releases."""
        n = len(raw_y)
        self._trend.skip(raw_y)
        self._ups_now = self._ups.feed(raw_y)
        none = np.zeros(n, dtype=bool)
        self._slow_all = self._steady = self._slow = self._mono = self._rose_now = none
        self._tailrun.skip()
        self._rl = self._srl = np.zeros(n, dtype=np.int64)
        self._carry = (0, 0)
        if n:
            self._prev_y = float(raw_y[-1])
        return none, ~none

    def _n_at(self) -> Callable[[int], int | None] | None:
        """The evaluation-set size by point (`Ctx.acc_n_likely`) when this is the validation loss."""
        return self.ctx.acc_n_likely if self.series is self.ctx.loss else None

    def breaks(self, loss: LossFeatures, acc: AccFeatures | None) -> np.ndarray | None:
        # a new best of the validation loss: "risen since its best" no longer holds; nor does "the
        # training loss kept falling" once it rose from its lowest beyond its noise (`_rose`)
        nb = new_best(loss)
        rose = getattr(self, "_rose_now", None)
        if rose is None or len(rose) != len(loss.y):
            return nb
        return rose if nb is None else (nb | rose)

    def _held(self, local: int) -> tuple[bool, int]:
        """(whether the normal rule opened it, how many evaluations its condition has held) at
        chunk point `local`."""
        normal = int(self._rl[local]) >= self.p.open_after
        tail = self._tailrun.last.get(local)
        if not normal and int(self._srl[local]) < 2 and not bool(self._mono[local]) and tail is not None:
            return False, tail.k  # (the tail rule: every evaluation since the best)
        if not normal and int(self._srl[local]) < 2 and bool(self._mono[local]):
            return False, int(self._ups_now[local])  # (rising since the evaluation after the best)
        return normal, int(self._rl[local]) if normal else int(self._srl[local])

    def began(self, i: int, j: int, local: int) -> int:
        # (the latch opens when the condition is confirmed; a run held through evaluations where
        # the training loss stood risen begins after the last of them)
        after = int(self._lrose[local]) + 1 if len(self._lrose) > local else 0
        return max(0, after, i - self._held(local)[1] + 1)

    def on_open(self, alert: Alert, i: int, local: int, loss: LossFeatures, acc: AccFeatures | None) -> None:
        normal, held = self._held(local)
        start = self.began(i, i, local)  # where the condition began
        alert.start = self.ctx.x(self.series, start)
        alert.data.update(
            best_idx=int(loss.best_idx[local]),
            start_idx=start,
            short=not normal,
            # opened on the short run's rise at every evaluation since the best (`conditions`)
            rising=not normal and int(self._srl[local]) < 2 and bool(self._mono[local]),
            held=held,
            steady=bool(getattr(self, "_steady", np.zeros(local + 1, bool))[local]),
            slow=bool(getattr(self, "_slow", np.zeros(local + 1, bool))[local]),
        )
        tail = self._tailrun.last.get(local)
        if not normal and int(self._srl[local]) < 2 and not alert.data["rising"] and tail is not None:
            alert.data.update(
                short=False, tail=tail.as_data(self.ctx.x(self.series, tail.best_idx), self.p.rise_z)
            )

    def on_span(self, alert: Alert, lo: int, hi: int, loss: LossFeatures, acc: AccFeatures | None) -> None:
        if hi > lo:
            # (its peak: never at an evaluation where the training loss stood risen, which released
            # it: a title "while train_loss 0.103 -> 0.189 at its peak" is no overfitting)
            rose = getattr(self, "_rose_now", None)
            keep = ~rose[lo:hi] if rose is not None and len(rose) == len(loss.y) else slice(None)
            ys, xs, ids = loss.y[lo:hi][keep], loss.x[lo:hi][keep], loss.idx[lo:hi][keep]
            if len(ys):
                span_extreme(alert, "peak", ys, xs, ids, high=True)
            if self._slow_all[lo:hi].any():
                alert.data["trend"] = True
            grew_steadily(alert.data, self.series, loss.idx[lo:hi], self.p.steady_run)
            alert.data["seen_idx"] = int(loss.idx[hi - 1])  # (a closed alert: where it was decided)

    def title(self, alert: Alert) -> str:
        e = alert.evidence
        # (a per-step training loss is quoted as the mean of its last values there: said so, never
        # passed off as a logged value)
        level = " level" if e.get("train_mean_of", 1.0) > 1 else ""
        return (
            f"{self.subject} {arrow(e['best_val_loss'], e['now_val_loss'])} since {self.ctx.unit} "
            f"{fmt_x(e['best_x'])} while {self.train.name}{level} "
            f"{arrow(e['train_loss_at_best'], e['train_loss_now'])}"
        )

    def evidence(self, alert: Alert, i: int) -> dict[str, float]:
        d = alert.data
        bi = d["best_idx"]
        best, now = value(self.series, bi), value(self.series, i)
        tb = self._train_at(self.ctx.x(self.series, bi))
        tn = self._train_at(self.ctx.x(self.series, i))
        ev = {
            "best_x": self.ctx.x(self.series, bi),
            "best_val_loss": best,
            "now_x": self.ctx.x(self.series, i),
            "now_val_loss": now,
            "train_loss_at_best": tb,
            "train_loss_now": tn,
            "gap_at_best": best - tb,
            "gap_now": now - tn,
            "peak_val_loss": extreme_so_far(alert, "peak", now, self.ctx.x(self.series, i), high=True)[0],
            # the training values quoted are means of this many logged values (1: the value logged)
            "train_mean_of": float(max(1, self.ctx.train_window)),
        }
        if self.ctx.acc is not None and self.series is self.ctx.loss:
            ev["acc_at_best"] = value(self.ctx.acc, bi)
            ev["acc_now"] = value(self.ctx.acc, i)
        ev.update(new_best_after(self.ctx, self.series, alert, best))
        return ev
