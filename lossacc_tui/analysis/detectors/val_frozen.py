"""val-frozen: validation accuracy identical at every evaluation while the model keeps fitting its
training data and its validation outputs keep changing. A level check over a frozen stretch.

A model that uses its inputs and keeps changing (its training loss falling) moves some validation
samples across its decision boundary now and then: the count of right answers changes. When that
count stays the same for many evaluations while the validation loss moves by a quarter or more,
every validation sample sits far from the boundary and stays on its side, and the validation loss
is no lower than a constant guess scoring that accuracy costs (H(acc) nats): the outputs tell the
validation labels apart no better than one fixed answer. The numbers allow several readings, which
only per-sample predictions decide: a validation path that feeds the model inputs unlike training
(another preprocessing or normalisation, a blank or constant input, batch-norm statistics of
eval mode unlike the training batches', a stale validation set), or validation inputs that really
differ (covariate shift) so that the model predicts one class for all of them."""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.analysis.alerts import Alert, Severity
from lossacc_tui.analysis.claims import Claim
from lossacc_tui.analysis.detectors import base as _base
from lossacc_tui.analysis.detectors.base import Ctx, Detector, classes_claim, lookup_level, names, value
from lossacc_tui.analysis.detectors.base_rate import FLOOR_TOL, binary_entropy
from lossacc_tui.analysis.detectors.repeat_chance import shared_chance_runs
from lossacc_tui.analysis.detectors.train_acc import train_acc_level
from lossacc_tui.analysis.features import AccFeatures, LossFeatures
from lossacc_tui.analysis.passmemo import quiet
from lossacc_tui.analysis.quantities import arrow, fmt, fmt_x
from lossacc_tui.model import Series

#: how much (relative) the validation loss must move over the frozen stretch: the outputs change
LOSS_MOVES = 0.25
#: how much (relative) the training loss level must fall over it: the model keeps fitting
TRAIN_FALLS = 0.2
#: how far the training accuracy level must sit above the frozen validation accuracy (fraction)
GAP = 0.25

#: the fewest samples a validation set of known size needs for a frozen count to say anything: a
#: model that keeps learning moves no sample of a small fixed set for hundreds of evaluations (tester
#: 8's healthy K = 3-4 runs scored on one fixed 32-48-sample batch), while among 100 or more samples
#: some sit near a boundary that moves
MIN_SET = 100

#: what decides between the readings
DECIDE = (
    "the predicted-class counts of the validation set decide (a confusion matrix, or "
    "lossacc_tui.probe), and so does one training batch passed through the validation code: its "
    "accuracy should match the training accuracy"
)


class ValFrozen(Detector):
    """Validation accuracy identical (within stuck_tol) for at least twice `stuck_window`
    evaluations (and longer than its own noise repeats a value by chance) while the training loss
    level falls by TRAIN_FALLS or more, the validation loss moves by LOSS_MOVES or more, the
    validation loss is no lower than H(accuracy) less FLOOR_TOL, and the training split fits
    (training accuracy level GAP above the validation accuracy, or without a training accuracy a
    training loss under half of H(accuracy)). Hooks get `(acc, loss)`."""

    kind = "val-frozen"
    order = 155
    severity_doc = "warning"
    meaning = (
        "validation accuracy identical at every evaluation while training keeps fitting and the "
        "validation loss keeps moving: no validation prediction changes class"
    )
    general = (
        "Validation accuracy identical for many evaluations while the training loss keeps falling and "
        "the validation loss moves by a quarter or more: not one validation sample crosses the decision "
        "boundary while the model changes, and the validation loss is no lower than one fixed answer "
        "scoring that accuracy would cost. The validation code may feed the model inputs unlike "
        "training (another preprocessing or normalisation, blank or constant inputs, eval-mode "
        "batch-norm statistics, a stale validation set), or the validation inputs really differ, so "
        "that the model predicts one class for all of them. Check the predicted-class counts or a "
        "confusion matrix of the validation set, and pass one training batch through the validation "
        "code."
    )
    n_open = 1

    def __init__(self, ctx: Ctx, series: Series | None, subject: str = "") -> None:
        super().__init__(ctx, series, subject)
        self._runs = shared_chance_runs(ctx, series, self.p.stuck_tol, self.p.noise_window)
        self._start = np.zeros(0, dtype=np.int64)

    def conditions(self, acc: AccFeatures, loss: LossFeatures | None) -> tuple[np.ndarray, np.ndarray]:
        p, ctx = self.p, self.ctx
        acc_y = acc.y
        with quiet(invalid="ignore", divide="ignore"):
            frozen = (acc.range_stuck <= p.stuck_tol) & (acc.nonfinite_stuck == 0)
            chance = self._runs.judge(self.series, acc, frozen)
            start = self._runs.starts
            self._start = start
            if _base.QUIET_CHUNKS and not frozen.any():  # (the usual chunk: nothing frozen, none opens)
                none = np.zeros(len(acc_y), dtype=bool)
                return none, ~none
            long = (acc.idx - start + 1) >= 2 * p.stuck_window
            prior = binary_entropy(acc_y)
            inside = (acc_y > 0) & (acc_y < 1)
            if acc.n_eval is not None:  # (a set of known size too small to say anything)
                inside &= ~(acc.n_eval < MIN_SET)
            if (
                _base.QUIET_CHUNKS
                and not self.latch.active
                and not self._may_open(frozen & long & ~chance & inside, loss, prior)
            ):
                # (no alert open and no point where the rules below can open, by their cheap tests:
                # nothing opens, and the release rule is not read while none is open; a run of fewer
                # than 2 x stuck_window evaluations never reads them)
                none = np.zeros(len(acc_y), dtype=bool)
                return none, ~none
            h = p.half
            x0 = self._x_at(start)
            t_now = lookup_level(ctx.train, ctx.axis, acc.x, h * ctx.train_window)
            t_then = lookup_level(ctx.train, ctx.axis, x0, h * ctx.train_window)
            trains = t_now <= (1 - TRAIN_FALLS) * t_then
            if ctx.train_acc is not None:
                fits = train_acc_level(ctx, acc.x, h) >= acc_y + GAP
            else:
                fits = t_now < 0.5 * prior
            on = frozen & long & ~chance & trains & fits & inside
            if loss is not None:
                v_then = lookup_level(ctx.loss, ctx.axis, x0, 1)
                moves = np.abs(loss.lvl - v_then) >= LOSS_MOVES * v_then
                blind = loss.lvl >= (1 - FLOOR_TOL) * prior
                on &= moves & blind
            else:
                on[:] = False
            off = ~(frozen & fits & inside)
        return on, off

    @staticmethod
    def _may_open(cand: np.ndarray, loss: LossFeatures | None, prior: np.ndarray) -> bool:
        """Whether `conditions` can open anywhere in the chunk: `cand` (frozen long enough, not a
        chance run, a set large enough; shape (n,)) with a loss beside the accuracy that is at or
        above (1 - FLOOR_TOL) x H(acc) (`prior`, nats) somewhere (its `blind` test)."""
        if loss is None or not cand.any():
            return False
        with quiet(invalid="ignore"):
            return bool((cand & (loss.lvl >= (1 - FLOOR_TOL) * prior)).any())

    def _x_at(self, idx: np.ndarray) -> np.ndarray:
        """x of the accuracy's points `idx` (shape (n,))."""
        from lossacc_tui.analysis.track import x_values

        return x_values(self.series, self.ctx.axis, idx)

    def on_open(self, alert: Alert, i: int, local: int, acc: AccFeatures, loss: LossFeatures | None) -> None:
        alert.data["run_start"] = int(self._start[local])

    def severity(self, alert: Alert) -> Severity:
        return "warning"

    def title(self, alert: Alert) -> str:
        e = alert.evidence
        return (
            f"{self.subject} {fmt(e['acc_now'], 4)} at every evaluation since {self.ctx.unit} "
            f"{fmt_x(e['first_x'])} while training fits: no validation prediction changes class"
        )

    def evidence(self, alert: Alert, i: int) -> dict[str, float]:
        s0 = int(alert.data["run_start"])
        x0, x1 = self.ctx.x(self.series, s0), self.ctx.x(self.series, i)
        h = self.p.half * self.ctx.train_window
        xs = np.array([x0, x1])
        t = lookup_level(self.ctx.train, self.ctx.axis, xs, h)
        ev = {
            "acc_now": value(self.series, i),
            "first_x": x0,
            "now_x": x1,
            "evaluations": float(i - s0 + 1),
            "loss_first": value(self.ctx.loss, s0),
            "loss_now": value(self.ctx.loss, i),
            "train_first": float(t[0]),
            "train_now": float(t[1]),
        }
        if self.ctx.train_acc is not None:
            ev["train_acc_now"] = float(train_acc_level(self.ctx, xs[1:], self.p.half)[0])
        return ev

    def claims(self, alert: Alert, i: int) -> list[Claim]:
        e = alert.evidence
        nm = names(self.ctx)
        x0, x1, a = e["first_x"], e["now_x"], e["acc_now"]
        hh = float(binary_entropy(np.array([a]))[0])
        n = int(e["evaluations"])
        train_acc = e.get("train_acc_now", math.nan)
        fit = (
            f"training accuracy level {fmt(train_acc, 4)}"
            if math.isfinite(train_acc)
            else f"the training loss level {fmt(e['train_now'])}"
        )
        return [
            *classes_claim(self.ctx, x0, x1),
            Claim(
                "one-class-predictor",
                "possible",
                x0,
                x1,
                f"every validation sample is predicted as one class, and {self.subject} {fmt(a, 4)} is that "
                f"class's share: for {n} evaluations not one validation prediction changed class while the "
                f"training loss level fell {arrow(e['train_first'], e['train_now'])} and {nm[0]} moved "
                f"{arrow(e['loss_first'], e['loss_now'])}, no lower than the {fmt(hh)} nats one fixed "
                f"answer scoring {fmt(a, 4)} costs",
                others=(
                    "Another reading: the model predicts several classes on the validation set, each "
                    "sample far from its boundary, and the same samples stay wrong; " + DECIDE
                ),
            ),
            Claim(
                "evaluation-broken",
                "possible",
                x0,
                x1,
                "the validation code feeds the model inputs unlike training (another preprocessing or "
                "normalisation, blank or constant inputs, eval-mode batch-norm statistics unlike the "
                f"training batches', a stale validation set), so that {fit} says the model fits while "
                "its validation outputs carry nothing about the validation labels",
                others=(
                    "Another reading: the validation inputs really differ from training and the "
                    "evaluation is sound; the same checks decide"
                ),
            ),
            Claim(
                "split-unlike-training",
                "possible",
                x0,
                x1,
                "the validation data is distributed unlike the training data: its inputs (another "
                "source, a covariate shift: the boundary fitted to training leaves them all on one side) "
                "or its labels (shuffled apart from their inputs, another label mapping: sure answers that "
                "agree with the labels only by chance)" + self._chance(a),
                others="Another reading: a broken validation path (above); the same checks decide",
            ),
        ]

    def _chance(self, a: float) -> str:
        """With K known and the accuracy `a` within 20 % of 1/K: what that says (else "")."""
        k = self.ctx.classes.k
        if not k or abs(a * k - 1) > 0.2:
            return ""
        return (
            f"; at about 1/{k} = {fmt(1 / k, 4)} the answers agree with the validation labels no more "
            "often than chance would"
        )

    def explain(self, alert: Alert) -> str:
        from lossacc_tui.analysis.claims import render

        e = alert.evidence
        nm = names(self.ctx)
        train_acc = e.get("train_acc_now", math.nan)
        fit = f" and training accuracy is {fmt(train_acc, 4)}" if math.isfinite(train_acc) else ""
        return (
            f"**{alert.title}**\n\n**What happened.** From {nm[2]} {fmt_x(e['first_x'])} to "
            f"{fmt_x(e['now_x'])} ({int(e['evaluations'])} evaluations) {self.subject} is "
            f"{fmt(e['acc_now'], 4)} every time, while the training loss level fell "
            f"{arrow(e['train_first'], e['train_now'])}{fit} and {nm[0]} moved "
            f"{arrow(e['loss_first'], e['loss_now'])}.\n\n**Why.** A model that keeps changing moves "
            "some validation samples across its decision boundary now and then; here the count of right "
            "answers never changes although the validation outputs do. Every validation sample sits far "
            "from the boundary on a fixed side, and the validation loss is no lower than one fixed answer "
            "scoring this accuracy would cost: the outputs tell the validation labels apart no better than "
            "a constant guess. A validation path that differs from training (preprocessing, normalisation, "
            "eval-mode batch norm, constant inputs, a stale set) gives exactly this; so do validation "
            "inputs that really differ from training, and validation labels shuffled apart from their "
            "inputs.\n\n**What to check next.** The predicted-class "
            "counts or the confusion matrix of the validation set; one training batch passed through the "
            "validation code (its accuracy should match training's); the transforms and the model mode "
            "used in evaluation; a few validation samples beside their labels.\n\n"
            "**How sure.** " + render(alert.claims) + "\n"
        )
