"""`loss-explosion`: a loss far above where its best level really was."""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.analysis.alerts import Alert, Severity
from lossacc_tui.analysis.detectors.base import Ctx, Detector, extreme_so_far, noise, span_extreme, value
from lossacc_tui.analysis.detectors.explosion_step import STEP_REL, may_step, step_candidates, step_up
from lossacc_tui.analysis.detectors.non_finite import lowest_before
from lossacc_tui.analysis.detectors.rise import level_depth
from lossacc_tui.analysis.features import AccFeatures, LossFeatures
from lossacc_tui.analysis.held import HeldRule
from lossacc_tui.analysis.passmemo import quiet
from lossacc_tui.analysis.quantities import factor, fmt
from lossacc_tui.model import Series

#: values before a point whose second differences give the longer look at a series' noise
LONG_NOISE = 60


class Explosion(Detector):
    """Loss far above its best level (a factor and an absolute margin, beyond its own noise)."""

    kind = "loss-explosion"
    order = 10
    severity_doc = "warning/critical"
    meaning = (
        "a loss far above its running best, or a training loss that steps up at one evaluation (10 % over "
        "its best, 20 times its noise) while validation accuracy falls there (2 points and 5 times its "
        "noise) with no learning-rate rise"
    )
    general = (
        "A loss far above its running best (a factor and an absolute margin beyond its own noise): a "
        "divergence step, a bad batch, or numerics; or a training loss stepping up at one evaluation "
        "while validation accuracy falls at the same one (a resumed run that lost state, a data change, "
        "a corrupted update). Lower the learning rate, add warmup and clipping, compare with the best "
        "checkpoint."
    )
    n_open = 1

    def __init__(self, ctx: Ctx, series: Series | None, subject: str = "") -> None:
        super().__init__(ctx, series, subject)
        self._rule: HeldRule | None = None  # (a per-step series' held levels, built on first use)
        empty = np.empty((2, 0))
        self._chunk: tuple[np.ndarray, np.ndarray, np.ndarray] = (empty, empty, empty.astype(np.int64))
        self._steps: dict[int, dict[str, float]] = {}  # (step rule readings by the index they opened at)

    @property
    def steps_judged(self) -> bool:
        """Whether the step rule (`explosion_step`) applies: the training loss, one value an evaluation."""
        ctx = self.ctx
        train = self.series is ctx.train or (self.series is ctx.loss and ctx.split == "training")
        return train and self.series is not None and not self.per_step

    def holds(self, loss: LossFeatures, acc: AccFeatures | None) -> bool:  # type: ignore[override]
        """No finite value of the chunk `explosion_factor` times its best level or more (the rule's
        base is that best or above it: `level_depth` and the noise are never negative): nothing opens
        (`Detector.holds`). A per-step series' held levels carry their own state: never kept back."""
        if self.per_step:
            return False
        y, best = loss.y, loss.lbest
        f = min(self.p.explosion_factor, 1 + STEP_REL) if self.steps_judged else self.p.explosion_factor
        with quiet(invalid="ignore", over="ignore"):
            return not bool((np.isfinite(y) & (y >= f * best) & (best > 0)).any())

    def conditions(self, loss: LossFeatures, acc: AccFeatures | None) -> tuple[np.ndarray, np.ndarray]:
        p = self.p
        y, best, sig = loss.y, loss.lbest, loss.sig_prev
        if self.per_step:
            return self._per_step(loss)
        with quiet(invalid="ignore", over="ignore"):
            margin = np.fmax(p.explosion_min_abs, p.explosion_z * sig)
            # the best level is the lowest of about idx / half noisy levels: it sits `level_depth`
            # level noises below the level it stands for, so a noisy loss logged for thousands of
            # evaluations is compared with where its best really was, not its luckiest stretch
            base = best + level_depth(loss.idx, p.half) * sig / math.sqrt(p.half)
            base = np.where(np.isfinite(base), base, best)
            # a non-finite value is the non-finite detector's: compared with a best it has no ratio
            up = np.isfinite(y) & (y >= p.explosion_factor * base) & (y - base >= margin) & (best > 0)
            calm = np.isfinite(y) & (y < math.sqrt(p.explosion_factor) * best)
        for j in np.flatnonzero(up):  # (rare: where the value stands that high)
            # ... and beyond the noise of a longer look back: ten values' noise dips low by chance
            # (a training loss logged as one 32-sample batch at each evaluation: 0.04 over ten
            # values, 0.08 over sixty, and a batch drawing two swapped labels is x9 the best level)
            i = int(loss.idx[j])
            long = noise(self.series, i - 1, LONG_NOISE)
            if math.isfinite(long) and long > sig[j]:
                b = float(best[j]) + float(level_depth(np.array([i]), p.half)[0]) * long / math.sqrt(p.half)
                m = max(p.explosion_min_abs, p.explosion_z * long)
                up[j] = bool(y[j] >= p.explosion_factor * b and y[j] - b >= m)
        if self.steps_judged:  # (a step with the accuracy falling at the same evaluation)
            assert self.series is not None
            cand = np.flatnonzero(step_candidates(y, base) & ~up)
            cand = cand[may_step(self.series, loss.idx[cand])]  # (a few array passes: most rise too little)
            for j in cand:
                i = int(loss.idx[j])
                got = step_up(self.ctx, self.series, i, float(loss.x[j]))
                if got is not None:
                    up[j] = True
                    self._steps[i] = got
            calm &= ~up
        return up, calm

    def _per_step(self, loss: LossFeatures) -> tuple[np.ndarray, np.ndarray]:
        """(open, close) for a per-step series, judged on its held levels (`held.HeldRule`: the
        median of its last 40 batches, or an evaluation's worth when more, and the mean of its
        last 200, or four evaluations' worth) against their own bests. No noise margin: after a
        divergence the series' own noise is the divergence (35 +- 30 nats a batch), which would
        hide it; a NaN batch is non-finite's business (it is left out)."""
        if self._rule is None:
            self._rule = HeldRule(self.per_eval, self.p.explosion_factor, self.p.explosion_min_abs)
        assert self.series is not None
        up, calm, level, best, best_idx = self._rule.feed(self.series, loss.idx)
        self._chunk = (level, best, best_idx)
        return up, calm

    @property
    def per_eval(self) -> int:
        """Points this series logs per evaluation (`Ctx.train_window` / `loss_window`; 1: one each)."""
        if self.series is None:
            return 1
        if self.series is self.ctx.train:
            return self.ctx.train_window
        return self.ctx.loss_window if self.series is self.ctx.loss else 1

    @property
    def per_step(self) -> bool:
        """Whether this series logs several points per evaluation (judged on its level)."""
        return self.per_eval > 1

    def on_open(self, alert: Alert, i: int, local: int, loss: LossFeatures, acc: AccFeatures | None) -> None:
        if self._rule is not None:  # (a per-step series: the held level that stood high, as judged)
            level, best, best_idx = self._chunk
            k = self._rule.up_at(level[:, local], best[:, local])
            alert.data.update(
                best=float(best[k, local]),
                best_idx=int(best_idx[k, local]),
                held=k,
                held_of=self._rule.levels[k].window,
                # (each held level's best as it opens: the span may show the other one higher still)
                held_bests=[(float(best[j, local]), int(best_idx[j, local])) for j in range(len(best))],
            )
            return
        alert.data.update(best=float(loss.lbest[local]), best_idx=int(loss.lbest_idx[local]))
        if i in self._steps:
            alert.data["step"] = self._steps[i]
        if not self.per_step and self.series is not None:  # (its lowest single value before it,
            k = lowest_before(self.series, i)  # which other alerts quote as its best)
            alert.data.update(lowest=value(self.series, k), lowest_idx=k)

    def on_span(self, alert: Alert, lo: int, hi: int, loss: LossFeatures, acc: AccFeatures | None) -> None:
        if hi > lo:
            if "held" in alert.data:  # the peak of the held levels, as judged
                self._held_span(alert, lo, hi, loss)
                return
            span_extreme(alert, "peak", loss.y[lo:hi], loss.x[lo:hi], loss.idx[lo:hi], high=True)

    def _held_span(self, alert: Alert, lo: int, hi: int, loss: LossFeatures) -> None:
        """Keep the peak of the held level the alert opened on over the span and, when that was the
        median, the mean's too, and judge the alert on the mean once it stands higher against its own
        best: the median of 40 batches can stand x5 first while the mean of the batches, the loss as
        an epoch's mean counts it, goes on to x1e6 before the run turns NaN (an epoch-mean log of the
        same run reads the larger rise). Never the other way: a median of 4-sample batches has a best
        near 0, and its ratio says little of the whole split's loss (eval_per_step's torch runs)."""
        d = alert.data
        assert self._rule is not None
        opened = int(d.setdefault("held_open", d["held"]))
        bests = d.get("held_bests") or [(d["best"], d["best_idx"])]
        ratio, pick = -math.inf, opened
        xs, idx = loss.x[lo:hi], loss.idx[lo:hi]
        for j in sorted({opened, len(bests) - 1}):
            b = bests[j][0]
            span_extreme(alert, f"peak{j}", self._chunk[0][j, lo:hi], xs, idx, high=True)
            pk = d.get(f"peak{j}")
            if pk is not None and b > 0 and math.isfinite(b) and pk[0] / b > ratio:
                ratio, pick = pk[0] / b, j
        if f"peak{pick}" in d:
            b, bi = bests[pick] if pick < len(bests) else (d["best"], d["best_idx"])
            held_of = self._rule.levels[pick].window
            d.update(held=pick, best=b, best_idx=bi, held_of=held_of, peak=d[f"peak{pick}"])

    def severity(self, alert: Alert) -> Severity:
        peak, best = alert.data.get("peak", (math.nan,))[0], alert.data["best"]
        ratio = float(peak) / float(best) if best > 0 else math.inf
        return "critical" if ratio >= self.p.explosion_critical or math.isinf(peak) else "warning"

    def title(self, alert: Alert) -> str:
        e = alert.evidence
        held = ""
        if "held_of" in e:  # (a per-step series: which level, over how many batches)
            held = f" {'mean' if e.get('held_mean') else 'median'} of {int(e['held_of'])} batches"
        return (
            f"{self.subject}{held} {fmt(e['peak_value'])} is {factor(e['ratio'], 1, lead=True)} its best"
            f"{' level' if level_differs(e) else ''} {fmt(e['best_level'])}{step_title(self.ctx, e)}"
        )

    def evidence(self, alert: Alert, i: int) -> dict[str, float]:
        d = alert.data
        held = "held" in d and self._rule is not None  # (a per-step series: its held level)
        if held:
            assert self._rule is not None and self.series is not None
            now = self._rule.levels[int(d["held"])].at(self.series, i)
        else:
            now = value(self.series, i)
        peak = d.get("peak", (math.nan, math.nan, -1))
        if not math.isfinite(peak[0]):  # rendered as it opens: the span is its point now
            peak = extreme_so_far(alert, "peak", now, self.ctx.x(self.series, i), high=True)
        ev = {
            "best_level": d["best"],
            "best_x": self.ctx.x(self.series, d["best_idx"]) if d["best_idx"] >= 0 else math.nan,
            "peak_value": peak[0],
            "peak_x": peak[1],
            "ratio": float(peak[0]) / float(d["best"]) if d["best"] > 0 else math.inf,
            "value_now": now,
        }
        if held:
            assert self._rule is not None and self.series is not None
            # (the batches its peak was read over: fewer than the window near the run's start)
            at = int(peak[2]) if peak[2] >= 0 else i
            ev["held_of"] = float(self._rule.levels[int(d["held"])].count_at(self.series, at))
            ev["held_mean"] = float(d["held"])  # (1: the mean of those values, 0: their median)
        for key, v in d.get("step", {}).items():
            ev[f"step_{key}"] = v
        if "lowest" in d:  # its lowest single value (the level is a mean over neighbouring values)
            ev["lowest_value"] = d["lowest"]
            ev["lowest_x"] = self.ctx.x(self.series, d["lowest_idx"]) if d["lowest_idx"] >= 0 else math.nan
        if self.series is self.ctx.loss and self.ctx.acc is not None and peak[2] >= 0:
            ev["acc_at_peak"] = value(self.ctx.acc, peak[2])
            ev["acc_at_best"] = value(self.ctx.acc, d["best_idx"])
        return ev


def level_differs(e: dict[str, float]) -> bool:
    """Whether an explosion's best level (a mean over neighbouring values) reads differently from
    its lowest single value, which `plateau`, `non-finite` and the claims quote as its best: then
    the text names the level as one (tester 15: "its best 0.1735" beside "its best 0.1646")."""
    low = e.get("lowest_value", math.nan)
    return math.isfinite(low) and fmt(low) != fmt(e["best_level"])


def step_title(ctx: Ctx, e: dict[str, float]) -> str:
    """', a step in one evaluation while ACC fell A -> B' for an alert the step rule opened, else ''."""
    if "step_acc_before" not in e or ctx.acc is None:
        return ""
    return (
        f", a step in one evaluation while {ctx.acc.name} fell "
        f"{fmt(e['step_acc_before'])} -> {fmt(e['step_acc_after'])}"
    )
