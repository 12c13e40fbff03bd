"""not-cross-entropy: an evaluation whose loss and accuracy cannot be cross-entropy and accuracy of
the same predictions. A level check: it needs no trend window."""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.analysis.alerts import Alert, Severity
from lossacc_tui.analysis.claims import Claim
from lossacc_tui.analysis.consistency import inconsistent
from lossacc_tui.analysis.detectors.base import Ctx, Detector, classes_claim, names, value
from lossacc_tui.analysis.evidence import not_cross_entropy
from lossacc_tui.analysis.features import AccFeatures, LossFeatures
from lossacc_tui.analysis.quantities import count, fmt, fmt_x, pct
from lossacc_tui.model import Series


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
        "An evaluation's loss and accuracy cannot describe the same single-label predictions under "
        "cross-entropy: the loss is below (1 - a) ln 2, the least it can be when a share 1 - a is wrong "
        "with one decision per sample, or accuracy sits at 1/K while the loss is far below ln K. A "
        "glitched evaluation (degenerate targets), a loss that is not cross-entropy (MSE, a sum of "
        "terms), an accuracy metric reading the labels differently (sparse vs one-hot), or a multi-label "
        "run (the loss averaged over its labels beside subset accuracy). That evaluation is kept out of "
        "bests and trends, and no explanation of the run reasons about cross-entropy."
    )
    n_open = 1
    n_close = 1

    def __init__(self, ctx: Ctx, series: Series | None, subject: str = "") -> None:
        super().__init__(ctx, series, subject)
        self.systematic = ctx.not_ce  # set before any alert opens: the run's pairs are inconsistent

    def conditions(self, loss: LossFeatures, acc: AccFeatures | None) -> tuple[np.ndarray, np.ndarray]:
        assert acc is not None and self.ctx.loss is not None
        raw = self.ctx.loss.raw[loss.idx - self.ctx.loss.base]
        bad = inconsistent(raw, acc.y, self.ctx.classes.k)
        self._bad = bad
        if self.systematic:
            # the run's pair is inconsistent again and again (`RunLayout._systematic`): its loss or its
            # metric is not what it seems, at every evaluation, so the alert stays open once it opens;
            # an evaluation in between that the bounds allow does not make the loss cross-entropy
            # again (tester 19: an MSE loss reopened the alert three times)
            return bad > 0, np.zeros(len(bad), dtype=bool)
        return bad > 0, bad == 0

    def on_open(self, alert: Alert, i: int, local: int, loss: LossFeatures, acc: AccFeatures | None) -> None:
        rule = int(self._bad[local])
        alert.data.update(rule=rule, worst_idx=i, n_bad=0, guess=self._guess(rule))
        if not alert.data["guess"]:  # a guessed class count is no ground to silence the other kinds
            self.ctx.not_ce = True

    def _guess(self, rule: int) -> bool:
        """Whether this rests on a class count guessed from 1/accuracy that nothing else backs."""
        return rule == 2 and self.ctx.classes.k is None and not self.ctx.chance_guess_ok

    def on_span(self, alert: Alert, lo: int, hi: int, loss: LossFeatures, acc: AccFeatures | None) -> None:
        alert.data["n_bad"] += int(np.count_nonzero(self._bad[lo:hi]))

    def severity(self, alert: Alert) -> Severity:
        return "info" if alert.data.get("guess") else "warning"

    def title(self, alert: Alert) -> str:
        e = alert.evidence
        nm = names(self.ctx)
        rule = alert.data.get("rule", 1)
        verb = "is not" if rule == 1 else "may not be" if alert.data.get("guess") else "is most likely not"
        return (
            f"{nm[0]} {fmt(e['loss'])} at {nm[1]} {fmt(e['acc'], 4)} {verb} cross-entropy of the predictions "
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
        if not (math.isfinite(e["loss"]) and math.isfinite(e["acc"])):
            # (the evaluation it opened on is no longer a pair of numbers: a value later found
            # outside an accuracy's range is left out of the analysis; nothing left to claim)
            return []
        if alert.data["rule"] == 1:
            return [not_cross_entropy(e["loss"], e["acc"], e["x"], nm)]
        known = self.ctx.classes.k
        if not known and not 0 < e["acc"] < 1:
            return []
        k = known or round(1 / e["acc"])
        per_mistake = e["loss"] / (1 - e["acc"])
        about = (
            f"{nm[1]} {fmt(e['acc'], 4)} is about 1/{k}"
            if known
            else f"{nm[1]} {fmt(e['acc'], 4)} is what chance gives with about {k} classes (the class count "
            "is not known here)"
        )
        reading = (
            f"at {nm[2]} {fmt_x(e['x'])} {about} while {nm[0]} "
            f"{fmt(e['loss'])} is far below ln {k} = {fmt(math.log(k))}: as cross-entropy this would "
            f"need {pct(1 - e['acc'])} of samples wrong yet costing at most {fmt(per_mistake, 3)} nats "
            f"each on average, barely above the ln 2 = 0.6931 a mistake costs at least (the wrong "
            f"samples' probability on their true class at least {fmt(math.exp(-per_mistake), 2)} in "
            "geometric mean while under 1/2 each: all held just below the threshold)"
        )
        guess = bool(alert.data.get("guess"))
        # (with the class count only guessed, two classes are the other reading, and a training
        # accuracy well above chance already says "the split" there: `others` below)
        climb = None if guess else self._climb(e["acc"])
        if climb is not None:
            # (an accuracy that climbs with training counts the model's decisions: a metric that
            # reads the labels differently from the loss stays near chance on both splits while the
            # loss falls (rw-01's sparse labels: 0.07-0.10 on both); a multi-label run's exact-match
            # accuracy climbs: tester h19t's 5-label BCE run, training accuracy 0.16 -> 1.00)
            name, lo, hi = climb
            single = (
                f"at {nm[2]} {fmt_x(e['x'])} {nm[1]} {fmt(e['acc'], 4)} sits beside {nm[0]} "
                f"{fmt(e['loss'])}: as a single-label cross-entropy this would need {pct(1 - e['acc'])} of "
                f"samples wrong yet costing at most {fmt(per_mistake, 3)} nats each on average, barely above "
                "the ln 2 = 0.6931 a mistake costs at least (all held just below the threshold)"
            )
            return [
                *classes_claim(self.ctx, e["x"], e["x"]),
                Claim(
                    "not-cross-entropy",
                    "likely",
                    e["x"],
                    e["x"],
                    single + f"; and {name} climbed {fmt(lo, 4)} -> {fmt(hi, 4)} as training went on, which "
                    "an accuracy reading the labels differently from the loss does not do, so the loss is "
                    "most likely not the cross-entropy of the decisions "
                    f"{nm[1]} counts: a multi-label run (the loss averaged over each sample's labels, the "
                    "accuracy counting a sample right only when every label is), or a loss that is not "
                    "cross-entropy",
                    evidence={"loss": e["loss"], "acc": e["acc"]},
                    others="A metric reading the labels differently (sparse vs one-hot) is disfavoured: it "
                    "stays near chance on both splits while the loss falls. Every sample held just below the "
                    "threshold is what a single-label cross-entropy would need. Whether each sample has one "
                    "label or several decides",
                ),
            ]
        others = (
            "With 2 classes the same pair is ordinary cross-entropy: a model that puts a little over 1/2 "
            "on one class for nearly every sample, scored on a split whose majority is the other class (a "
            "split unlike training, labels flipped in it), or a two-class model whose outputs all still sit "
            "near 1/2 (at its start, or stuck there: its loss near ln 2 = 0.6931) on the side of the "
            "minority, which its initial bias picks as often as the majority (the next evaluations show it "
            "move off). The training accuracy decides (at chance too "
            "while the training loss falls: the metric; well above it: the split), and so does "
            "`--classes K`"
            if guess
            else "The other reading, every sample held just below the threshold, is what cross-entropy "
            "would need; the same model's accuracy computed with the loss's label format decides"
        )
        return [
            *classes_claim(self.ctx, e["x"], e["x"]),
            Claim(
                "not-cross-entropy",
                "possible" if guess else "likely",
                e["x"],
                e["x"],
                reading + f", so the accuracy metric {'may read' if guess else 'most likely reads'} the "
                "labels differently from the loss (sparse vs one-hot labels, a wrong metric)",
                evidence={"loss": e["loss"], "acc": e["acc"]},
                others=others,
            ),
        ]

    def _climb(self, acc_open: float) -> tuple[str, float, float] | None:
        """(name, first, highest) of an accuracy of the run (the training split's, else this
        split's) that has climbed at least half way from `acc_open` (a fraction) to 1, or None."""
        for s in (self.ctx.train_acc, self.ctx.acc):
            if s is None or not len(s):
                continue
            v = np.asarray(s.raw, dtype=np.float64)
            v = v[np.isfinite(v)]
            if len(v) and float(v.max()) >= acc_open + 0.5 * (1.0 - acc_open):
                return s.name, float(v[0]), float(v.max())
        return None

    def explain(self, alert: Alert) -> str:
        e = alert.evidence
        nm = names(self.ctx)
        from lossacc_tui.analysis.claims import render

        first = (
            f"**{alert.title}**\n\n**What happened.** At {nm[2]} {fmt_x(e['x'])} the log has {nm[0]} "
            f"{fmt(e['loss'])} beside {nm[1]} {fmt(e['acc'], 4)}"
            f" ({count(int(e['inconsistent_evaluations']), 'such evaluation')} in this span).\n\n"
        )
        why = (
            "**Why.** With one decision per sample (single-label), every misclassified sample puts at "
            "most 1/2 on its true class, so it costs at least "
            "ln 2 = 0.6931 nats of cross-entropy, and a right answer puts at least 1/K on it (costs at most "
            "ln K). Numbers outside what "
            "those bounds allow come from something else: an evaluation on degenerate targets (all-zero "
            "one-hot rows cost 0 for any prediction), a loss that is not cross-entropy (MSE, a sum of "
            "terms), a metric that reads the labels differently from the loss, or a multi-label run (the "
            "loss averaged over L labels, accuracy counting a sample right only when every label is: one "
            "wrong label of L costs about ln 2 / L).\n\n"
        )
        check = (
            "**What to check next.** The targets of that evaluation (shape, one-hot vs sparse, one label "
            "per sample or several, empty batches), which loss is compiled, which accuracy metric Keras or "
            "your code picked. "
            + (
                "The class count is only guessed here, so the other kinds of this run still read the "
                "loss against the accuracy, and this evaluation still counts for bests and trends.\n\n"
                if alert.data.get("guess")
                else "The pair is inconsistent at evaluation after evaluation, so it is the run's loss or "
                "its metric that is not what it seems: no kind that reads this loss against this accuracy is "
                "raised for the run, and this alert stays open to its end (an evaluation in between that the "
                "bounds allow is the same loss, not cross-entropy again).\n\n"
                if self.systematic
                else "This evaluation is kept out of best values and trends here, and the other "
                "explanations of this run do not reason about cross-entropy.\n\n"
            )
        )
        return first + why + check + "**How sure.** " + render(alert.claims) + "\n"
