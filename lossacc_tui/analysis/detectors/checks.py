"""Level checks that need no trend window, so they work from the first evaluations:
not-cross-entropy, acc-at-chance, val-unlike-train."""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.analysis.alerts import Alert, Severity
from lossacc_tui.analysis.claims import Claim
from lossacc_tui.analysis.consistency import inconsistent
from lossacc_tui.analysis.detectors.base import Ctx, Detector, classes_claim, names, value
from lossacc_tui.analysis.evidence import not_cross_entropy
from lossacc_tui.analysis.features import AccFeatures, LossFeatures
from lossacc_tui.analysis.quantities import arrow, fmt, fmt_x, pct
from lossacc_tui.analysis.track import x_column
from lossacc_tui.model import Series


def lookup(series: Series | None, axis: str, xs: np.ndarray) -> np.ndarray:
    """The last value of `series` at or before each x (NaN where none). O(len(xs) log n)."""
    out = np.full(len(xs), np.nan)
    if series is None or len(series) == 0:
        return out
    col = x_column(series, axis)
    if col is None:
        return out
    k = np.searchsorted(col, xs, side="right") - 1
    ok = k >= 0
    out[ok] = series.values[k[ok]]
    return out


def _train_at(ctx: Ctx, x: float) -> float:
    """The training loss logged at or before x (NaN without one, or when it is the primary loss)."""
    if ctx.train is None:
        return math.nan
    return float(lookup(ctx.train, ctx.axis, np.array([x]))[0])


class NotCrossEntropy(Detector):
    """The logged loss and accuracy of one evaluation cannot be cross-entropy and accuracy of the
    same predictions (see `consistency.inconsistent`). Hooks get `(loss, acc)`."""

    kind = "not-cross-entropy"
    order = 120
    severity_doc = "warning"
    meaning = (
        "an evaluation's loss is below the floor its accuracy allows, or accuracy sits at 1/K with a "
        "loss far below ln K: not cross-entropy and accuracy of the same predictions; that evaluation "
        "is kept out of bests and trends"
    )
    general = (
        "An evaluation's loss and accuracy cannot describe the same predictions under cross-entropy: "
        "the loss is below (1 - a) ln 2, the least it can be when a share 1 - a is wrong, or accuracy "
        "sits at 1/K while the loss is far below ln K. A glitched evaluation (degenerate targets), a "
        "loss that is not cross-entropy (MSE, a sum of terms), or an accuracy metric reading the "
        "labels differently (sparse vs one-hot). That evaluation is kept out of bests and trends, and "
        "no explanation of the run reasons about cross-entropy."
    )
    n_open = 1
    n_close = 1

    def __init__(self, ctx: Ctx, series: Series | None, subject: str = "") -> None:
        super().__init__(ctx, series, subject)
        self.systematic = ctx.not_ce  # set before any alert opens: the run's pairs are inconsistent

    def conditions(self, loss: LossFeatures, acc: AccFeatures | None) -> tuple[np.ndarray, np.ndarray]:
        assert acc is not None and self.ctx.loss is not None
        raw = self.ctx.loss.values[loss.idx]
        bad = inconsistent(raw, acc.y, self.ctx.classes.k)
        self._bad = bad
        return bad > 0, bad == 0

    def on_open(self, alert: Alert, i: int, local: int, loss: LossFeatures, acc: AccFeatures | None) -> None:
        alert.data.update(rule=int(self._bad[local]), worst_idx=i, n_bad=0)
        self.ctx.not_ce = True

    def on_span(self, alert: Alert, lo: int, hi: int, loss: LossFeatures, acc: AccFeatures | None) -> None:
        alert.data["n_bad"] += int(np.count_nonzero(self._bad[lo:hi]))

    def severity(self, alert: Alert) -> Severity:
        return "warning"

    def title(self, alert: Alert) -> str:
        e = alert.evidence
        nm = names(self.ctx)
        return (
            f"{nm[0]} {fmt(e['loss'])} at {nm[1]} {fmt(e['acc'], 4)} is not cross-entropy of the predictions "
            f"{nm[1]} counts"
        )

    def evidence(self, alert: Alert, i: int) -> dict[str, float]:
        j = alert.data["start_idx"]
        return {
            "loss": value(self.ctx.loss, j),
            "acc": value(self.ctx.acc, j),
            "x": self.ctx.x(self.series, j),
            "inconsistent_evaluations": float(max(1, alert.data["n_bad"])),
            "rule": float(alert.data["rule"]),
        }

    def claims(self, alert: Alert, i: int) -> list[Claim]:
        e = alert.evidence
        nm = names(self.ctx)
        if alert.data["rule"] == 1:
            return [not_cross_entropy(e["loss"], e["acc"], e["x"], nm)]
        known = self.ctx.classes.k
        k = known or round(1 / e["acc"])
        per_mistake = e["loss"] / (1 - e["acc"])
        about = (
            f"{nm[1]} {fmt(e['acc'], 4)} is about 1/{k}"
            if known
            else f"{nm[1]} {fmt(e['acc'], 4)} is what chance gives with about {k} classes (the class count "
            "is not known here)"
        )
        return [
            *classes_claim(self.ctx, e["x"], e["x"]),
            Claim(
                "not-cross-entropy",
                "likely",
                e["x"],
                e["x"],
                f"at {nm[2]} {fmt_x(e['x'])} {about} while {nm[0]} "
                f"{fmt(e['loss'])} is far below ln {k} = {fmt(math.log(k))}: as cross-entropy this would "
                f"need {pct(1 - e['acc'])} of samples wrong yet costing at most {fmt(per_mistake, 3)} nats "
                f"each on average, barely above the ln 2 = 0.6931 a mistake costs at least (the wrong "
                f"samples' probability on their true class at least {fmt(math.exp(-per_mistake), 2)} in "
                "geometric mean while under 1/2 each: all held just below the threshold), so the accuracy "
                "metric most likely reads the "
                "labels differently from the loss (sparse vs one-hot labels, a wrong metric)",
                evidence={"loss": e["loss"], "acc": e["acc"]},
                others=(
                    "The other reading, every sample held just below the threshold, is what cross-entropy "
                    "would need; the same model's accuracy computed with the loss's label format decides"
                ),
            ),
        ]

    def explain(self, alert: Alert) -> str:
        e = alert.evidence
        nm = names(self.ctx)
        from lossacc_tui.analysis.claims import render

        first = (
            f"**{alert.title}**\n\n**What happened.** At {nm[2]} {fmt_x(e['x'])} the log has {nm[0]} "
            f"{fmt(e['loss'])} beside {nm[1]} {fmt(e['acc'], 4)}"
            f" ({int(e['inconsistent_evaluations'])} such evaluation(s) in this span).\n\n"
        )
        why = (
            "**Why.** Every misclassified sample puts at most 1/2 on its true class, so it costs at least "
            "ln 2 = 0.6931 nats of cross-entropy, and a right answer puts at least 1/K on it (costs at most "
            "ln K). Numbers outside what "
            "those bounds allow come from something else: an evaluation on degenerate targets (all-zero "
            "one-hot rows cost 0 for any prediction), a loss that is not cross-entropy (MSE, a sum of "
            "terms), or a metric that reads the labels differently from the loss.\n\n"
        )
        check = (
            "**What to check next.** The targets of that evaluation (shape, one-hot vs sparse, empty "
            "batches), which loss is compiled, which accuracy metric Keras or your code picked. "
            + (
                "The pair is inconsistent at evaluation after evaluation, so it is the run's loss or its "
                "metric that is not what it seems: no kind that reads this loss against this accuracy is "
                "raised for the run.\n\n"
                if self.systematic
                else "This evaluation is kept out of best values and trends here, and the other "
                "explanations of this run do not reason about cross-entropy.\n\n"
            )
        )
        return first + why + check + "**How sure.** " + render(alert.claims) + "\n"


#: how far below 1/K (relative) an accuracy still counts as chance level: chance-level runs of the
#: truth corpus's tune split score down to 0.84 of 1/K on 480 validation samples
CHANCE_BELOW = 0.2


def chance_k(acc: np.ndarray, loss: np.ndarray, known: int | None) -> np.ndarray:
    """The K a chance-level reading would use at each point: the known K, else the K whose ln K the
    loss level is nearest (exp of the loss, rounded) when accuracy is near its 1/K, else the K that
    1/accuracy rounds to; NaN where neither gives K >= 2. (Accuracy just below chance rounds 1/acc up
    to the wrong K; the loss level names it.)"""
    if known:
        return np.full(len(acc), float(known))
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        from_acc = np.rint(1.0 / np.where(acc > 0, acc, np.nan))
        from_loss = np.rint(np.exp(np.where(np.isfinite(loss) & (loss < 20), loss, np.nan)))
        use_loss = (from_loss >= 2) & (acc * from_loss >= 1.0 - CHANCE_BELOW) & (acc * from_loss <= 1.15)
    return np.where(use_loss, from_loss, from_acc)


class AccAtChance(Detector):
    """Accuracy about 1/K and the loss about ln K, held for `stuck_window` evaluations while the
    accuracy still moves (a frozen accuracy is `acc-stuck`): a model that has learned nothing.
    K is the known K, or the K that 1/accuracy rounds to. Hooks get `(acc, loss)`."""

    kind = "acc-at-chance"
    order = 140
    severity_doc = "warning"
    meaning = (
        "accuracy about 1/K and loss about ln K for many evaluations while accuracy jitters: not learning"
    )
    general = (
        "Accuracy about 1/K and the loss about ln K for many evaluations while accuracy still "
        "jitters: the predictions carry no information; the model is not learning (learning rate, "
        "frozen weights, fp16 scaler skipping every step, inputs or labels not reaching the model)."
    )

    def conditions(self, acc: AccFeatures, loss: LossFeatures | None) -> tuple[np.ndarray, np.ndarray]:
        assert loss is not None
        acc_y, loss_y = acc.lvl, loss.lvl
        with np.errstate(invalid="ignore", divide="ignore"):
            kk = chance_k(acc_y, loss_y, self.ctx.classes.k)
            ok = np.isfinite(kk) & (kk >= 2)
            lnk = np.log(np.where(ok, kk, 2.0))
            # at chance, or a little below it (a held-out split scores below 1/K as often as above)
            near_acc = ok & (acc_y * kk >= 1.0 - CHANCE_BELOW) & (acc_y * kk <= 1.15)
            near_loss = np.abs(loss_y / lnk - 1.0) <= 0.05
            moving = acc.range_stuck > self.p.stuck_tol
            learning = loss.dir < 0  # a loss still falling beyond its noise: warming up, not stuck
            # at chance or worse: a loss above ln K (memorised training labels) keeps it open
            on = near_acc & near_loss & moving & ~learning & ~loss.warm
            off = ~(
                ok & (acc_y * kk >= 1.0 - CHANCE_BELOW - 0.1) & (acc_y * kk <= 1.25) & (loss_y >= 0.9 * lnk)
            )
        self._kk = kk
        return on, off

    def on_open(self, alert: Alert, i: int, local: int, acc: AccFeatures, loss: LossFeatures | None) -> None:
        alert.data["k"] = self.ctx.classes.k or int(self._kk[local])
        a = float(acc.lvl[local])
        # where K came from when it is not known: 1/accuracy, or the loss level (accuracy below 1/K)
        alert.data["k_from_loss"] = not self.ctx.classes.k and (a <= 0 or round(1 / a) != alert.data["k"])

    def severity(self, alert: Alert) -> Severity:
        return "warning"

    def title(self, alert: Alert) -> str:
        e = alert.evidence
        nm = names(self.ctx)
        k = alert.data["k"]
        return (
            f"{nm[1]} {fmt(e['acc_now'], 3)} ~ 1/{k} and {nm[0]} {fmt(e['loss_now'])} ~ ln {k}: not learning"
        )

    def evidence(self, alert: Alert, i: int) -> dict[str, float]:
        j = alert.data["start_idx"]
        return {
            "acc_now": value(self.ctx.acc, i),
            "loss_now": value(self.ctx.loss, i),
            "first_x": self.ctx.x(self.series, j),
            "now_x": self.ctx.x(self.series, i),
            "evaluations": float(i - j + 1),
            "k": float(alert.data["k"]),
            "train_loss_at_start": _train_at(self.ctx, self.ctx.x(self.series, 0)),
            "train_loss_now": _train_at(self.ctx, self.ctx.x(self.series, i)),
        }

    def claims(self, alert: Alert, i: int) -> list[Claim]:
        e = alert.evidence
        nm = names(self.ctx)
        k = alert.data["k"]
        src = (
            ""  # the `classes` claim before this one says where K came from
            if self.ctx.classes.k
            else f"K = {k}, the K whose ln K the loss sits at"
            if alert.data.get("k_from_loss")
            else f"K = {k} from 1/accuracy"
        )
        return [
            *classes_claim(self.ctx, e["first_x"], e["now_x"]),
            Claim(
                "at-chance",
                "likely",
                e["first_x"],
                e["now_x"],
                f"for {int(e['evaluations'])} evaluations {nm[1]} has stayed about 1/{k} = {fmt(1 / k, 4)} "
                "and "
                f"{nm[0]} about ln {k} = {fmt(math.log(k))}{f' ({src})' if src else ''}: both metrics say "
                "the predictions carry "
                "no information about the labels",
                evidence={"k": float(k)},
                others=(
                    "If K is not what these numbers suggest, accuracy may instead sit at a class share; "
                    "--classes K settles it"
                ),
            ),
        ]

    def _why(self, e: dict[str, float]) -> str:
        t0, t1 = e.get("train_loss_at_start", math.nan), e.get("train_loss_now", math.nan)
        if math.isfinite(t0) and math.isfinite(t1) and t1 < 0.8 * t0:
            return (
                f"The training loss fell {arrow(t0, t1)}, so the model fits its training samples, yet "
                "its held-out predictions stay at chance: what it learns does not carry over. Labels "
                "unrelated to their inputs (random, or shuffled apart from them) do this, and so does a "
                "validation split unlike training."
            )
        return (
            "Accuracy jitters but does not leave chance, and the loss stays at the cost of knowing nothing"
            + (
                (
                    f" while the training loss falls only {arrow(t0, t1)}"
                    if math.isfinite(t0) and t1 < t0
                    else " while the training loss does not fall either"
                )
                if math.isfinite(t1)
                else ""
            )
            + ": the weights are not learning, or learn nothing about these labels (a learning rate that "
            "is zero or far too small, frozen parameters, an optimiser that skips its steps, fp16 loss "
            "scaling that drops every update, inputs that do not reach the model, labels shuffled apart "
            "from their inputs)."
        )

    def explain(self, alert: Alert) -> str:
        from lossacc_tui.analysis.claims import render

        e = alert.evidence
        nm = names(self.ctx)
        k = alert.data["k"]
        return (
            f"**{alert.title}**\n\n**What happened.** From {nm[2]} {fmt_x(e['first_x'])} to "
            f"{fmt_x(e['now_x'])} {nm[1]} is {fmt(e['acc_now'], 4)} and {nm[0]} {fmt(e['loss_now'])}: a "
            f"uniform guess over {k} classes scores 1/{k} = {fmt(1 / k, 4)} and costs ln {k} = "
            f"{fmt(math.log(k))}.\n\n**Why.** {self._why(e)}\n\n**What to check next.** The learning rate "
            f"actually applied at {nm[2]} {fmt_x(e['now_x'])}, that parameters change between steps (a "
            "weight norm), gradient norms, the fp16/AMP scaler's skipped steps, and a batch of inputs with "
            "their labels (are they aligned?).\n\n"
            "**How sure.** " + render(alert.claims) + "\n"
        )


class ValUnlikeTrain(Detector):
    """Validation accuracy far below chance while training accuracy is well above it: the validation
    data (or its labels) is not distributed like the training data.
    Hooks get `(acc, loss)` (the validation accuracy first).
    Needs no trend: opens after `n_open` evaluations."""

    kind = "val-unlike-train"
    order = 150
    severity_doc = "warning"
    meaning = (
        "validation accuracy far below chance while training accuracy is good: the validation split "
        "is unlike training"
    )
    general = (
        "Validation accuracy far below chance while training accuracy is good: the validation data "
        "holds classes or an ordering the training data does not (Keras' validation_split on "
        "unshuffled data), or its labels are mapped differently. Check the class counts of each "
        "split."
    )
    n_open = 2

    def conditions(self, acc: AccFeatures, loss: LossFeatures | None) -> tuple[np.ndarray, np.ndarray]:
        val = acc.y
        train = lookup(self.ctx.train_acc, self.ctx.axis, acc.x)
        k = self.ctx.classes.k
        with np.errstate(invalid="ignore"):
            if k is not None:
                low = val < 0.5 / k
                good = train > min(0.95, 1.5 / k)
            else:  # K unknown: only a validation accuracy below any plausible chance level counts
                low = val < 0.1
                good = train >= 0.5
            on = low & good & (train - val >= 0.3)
            off = ~(on | ((val < (0.75 / k if k else 0.15)) & good))
        return on, off

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
            "train_acc": float(lookup(self.ctx.train_acc, self.ctx.axis, np.array([x]))[0]),
            "x": x,
            "first_x": self.ctx.x(self.series, alert.data["start_idx"]),
        }

    def claims(self, alert: Alert, i: int) -> list[Claim]:
        e = alert.evidence
        k = self.ctx.classes.k
        chance = (
            f"far below chance 1/{k} = {fmt(1 / k, 3)}" if k else "below any chance level short of 10 classes"
        )
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

    def explain(self, alert: Alert) -> str:
        from lossacc_tui.analysis.claims import render

        e = alert.evidence
        return (
            f"**{alert.title}**\n\n**What happened.** From {self.ctx.unit} {fmt_x(e['first_x'])} "
            f"{self.subject} stays near {fmt(e['val_acc'], 4)} while training accuracy reaches "
            f"{fmt(e['train_acc'], 4)}.\n\n**Why.** Below-chance accuracy on held-out data means the "
            "model's confident predictions are systematically wrong there: the validation set holds classes "
            "that training never shows, or its labels are mapped differently. Keras' validation_split takes "
            "the last part of the arrays before shuffling, so data sorted by class gives exactly this.\n\n"
            "**What to check next.** The class counts of the training and validation splits; shuffle before "
            "splitting (or pass validation_data); the label encoding of both.\n\n"
            "**How sure.** " + render(alert.claims) + "\n"
        )
