"""acc-flat-loss-down: the loss keeps falling while accuracy holds (right answers sharpening), and
the underconfidence claim it carries. A `PairDetector` (detectors/pair.py)."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np

from lossacc_tui.analysis.alerts import Alert, Severity
from lossacc_tui.analysis.claims import Claim
from lossacc_tui.analysis.confidence_range import (
    CAL_TOL,
    range_text,
    underconfidence_least_loss,
    underconfidence_possible,
)
from lossacc_tui.analysis.converging import TRAIN_SHARE
from lossacc_tui.analysis.detectors.base import (
    classes_claim,
    level,
    names,
)
from lossacc_tui.analysis.detectors.flat_share import flat_share_claims
from lossacc_tui.analysis.detectors.majority import majority_share
from lossacc_tui.analysis.detectors.pair import PairDetector
from lossacc_tui.analysis.detectors.rise import RiseRun, level_noise
from lossacc_tui.analysis.detectors.slow_climb import SlowClimb
from lossacc_tui.analysis.detectors.train_join import train_at
from lossacc_tui.analysis.evidence import calibrated_loss_max
from lossacc_tui.analysis.features import AccFeatures, LossFeatures
from lossacc_tui.analysis.loss_carriers import who_carries_loss
from lossacc_tui.analysis.passmemo import quiet
from lossacc_tui.analysis.quantities import arrow, fmt, pair_chance_k, span, within
from lossacc_tui.analysis.span_trend import LongNoise
from lossacc_tui.analysis.train_readings import shared_costs, shared_text, underconfidence_refuted
from lossacc_tui.model import Series


class AccFlatLossDown(PairDetector):
    """Accuracy within a narrow band over flat_window evaluations while the loss fell."""

    kind = "acc-flat-loss-down"
    order = 60
    severity_doc = "info"
    meaning = (
        "accuracy flat while loss keeps falling: confidence grows on samples already right; carries the "
        "`underconfident` claim (the loss can keep falling without accuracy moving) unless the training "
        "side argues against it. It closes where "
        "the fall stops: the loss's level below its value 3 evaluations back by less than one noise "
        "standard error and less than half the rate it opens on; at once where the accuracy spans more "
        "than 1.5 times its flat band within 8 evaluations, or where a line fitted to its last 24 "
        "evaluations rises more than the band and one fitted to the newest 8 at least half of it at "
        "0.3 of the long line's pace or more (a slow climb is not flat; it does not open where the "
        "newest 8 rise a quarter of the band at that pace)"
    )
    general = (
        "Accuracy is flat while the loss keeps falling: predictions grow surer on the side they are on "
        "(right answers surer, mistakes less sure). Accuracy moves only when samples cross the threshold; "
        "whether more will (a slow climb) or cannot (a ceiling of capacity, features or label noise) the "
        "log does not say: the accuracy over later evaluations decides. Informational. "
        "This is the underconfidence alert (mean confidence below accuracy): it says so with the "
        "`underconfident` claim, `likely` when the loss, named a cross-entropy (val_nll, val_ce), is above "
        "what any calibrated model could cost "
        "at that accuracy, H(a) + (1 - a) ln(K - 1) with K known, `possible` otherwise; not offered when "
        "the training loss L puts the model's mean confidence on its training samples, at least exp(-L), "
        "within 2 points of the accuracy or above it while it scores on both splits alike. "
        "A loss and an accuracy never force underconfidence (right answers may all be certain, the loss "
        "on the mistakes), but they can rule it out: a plain mean cross-entropy L at accuracy a puts the "
        "mean confidence at exp(-L) or more (a exp(-(L - (1 - a) ln 2) / a) + (1 - a) / 2 below ln 2), "
        "and where that is within 2 points of the accuracy the claim is not offered and the text says so."
    )
    n_open = 1

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._ups = RiseRun()  # evaluations in a row the loss grew (a loss that turned up)
        self._noise = LongNoise()  # the loss's noise over many evaluations
        self._back = Lagged(self.p.half)  # the loss logged `half` evaluations back
        self._climb = SlowClimb(self.p.flat_window)  # a climb slower than the band per window

    def holds(self, loss: LossFeatures, acc: AccFeatures | None) -> bool:  # type: ignore[override]
        """Nowhere in the chunk an accuracy within its flat band beside a loss level flat_loss_drop
        below the one a flat window back, near its best, both finite: the first tests of `conditions`'
        opening rule (which narrows them with the loss's noise, a turn and a slow climb, each read
        from earlier points) fail everywhere, so nothing opens (`Detector.holds`)."""
        assert acc is not None
        p = self.p
        with quiet(invalid="ignore"):
            band = p.flat_acc_band if acc.res is None else np.fmax(p.flat_acc_band, acc.res)
            lvl, ref = loss.lvl, loss.lvl_flat
            may = (acc.range_flat <= band) & (lvl <= ref * (1 - p.flat_loss_drop)) & (lvl < ref)
            if not may.any():
                return True
            may &= lvl <= loss.lbest * (1 + p.rise_rel / 2)
            may &= np.isfinite(loss.y) & np.isfinite(acc.y)
        return not bool(may.any())

    def conditions(self, loss: LossFeatures, acc: AccFeatures | None) -> tuple[np.ndarray, np.ndarray]:
        assert acc is not None
        p = self.p
        with quiet(invalid="ignore"):
            # an accuracy moving within its resolution (a sample or the binomial standard error of its
            # evaluation set) is flat
            band = p.flat_acc_band if acc.res is None else np.fmax(p.flat_acc_band, acc.res)
            flat = acc.range_flat <= band
            fell = (loss.lvl <= loss.lvl_flat * (1 - p.flat_loss_drop)) & (loss.lvl < loss.lvl_flat)
            # still falling in the newer half (a tenth of the window's fall at least), not one step
            # down followed by a flat loss
            fell &= loss.lvl_mid - loss.lvl >= 0.1 * (loss.lvl_flat - loss.lvl)
            # and beyond the loss's noise: the difference of two means of `half` points, in a noise
            # pooled over many evaluations (`span_trend.LongNoise`: one read from 10 points is a
            # third of the true one now and then, and a long run asks after every evaluation)
            sig = level_noise(
                loss.sig, loss.idx, p.noise_window, np.fmax(*self._noise.feed(loss.y, loss.idx))
            )
            se = sig * math.sqrt(2.0 / p.half)  # (the noise of a difference of two levels, nats)
            fell &= loss.lvl_flat - loss.lvl >= p.trend_z * se
            near = loss.lvl <= loss.lbest * (1 + p.rise_rel / 2)
            # a loss that has turned up (risen at least twice in a row above its best) is no longer
            # falling, whatever its level says: the rise alerts speak for it from there
            y, best = loss.y, loss.best if loss.best is not None else loss.lbest
            turned = (self._ups.feed(y) >= 2) & (y > best)
            # the accuracy moved beyond 1.5 times its band within the window: "flat" no longer holds,
            # at once (`breaks`; tester 21: a slow climb, 64 -> 95 of 117, crossed it now and then
            # but never for `close_after` evaluations in a row, and the alert held to the end)
            # and where the accuracy climbs beyond its band over WINDOWS flat windows and still
            # climbs in the newest one (`slow_climb`; tester 22: 174 -> 195 of 300 over epochs
            # 61-77, under the band in every window): no opening there, and a close at once
            rising, climbs = self._climb.climbs(acc.y, band)
            flat &= ~rising
            self._moved = (acc.range_flat > 1.5 * band) | climbs
            off = self._moved | (loss.lvl > loss.lvl_flat * (1 - p.flat_loss_drop / 2))
            off |= turned & (y >= best * (1 + p.steady_rise_rel))
            # or the fall has stopped: the level now (the mean of the last `half` values) is below
            # the value logged `half` evaluations back by less than one standard error of that
            # difference in the loss's own noise, and by less than half the rate that opens the
            # alert (flat_loss_drop per flat_window evaluations). Tester 18's warm-up run: a
            # learning rate decayed to ~0 holds val_loss at 0.1335-0.1328 for 6 epochs, still 3.5 %
            # below where the flat window began (a level against a level `half` back lags by `half`
            # evaluations more); a slow fall that goes on (xgboost's logloss, 1 % per 3 rounds at a
            # noise of 0.1 %) is not one that stopped
            back = self._back.feed(loss.y)
            drop = back - loss.lvl
            slow = drop < 0.5 * p.flat_loss_drop * (p.half / p.flat_window) * np.abs(loss.lvl)
            off |= slow & (drop < sig * math.sqrt(1.0 + 1.0 / p.half))
        return flat & fell & near & ~turned & np.isfinite(loss.y) & np.isfinite(acc.y), off

    def breaks(self, loss: LossFeatures, acc: AccFeatures | None) -> np.ndarray | None:
        return getattr(self, "_moved", None)

    def severity(self, alert: Alert) -> Severity:
        return "info"

    def title(self, alert: Alert) -> str:
        e = alert.evidence
        return (
            f"{self.ctx.acc.name if self.ctx.acc else 'accuracy'} flat at "
            f"{span(e['acc_low'], e['acc_high'], 3)} while the "
            f"{self.ctx.loss.name if self.ctx.loss else 'loss'} level fell "
            f"{arrow(e['from_level'], e['now_level'])}"
        )

    def claims(self, alert: Alert, i: int) -> list[Claim]:
        e = alert.evidence
        nm = names(self.ctx)
        x0, x1 = e["from_x"], e["now_x"]
        out = classes_claim(self.ctx, x0, x1)
        loss, acc, k = e["now_loss"], e["now_acc"], self.ctx.classes.k
        # (a one-class reading the numbers allow: flat_share.py, h14e)
        out += flat_share_claims(self.ctx, min(alert.data.get("flat_first", i), i), i, nm[0])
        if not (math.isfinite(loss) and math.isfinite(acc)) or not 0.0 < acc < 1.0:
            return out + who_carries_loss(loss, acc, k, x0, x1, nm)
        if pair_chance_k(loss, acc) is not None:
            # loss ~ ln K and accuracy ~ 1/K: a model at chance. Its top class always gets at least
            # 1/K, about its accuracy, so unsure right answers (underconfidence) are no reading here
            return out + who_carries_loss(loss, acc, k, x0, x1, nm)
        bound = calibrated_loss_max(acc, k)
        above = loss > bound
        if not e.get("still_falling", 1.0):
            # the fall stopped in the newer half of the span (a step down, as after a spike, then
            # flat): "it keeps falling while no prediction changes class", the premise of unsure
            # right answers and of underconfidence, is not what the numbers show
            return out + who_carries_loss(loss, acc, k, x0, x1, nm)
        # a loss falling at flat accuracy says where the change came from (predictions growing more
        # confident on the side they are on); above what any calibrated model could cost, with K
        # known, the loss that is left sits on right answers held with too little confidence. With K
        # unknown the bound is the two-class one, which more classes raise: no reading from it
        # (tester 17: 10 classes, above H(a) while mistakes carried 72 % of the loss)
        held = f"{nm[1]} held {within(e['acc_low'], e['acc_high'], 4)}"
        why = (
            f"the loss is above the {fmt(bound)} nats a calibrated model scoring {fmt(acc, 4)} could cost "
            f"with {k} classes, and it fell while {held}"
        )
        favour = "right" if above and k is not None else ""
        # else a loss at its lowest yet with the training loss no lower than half of it: a run still
        # converging, whose unsure right answers the numbers favour or lean to (converging.py)
        conv = self.converging(i, loss, acc)
        if not favour and conv.lean:
            favour, why = conv.favour, conv.why
        lean = "right" if favour or conv.lean else ""
        train_loss, train_acc = e.get("train_loss_now", math.nan), e.get("train_acc_now", math.nan)
        if not lean:
            # or the costs both splits share, read from the training pair beside this one
            # (`train_readings.shared_costs`), leave at most half of the loss on mistakes
            s = shared_costs(loss, acc, train_loss, train_acc, k, self.ctx.acc_n)
            if s is not None and s.wrong_share <= 0.5:
                lean, why = "right", shared_text(s, loss, acc, train_loss, train_acc)
        who = who_carries_loss(loss, acc, k, x0, x1, nm, favour, why, lean=lean)
        # (the training loss can put the model's confidence on samples of this kind at its accuracy
        # or above: then underconfidence is no reading, `train_readings`; the text says so)
        refuted = self._held_share(alert, i, acc) or underconfidence_refuted(
            train_loss, acc, train_acc, self.ctx.acc_n
        )
        # (a plain mean cross-entropy this low puts the mean confidence within CAL_TOL of the accuracy
        # or above it, whatever the model: `confidence_range`; the text says so, `explain_pair`)
        possible = underconfidence_possible(loss, acc, k)
        if possible and loss > bound / 2 and ((above and k is not None) or not refuted):
            under = underconfident_claim(loss, acc, k, bound, x0, x1, nm, held)
            return out + one_reading(who, under, k, train_loss / loss if loss > 0 else math.nan)
        return out + who

    def _held_share(self, alert: Alert, i: int, acc: float) -> bool:
        """Whether the accuracy `acc` (a fraction) held exactly (within stuck_tol) over the alert's
        span of stuck_window evaluations or more at a value that can be a majority share
        (`majority.majority_share`): a model predicting that class for every sample scores exactly
        that, with its mean confidence anywhere from 1/2 up, equal to the accuracy when calibrated
        (tester 18's 95/5 runs: 0.951-0.953 at accuracy 0.951, every prediction the majority class).
        Then the numbers allow a calibrated model, and `underconfident` is no reading unless the loss
        is above what any calibrated model could cost with a known K."""
        first = min(alert.data.get("flat_first", i), i)
        accs = _values(self.ctx.acc, first, i + 1)
        if len(accs) < self.p.stuck_window or not np.isfinite(accs).all():
            return False
        if float(accs.max() - accs.min()) > self.p.stuck_tol:
            return False
        n = np.array([float(self.ctx.acc_n or math.nan)])
        return bool(majority_share(np.array([acc]), n)[0])

    def _train_acc_at(self, i: int) -> float:
        """The training accuracy at this series' point i (fraction): the value logged there, or the
        mean of about an evaluation's worth of a per-step one (`train_join.train_at`); NaN if none."""
        if self.ctx.train_acc is None:
            return math.nan
        x = self.ctx.x(self.series, i)
        return train_at(self.ctx.train_acc, self.ctx.axis, x, self.ctx.train_acc_window)

    def on_open(self, alert: Alert, i: int, local: int, loss: LossFeatures, acc: AccFeatures | None) -> None:
        # the flat window the alert opened on: its numbers are of its own span, from there on
        alert.data["flat_first"] = max(0, i - self.p.flat_window + 1)

    def evidence(self, alert: Alert, i: int) -> dict[str, float]:
        first = min(alert.data.get("flat_first", i), i)
        ev = self.pair_numbers(first, "from") | self.pair_numbers(i, "now")
        accs = _values(self.ctx.acc, first, i + 1)
        finite = accs[np.isfinite(accs)] if len(accs) else accs
        # the detector judges the level (mean of `half` values), so the text quotes it too: the
        # level of the span's first `half` values, then the level now
        ev.update(
            acc_low=float(finite.min()) if len(finite) else math.nan,
            acc_high=float(finite.max()) if len(finite) else math.nan,
            from_level=level(self.ctx.loss, min(first + self.p.half - 1, i), self.p),
            # the latest flat window's first half, and the level just before its newest half
            win_level=level(
                self.ctx.loss,
                max(min(first + self.p.half - 1, i), i - self.p.flat_window + self.p.half),
                self.p,
            ),
            mid_level=level(self.ctx.loss, max(min(first + self.p.half - 1, i), i - self.p.half), self.p),
            now_level=level(self.ctx.loss, i, self.p),
            acc_level_now=level(self.ctx.acc, i, self.p),
            acc_n=float(self.ctx.acc_n or math.nan),
            acc_n_near=float(self.ctx.acc_n_near or math.nan),
            # the training pair beside the latest one (nats, fraction; NaN when not logged)
            train_loss_now=self.train_at(i),
            train_acc_now=self._train_acc_at(i),
        )
        # a fall that goes on in the newer half of the latest flat window (at least a tenth of the
        # window's fall there), not one step down followed by a flat loss
        fell, newer = ev["win_level"] - ev["now_level"], ev["mid_level"] - ev["now_level"]
        ev["still_falling"] = float(not (fell > 0 and newer < 0.1 * fell))
        return ev


def underconfident_claim(
    loss: float,
    acc: float,
    k: int | None,
    bound: float,
    x0: float,
    x1: float,
    nm: tuple[str, str, str],
    held: str,
) -> Claim:
    """The `underconfident` claim of a loss falling at flat accuracy: `likely` when the loss is above
    `bound` (the most a calibrated model could cost at this accuracy, `calibrated_loss_max`) and K is
    known, `possible` otherwise. `held` says how flat accuracy stayed ("val_acc held within ..."): a
    flat accuracy is a steady count of mistakes, not predictions that never change class (samples
    may cross both ways: tester 17 saw 2-29 flips at every evaluation of such spans)."""
    # (with K unknown the bound is the two-class one, and a calibrated model with more classes may
    # cost any amount more: a loss above it is no reason, tester 19's 5-class run was overconfident
    # at 0.7333 > H(0.7253) = 0.5878; the claim then rests on the fall alone)
    above = loss > bound and k is not None
    sure = above
    if above:
        why = (
            f"{nm[0]} {fmt(loss)} is above the {fmt(bound)} nats a calibrated model scoring {fmt(acc, 4)} "
            f"could cost on average with {k} classes, and it keeps falling while {held}"
        )
    elif k is None:
        why = (
            f"{nm[0]} keeps falling while {held} (the class count is not known, so its level cannot tell: "
            f"what a calibrated model scoring {fmt(acc, 4)} may cost grows with the class count)"
        )
    else:
        why = f"{nm[0]} keeps falling while {held}"
    return Claim(
        "underconfident",
        "likely" if sure else "possible",
        x0,
        x1,
        # (a `possible` reading says "may": tester 20 T7, a calibrated 5-class run read "is below")
        f"the model's mean confidence {'is' if sure else 'may be'} below its accuracy {fmt(acc, 4)}: {why}; "
        "the loss can keep falling this way without accuracy moving",
        evidence={"loss": loss, "acc": acc, "calibrated_loss_max": bound},
        others=(
            _open_range(loss, acc, k)
            + "Another reading: a calibrated or overconfident model whose loss fell because its mistakes "
            "grew less sure"
            + ("" if k else "; --classes K gives the bound for K classes")
            + ". Per-sample confidences decide (lossacc_tui.probe)"
        ),
    )


def _open_range(loss: float, acc: float, k: int | None) -> str:
    """The sentence saying what the pair (`loss` nats, `acc` fraction) leaves open of the mean
    confidence (`confidence_range`): its range, that no loss forces underconfidence, and the least loss
    that allows it; '' when the numbers give no range."""
    rng = range_text(loss, acc, k)
    if not rng:
        return ""
    least = underconfidence_least_loss(acc, k)
    return (
        f"The pair does not force it: {rng}. A mean confidence below {fmt(acc - CAL_TOL, 4)} (the accuracy "
        f"less {CAL_TOL * 100:.0f} points) needs a loss above {fmt(least)} nats, which this one is. "
    )


def one_reading(who: list[Claim], under: Claim, k: int | None, train_share: float) -> list[Claim]:
    """The who-carries claims `who` (`loss_carriers.who_carries_loss`) and the `underconfident` claim
    `under` of one fall, as one reading with its rival named, unless K >= 3 is known (`k`) or the
    training loss is below `converging.TRAIN_SHARE` of the validation loss (`train_share`, the
    ratio; NaN when no training loss is logged): a model that sure of the samples it trains on
    makes confident mistakes on others, which supports the mistakes reading on its own (tester 24's
    noise-free digits run, a training loss a fifth of the validation loss: mistakes 67 %).

    A `possible` `mistakes-carry-loss` (offered only because nothing leans either way) beside a
    `possible` `underconfident` is the rival that claim already names (a calibrated model whose
    mistakes grew less sure). With two classes the two are nearly exclusive: a model calibrated at
    each confidence level c has its mistakes carry at least half of its loss (a mistake costs at
    least -ln(1 - c), a right answer -ln c, and (1 - c) ln(1/(1 - c)) >= c ln(1/c) for c >= 1/2), so
    right answers carrying most of it need confidence below accuracy; and a binary mistake near the
    threshold costs little more than ln 2, as much as a right answer there, so an underconfident
    binary model's mistakes seldom carry most of it. Two such claims then say one false thing on
    most binary runs, and the log cannot tell a binary run (K unknown) from one with more classes,
    where both often hold (a mistake spread over K - 1 classes costs more). So with K unknown or 2
    the mistakes reading is folded into `underconfident`'s other readings, with its numbers, rather
    than stated as a second claim; with K >= 3 known both stay. Measured on the truth corpus and the
    testers' runs (benchmarks/truth, session 16; K never given): of 30 evaluations where both were
    offered, 23 had `underconfident` true and 15 `mistakes-carry-loss`, none both false; of the 25
    binary ones, both true at 3. A `follows` or `likely` who-carries claim, or right answers named
    (the same reading as underconfidence), stay beside it."""
    if (k is not None and k >= 3) or train_share < TRAIN_SHARE:
        return [*who, under]
    if under.strength == "possible" and [c.id for c in who] == ["mistakes-carry-loss"]:
        m = who[0]
        if m.strength == "possible":
            lead = f"{under.others.rstrip('. ')}. In that reading, " if under.others else "Another reading: "
            return [replace(under, others=f"{lead}{m.text}. {m.others}")]
    return [*who, under]


class Lagged:
    """The value of a series `lag` points back, fed chunk by chunk (the last `lag` values are
    carried; NaN before the series has that many)."""

    __slots__ = ("lag", "tail")

    def __init__(self, lag: int) -> None:
        self.lag = max(1, lag)
        self.tail = np.full(self.lag, np.nan)

    def feed(self, y: np.ndarray) -> np.ndarray:
        """y[i - lag] for each value of the chunk `y` (shape (n,)), in the chunk's unit."""
        both = np.concatenate([self.tail, np.asarray(y, dtype=np.float64)])
        self.tail = both[len(both) - self.lag :]
        return both[: len(y)]


def _values(series: Series | None, lo: int, hi: int) -> np.ndarray:
    """Values of points [lo, hi) still kept (raw, from `series.base` on). O(hi - lo), in numpy."""
    if series is None:
        return np.empty(0)
    b = series.base
    return np.asarray(series.raw[max(0, lo - b) : max(0, hi - b)], dtype=np.float64)
