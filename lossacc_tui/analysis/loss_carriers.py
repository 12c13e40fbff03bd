"""Who carries a validation loss: the `mistakes-carry-loss` / `right-answers-carry-loss` claims of
one (loss, accuracy) pair, with the strength the numbers allow (`follows` when the cross-entropy
bounds of `evidence` force it, else the reading the caller's evidence favours, else both readings
`possible`, each naming the other and what would decide)."""

from __future__ import annotations

import math

from lossacc_tui.analysis.ce_premise import PLAIN_CE, RIGHT_FAVOURED
from lossacc_tui.analysis.claims import Claim
from lossacc_tui.analysis.evidence import (
    RIGHT_PLAUSIBLE,
    below_floor,
    mistake_cost_bounds,
    mistake_share_if_right_no_costlier,
    prob,
    wrong_share_bounds,
)
from lossacc_tui.analysis.quantities import LN2, fmt, fmt_x, least_share, pct

#: the other reading of a share forced by the ln 2 floor alone, and what decides
SINGLE_LABEL_OTHERS = (
    "A multi-label run (several labels a sample, the loss averaged over them, accuracy counting a "
    "sample right only when every label is) lets a sample with one of L labels wrong cost as little as "
    "ln 2 / L, so its mistakes may carry less. Its metric names (subset_acc, exact_match, hamming, "
    "f1_micro) or problem_type multi_label_classification decide, as does --classes K"
)


def _classes_needed(nats: float) -> str:
    """'over 10^N classes' for a right answer costing `nats` (at most ln K), never 10^inf."""
    power = nats / math.log(10)
    return f"over 10^{int(power)} classes" if math.isfinite(power) else "more classes than any finite number"


def _forced_share(loss: float, acc: float, k: int | None, lo: float) -> str:
    """Why mistakes carry at least the share `lo` (a fraction) of `loss` (nats) at accuracy `acc`: the
    bound that gives it, with its own number. With K known the ln K cap on a right answer's cost can
    give more than the ln 2 floor of a mistake's (tester 19: at 0.76 with K = 3 the floor gives 9.7 %,
    the cap 51 %), and then the sentence must give the cap, never the floor with the cap's share."""
    wrong = 1.0 - acc
    if k is not None and loss - acc * math.log(k) > wrong * LN2:
        right = acc * math.log(k)
        return (
            f"as a mean cross-entropy, the {pct(acc)} of samples that are right cost at most ln {k} = "
            f"{fmt(math.log(k))} each (their "
            f"class is the most probable of {k}), {fmt(right)} of the {fmt(loss)} at most, so the "
            f"{pct(wrong)} that are wrong carry at least {least_share(lo)} of the loss"
        )
    return (
        f"as a mean cross-entropy, the {pct(wrong)} of samples that are wrong cost at least ln 2 = 0.6931 "
        f"each, {fmt(wrong * LN2)} of "
        f"the {fmt(loss)}, so they carry at least {least_share(lo)} of the loss"
    )


def who_carries_loss(
    loss: float,
    acc: float,
    k: int | None,
    x0: float,
    x1: float,
    names: tuple[str, str, str],
    favour: str = "",
    why: str = "",
    lean: str = "",
    since: tuple[float, float] | None = None,
) -> list[Claim]:
    """Claims on whether mistakes or right answers carry the loss at one evaluation.

    `names` = (loss name, accuracy name, x unit). `favour` ('mistakes' or 'right') with `why`
    makes the favoured reading `likely` when the numbers themselves do not decide it; `lean`
    ('right') names unsure right answers as the `possible` reading instead of confident mistakes.
    With `since` = (loss, accuracy) at x0 and favour 'mistakes', the reason (right answers no
    costlier than at x0) must itself put more than half of the loss on mistakes
    (`mistake_share_if_right_no_costlier`), else the reading stays `possible`.
    """
    lname, aname, unit = names
    if not (math.isfinite(loss) and math.isfinite(acc)) or loss <= 0 or below_floor(loss, acc):
        return []
    lo, _ = wrong_share_bounds(loss, acc, k)
    where = f"at {unit} {fmt_x(x1)} ({lname} {fmt(loss)}, {aname} {fmt(acc, 4)})"
    ev = {"loss": loss, "acc": acc, "wrong_share_min": lo}
    if acc >= 1.0:
        return [
            Claim(
                "right-answers-carry-loss",
                "follows",
                x0,
                x1,
                f"{where} every sample is classified right, so all of the loss comes from right answers "
                f"held with less than full confidence (geometric-mean probability {prob(loss)} on the true "
                "class, if the loss is a mean cross-entropy)",
                value=1.0,
                evidence=ev,
            )
        ]
    wrong = 1.0 - acc
    if acc <= 0.0:
        return [
            Claim(
                "mistakes-carry-loss",
                "follows",
                x0,
                x1,
                f"{where} every sample is misclassified, so all of the loss comes from mistakes",
                value=1.0,
                evidence=ev,
            )
        ]
    if lo > 0.5:
        if k is not None:  # (K known: a single-label run, its right answers capped at ln K)
            return [
                Claim(
                    "mistakes-carry-loss",
                    "follows",
                    x0,
                    x1,
                    f"{where} {_forced_share(loss, acc, k, lo)}",
                    value=lo,
                    evidence=ev,
                )
            ]
        # the ln 2 floor holds for one decision per sample; a multi-label loss averaged over L labels
        # and scored by subset accuracy lets a wrong sample cost ln 2 / L (tester 22: 0.236 nats)
        return [
            Claim(
                "mistakes-carry-loss",
                "likely",
                x0,
                x1,
                f"{where} {_forced_share(loss, acc, k, lo)}, if each sample is one decision (single-label): "
                "the usual case, and nothing in the run's metric names or configuration says otherwise",
                value=lo,
                evidence=ev,
                others=SINGLE_LABEL_OTHERS,
            )
        ]
    m_lo, m_hi = mistake_cost_bounds(loss, acc, k)
    right_hi = (loss - wrong * LN2) / acc  # each right answer's cost if mistakes cost only ln 2
    # a right answer's class is the most probable of K, so it costs at most ln K nats
    lead = "If the loss is a mean cross-entropy, mistakes carry"
    if k is not None and right_hi > math.log(k):
        right = (
            f"; right answers cost at most ln {k} = {fmt(math.log(k))} nats each (their class is the most "
            f"probable of {k}), so they carry at most {acc * math.log(k) / loss:.0%} of it"
        )
    elif k is None and right_hi > RIGHT_PLAUSIBLE:
        right = (
            f"; right answers could carry the rest only at {fmt(right_hi, 3)} nats each, which a right "
            f"answer (its class the most probable) can cost only with {_classes_needed(right_hi)}: mistakes "
            "carry nearly all of it"
        )
    else:
        lead = "The numbers allow both: if the loss is a mean cross-entropy, mistakes carry"
        right = (
            f"; right answers could carry the rest (up to {fmt(right_hi, 3)} nats each, probability "
            f"{prob(right_hi)} on the true class, if mistakes cost only ln 2)"
        )
        if k is None and right_hi > LN2:
            # a right answer's class is the most probable, so it costs at most ln K: this reading
            # needs at least that many classes, which the user may know to be false
            right += f", which needs K >= {math.ceil(math.exp(right_hi))} classes"
    others = (
        f"{lead} at least {least_share(lo)} of it"
        + (
            f" (up to {fmt(m_hi, 3)} nats each, probability {prob(m_hi)} on the true class, if right "
            "answers cost nothing)"
            if math.isfinite(m_hi)
            else ""
        )
        + right
        + ". Per-sample losses decide (log them with lossacc_tui.probe)"
    )
    weighted = (
        ". A class-weighted loss (class weights, pos_weight) or focal loss is not a mean cross-entropy: "
        "one up-weighted mistake can then carry most of the loss on its own"
    )
    # (the favoured and leaned-to readings of right answers rest on the loss being a mean
    # cross-entropy: `ce_premise` keeps them `likely` only where its name says it is one)
    plain = f"if {lname} is {PLAIN_CE}"
    ev.update(mistake_nats_min=m_lo, mistake_nats_max=m_hi)
    if favour == "mistakes" and since is not None:
        floor = mistake_share_if_right_no_costlier(since[0], since[1], loss, acc, k)
        ev["wrong_share_min_if_favoured"] = floor
        if floor > 0.5:
            why += (
                f"; if the right answers cost no more than at {unit} {fmt_x(x0)}, mistakes carry at least "
                f"{least_share(floor)} of it"
            )
        else:  # (the reason gives too little: a small rise on a loss the right answers may carry)
            favour = ""
    if favour == "mistakes":
        return [
            Claim(
                "mistakes-carry-loss",
                "likely",
                x0,
                x1,
                f"{where} mistakes carry most of the loss: {why}",
                evidence=ev,
                others=others,
            )
        ]
    if favour == "right":
        return [
            Claim(
                "right-answers-carry-loss",
                "likely",
                x0,
                x1,
                f"{where} {RIGHT_FAVOURED}, {plain}: {why}",
                evidence=ev,
                others=others + weighted,
            )
        ]
    # one reading, the other named with it: two 'possible' claims of which one must be false would
    # say less than this one does
    if lean == "right":
        return [
            Claim(
                "right-answers-carry-loss",
                "possible",
                x0,
                x1,
                f"{where} right answers held with little confidence may carry most of the loss"
                + (f", the reading the numbers lean to {plain}: {why}" if why else ""),
                evidence=ev,
                others=others + weighted,
            )
        ]
    return [
        Claim(
            "mistakes-carry-loss",
            "possible",
            x0,
            x1,
            f"{where} the {pct(wrong)} of samples that are wrong may carry most of the loss, at over "
            f"{fmt(loss / (2 * wrong), 3)} nats each on average (probability {prob(loss / (2 * wrong))} or "
            "less on the true class, if the loss is a mean cross-entropy)",
            evidence=ev,
            others=others,
        ),
    ]
