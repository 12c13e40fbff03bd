"""val-degrading: validation loss up and validation accuracy down while the training loss is flat.

Overfitting is told by a training loss that keeps falling (the model fits its training samples
better while validation gets worse). A flat training loss allows two readings, which the claims
tell apart (`degrading_readings`): a model that hardly changed, so that what got worse is its
validation data or pipeline (a drifting or shifted split, a preprocessing change, an evaluation
bug); or a training objective with a floor the validation loss does not have (mixup, cutmix, label
smoothing: a training loss above the validation loss), under which the model keeps fitting and
overfits while the training loss stays level.
"""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.analysis import lookups
from lossacc_tui.analysis.alerts import Alert
from lossacc_tui.analysis.claims import Claim
from lossacc_tui.analysis.detectors import base as _base
from lossacc_tui.analysis.detectors.base import (
    Ctx,
    classes_claim,
    lookup,
    lookup_level,
    names,
    noise,
    span_mistakes,
    value,
    value_at_x,
)
from lossacc_tui.analysis.detectors.degrading_readings import floored, readings, why
from lossacc_tui.analysis.detectors.overfitting import Overfitting
from lossacc_tui.analysis.detectors.rise import rise_bar
from lossacc_tui.analysis.detectors.run_length import run_lengths
from lossacc_tui.analysis.detectors.train_acc import train_acc_at
from lossacc_tui.analysis.evidence import rise_claims
from lossacc_tui.analysis.features import AccFeatures, LossFeatures
from lossacc_tui.analysis.gridfeed import GridFeeder
from lossacc_tui.analysis.npcalls import clip
from lossacc_tui.analysis.passmemo import quiet
from lossacc_tui.analysis.quantities import arrow, change, fmt, fmt_x, pts
from lossacc_tui.analysis.resolution import TREND_DIGITS, GridEstimate, resolution, step_floor
from lossacc_tui.analysis.stats import at_or_before
from lossacc_tui.analysis.track import x_column
from lossacc_tui.model import Series


class ValDegrading(Overfitting):
    """Validation loss risen beyond its noise above its best, validation accuracy below its value
    there by acc_drop_min or more, and the training loss level within train_drop_rel of its level
    at that best (neither falling, as in overfitting, nor rising). Fed like `Overfitting` (each
    validation point once the training loss at its x is known); reads the accuracy by x."""

    kind = "val-degrading"
    n_open = 1  # run lengths of the condition decide, as for overfitting
    order = 45
    severity_doc = "warning"
    meaning = (
        "validation loss rises and validation accuracy falls while the training loss is flat: the "
        "validation data or its pipeline changed while the model hardly did, or the model overfits under a "
        "training objective with a floor (mixup, cutmix, label smoothing: a training loss above the "
        "validation loss, favoured with a training accuracy below the validation accuracy)"
    )
    general = (
        "Validation loss rises and validation accuracy falls together while the training loss stays "
        "flat. Overfitting is told by a training loss that keeps falling; a flat one allows two readings. "
        "The model may be hardly changing, so what changed is what it is evaluated on: a validation set "
        "that drifts or was swapped, a preprocessing or tokenisation change in the evaluation pipeline, "
        "augmentation switched on at evaluation, train-mode layers (dropout, batch-norm statistics) at "
        "evaluation, or an evaluation bug. Or the training objective has a floor the validation loss does "
        "not (mixup or cutmix targets, label smoothing, augmentation or dropout in training only: a "
        "training loss above the validation loss, a training accuracy below the validation accuracy), "
        "and the model overfits under it while its training loss stays level. Per-sample predictions at "
        "two evaluations decide (samples changing class mean the model changes), and so does an earlier "
        "checkpoint re-evaluated on today's validation data."
    )

    def __init__(self, ctx: Ctx, series: Series, subject: str) -> None:
        super().__init__(ctx, series, subject)
        self._grid = GridEstimate(TREND_DIGITS)  # the accuracy's evaluation-set size, from its values up to x
        self._feeder = GridFeeder(self._grid)
        self._acc_k = 0  # accuracy points fed to it

    def conditions(self, loss: LossFeatures, acc: AccFeatures | None) -> tuple[np.ndarray, np.ndarray]:
        p = self.p
        y, best, sig, tl, tb = loss.y, loss.best, loss.sig_prev, loss.train_lvl, loss.train_at_best
        acc_y = self.ctx.acc
        if acc_y is None:
            none = np.zeros(len(y), dtype=bool)
            return none, ~none
        if _base.QUIET_CHUNKS and not self.latch.active:
            with quiet(invalid="ignore"):
                flat = (tl > tb * (1 - p.train_drop_rel)) & (tl < tb * (1 + p.train_drop_rel))
            if not (flat & (y > best)).any():
                # (nothing can open: the rule needs the loss above its best while the training loss
                # is flat, and while no alert is open the release rule is never read; the accuracy's
                # grid is fed its values as the rules below would feed it)
                self._resolution(acc_y, loss.x, np.full(len(y), np.nan))
                self._rl = self._srl = np.zeros(len(y), dtype=np.int64)
                self._carry = (0, 0)
                none = np.zeros(len(y), dtype=bool)
                return none, ~none
        # the accuracy's level (mean of its last `half` values), now and at the loss's best: the
        # accuracy at the best-loss evaluation alone is often lucky (the two share their noise), and
        # a fall from a +2 sigma outlier is no fall
        a_now = np.fmax(
            lookup(acc_y, self.ctx.axis, loss.x), lookup_level(acc_y, self.ctx.axis, loss.x, p.half)
        )
        bests, which = _distinct(loss.best_idx)
        best_x = np.array([self.ctx.x(self.series, int(b)) for b in bests])
        a_best_u = lookup_level(acc_y, self.ctx.axis, best_x, p.half)
        a_best = a_best_u[which]
        res = self._resolution(acc_y, loss.x, a_now)
        with quiet(invalid="ignore"):
            depth, noise = rise_bar(sig, loss.idx, p.noise_window)  # (for two z of `beyond_best`)
            rise = (y >= best * (1 + p.rise_rel)) & (y - best >= (p.rise_z + depth) * noise)
            rise |= ~np.isfinite(sig) & (y >= best * (1 + 2 * p.rise_rel))
            rise &= y > best
            # a fall within the accuracy's resolution (a sample, or the binomial standard error of
            # the evaluation set its values reveal) is not a fall
            acc_fell = a_now <= a_best - np.fmax(p.acc_drop_min, res)
            flat = (tl > tb * (1 - p.train_drop_rel)) & (tl < tb * (1 + p.train_drop_rel))
            calm = (y < best * (1 + p.rise_rel / 2)) | (a_now > a_best - p.acc_drop_min / 2)
            calm |= (tl <= tb * (1 - p.train_drop_rel)) | (tl >= tb * (1 + 2 * p.train_drop_rel))
            calm |= np.isfinite(sig) & ~(y - best >= (0.0 + depth) * noise)
        cond = rise & acc_fell & flat
        self._rl = run_lengths(cond, self._carry[0])
        self._srl = np.zeros(len(y), dtype=np.int64)  # no short-run path: three evaluations needed
        self._carry = (int(self._rl[-1]), 0)
        return self._rl >= p.open_after, calm

    def _resolution(self, acc: Series, xs: np.ndarray, a_now: np.ndarray) -> np.ndarray:
        """The accuracy's resolution (fraction; NaN unknown) at each x, from its values logged up to
        that x: fed to the detector's own grid estimate in x order, so a live log gets what a
        finished one gets. O(new points): each accuracy value is fed once, and the resolution
        is computed for the whole chunk at once from the grid's state after the values each x saw."""
        col = x_column(acc, self.ctx.axis)
        out = np.full(len(xs), np.nan)
        if col is None:
            return out
        grid, k = self._grid, max(self._acc_k, acc.base)  # (col, raw: from acc.base on)
        b, n_acc, raw = acc.base, len(acc), acc.raw
        ahead = col[k - b : n_acc - b]
        with quiet(invalid="ignore"):
            ordered = bool(np.isfinite(xs).all()) and _finite_rising(ahead, col)
        if not ordered:  # (NaN or unordered x: the point-by-point walk the vector form reproduces)
            for j, x in enumerate(xs.tolist()):
                while k < n_acc and col[k - b] <= x:
                    grid.feed(float(raw[k - b]))
                    k += 1
                r = resolution(float(a_now[j]), grid.n)
                out[j] = np.fmax(r, step_floor(grid.n_fit) * (1 + 1e-6))
            self._acc_k = k
            return out
        # accuracy points fed once x is reached: those at or before x, and never fewer than before
        upto = np.maximum.accumulate(np.maximum(at_or_before(ahead, xs) + 1 + k, k))
        # the grid's state after 0, 1, 2 ... more points (`GridFeeder`: as grid.feed on each)
        n0 = math.nan if grid.n is None else float(grid.n)
        step0 = step_floor(grid.n_fit)
        n_more, step_more = self._feeder.feed_many(raw[k - b : int(upto[-1]) - b])
        at = upto - k
        n = np.concatenate([[n0], n_more])[at]
        floor = np.concatenate([[step0], step_more])[at]
        with quiet(invalid="ignore", divide="ignore"):
            a = clip(a_now, 0.0, 1.0)
            r = np.fmax(1.0 / n, np.sqrt(a * (1.0 - a) / n))  # `resolution`, for every x at once
        r[~(np.isfinite(n) & np.isfinite(a_now))] = math.nan
        out[:] = np.fmax(r, floor * (1 + 1e-6))
        self._acc_k = int(upto[-1])
        return out

    def title(self, alert: Alert) -> str:
        e = alert.evidence
        nm = names(self.ctx)
        return (
            f"{self.subject} {arrow(e['best_val_loss'], e['now_val_loss'])} and {nm[1]} "
            f"{arrow(e['acc_at_best'], e['acc_now'], 4)} since {self.ctx.unit} "
            f"{fmt_x(e['best_x'])} while {self.train.name} stays at {fmt(e['train_loss_now'])}"
        )

    def claims(self, alert: Alert, i: int) -> list[Claim]:
        e = alert.evidence
        nm = names(self.ctx)
        x0, x1 = e["best_x"], e["now_x"]
        out = classes_claim(self.ctx, x0, x1)
        sig = noise(self.series, i)
        if math.isfinite(sig):
            out += rise_claims(e["best_val_loss"], e["now_val_loss"], sig, x0, x1, self.subject, nm[2])
        if "acc_now" in e:
            out += span_mistakes(self.ctx, e["acc_at_best"], e["acc_now"], x0, x1)
        out += readings(e, nm[2])
        return out

    def explain(self, alert: Alert) -> str:
        from lossacc_tui.analysis.claims import render

        e = alert.evidence
        nm = names(self.ctx)
        return (
            f"**{alert.title}**\n\n**What happened.** From {nm[2]} {fmt_x(e['best_x'])} (the best "
            f"{self.subject}) to {fmt_x(e['now_x'])} {self.subject} went "
            f"{arrow(e['best_val_loss'], e['now_val_loss'])} "
            f"({change(e['now_val_loss'], e['best_val_loss'])}) and {nm[1]} "
            f"{arrow(e['acc_at_best'], e['acc_now'], 4)} ({pts(e['acc_now'] - e['acc_at_best'])}), "
            f"while {self.train.name} went {arrow(e['train_loss_at_best'], e['train_loss_now'])} "
            f"(within {self.p.train_drop_rel:.0%}).\n\n"
            f"**Why.** {why(e)}\n\n"
            "**What to check next.** Per-sample predictions at two evaluations (lossacc_tui.probe): "
            "samples changing class between them mean the model is changing. "
            + (
                "The training split scored in evaluation mode against its plain labels (it keeps falling if "
                "the model overfits under a floored objective). "
                if floored(e)
                else ""
            )
            + f"A batch of validation inputs from {nm[2]} {fmt_x(e['best_x'])} and "
            "now (statistics, preprocessing, tokenisation, labels), whether augmentation or train-mode "
            "layers (dropout, batch-norm) are active at evaluation, and the checkpoint of "
            f"{nm[2]} {fmt_x(e['best_x'])} evaluated on today's validation data.\n\n"
            "**How sure.** " + render(alert.claims) + "\n"
        )

    def evidence(self, alert: Alert, i: int) -> dict[str, float]:
        ev = super().evidence(alert, i)
        if self.ctx.acc is not None and "acc_now" not in ev:
            ev["acc_at_best"] = value_at_x(self.ctx.acc, self.ctx.axis, ev["best_x"])
            ev["acc_now"] = value_at_x(self.ctx.acc, self.ctx.axis, ev["now_x"])
        ev.setdefault("acc_at_best", math.nan)
        ev.setdefault("acc_now", value(self.ctx.acc, i))
        ev["train_acc_now"] = float(train_acc_at(self.ctx, np.array([ev["now_x"]]))[0])
        return ev


def _distinct(best_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(`np.unique(best_idx)`, each index's position in it): the index of a running best
    (integers, shape (n,)) never goes back, so the distinct ones are where it changes and each
    position counts the changes before it; the general sort otherwise."""
    b = np.asarray(best_idx)
    if b.dtype.kind in "iu" and len(b) > 1 and bool((b[1:] >= b[:-1]).all()):
        new = np.empty(len(b), dtype=bool)
        new[0] = True
        np.not_equal(b[1:], b[:-1], out=new[1:])
        return b[new], np.cumsum(new) - 1
    u = np.unique(b)
    return u, np.searchsorted(u, b)


def _finite_rising(ahead: np.ndarray, col: np.ndarray) -> bool:
    """Whether `ahead` (a slice of the x column `col`) is finite and non-decreasing. Where the whole
    column is known non-decreasing without a NaN (`lookups.ordered`, remembered within a pass), its
    two ends decide it: not a pass over the rest of the history at every block of a backlog."""
    if len(ahead) and lookups.ordered(col):
        return bool(np.isfinite(ahead[0]) and np.isfinite(ahead[-1]))
    return bool(np.isfinite(ahead).all() and (np.diff(ahead) >= 0).all())
