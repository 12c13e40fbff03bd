"""val-loss-unstable: the validation loss multiplies inside a short window while accuracy barely
moves (a few extremely confident wrong predictions dominating an unbounded mean)."""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.analysis.alerts import Alert, Severity
from lossacc_tui.analysis.claims import Claim
from lossacc_tui.analysis.confidence_range import confident_mistakes_least_loss
from lossacc_tui.analysis.detectors.base import classes_claim, names, value
from lossacc_tui.analysis.detectors.both_rose import collapsed_divergence
from lossacc_tui.analysis.detectors.pair import PairDetector
from lossacc_tui.analysis.detectors.smoothing import on_floor, rise_on_floor
from lossacc_tui.analysis.evidence import training_floored
from lossacc_tui.analysis.features import AccFeatures, LossFeatures
from lossacc_tui.analysis.loss_carriers import who_carries_loss
from lossacc_tui.analysis.passmemo import quiet
from lossacc_tui.analysis.quantities import factor, fmt, fmt_x, loss_per_mistake, span, within
from lossacc_tui.analysis.sampling import few_samples_carry
from lossacc_tui.analysis.stats import SECOND_DIFF_SCALE

#: a swing must rise this many noise standard deviations of its own series (a rise of two independent
#: points has deviation sqrt(2); 6 of them is past what thousands of windows of a healthy per-step
#: run with 32-sample validation batches gave in numpy runs: tests/test_analysis_unstable_swing.py)
NOISE_Z = 6.0
#: evaluations before a swing's window whose second differences measure that noise, and the fewest
#: that do (a per-step run has hundreds or thousands; an epoch-level run of 25 is judged on its swings alone)
NOISE_SPAN = 200
NOISE_MIN = 20
#: ... and it must beat the largest rise inside one window over those same evaluations (the record of
#: N windows) by the factor an exponential tail gives for odds of one in `RECORD_ODDS`: a record of N
#: draws from a tail of scale b sits near b ln N, and b ln(RECORD_ODDS) is passed by one window in
#: RECORD_ODDS, so the bar is the record times ln(RECORD_ODDS) / ln N (3.8 with 20 evaluations before,
#: 2.2 with 200). A small batch's mean loss has a heavier upper tail than the Gaussian the deviation
#: bar assumes (one confidently wrong sample more moves a 64-sample mean by its whole cost / 64):
#: healthy numpy runs on fresh 32-128-sample batches passed 6 deviations, and one whose mistakes cost
#: ~7 nats each rose 2.2 times its record (tests/test_analysis_unstable_tail.py)
RECORD_ODDS = 1e5


class ValLossUnstable(PairDetector):
    """The loss rises by a large factor from a trough inside a short window, accuracy barely moves."""

    kind = "val-loss-unstable"
    order = 20
    severity_doc = "warning/critical/info"
    meaning = (
        "validation loss swings by large factors while accuracy barely moves: a handful of extremely "
        "confident wrong predictions dominate an unbounded mean (information when it rose once and fell "
        "back, a spike so far, or when a training loss floored above it at training accuracy 1 says "
        "right answers settle at a smoothed target)"
    )
    general = (
        "Validation loss swings by large factors while accuracy barely moves: a handful of extremely "
        "confident wrong predictions dominate an unbounded mean. Check the learning rate, input "
        "normalisation, evaluation mode (dropout, batch norm) and numerics (overflowing logits); list "
        "the rows with the highest loss. One rise that fell back is information (a spike so far, which "
        "one unlucky evaluation batch also gives); a loss that rises again after falling, or keeps "
        "rising, is the warning."
    )
    n_open = 1

    def holds(self, loss: LossFeatures, acc: AccFeatures | None) -> bool:  # type: ignore[override]
        """No swing of the size asked for with the accuracy within its band anywhere in the chunk (the
        rules after it only rule swings out): nothing opens (`Detector.holds`)."""
        return not bool(self._swings(loss, acc).any())

    def _swings(self, loss: LossFeatures, acc: AccFeatures | None) -> np.ndarray:
        """Per point: a swing of `unstable_ratio` and `unstable_min_abs` or more while the accuracy's
        range stays within `unstable_acc_band`."""
        assert acc is not None
        p = self.p
        with quiet(invalid="ignore"):
            on = (loss.swing >= p.unstable_ratio) & (loss.swing_abs >= p.unstable_min_abs)
            on &= acc.range_unst <= p.unstable_acc_band
        return on  # type: ignore[no-any-return]

    def conditions(self, loss: LossFeatures, acc: AccFeatures | None) -> tuple[np.ndarray, np.ndarray]:
        assert acc is not None
        p = self.p
        on = self._swings(loss, acc)
        with quiet(invalid="ignore"):
            off = ~(loss.swing >= math.sqrt(p.unstable_ratio))
        for j in np.flatnonzero(on):  # (rare: where a swing of the size asked for was found)
            # a rise the series' own evaluation noise gives now and then is no swing: a small
            # validation batch moves its mean loss by a lot with one confident mistake more or less
            i = int(loss.idx[j])
            if self._right_at_high(i):
                # every sample right: the loss is all right answers held with less confidence (label
                # smoothing's targets, a softer head), never confident mistakes, whatever its factor
                on[j] = False
            elif collapsed_divergence(self.ctx, i, p.unstable_window, math.sqrt(p.unstable_ratio)):
                on[j] = False  # (both losses rose, accuracy far below its best: many mistakes)
            elif loss.swing_abs[j] < NOISE_Z * self._noise_before(i):
                on[j] = False
            elif loss.swing_abs[j] < self._record_bar(i):
                on[j] = False  # (the series' own tail: it rose nearly as much before, and was well)
            else:
                # a rise the evaluation set's own samples carry: a few more mistakes drawn (or made)
                # at a confident mistake's cost each (a fresh 32-sample batch draws 0-4 of them)
                k0, k1, _ = self._swing_in(i)
                if k0 >= 0 and self._sampled(value(self.ctx.loss, k1) - value(self.ctx.loss, k0), k0, k1):
                    on[j] = False
        return on, off

    def _right_at_high(self, i: int) -> bool:
        """Whether every sample is classified right (accuracy 1) at the highest loss of the window
        of `unstable_window` evaluations that ends at point i."""
        first = max(self.ctx.loss.base if self.ctx.loss is not None else 0, i - self.p.unstable_window + 1)
        loss = [(value(self.ctx.loss, k), k) for k in range(first, i + 1)]
        finite = [(v, k) for v, k in loss if math.isfinite(v)]
        return bool(finite) and value(self.ctx.acc, max(finite)[1]) >= 1.0

    def _history(self, i: int) -> np.ndarray:
        """The finite loss values of the `NOISE_SPAN` evaluations before the window that ends at
        point i (nats); empty with fewer than `NOISE_MIN` of them."""
        series = self.ctx.loss
        if series is None:
            return np.empty(0)
        j = i - series.base
        w = self.p.unstable_window
        y = np.asarray(series.raw[max(0, j - w - NOISE_SPAN) : max(0, j - w + 1)], dtype=float)
        y = y[np.isfinite(y)]
        return y if len(y) >= NOISE_MIN else np.empty(0)

    def _record_bar(self, i: int) -> float:
        """The rise (nats) a swing in the window ending at point i must reach to stand out of the
        series' own tail: the largest rise inside any window of `unstable_window` evaluations over
        `_history(i)` (max over lags 1..window-1 of y[t] - y[t - lag]), times
        ln(RECORD_ODDS) / ln(its number of windows); NaN without a history (the swing is kept)."""
        y = self._history(i)
        if len(y) == 0:
            return math.nan
        record = max(
            float(np.max(y[lag:] - y[:-lag])) for lag in range(1, min(self.p.unstable_window, len(y)))
        )
        return record * math.log(RECORD_ODDS) / math.log(len(y))

    def _noise_before(self, i: int) -> float:
        """The loss's own noise (standard deviation from second differences, nats) over the
        `NOISE_SPAN` evaluations before the window that ends at point i: a longer look than the
        features' `sig_prev`, whose few points dip low by chance now and then (and which, in a run
        unstable from its start, is the instability itself); NaN with fewer than `NOISE_MIN` points.
        Depends on the series only, so a run read line by line decides as one read whole."""
        y = self._history(i)
        if len(y) == 0:  # (a short history: its noise is the swings themselves, if any)
            return math.nan
        return float(np.mean(np.abs(np.diff(y, 2)))) / SECOND_DIFF_SCALE

    def on_span(self, alert: Alert, lo: int, hi: int, loss: LossFeatures, acc: AccFeatures | None) -> None:
        if hi <= lo or acc is None:
            return
        on, _ = self.conditions(loss, acc)
        for j in np.flatnonzero(on[lo:hi]) + lo:  # (the points where a swing was found)
            self._keep_swing(alert, int(loss.idx[j]))

    def on_open(self, alert: Alert, i: int, local: int, loss: LossFeatures, acc: AccFeatures | None) -> None:
        self._keep_swing(alert, i)

    def _keep_swing(self, alert: Alert, i: int) -> None:
        """Keep in alert.data['swing'] the largest rise (trough index, high index, factor) inside
        the window of `unstable_window` evaluations that ends at i, if it beats the one kept: the
        swing the alert describes is always one its condition found, trough before high."""
        best = self._swing_in(i)
        if best[0] >= 0 and "critical_idx" not in alert.data and self._insane_at(best[1]):
            # (a span whose swing once needed that much a mistake stays critical while open: the
            # largest swing it describes may later be another one, with a lower high or a training
            # loss above it, and the demo's fastai run had read critical -> warning -> critical)
            alert.data["critical_idx"] = best[1]
        if best[0] >= 0 and best[2] > alert.data.get("swing", (-1, -1, 0.0))[2]:
            alert.data["swing"] = best

    def _insane_at(self, k: int) -> bool:
        """Whether the loss at point k needs over `insane_nats` a mistake (accuracy there) with no
        training loss above it (`_floored_training`): the critical reading of a swing's high."""
        v, a = value(self.ctx.loss, k), value(self.ctx.acc, k)
        per = loss_per_mistake(v, a)
        return math.isfinite(per) and per >= self.p.insane_nats and not training_floored(self.train_at(k), v)

    def _swing_in(self, i: int) -> tuple[int, int, float]:
        """(trough index, high index, factor) of the largest rise inside the window of
        `unstable_window` evaluations that ends at point i, trough before high; (-1, -1, 0.0): none."""
        first = max(0, i - self.p.unstable_window + 1)
        trough_k, trough, best = -1, math.inf, (-1, -1, 0.0)
        for k in range(first, i + 1):
            v = value(self.ctx.loss, k)
            if not (math.isfinite(v) and v > 0):
                continue
            if trough_k >= 0 and v / trough > best[2]:
                best = (trough_k, k, v / trough)
            if v < trough:
                trough_k, trough = k, v
        return best

    def moves(self, alert: Alert, i: int) -> tuple[int, bool]:
        """(rises, fell back): the separate rises of the loss up to point i, and whether it fell
        back after the last of them. A rise is by at least sqrt(`unstable_ratio`) and
        `unstable_min_abs` / 2 nats from the lowest point since the last fall, beyond the series' own
        noise where a history measures it (`_noise_before`, `_record_bar`), and more than one or two
        samples can carry on an evaluation set of known size (`_sampled`); a fall is to 1 /
        sqrt(`unstable_ratio`) of the high since the last rise. Scanned from the window of the
        alert's opening point on; a fall before the first rise (a loss still descending) is none.
        Each point is scanned once (the zigzag's state is kept in alert.data['zig'] with the points
        where moves were confirmed), so a closed alert counts only the moves of its own span."""
        series = self.ctx.loss
        if series is None:
            return 0, False
        r = math.sqrt(self.p.unstable_ratio)
        floor = self.p.unstable_min_abs / 2
        start = max(series.base, int(alert.data.get("start_idx", i)) - self.p.unstable_window + 1)
        # (next point to scan, rising: a rise was the last move, low since the last fall, high since
        # the last rise, the confirmed moves as (point, +1 rise / -1 fall))
        state = alert.data.get("zig", (start, False, math.inf, -1, -math.inf, ()))
        nxt, up, low, low_k, high, moves = state
        for k in range(nxt, i + 1):
            v = value(series, k)
            if not (math.isfinite(v) and v > 0):
                continue
            if up:
                if v <= high / r:
                    up, low, low_k, moves = False, v, k, (*moves, (k, -1))
                else:
                    high = max(high, v)
            elif v < low:
                low, low_k = v, k
            elif (
                v >= low * r
                and v - low >= floor
                and self._beyond_noise(v - low, k)
                and not self._sampled(v - low, low_k, k)
            ):
                up, high, moves = True, v, (*moves, (k, 1))
        alert.data["zig"] = (max(nxt, i + 1), up, low, low_k, high, moves)
        seen = [d for k, d in moves if k <= i]
        return seen.count(1), bool(seen) and seen[-1] < 0

    def _sampled(self, rise: float, k0: int, k1: int) -> bool:
        """Whether a rise of the mean loss (nats) from point k0 to k1 is what a few samples of the
        evaluation set carry (`sampling.few_samples_carry`, n from the accuracy's values). False
        when n is unknown."""
        ctx, p = self.ctx, self.p
        n = ctx.acc_n_likely(k1) if ctx.acc_n_likely is not None else None
        if n is None or k0 < 0:
            return False
        a0, a1 = value(ctx.acc, k0), value(ctx.acc, k1)
        return few_samples_carry(rise, n, a0, a1, p.flip_samples, p.flip_nats)

    def _beyond_noise(self, rise: float, i: int) -> bool:
        """Whether a rise (nats) in the window ending at point i clears the series' own noise bars
        (kept where no history measures them)."""
        return not (rise < NOISE_Z * self._noise_before(i) or rise < self._record_bar(i))

    def severity(self, alert: Alert) -> Severity:
        # (with no mistake at the high, accuracy 1, the cost per mistake is no number: never critical)
        e = alert.evidence
        if rise_on_floor(self.ctx, e["loss_low_x"], e["loss_high_x"]) is not None:
            # right answers settling at a smoothed target's confidence, no more mistakes: information
            return "info"
        if _one_spike(e):
            return "info"  # (one rise that fell back: a spike so far, not a loss that swings)
        per_mistake = e.get("loss_per_mistake_at_high", 0.0)
        # (a training loss above this validation loss: the cost per mistake assumes right answers
        # cost nothing, which a smoothed or regularised training objective refutes: never critical)
        insane = math.isfinite(per_mistake) and per_mistake >= self.p.insane_nats
        if insane and not _floored_training(e):
            return "critical"
        return "critical" if self.held_critical(alert) is not None else "warning"

    def held_critical(self, alert: Alert) -> int | None:
        """The point of an earlier swing's high that needed over `insane_nats` a mistake, when the
        swing the alert now describes does not (the span stays critical), else None."""
        k = alert.data.get("critical_idx")
        at = int(alert.data.get("at_idx", -1))
        return int(k) if k is not None and 0 <= int(k) <= at else None

    def title(self, alert: Alert) -> str:
        e = alert.evidence
        verb = "rose" if _one_spike(e) else "swings"  # (one rise that fell back: not yet swinging)
        return (
            f"{self.ctx.loss.name if self.ctx.loss else 'loss'} {verb} "
            f"{span(e['loss_low'], e['loss_high'])} ({factor(e['ratio'], 1, lead=True)}) "
            f"{'and fell back ' if _one_spike(e) else ''}while "
            f"{self.ctx.acc.name if self.ctx.acc else 'accuracy'} stays "
            f"{span(e['acc_low'], e['acc_high'], 3)}"
        )

    def claims(self, alert: Alert, i: int) -> list[Claim]:
        e = alert.evidence
        nm = names(self.ctx)
        x0, x1 = e["loss_low_x"], e["loss_high_x"]
        why = (
            f"the loss multiplied {factor(e['ratio'], 1, lead=True)} while accuracy stayed "
            f"{within(e['acc_low'], e['acc_high'], 4)}: the growth sits on predictions pushed far to the "
            "wrong side more than on samples changing sides"
        )
        out = classes_claim(self.ctx, x0, x1)
        floored = _floored_training(e)  # (right answers may have lost confidence: nothing favoured)
        out += who_carries_loss(
            e["loss_high"],
            e["acc_at_high"],
            self.ctx.classes.k,
            x0,
            x1,
            nm,
            "" if floored else "mistakes",
            "" if floored else why,
            since=(e["loss_low"], e["acc_at_low"]),
        )
        if e["acc_at_high"] >= 1.0:  # (no mistake at the high: nothing to be confident about)
            return on_floor(self.ctx, out, x0, x1)
        if rise_on_floor(self.ctx, x0, x1) is not None:
            # (a model trained toward a smoothed target holds its answers below full confidence: the
            # reading of mistakes made with confidence above 0.9 is not the one to name)
            return on_floor(self.ctx, out, x0, x1)
        out += confident_claim(self.ctx.classes.k, x0, x1, nm[2], e["loss_high"], e["acc_at_high"])
        return on_floor(self.ctx, out, x0, x1)

    def evidence(self, alert: Alert, i: int) -> dict[str, float]:
        lo_k, hi_k, ratio = alert.data.get("swing", (i, i, math.nan))
        lo_v, hi_v = value(self.ctx.loss, lo_k), value(self.ctx.loss, hi_k)
        accs = [a for a in (value(self.ctx.acc, k) for k in range(lo_k, hi_k + 1)) if math.isfinite(a)]
        acc_at_hi = value(self.ctx.acc, hi_k)
        rises, fell = self.moves(alert, i)
        return {
            "loss_high": hi_v,
            "loss_high_x": self.ctx.x(self.series, hi_k),
            "loss_low": lo_v,
            "loss_low_x": self.ctx.x(self.series, lo_k),
            "ratio": ratio,
            "acc_at_low": value(self.ctx.acc, lo_k),
            "acc_at_high": acc_at_hi,
            "acc_low": min(accs, default=math.nan),
            "acc_high": max(accs, default=math.nan),
            "loss_per_mistake_at_high": loss_per_mistake(hi_v, acc_at_hi),
            "train_loss_at_high": self.train_at(hi_k) if hi_k >= 0 else math.nan,
            "now_loss": value(self.ctx.loss, i),
            "now_acc": value(self.ctx.acc, i),
            "rises": float(rises),
            "fell_back": float(fell),
        } | self._critical_numbers(alert, i, hi_k)

    def _critical_numbers(self, alert: Alert, i: int, hi_k: int) -> dict[str, float]:
        """Where an earlier swing's high made the span critical (`held_critical`), when that is not
        the high the alert now describes: its x, loss and cost per mistake; else nothing."""
        k = alert.data.get("critical_idx")
        if k is None or not 0 <= int(k) <= i or int(k) == hi_k:
            return {}
        v = value(self.ctx.loss, int(k))
        return {
            "critical_x": self.ctx.x(self.series, int(k)),
            "critical_loss": v,
            "critical_per_mistake": loss_per_mistake(v, value(self.ctx.acc, int(k))),
        }


def _one_spike(e: dict[str, float]) -> bool:
    """One rise of the loss that fell back (`ValLossUnstable.moves`): a spike, not yet a swinging loss."""
    return e.get("rises") == 1 and bool(e.get("fell_back"))


def _floored_training(e: dict[str, float]) -> bool:
    """`evidence.training_floored` at the swing's high: neither the cost per mistake nor the
    trough's cost of right answers bounds what mistakes carry there."""
    return training_floored(e.get("train_loss_at_high", math.nan), e["loss_high"])


def confident_claim(
    k: int | None, x0: float, x1: float, unit: str, loss: float = math.nan, acc: float = math.nan
) -> list[Claim]:
    """The `confident-mistakes` reading of a loss that multiplied while accuracy held. A large loss says
    the mistakes put little on their TRUE class; only with 2 classes is that confidence in the other.
    With K > 2 known no claim (tester 21 collapse_lr: 4 of 39 mistakes above 0.9, median confidence
    0.18, the mass spread over the other classes); K unknown: the claim says it needs 2 classes.
    No claim either where the pair at x1 (`loss` nats, `acc` fraction) rules it out: half of the
    mistakes above 0.9 cost more than ln 10 each (`confidence_range.confident_mistakes_least_loss`).
    The loss and accuracy never force it (a few extreme mistakes can carry any loss): `possible`."""
    if k is not None and k > 2:
        return []
    least = confident_mistakes_least_loss(acc) if math.isfinite(acc) else math.nan
    if math.isfinite(loss) and math.isfinite(least) and loss < least:
        return []
    spread = (
        "The mean cost of a mistake does not say how it is spread: a handful of extreme rows can carry it "
        "while most mistakes stay near the threshold; per-sample losses decide"
    )
    if math.isfinite(loss) and math.isfinite(least):
        spread = (
            "The pair allows it without forcing it: half of the mistakes above 0.9 need a loss of at least "
            f"{fmt(least)} nats at this accuracy (ln 10 each, ln 2 for the rest), and the loss is "
            f"{fmt(loss)}. " + spread
        )
    if k == 2:
        text = f"at {unit} {fmt_x(x1)} most mistakes are made with confidence above 0.9"
    else:
        text = (
            f"at {unit} {fmt_x(x1)} most mistakes may be made with confidence above 0.9, if there are 2 "
            "classes: the loss says how little a mistake puts on its true class, which with more classes "
            "can be spread over the others without any one of them above 0.9"
        )
    return [Claim("confident-mistakes", "possible", x0, x1, text, others=spread)]
