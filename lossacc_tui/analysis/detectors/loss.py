"""Detectors that look at one loss series: non-finite, loss-explosion, plateau."""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.analysis import stats
from lossacc_tui.analysis.alerts import Alert, Severity
from lossacc_tui.analysis.claims import Claim
from lossacc_tui.analysis.detectors.base import Ctx, Detector, extreme_so_far, span_extreme, value, value_at_x
from lossacc_tui.analysis.detectors.rise import level_depth
from lossacc_tui.analysis.features import AccFeatures, LossFeatures
from lossacc_tui.analysis.kind import KindSpec
from lossacc_tui.analysis.quantities import arrow, count, factor, fmt, fmt_x, times
from lossacc_tui.model import Series


class NonFinite(Detector):
    """NaN or inf in a loss: opens at the first one, closes after `close_after` finite values."""

    kind = "non-finite"
    order = 0
    severity_doc = "critical"
    meaning = "NaN or inf in a loss"
    general = (
        "NaN or inf in a loss. Every gradient after it is NaN too. Check the learning rate, gradient "
        "clipping, log(0) or division in a custom loss, fp16 overflow, NaN inputs; resume from the "
        "last good checkpoint."
    )
    n_open = 1

    def __init__(self, ctx: Ctx, series: Series, subject: str) -> None:
        super().__init__(ctx, series, subject)
        self.last_finite = -1

    def conditions(self, loss: LossFeatures, acc: AccFeatures | None) -> tuple[np.ndarray, np.ndarray]:
        finite = np.isfinite(loss.y)
        lf = stats.ffill_index(finite, int(loss.idx[0]), self.last_finite)
        self._last_finite = np.concatenate([[self.last_finite], lf[:-1]])  # per point of this chunk
        self.last_finite = int(lf[-1])
        return ~finite, finite

    def kind_at(self, i: int) -> str:
        """eval-non-finite when only the validation loss is non-finite while the training loss
        logged at the same x is finite: the evaluation is broken, not the training."""
        if self.series is not self.ctx.loss or self.ctx.split != "validation" or self.ctx.train is None:
            return self.kind
        x = self.ctx.x(self.series, i)
        t = value_at_x(self.ctx.train, self.ctx.axis, x)
        if not math.isfinite(t):
            return self.kind
        # finite is not healthy: a training loss far above its best is diverging too
        # (with the oldest points folded, `values` still holds the lowest point of every block)
        tv = self.ctx.train.values[: max(1, _count_upto(self.ctx.train, self.ctx.axis, x))]
        best = float(np.nanmin(tv)) if np.isfinite(tv).any() else math.nan
        healthy = math.isfinite(best) and t <= max(10 * best, best + self.p.explosion_min_abs)
        return "eval-non-finite" if healthy else self.kind

    def on_open(self, alert: Alert, i: int, local: int, loss: LossFeatures, acc: AccFeatures | None) -> None:
        y = float(loss.y[local])
        best_idx = _best_before(self.series, i) if self.series is not None else -1
        alert.data.update(
            bad=("infinite" if math.isinf(y) else "NaN"),
            last_finite=int(self._last_finite[local]),
            best=value(self.series, best_idx),
            best_idx=best_idx,
            n_bad=0,
            # finite evaluations between non-finite ones (an intermittent fault), those after the
            # latest non-finite one (a recovery, or the next fault to come), and the latest finite point
            n_between=0,
            n_pending=0,
            latest_finite=-1,
        )

    def on_span(self, alert: Alert, lo: int, hi: int, loss: LossFeatures, acc: AccFeatures | None) -> None:
        if hi <= lo:
            return
        d = alert.data
        y = loss.y[lo:hi]
        bad = ~np.isfinite(y)
        d["n_bad"] += int(np.count_nonzero(bad))
        if d["bad"] != "NaN or infinite" and (
            np.isnan(y).any() if d["bad"] == "infinite" else np.isinf(y).any()
        ):
            d["bad"] = "NaN or infinite"  # both kinds seen: each names a different fault
        if bad.any():
            last_bad = int(np.flatnonzero(bad)[-1])
            d["n_between"] += d["n_pending"] + int(np.count_nonzero(~bad[:last_bad]))
            d["n_pending"] = int(np.count_nonzero(~bad[last_bad + 1 :]))
        else:
            d["n_pending"] += len(bad)
        good = np.flatnonzero(~bad)
        if len(good):
            d["latest_finite"] = int(loss.idx[lo + int(good[-1])])

    def severity(self, alert: Alert) -> Severity:
        return "warning" if alert.kind == "eval-non-finite" else "critical"

    def title(self, alert: Alert) -> str:
        tail = ""
        if alert.kind == "eval-non-finite":  # (training finite when it opened; said while it still is)
            broke = _train_broke(alert.evidence)
            tail = ", then the training loss too" if broke else " while training is finite"
        d = alert.data
        if d.get("n_between", 0):
            n = d["n_bad"] + d["n_between"]
            return (
                f"{self.subject} is {d['bad']} at {d['n_bad']} of {n} evaluations from {self.ctx.unit} "
                f"{fmt_x(alert.start)}{tail}"
            )
        return f"{self.subject} is {d['bad']} from {self.ctx.unit} {fmt_x(alert.start)}{tail}"

    def claims(self, alert: Alert, i: int) -> list[Claim]:
        e = alert.evidence
        x0, x1 = alert.start, self.ctx.x(self.series, i)
        if alert.kind == "eval-non-finite":
            t0, t1 = e.get("train_loss_at_start", math.nan), e.get("train_loss_now", math.nan)
            if _train_broke(e):  # the training loss broke too since: no claim on the evaluation
                return []
            trend = f" ({arrow(t0, t1)})" if math.isfinite(t0) and math.isfinite(t1) else ""
            return [
                Claim(
                    "evaluation-broken",
                    "likely",
                    x0,
                    x1,
                    f"the training loss stays finite{trend} while {self.subject} is {alert.data['bad']}, so "
                    "the "
                    "validation computation, not the weights, produces it",
                    others="Weights that overflow only on validation inputs would also do it; the validation "
                    "batch sizes and label range decide",
                )
            ]
        lf, best = e["last_finite_value"], e["best_value"]
        if not (math.isfinite(lf) and math.isfinite(best)) or best <= 0 or lf < 3 * best:
            # the value before it was near the best: a sudden numerical fault (NaN in a batch or a
            # weight, log(0), fp16 overflow) as much as a divergence; the text says so, no claim
            return []
        return [
            Claim(
                "diverging",
                "likely",
                x0,
                x1,
                f"the optimisation diverged: {self.subject} had risen to {fmt(lf)}, {times(lf, best)} its "
                f"best {fmt(best)}, before it went non-finite",
                others="A numerical fault after an unrelated rise would look the same; the gradient norms "
                "before it decide",
            )
        ]

    def evidence(self, alert: Alert, i: int) -> dict[str, float]:
        d = alert.data
        lf = d["last_finite"]
        return {
            "first_bad_x": alert.start,
            # (at least its opening point: an alert read as it opens, live, comes before any span
            # of it was counted)
            "non_finite_points": float(max(d["n_bad"], 1)),
            "finite_points_between": float(d.get("n_between", 0)),
            "latest_finite_value": value(self.series, d.get("latest_finite", -1)),
            "latest_finite_x": self.ctx.x(self.series, d["latest_finite"])
            if d.get("latest_finite", -1) >= 0
            else math.nan,
            "last_finite_value": value(self.series, lf),
            "last_finite_x": self.ctx.x(self.series, lf) if lf >= 0 else math.nan,
            "best_value": d["best"],
            "best_x": self.ctx.x(self.series, d["best_idx"]) if d["best_idx"] >= 0 else math.nan,
            "acc_now": value_at_x(self.ctx.acc, self.ctx.axis, self.ctx.x(self.series, i))
            if self.ctx.acc
            else math.nan,
            "train_loss_at_start": value_at_x(self.ctx.train, self.ctx.axis, alert.start)
            if self.ctx.train is not None and self.series is self.ctx.loss
            else math.nan,
            "train_loss_now": value_at_x(self.ctx.train, self.ctx.axis, self.ctx.x(self.series, i))
            if self.ctx.train is not None and self.series is self.ctx.loss
            else math.nan,
            # the first x in this alert's span where the training loss was not finite (NaN if none):
            # a training loss that went NaN and came back is not one that "stays finite"
            "train_bad_x": _first_bad_x(
                self.ctx.train, self.ctx.axis, alert.start, self.ctx.x(self.series, i)
            )
            if self.ctx.train is not None and self.series is self.ctx.loss
            else math.nan,
        }


def _train_broke(e: dict[str, float]) -> bool:
    """Whether the training loss was non-finite at some point of an eval-non-finite alert's span
    (now, or at any x in between)."""
    return not math.isfinite(e.get("train_loss_now", 0.0)) or math.isfinite(e.get("train_bad_x", math.nan))


def _first_bad_x(series: Series, axis: str, x0: float, x1: float) -> float:
    """The first x in [x0, x1] where `series` holds a non-finite value (NaN when none or unknown).
    O(log n + points in the range)."""
    col = series.raw_x(axis)
    if col is None or not (math.isfinite(x0) and math.isfinite(x1)):
        return math.nan
    lo = int(np.searchsorted(col, x0, side="left"))
    hi = int(np.searchsorted(col, x1, side="right"))
    bad = np.flatnonzero(~np.isfinite(series.raw[lo:hi]))
    return float(col[lo + int(bad[0])]) if len(bad) else math.nan


def _count_upto(series: Series, axis: str, x: float) -> int:
    """How many points of `series` lie at or before x on `axis` (all of them when x is unknown)."""
    col = series.x_or_none(axis)
    if col is None or not math.isfinite(x):
        return len(series)
    return int(np.searchsorted(col, x, side="right"))


def _best_before(series: Series, i: int) -> int:
    """Index of the lowest finite value before point i (-1 if none). O(i), but only run when a
    non-finite alert opens."""
    # (the oldest points folded: `values` begins with each block's lowest point, so this is exact)
    v = series.values[: series.kept_before(i)]
    fin = np.isfinite(v)
    if not fin.any():
        return -1
    return series.absolute(int(np.argmin(np.where(fin, v, np.inf))))


class Explosion(Detector):
    """Loss far above its best level (a factor and an absolute margin, beyond its own noise)."""

    kind = "loss-explosion"
    order = 10
    severity_doc = "warning/critical"
    meaning = "a loss far above its running best"
    general = (
        "A loss far above its running best (a factor and an absolute margin beyond its own noise): a "
        "divergence step, a bad batch, or numerics. Lower the learning rate, add warmup and clipping, "
        "compare with the best checkpoint."
    )
    n_open = 1

    def conditions(self, loss: LossFeatures, acc: AccFeatures | None) -> tuple[np.ndarray, np.ndarray]:
        p = self.p
        y, best, sig = loss.y, loss.lbest, loss.sig_prev
        if self.per_step:
            # a per-step series: its level (the mean of about an epoch's worth of points, the same
            # window as its best level) against that best, never one batch against the best batch;
            # a NaN batch is non-finite's business, so a non-finite value does not reach the level
            y = np.where(np.isfinite(y), loss.lvl, y)
        with np.errstate(invalid="ignore", over="ignore"):
            margin = np.fmax(p.explosion_min_abs, p.explosion_z * sig)
            # the best level is the lowest of about idx / half noisy levels: it sits `level_depth`
            # level noises below the level it stands for, so a noisy per-batch loss logged for
            # thousands of steps is compared with where its best really was, not its luckiest stretch
            base = best + level_depth(loss.idx, p.half) * sig / math.sqrt(p.half)
            base = np.where(np.isfinite(base), base, best)
            # a non-finite value is the non-finite detector's: compared with a best it has no ratio
            up = np.isfinite(y) & (y >= p.explosion_factor * base) & (y - base >= margin) & (best > 0)
            calm = np.isfinite(y) & (y < math.sqrt(p.explosion_factor) * best)
        return up, calm

    @property
    def per_step(self) -> bool:
        """Whether this series logs several points per evaluation (judged on its level)."""
        if self.series is None:
            return False
        if self.series is self.ctx.train:
            return self.ctx.train_window > 1
        return self.series is self.ctx.loss and self.ctx.loss_window > 1

    def on_open(self, alert: Alert, i: int, local: int, loss: LossFeatures, acc: AccFeatures | None) -> None:
        alert.data.update(best=float(loss.lbest[local]), best_idx=int(loss.lbest_idx[local]))

    def on_span(self, alert: Alert, lo: int, hi: int, loss: LossFeatures, acc: AccFeatures | None) -> None:
        if hi > lo:
            y = loss.y[lo:hi]
            if self.per_step:  # the peak of the level, as judged (NaN batches stay visible)
                y = np.where(np.isfinite(y), loss.lvl[lo:hi], y)
            span_extreme(alert, "peak", y, loss.x[lo:hi], loss.idx[lo:hi], high=True)

    def severity(self, alert: Alert) -> Severity:
        peak, best = alert.data.get("peak", (math.nan,))[0], alert.data["best"]
        ratio = float(peak) / float(best) if best > 0 else math.inf
        return "critical" if ratio >= self.p.explosion_critical or math.isinf(peak) else "warning"

    def title(self, alert: Alert) -> str:
        e = alert.evidence
        return (
            f"{self.subject} {fmt(e['peak_value'])} is {factor(e['ratio'], 1, lead=True)} its best "
            f"{fmt(e['best_level'])}"
        )

    def evidence(self, alert: Alert, i: int) -> dict[str, float]:
        d = alert.data
        peak = d.get("peak", (math.nan, math.nan, -1))
        if not math.isfinite(peak[0]):  # rendered as it opens: the span is its point now
            peak = extreme_so_far(alert, "peak", value(self.series, i), self.ctx.x(self.series, i), high=True)
        ev = {
            "best_level": d["best"],
            "best_x": self.ctx.x(self.series, d["best_idx"]) if d["best_idx"] >= 0 else math.nan,
            "peak_value": peak[0],
            "peak_x": peak[1],
            "ratio": float(peak[0]) / float(d["best"]) if d["best"] > 0 else math.inf,
            "value_now": value(self.series, i),
        }
        if self.series is self.ctx.loss and self.ctx.acc is not None and peak[2] >= 0:
            ev["acc_at_peak"] = value(self.ctx.acc, peak[2])
            ev["acc_at_best"] = value(self.ctx.acc, d["best_idx"])
        return ev


class Plateau(Detector):
    """No new best loss (by plateau_min_delta) within the last plateau_patience evaluations."""

    kind = "plateau"
    order = 90
    severity_doc = "info"
    meaning = "no new best validation loss for a patience window; names the best epoch and its accuracy"
    general = (
        "No new best validation loss for a patience window (informational). The alert names the best "
        "epoch and the accuracy there: the checkpoint to keep, and the point where lowering the "
        "learning rate or stopping would save compute."
    )
    n_open = 1
    n_close = 1

    def __init__(self, ctx: Ctx, series: Series, subject: str) -> None:
        super().__init__(ctx, series, subject)
        self.ring = np.full(ctx.params.plateau_patience, np.nan)  # running best of the last P points

    def conditions(self, loss: LossFeatures, acc: AccFeatures | None) -> tuple[np.ndarray, np.ndarray]:
        p = self.p
        ext = np.concatenate([self.ring, loss.best])
        before = ext[: len(loss.best)]  # best up to P points ago
        self.ring = ext[-p.plateau_patience :].copy()
        with np.errstate(invalid="ignore"):
            # a non-finite evaluation is no evaluation on a plateau (the non-finite kinds own it): a
            # window whose finite points are all older would count "no new best" past the divergence
            stale = (
                np.isfinite(before)
                & np.isfinite(loss.y)
                & (loss.pmin >= before * (1.0 - p.plateau_min_delta))
            )
            moving = loss.pmin < before * (1.0 - 2 * p.plateau_min_delta)
        self._stale = stale
        return stale, moving

    def on_open(self, alert: Alert, i: int, local: int, loss: LossFeatures, acc: AccFeatures | None) -> None:
        alert.data.update(best=float(loss.best[local]), best_idx=int(loss.best_idx[local]))

    def on_span(self, alert: Alert, lo: int, hi: int, loss: LossFeatures, acc: AccFeatures | None) -> None:
        rows = np.flatnonzero(self._stale[lo:hi])
        if len(rows):
            r = lo + int(rows[-1])  # the latest evaluation that was still on the plateau
            alert.data.update(
                best=float(loss.best[r]), best_idx=int(loss.best_idx[r]), last_idx=int(loss.idx[r])
            )

    def severity(self, alert: Alert) -> Severity:
        return "info"

    def title(self, alert: Alert) -> str:
        e = alert.evidence
        since = int(e["evaluations_since_best"])
        head = f"{self.subject}: no new best for {since} evaluations"
        if e["best_x"] > alert.start or since < self.p.plateau_patience:
            # a best newer than the patience window, set by less than plateau_min_delta: say so, or
            # "no new best for 4 evaluations" contradicts "patience is 10" (each window gained less
            # than the delta; over the whole episode it may add up)
            recent = "its latest evaluation is its best"
            if since:
                recent = f"{count(since, 'evaluation')} since the best"
            head = (
                f"{self.subject}: under {self.p.plateau_min_delta:.1%} gain per {self.p.plateau_patience} "
                f"evaluations since {self.ctx.unit} {fmt_x(alert.start)}, {recent}"
            )
        return f"{head} (best {fmt(e['best_value'])} at {self.ctx.unit} {fmt_x(e['best_x'])})"

    def evidence(self, alert: Alert, i: int) -> dict[str, float]:
        d = alert.data
        bi = d["best_idx"]
        i = d.get("last_idx", i)
        ev = {
            "best_value": d["best"],
            "best_x": self.ctx.x(self.series, bi),
            "evaluations_since_best": float(i - bi),
            "value_now": value(self.series, i),
            "x_now": self.ctx.x(self.series, i),
        }
        if self.series is self.ctx.loss and self.ctx.acc is not None:
            ev["acc_at_best"] = value(self.ctx.acc, bi)
            ev["acc_now"] = value(self.ctx.acc, i)
        return ev


class EvalNonFinite(KindSpec):
    """Declared here: `NonFinite` emits it for a validation loss that breaks while training is finite."""

    kind = "eval-non-finite"
    order = 130
    severity_doc = "warning"
    meaning = (
        "only the validation loss is NaN or inf while training is finite: a broken evaluation, not a "
        "divergence"
    )
    general = (
        "Only the validation loss is NaN or inf while the training loss on the same lines stays "
        "finite: the evaluation is broken (empty split or mask, labels out of range, log(0)), not the "
        "training. Check the validation data and how its loss is computed."
    )
