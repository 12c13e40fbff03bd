"""val-unlike-train: validation accuracy far below chance while training accuracy is good. A level
check: it needs no trend window."""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.analysis.alerts import Alert, Severity
from lossacc_tui.analysis.chance_run import THROUGH_MIN, chance_ks
from lossacc_tui.analysis.claims import Claim
from lossacc_tui.analysis.detectors.base import Detector, classes_claim, lookup, value
from lossacc_tui.analysis.detectors.train_acc import train_acc_at, train_acc_first, train_acc_value
from lossacc_tui.analysis.detectors.val_chance import FIRST_ABOVE, FIRST_TIMES, LOSS_OVER
from lossacc_tui.analysis.detectors.val_chance_text import DECIDE
from lossacc_tui.analysis.features import AccFeatures, LossFeatures
from lossacc_tui.analysis.passmemo import quiet
from lossacc_tui.analysis.quantities import fmt, fmt_x


class ValUnlikeTrain(Detector):
    """Validation accuracy far below chance while training accuracy is well above it: the validation
    data (or its labels) is not distributed like the training data.
    Hooks get `(acc, loss)` (the validation accuracy first).
    Needs no trend: opens after `n_open` evaluations."""

    kind = "val-unlike-train"
    order = 150
    severity_doc = "warning"
    meaning = (
        "validation accuracy far below chance while training accuracy is good, or far below training "
        "accuracy from the first evaluation on with a value below chance (then possible with K unknown): "
        "the validation split is unlike training, not overfitting"
    )
    general = (
        "Validation accuracy far below chance while training accuracy is good: the validation data "
        "holds classes or an ordering the training data does not (Keras' validation_split on "
        "unshuffled data), or its labels are mapped differently. Check the class counts of each "
        "split."
    )
    n_open = 2
    gap = 0.3  # training accuracy minus validation accuracy (fraction) that counts as "unlike"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # "never tracked" rule: True once an evaluation had validation accuracy within `gap` of
        # training accuracy (or training accuracy not good, or not logged there): the rule is dead then
        self._tracked = False
        self._low_seen = False  # an evaluation as low as the level rule asks has been seen
        self._level_at: np.ndarray | None = None  # the level rule per point of the last chunk

    def holds(self, acc: AccFeatures, loss: LossFeatures | None) -> bool:  # type: ignore[override]
        """No validation accuracy of the chunk as low as `conditions` asks (below 0.5 / K, or 0.1 with
        K unknown), and no low one seen earlier in a run whose validation never tracked training:
        nothing opens (`Detector.holds`)."""
        if self._low_seen and not self._tracked:
            return False
        k = self.ctx.classes.k
        with quiet(invalid="ignore"):
            return not bool((acc.y < (0.5 / k if k is not None else 0.1)).any())

    def conditions(self, acc: AccFeatures, loss: LossFeatures | None) -> tuple[np.ndarray, np.ndarray]:
        val = acc.y
        train = train_acc_at(self.ctx, acc.x)
        k = self.ctx.classes.k
        with quiet(invalid="ignore"):
            if k is not None:
                low = val < 0.5 / k
                good = train > min(0.95, 1.5 / k)
            else:  # K unknown: only a validation accuracy below any plausible chance level counts
                low = val < 0.1
                good = train >= 0.5
            unlike = good & (train - val >= self.gap)
            level = low & unlike
            # never tracked: from the run's first evaluation every one had validation accuracy at least
            # `gap` below a good training accuracy, and one of them was as low as the level rule asks
            never = unlike & np.logical_and.accumulate(unlike) & (not self._tracked)
            seen = self._low_seen | np.logical_or.accumulate(low & unlike)
            on = level | (never & seen)
            off = ~(on | ((val < (0.75 / k if k else 0.15)) & good))
        self._tracked = self._tracked or not bool(unlike.all())
        if self._tracked:
            self.ctx.val_never_tracked = None
        self._low_seen = bool(seen[-1]) if len(seen) else self._low_seen
        self._level_at = level
        return on, off

    def on_open(self, alert: Alert, i: int, local: int, acc: AccFeatures, loss: LossFeatures | None) -> None:  # type: ignore[override]
        """Note which rule opened it: the level rule (`level`) or the never-tracked rule."""
        lv = self._level_at
        alert.data["level"] = bool(lv is not None and 0 <= local < len(lv) and lv[local])
        if not alert.data["level"] and not self._tracked:
            self.ctx.val_never_tracked = self.ctx.x(self.series, i)

    def _never_tracked(self, i: int) -> tuple[float, float, float, float] | None:
        """For the never-tracked rule: (x, validation accuracy, training accuracy) at the lowest
        validation accuracy up to point i, and the smallest gap (fraction) there over all points up
        to i; None without a finite one."""
        best: tuple[float, float, float] | None = None
        min_gap = math.inf
        for j in range(i + 1):
            x = self.ctx.x(self.series, j)
            v, t = value(self.series, j), train_acc_value(self.ctx, x)
            if not (math.isfinite(v) and math.isfinite(t)):
                continue
            min_gap = min(min_gap, t - v)
            if best is None or v < best[1]:
                best = (x, v, t)
        return None if best is None or not math.isfinite(min_gap) else (*best, min_gap)

    def severity(self, alert: Alert) -> Severity:
        return "warning"

    def title(self, alert: Alert) -> str:
        e = alert.evidence
        return (
            f"{self.subject} {fmt(e['val_acc'], 4)} while training accuracy is {fmt(e['train_acc'], 4)}: the "
            "validation data is unlike the training data"
        )

    def evidence(self, alert: Alert, i: int) -> dict[str, float]:
        x = self.ctx.x(self.series, i)
        return {
            "val_acc": value(self.series, i),
            "train_acc": train_acc_value(self.ctx, x),
            "x": x,
            "first_x": self.ctx.x(self.series, alert.data["start_idx"]),
        }

    def claims(self, alert: Alert, i: int) -> list[Claim]:
        e = alert.evidence
        k = self.ctx.classes.k
        never = None if alert.data.get("level", True) else self._never_tracked(i)
        if never is not None:
            return [*classes_claim(self.ctx, e["first_x"], e["x"]), self._never_claim(alert, never)]
        chance = (
            f"far below chance 1/{k} = {fmt(1 / k, 3)}" if k else "below any chance level short of 10 classes"
        )
        at = None if k else self._at_some_chance(i)
        if at is not None:
            return [*classes_claim(self.ctx, e["first_x"], e["x"]), *self._chance_claims(e, i, *at)]
        return [
            *classes_claim(self.ctx, e["first_x"], e["x"]),
            Claim(
                "split-unlike-training",
                "likely",
                e["first_x"],
                e["x"],
                f"at {self.ctx.unit} {fmt_x(e['x'])} {self.subject} {fmt(e['val_acc'], 4)} is {chance} while "
                f"training accuracy is {fmt(e['train_acc'], 4)}: a model that generalises badly falls to "
                "chance, not below it, so the validation samples hold classes or an ordering the training "
                "samples do not",
                others=(
                    "A label mapping that differs between the two splits gives the same numbers; the class "
                    "counts of each split decide"
                ),
            ),
        ]

    def _at_some_chance(self, i: int) -> tuple[int, int, float] | None:
        """With K unknown: (lowest K, highest K, validation loss at point i) when the validation
        accuracy sat at 1/K for those K at every evaluation up to point i (`chance_run.chance_ks`, from
        the run's first evaluation) and the validation loss at i is at least LOSS_OVER x ln K for the
        highest of them (sure answers, not a guess's ln K); None otherwise."""
        s = self.series
        if s is None or s.base != 0 or i < s.base:
            return None
        ks = chance_ks(np.asarray(s.raw[: i - s.base + 1], dtype=np.float64), self.ctx.acc_n)
        if ks is None:
            return None
        x = self.ctx.x(s, i)
        loss = float(lookup(self.ctx.loss, self.ctx.axis, np.array([x]))[0])
        if not (math.isfinite(loss) and loss >= LOSS_OVER * math.log(ks[1])):
            return None
        return (*ks, loss)

    def _chance_claims(self, e: dict[str, float], i: int, k0: int, k1: int, loss: float) -> list[Claim]:
        """The level rule's claims with K unknown where the validation accuracy sat at 1/K for a K the
        values allow (k0..k1) at every evaluation while its loss is far above ln K: answers unrelated to
        the validation labels (`labels-unrelated`, likely when the training accuracy rose well above
        that chance level while validation stayed there and was well above it at the first
        evaluation: training labels with signal), a split holding classes training lacks only
        possible (those give an accuracy near 0, or one that moves with training's, not a steady 1/K).
        Tester h19t's shuffled validation labels (10 classes): 0.090-0.0975 at 30 evaluations."""
        s = self.series
        assert s is not None
        v = np.asarray(s.raw[: i - s.base + 1], dtype=np.float64)
        v = v[np.isfinite(v)]
        first = train_acc_first(self.ctx)
        u, x0, x1 = self.ctx.unit, e["first_x"], e["x"]
        ks = f"K = {k0}" if k0 == k1 else f"K = {k0}-{k1}"
        signal = math.isfinite(first) and first >= FIRST_TIMES / k0 and first >= 1.0 / k0 + FIRST_ABOVE
        why = (
            f"{self.subject} stayed at {fmt(float(v.min()), 4)}-{fmt(float(v.max()), 4)} at all {len(v)} "
            f"evaluations, within a guessing model's noise of 1/K for {ks} (the log does not name K), "
            f"while training accuracy reached {fmt(e['train_acc'], 4)} and the validation loss is "
            f"{fmt(loss)}, {fmt(loss / math.log(k1), 3)} x ln {k1} or more: the model answers its "
            "validation samples with confidence and is right only as often as a guess"
        )
        if signal:
            why += (
                f"; the training accuracy was already {fmt(first, 4)} at the first evaluation, so the "
                "training labels carry signal the model picked up within an epoch"
            )
        unseen = (
            "Validation samples of classes training never shows (or labels mapped differently) are "
            "answered wrong every time: an accuracy near 0 on them (as Keras' validation_split on "
            "data sorted by class gives), and on any part of the split that shares training's classes "
            "an accuracy that moves with training's, not one that sits at 1/K while training accuracy "
            "climbs"
        )
        return [
            Claim(
                "labels-unrelated",
                "likely" if signal and len(v) >= THROUGH_MIN else "possible",
                x0,
                x1,
                f"at {u} {fmt_x(x1)} the validation labels are unrelated to the model's answers (shuffled "
                f"apart from their inputs, misaligned by an index or a sort, or another task's): {why}",
                value=e["val_acc"],
                evidence={"k_low": float(k0), "k_high": float(k1), "train_acc_first": first},
                others=(
                    "Other readings: a validation path that feeds inputs unlike training, or training "
                    "labels without signal that the model memorised; with more classes than "
                    f"{k1} the accuracy is not at chance at all. {DECIDE[0].upper()}{DECIDE[1:]}; "
                    "--classes K lets val-at-chance judge it"
                ),
            ),
            Claim(
                "split-unlike-training",
                "possible",
                x0,
                x1,
                f"the validation samples hold classes or an ordering the training samples do not: "
                f"{self.subject} {fmt(e['val_acc'], 4)} is below chance only with fewer than {k0} "
                f"classes, and within a guess's noise of it for {ks}",
                others=unseen + "; the class counts of each split decide",
            ),
        ]

    def _never_claim(self, alert: Alert, never: tuple[float, float, float, float]) -> Claim:
        """The claim of the never-tracked rule: validation sat below chance at one evaluation, and far
        below training accuracy at every one. Likely with K known; possible with K unknown, where the
        class count decides whether that low value is below chance at all."""
        x, v, t, gap = never
        k = self.ctx.classes.k
        u = self.ctx.unit
        if k:
            chance = f"below half of chance 1/{k} = {fmt(1 / k, 3)}"
        else:
            kmax = math.ceil(1 / v) - 1 if v > 0 else None
            chance = f"below chance for any class count up to {kmax}" if kmax else "below any chance level"
        return Claim(
            "split-unlike-training",
            "likely" if k else "possible",
            alert.evidence["first_x"],
            alert.evidence["x"],
            f"at {u} {fmt_x(x)} {self.subject} {fmt(v, 4)} is {chance} while training accuracy is "
            f"{fmt(t, 4)}, and at every evaluation from the first {self.subject} stayed at least "
            f"{fmt(100 * gap, 3)} points below training accuracy: validation never tracked training, so "
            "there is no epoch where the model generalised and then overfitted",
            others=(
                "The class count decides: with more classes than that, the low value is not below chance "
                "and the model simply never generalised. A label mapping or preprocessing (scaling, "
                "normalisation) that differs between the two splits gives the same numbers; the class "
                "counts and the preprocessing of each split decide"
                if not k
                else "A label mapping or preprocessing that differs between the two splits gives the same "
                "numbers; the class counts and the preprocessing of each split decide"
            ),
        )

    def explain(self, alert: Alert) -> str:
        from lossacc_tui.analysis.claims import render

        e = alert.evidence
        if not alert.data.get("level", True):
            return (
                f"**{alert.title}**\n\n**What happened.** From the first evaluation {self.subject} stays far "
                f"below training accuracy ({fmt(e['val_acc'], 4)} against {fmt(e['train_acc'], 4)} now), "
                "and at one evaluation it fell below chance for small class counts (How sure).\n\n"
                "**Why.** Validation never tracked training, not even at the first evaluation: the model did "
                "not generalise and then overfit. Validation data unlike training (classes or an ordering "
                "training does not show), labels mapped differently, or preprocessing that differs between "
                "the splits give this; early stopping does not help, as no epoch had a good validation "
                "score.\n\n**What to check next.** The class counts of the training and validation splits; "
                "the preprocessing (scaling, normalisation) and label encoding of both; shuffle before "
                "splitting (or pass validation_data).\n\n**How sure.** " + render(alert.claims) + "\n"
            )
        return (
            f"**{alert.title}**\n\n**What happened.** From {self.ctx.unit} {fmt_x(e['first_x'])} "
            f"{self.subject} stays near {fmt(e['val_acc'], 4)} while training accuracy reaches "
            f"{fmt(e['train_acc'], 4)}.\n\n**Why.** "
            + (
                "An accuracy that sits at 1/K, what a guess scores, while the validation loss is far above "
                "ln K and training accuracy climbs means the model's sure answers are unrelated to the "
                "validation labels (How sure). Below chance, held-out predictions are systematically wrong. "
                if any(c.id == "labels-unrelated" for c in alert.claims)
                else "Below-chance accuracy on held-out data means the model's predictions are "
                "systematically wrong there. "
            )
            + "The usual readings: the validation set "
            "holds classes that training never shows (Keras' validation_split takes the last part of the "
            "arrays before shuffling, so data sorted by class gives exactly this), its labels are mapped "
            "differently, or its inputs are prepared unlike training's; the class counts of each split "
            "decide the first.\n\n"
            "**What to check next.** The class counts of the training and validation splits; shuffle before "
            "splitting (or pass validation_data); the label encoding of both.\n\n"
            "**How sure.** " + render(alert.claims) + "\n"
        )
