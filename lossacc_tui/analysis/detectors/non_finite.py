"""`non-finite` (NaN or inf in a loss) and `eval-non-finite` (only the validation loss broke)."""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.analysis import stats
from lossacc_tui.analysis.alerts import Alert, Severity
from lossacc_tui.analysis.claims import Claim
from lossacc_tui.analysis.detectors.base import Ctx, Detector, value, value_at_x
from lossacc_tui.analysis.features import AccFeatures, LossFeatures
from lossacc_tui.analysis.kind import KindSpec
from lossacc_tui.analysis.quantities import arrow, fmt, fmt_x, times
from lossacc_tui.model import Series


class NonFinite(Detector):
    """NaN or inf in a loss: opens at the first one, closes after `close_after` finite values."""

    kind = "non-finite"
    order = 0
    severity_doc = "critical"
    meaning = "NaN or inf in a loss"
    general = (
        "NaN or inf in a loss. Unless the step is skipped (an fp16 loss scaler skips it), every "
        "gradient after it is NaN too. Check the learning rate, gradient "
        "clipping, log(0) or division in a custom loss, fp16 overflow, NaN inputs; resume from the "
        "last good checkpoint."
    )
    n_open = 1

    def __init__(self, ctx: Ctx, series: Series, subject: str) -> None:
        super().__init__(ctx, series, subject)
        self.last_finite = -1

    def _logged(self, loss: LossFeatures) -> np.ndarray:
        """The values as logged: the loss' track replaces an evaluation the consistency check keeps
        out of bests with the value before it, or NaN where none is finite (`ConsistentLoss`), which
        is no NaN of the run's."""
        s = self.series
        if s is None or s is not self.ctx.loss or len(loss.idx) == 0 or int(loss.idx[0]) < s.base:
            return loss.y
        return s.raw[loss.idx - s.base].astype(np.float64, copy=False)

    def holds(self, loss: LossFeatures, acc: AccFeatures | None) -> bool:  # type: ignore[override]
        """Every value of the chunk finite: nothing opens (`Detector.holds`)."""
        return bool(np.isfinite(self._logged(loss)).all())

    def conditions(self, loss: LossFeatures, acc: AccFeatures | None) -> tuple[np.ndarray, np.ndarray]:
        finite = np.isfinite(self._logged(loss))
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
        best = train_best(self.ctx, x)
        healthy = math.isfinite(best) and t <= max(10 * best, best + self.p.explosion_min_abs)
        return "eval-non-finite" if healthy else self.kind

    def on_open(self, alert: Alert, i: int, local: int, loss: LossFeatures, acc: AccFeatures | None) -> None:
        y = float(self._logged(loss)[local])
        best_idx = lowest_before(self.series, i) if self.series is not None else -1
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
            last_bad=-1,  # the latest non-finite point
            first_after=-1,  # the first finite point after it (-1: none yet)
        )

    def on_span(self, alert: Alert, lo: int, hi: int, loss: LossFeatures, acc: AccFeatures | None) -> None:
        if hi <= lo:
            return
        d = alert.data
        y = self._logged(loss)[lo:hi]
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
            d["last_bad"] = int(loss.idx[lo + last_bad])
            d["first_after"] = int(loss.idx[lo + last_bad + 1]) if d["n_pending"] else -1
        else:
            if not d["n_pending"]:
                d["first_after"] = int(loss.idx[lo])
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
        if d.get("n_pending", 0) and not d.get("n_between", 0) and d.get("first_after", -1) >= 0:
            # (finite again after one stretch: the stretch is said with its ends)
            unit, x = self.ctx.unit, self.ctx.x
            end = x(self.series, d["last_bad"]) if d.get("last_bad", -1) >= 0 else alert.start
            span = (
                f"{unit} {fmt_x(alert.start)}"
                if end == alert.start
                else f"{unit}s {fmt_x(alert.start)}-{fmt_x(end)}"
            )
            return (
                f"{self.subject} was {d['bad']} at {span}, finite since {unit} "
                f"{fmt_x(x(self.series, d['first_after']))}{tail}"
            )
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
        t0, tb = e.get("train_high", math.nan), e.get("train_best", math.nan)
        if train_diverged(t0, tb):  # the validation loss broke as the training loss blew up beside it
            tx = e["train_high_x"]
            return [
                Claim(
                    "diverging",
                    "likely",
                    x0,
                    x1,
                    f"the optimisation diverged: the training loss was {fmt(t0)} at {self.ctx.unit} "
                    f"{fmt_x(tx)}, {times(t0, tb)} its lowest value {fmt(tb)}, when {self.subject} went "
                    "non-finite",
                    evidence={"train_loss": t0, "train_best": tb},
                    others="A numerical fault in the evaluation at the same moment would look the same; the "
                    "gradient norms before it decide",
                )
            ]
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
            # finite evaluations after the latest non-finite one (0: it is non-finite now), the
            # first of them, and the latest non-finite one
            "finite_points_after": float(d.get("n_pending", 0)),
            "first_finite_after_x": self.ctx.x(self.series, d["first_after"])
            if d.get("first_after", -1) >= 0
            else math.nan,
            "last_bad_x": self.ctx.x(self.series, d["last_bad"]) if d.get("last_bad", -1) >= 0 else math.nan,
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
            # the training loss's lowest finite value at or before the start (NaN: none, or no training loss)
            "train_best": train_best(self.ctx, alert.start)
            if self.ctx.train is not None and self.series is self.ctx.loss
            else math.nan,
            # ... and its highest finite value since the evaluation before this loss's last finite one
            # (the training steps that led to that last finite value and on), up to the start
            **(
                _train_high(self.ctx, self.ctx.x(self.series, lf - 1) if lf >= 1 else -math.inf, alert.start)
                if self.ctx.train is not None and self.series is self.ctx.loss
                else {"train_high": math.nan, "train_high_x": math.nan}
            ),
            # the first x in this alert's span where the training loss was not finite (NaN if none):
            # a training loss that went NaN and came back is not one that "stays finite"
            "train_bad_x": _first_bad_x(
                self.ctx.train, self.ctx.axis, alert.start, self.ctx.x(self.series, i)
            )
            if self.ctx.train is not None and self.series is self.ctx.loss
            else math.nan,
        }


def _train_high(ctx: Ctx, x0: float, x1: float) -> dict[str, float]:
    """{"train_high", "train_high_x"}: the training loss's highest finite value with x in (x0, x1]
    and its x (NaN: none). HF's trainer logs the training loss at its own steps, so the epoch where
    the evaluation broke may hold a NaN while the one before it held 3e30. O(points in the range)."""
    none = {"train_high": math.nan, "train_high_x": math.nan}
    train = ctx.train
    col = train.raw_x(ctx.axis) if train is not None else None
    if train is None or col is None or not math.isfinite(x1):
        return none
    lo = int(np.searchsorted(col, x0, side="right")) if x0 > -math.inf else 0
    hi = int(np.searchsorted(col, x1, side="right"))
    v = np.asarray(train.raw[lo:hi], dtype=float)
    fin = np.flatnonzero(np.isfinite(v))
    if not len(fin):
        return none
    k = int(fin[np.argmax(v[fin])])
    return {"train_high": float(v[k]), "train_high_x": float(col[lo + k])}


def train_best(ctx: Ctx, x: float) -> float:
    """The training loss's lowest finite value at or before x (nats; NaN: none). With the oldest
    points folded, `values` still holds the lowest point of every block. O(points before x)."""
    train = ctx.train
    if train is None:
        return math.nan
    tv = train.values[: max(1, _count_upto(train, ctx.axis, x))]
    return float(np.nanmin(tv)) if np.isfinite(tv).any() else math.nan


def train_diverged(t: float, best: float) -> bool:
    """Whether a training loss t (nats) at the x where the validation loss went non-finite had
    itself blown up while still finite: 10 times its best `best` or more (`NonFinite.kind_at`'s
    rule). A training loss that is NaN there too tells nothing of the kind: a NaN weight or input
    batch breaks both at once (the truth corpus's nan-weights-keras, nan-inject-torch)."""
    if not (math.isfinite(best) and best > 0):
        return False
    return math.isfinite(t) and t >= 10 * best


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


def lowest_before(series: Series, i: int) -> int:
    """Index of the lowest finite value before point i (-1 if none). O(i), but only run when a
    non-finite alert opens."""
    # (the oldest points folded: `values` begins with each block's lowest point, so this is exact)
    v = series.values[: series.kept_before(i)]
    fin = np.isfinite(v)
    if not fin.any():
        return -1
    return series.absolute(int(np.argmin(np.where(fin, v, np.inf))))


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
