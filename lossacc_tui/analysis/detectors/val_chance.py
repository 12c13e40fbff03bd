"""val-at-chance: validation accuracy at chance (1/K) while the validation loss sits far above ln K
and the training split fits. A level check over a few evaluations.

A model that learned nothing scores 1/K at a loss of about ln K (`acc-at-chance`). A model that fits
its training samples and answers its validation samples with confidence, right only as often as a
uniform guess, costs far more than ln K there: its confident answers are unrelated to the validation
labels. The numbers allow three readings, which only the samples decide:

- the validation labels are unrelated to their inputs: shuffled apart from them, misaligned by an index
  or a sort, read from another file or another task;
- the training labels carry nothing that carries over, so the model memorised them (random or
  noisy labels): then the training accuracy starts at chance and climbs slowly, since a sample's
  random label cannot be predicted before it has been trained on, whereas labels that carry signal
  are fitted within the first epoch (Zhang et al. 2017, "Understanding deep learning requires
  rethinking generalization": random labels are memorised, slowly);
- the validation code feeds the model inputs unlike training, to which it gives sure answers of
  classes spread like the labels.

A training accuracy well above chance at the first evaluation favours the first reading (`likely`).

A second path needs no loss far above ln K: a validation accuracy that never left chance, every one
of at least 10 evaluations within its own noise of 1/K (`chance_run`), while the training loss fell
under TRAIN_LEARNS x ln K and the validation loss never beat ln K (LOSS_AT). Nothing the model learned
carried to validation at any evaluation; its span starts at the first evaluation. Its readings are
memorised training labels whose features carry no signal, validation labels or inputs that do not
match training's, or too few training samples for a rule that generalises (tester h19t's HF run:
eval_accuracy 0.482-0.538 at all 30 evaluations, eval_loss 0.69 -> 1.04, training loss 0.69 -> 0.43).
"""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.analysis.alerts import Alert, Severity
from lossacc_tui.analysis.chance_run import THROUGH_MIN, AtChance, through_tol
from lossacc_tui.analysis.claims import Claim, Strength
from lossacc_tui.analysis.detectors.base import (
    Ctx,
    Detector,
    classes_claim,
    lookup,
    lookup_level,
    names,
    value,
)
from lossacc_tui.analysis.detectors.train_acc import train_acc_at, train_acc_first
from lossacc_tui.analysis.detectors.val_chance_text import DECIDE, throughout_claims, throughout_text
from lossacc_tui.analysis.features import AccFeatures, LossFeatures
from lossacc_tui.analysis.passmemo import quiet
from lossacc_tui.analysis.quantities import fmt, fmt_x
from lossacc_tui.model import Series

#: the validation loss level must be at least this many times ln K: answers sure of classes that are
#: wrong far more often than right (acc-at-chance covers a loss about ln K)
LOSS_OVER = 1.5
#: the training loss level must be under this share of ln K: the training split is fitted
TRAIN_UNDER = 0.5
#: the validation accuracy level counts as at chance within this many binomial standard errors of 1/K
#: on an evaluation set of known size (and within CHANCE_REL of 1/K otherwise, or at least)
CHANCE_Z = 3.0
CHANCE_REL = 0.2
#: the never-left-chance path: the training loss level under this share of ln K (training learns),
#: held while under HOLD_TRAIN x ln K, and the validation loss level at least LOSS_AT x ln K (no
#: better than a uniform guess in loss either)
TRAIN_LEARNS = 0.8
HOLD_TRAIN = 0.9
LOSS_AT = 0.95
#: the first training accuracy favours signal in the training labels when it is at least this many
#: times 1/K and this far above it (fraction): random labels score 1/K on samples not yet trained on
FIRST_TIMES = 1.5
FIRST_ABOVE = 0.15


def _chance_band(acc: np.ndarray, k: int, n: np.ndarray | None) -> np.ndarray:
    """Whether each accuracy (fraction, shape (m,)) is at 1/K: within CHANCE_Z binomial standard
    errors on a set of known size n (shape (m,), NaN where unknown), and always within CHANCE_REL of it."""
    p = 1.0 / k
    tol = np.full(len(acc), CHANCE_REL * p)
    if n is not None:
        with quiet(invalid="ignore", divide="ignore"):
            se = CHANCE_Z * np.sqrt(p * (1 - p) / n)
        tol = np.where(np.isfinite(se), np.maximum(tol, se), tol)
    with quiet(invalid="ignore"):
        return np.abs(acc - p) <= tol


class ValAtChance(Detector):
    """Validation accuracy level at 1/K (K known) while the validation loss level is at least
    LOSS_OVER x ln K and the training loss level under TRAIN_UNDER x ln K, for `n_open` evaluations.
    Hooks get `(acc, loss)` (the validation accuracy first)."""

    kind = "val-at-chance"
    order = 145
    severity_doc = "warning"
    meaning = (
        "validation accuracy at chance (1/K) with the validation loss far above ln K while training fits: "
        "sure answers unrelated to the validation labels (shuffled or misaligned labels, another task's "
        "set, memorised training labels); or validation accuracy within its own noise of 1/K at every one "
        "of 10 or more evaluations while the training loss falls: nothing learned carries to validation "
        "(memorised labels without signal, validation labels or inputs unlike training's, too few samples)"
    )
    general = (
        "Validation accuracy about 1/K, what a uniform guess scores, while the validation loss is far "
        "above ln K, what a uniform guess costs, and the training loss is low: the model answers its "
        "validation samples with confidence, and is right only as often as chance. Its answers are "
        "unrelated to the validation labels: labels shuffled apart from their inputs or misaligned (an "
        "index, a sort, a dataloader that shuffles one list), a validation set of another task or label "
        "mapping, training labels without signal that the model memorised, or a validation path that "
        "feeds inputs unlike training. Check a few validation samples with their labels and the "
        "predictions, and pass a slice of the training set through the validation code. K must be known "
        "(--classes K or a config with num_classes)."
    )
    n_open = 3

    def __init__(self, ctx: Ctx, series: Series | None, subject: str = "") -> None:
        super().__init__(ctx, series, subject)
        # the never-left-chance path: evaluations, largest |accuracy - 1/K|, lowest and highest value
        # so far (carried across chunks), and this chunk's per point (for on_open / on_span)
        self._m, self._dev, self._lo, self._hi = 0, 0.0, math.inf, -math.inf
        self._chunk: dict[str, np.ndarray] = {}

    def holds(self, acc: AccFeatures, loss: LossFeatures | None) -> bool:  # type: ignore[override]
        """No K of 2 or more, no loss, no training split or no validation split (`conditions` opens
        nothing), or no loss level of the chunk `LOSS_OVER` x ln K or more (`Detector.holds`)."""
        ctx, k = self.ctx, self.ctx.classes.k
        if loss is None or k is None or k < 2 or ctx.train is None or ctx.split != "validation":
            return True
        with quiet(invalid="ignore"):
            return not bool((loss.lvl >= min(LOSS_OVER, LOSS_AT) * math.log(k)).any())

    def conditions(self, acc: AccFeatures, loss: LossFeatures | None) -> tuple[np.ndarray, np.ndarray]:
        ctx, k = self.ctx, self.ctx.classes.k
        n = len(acc.y)
        if loss is None or k is None or k < 2 or ctx.train is None or ctx.split != "validation":
            self._chunk = {}
            return np.zeros(n, dtype=bool), np.ones(n, dtype=bool)
        lnk = math.log(k)
        h = self.p.half
        t_loss = lookup_level(ctx.train, ctx.axis, acc.x, h * ctx.train_window)
        with quiet(invalid="ignore"):
            fits = t_loss < TRAIN_UNDER * lnk
            at = _chance_band(acc.lvl, k, acc.n_eval)
            on = at & (loss.lvl >= LOSS_OVER * lnk) & fits
            off = ~(_chance_band(acc.lvl, k, None if acc.n_eval is None else acc.n_eval / 2.25) & fits)
            off |= loss.lvl < 1.2 * lnk
        through, hold = self._throughout(acc, loss, t_loss, k)
        self._chunk["on1"] = on
        return on | through, off & ~hold

    def _throughout(
        self, acc: AccFeatures, loss: LossFeatures, t_loss: np.ndarray, k: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """(opens, holds) of the never-left-chance path per point of the chunk: every accuracy value
        so far within `chance_run.through_tol` of 1/K, at least THROUGH_MIN of them, and the training
        loss level under TRAIN_LEARNS (opens) or HOLD_TRAIN (holds) x ln K with the validation loss
        level at least LOSS_AT x ln K (opens). O(chunk): running aggregates carried across chunks."""
        lnk = math.log(k)
        y = np.asarray(acc.y, dtype=np.float64)
        fin = np.isfinite(y)
        with quiet(invalid="ignore"):
            dev = np.where(fin, np.abs(y - 1.0 / k), 0.0)
            cdev = np.maximum.accumulate(np.concatenate([[self._dev], dev]))[1:]
            lo = np.minimum.accumulate(np.concatenate([[self._lo], np.where(fin, y, np.inf)]))[1:]
            hi = np.maximum.accumulate(np.concatenate([[self._hi], np.where(fin, y, -np.inf)]))[1:]
            m = self._m + np.cumsum(fin)
            band = through_tol(m, k, acc.n_eval)
            never = (cdev <= band) & (m >= THROUGH_MIN)
            opens = never & (t_loss < TRAIN_LEARNS * lnk) & (loss.lvl >= LOSS_AT * lnk)
            hold = never & (t_loss < HOLD_TRAIN * lnk)
        if len(y):
            self._m, self._dev, self._lo, self._hi = int(m[-1]), float(cdev[-1]), float(lo[-1]), float(hi[-1])
        n = np.full(len(y), np.nan) if acc.n_eval is None else np.asarray(acc.n_eval, dtype=np.float64)
        self._chunk = {"through": opens | hold, "m": m, "dev": cdev, "lo": lo, "hi": hi, "band": band, "n": n}
        return opens, hold

    def began(self, i: int, j: int, local: int) -> int:
        """An alert of the never-left-chance path spans the run from its first evaluation."""
        on1 = self._chunk.get("on1")
        if on1 is not None and not on1[local] and self._chunk["through"][local] and self.series is not None:
            return self.series.base
        return j

    def on_open(self, alert: Alert, i: int, local: int, acc: AccFeatures, loss: LossFeatures | None) -> None:
        j = self.began(i, int(alert.data["start_idx"]), local)
        if j != alert.data["start_idx"]:  # (the never-left-chance path: the run from its first evaluation)
            alert.data["start_idx"] = j
            alert.start = self.ctx.x(self.series, j)
        self._keep(alert, local)

    def on_span(self, alert: Alert, lo: int, hi: int, acc: AccFeatures, loss: LossFeatures | None) -> None:
        if hi > lo:
            self._keep(alert, hi - 1)

    def _keep(self, alert: Alert, local: int) -> None:
        """The never-left-chance aggregates at chunk point `local`, for the text (or none where that
        path does not hold there)."""
        ch = self._chunk
        if "through" not in ch or not ch["through"][local]:
            alert.data.pop("at_chance", None)
            return
        n = float(ch["n"][local])
        alert.data["at_chance"] = AtChance(
            int(self.ctx.classes.k or 0),
            int(ch["m"][local]),
            float(ch["lo"][local]),
            float(ch["hi"][local]),
            float(ch["dev"][local]),
            float(ch["band"][local]),
            round(n) if math.isfinite(n) else 0,
        )

    def severity(self, alert: Alert) -> Severity:
        return "warning"

    def title(self, alert: Alert) -> str:
        e = alert.evidence
        nm = names(self.ctx)
        k = int(e["k"])
        at = alert.data.get("at_chance")
        if isinstance(at, AtChance):
            return (
                f"{nm[1]} at chance (1/{k}) at all {at.evals} evaluations ({fmt(at.low, 3)}-"
                f"{fmt(at.high, 3)}) while the training loss fell to {fmt(e['train_loss_now'])} "
                f"({fmt(e['train_loss_now'] / math.log(k), 2)}x ln {k}): nothing learned carries to "
                "validation"
            )
        return (
            f"{nm[1]} {fmt(e['acc_now'], 3)} ~ 1/{k} while {nm[0]} {fmt(e['loss_now'])} is "
            f"{fmt(e['loss_now'] / math.log(k), 3)}x ln {k} and training fits: sure answers unrelated to "
            "the validation labels"
        )

    def evidence(self, alert: Alert, i: int) -> dict[str, float]:
        j = alert.data["start_idx"]
        x = self.ctx.x(self.series, i)
        xs = np.array([x])
        ev = {
            "acc_now": value(self.series, i),
            "loss_now": value(self.ctx.loss, i),
            "k": float(self.ctx.classes.k or math.nan),
            "first_x": self.ctx.x(self.series, j),
            "loss_min": _lowest(self.ctx.loss, i),
            "now_x": x,
            "train_loss_now": float(lookup(self.ctx.train, self.ctx.axis, xs)[0]),
            "train_acc_now": math.nan,
            "train_acc_first": math.nan,
        }
        ta = self.ctx.train_acc
        if ta is not None and len(ta):
            ev["train_acc_now"] = float(train_acc_at(self.ctx, xs)[0])
            ev["train_acc_first"] = train_acc_first(self.ctx)
        return ev

    def claims(self, alert: Alert, i: int) -> list[Claim]:
        e = alert.evidence
        nm = names(self.ctx)
        k = int(e["k"])
        x0, x1 = e["first_x"], e["now_x"]
        first = e["train_acc_first"]
        signal = math.isfinite(first) and first >= FIRST_TIMES / k and first >= 1.0 / k + FIRST_ABOVE
        why = (
            f"{nm[1]} {fmt(e['acc_now'], 4)} is about 1/{k} = {fmt(1 / k, 4)}, what a uniform guess scores, "
            f"while {nm[0]} {fmt(e['loss_now'])} is {fmt(e['loss_now'] / math.log(k), 3)} times ln {k} = "
            f"{fmt(math.log(k))}, what a uniform guess costs, and the training loss is "
            f"{fmt(e['train_loss_now'])}: the model answers its validation samples with confidence and is "
            "right only as often as chance"
        )
        if signal:
            why += (
                f"; the training accuracy was already {fmt(first, 4)} at the first evaluation, so the "
                "training labels carry signal the model picked up within an epoch (random labels score "
                "1/K on samples not yet trained on, and are memorised slowly): it is the validation "
                "labels that do not go with their inputs"
            )
        others = (
            "Other readings: training labels without signal that the model memorised (the training accuracy "
            "then starts at chance and climbs slowly), or a validation path that feeds inputs unlike "
            "training; " + DECIDE
        )
        at = alert.data.get("at_chance")
        if isinstance(at, AtChance):
            kc = classes_claim(self.ctx, x0, x1)
            ks: Strength = "follows" if all(c.strength == "follows" for c in kc) else "likely"
            return [*kc, *throughout_claims(at, e, signal, first, nm, (x0, x1), ks)]
        return [
            *classes_claim(self.ctx, x0, x1),
            Claim(
                "labels-unrelated",
                "likely" if signal else "possible",
                x0,
                x1,
                f"at {self.ctx.unit} {fmt_x(x1)} the validation labels are unrelated to the model's answers "
                f"(shuffled apart from their inputs, misaligned, or another task's): {why}",
                value=e["acc_now"],
                evidence={
                    "k": float(k),
                    "loss_over_ln_k": e["loss_now"] / math.log(k),
                    "train_acc_first": first,
                },
                others=others,
            ),
        ]

    def explain(self, alert: Alert) -> str:
        from lossacc_tui.analysis.claims import render

        e = alert.evidence
        nm = names(self.ctx)
        k = int(e["k"])
        at = alert.data.get("at_chance")
        if isinstance(at, AtChance):
            return throughout_text(alert, at, e, nm) + render(alert.claims) + "\n"
        return (
            f"**{alert.title}**\n\n**What happened.** From {nm[2]} {fmt_x(e['first_x'])} to "
            f"{fmt_x(e['now_x'])} {nm[1]} is {fmt(e['acc_now'], 4)}, about 1/{k}, while {nm[0]} is "
            f"{fmt(e['loss_now'])}, above the ln {k} = {fmt(math.log(k))} a uniform guess costs, and the "
            f"training loss is {fmt(e['train_loss_now'])}.\n\n**Why.** A model that learned nothing scores "
            f"1/{k} at a loss of about ln {k}. This one fits its training samples and gives its validation "
            "samples sure answers that agree with their labels only as often as chance: the answers and the "
            "labels are unrelated. Validation labels shuffled apart from their inputs (or misaligned by an "
            "index or a sort), a validation set of another task or label mapping, training labels without "
            "signal that the model memorised, or a validation path that feeds inputs unlike training give "
            "this.\n\n**What to check next.** A few validation samples with their labels and the model's "
            "predictions; the code that pairs validation inputs with labels (a shuffle or sort of one of "
            "them); a slice of the training set passed through the validation code (it should score the "
            "training accuracy).\n\n**How sure.** " + render(alert.claims) + "\n"
        )


def _lowest(loss: Series | None, i: int) -> float:
    """The lowest finite value of a loss series up to point i (NaN without one). O(i): read when a
    text is rendered."""
    if loss is None or i < loss.base:
        return math.nan
    v = np.asarray(loss.raw[: i - loss.base + 1], dtype=np.float64)
    v = v[np.isfinite(v)]
    return float(v.min()) if len(v) else math.nan
