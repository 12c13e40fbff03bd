"""The `at-majority-rate` and `one-class-predictor` claims of acc-stuck's base-rate reading: what the
frozen accuracy and the loss's place against a constant guess's cost (base_rate.py) say, and the
other readings they leave."""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.analysis.claims import Claim
from lossacc_tui.analysis.detectors.base_rate import DECIDE, binary_entropy, prior_cost, prior_words
from lossacc_tui.analysis.quantities import arrow, fmt, fmt_x, pct


def base_rate_claims(
    subject: str,
    loss_name: str,
    unit: str,
    x0: float,
    x1: float,
    first_loss: float,
    acc: float,
    loss_now: float,
    lvl_now: float,
    k: int | None,
    mark: int,
    now: bool = True,
    held: int = 8,
    still: bool = False,
) -> list[Claim]:
    """`at-majority-rate` and `one-class-predictor` for an accuracy `acc` frozen since x0 while the
    loss moved from `first_loss` to `loss_now` (level `lvl_now`, nats) into the base-rate band.
    `mark` (stuck.py): 1 passing through (`possible`), 2 settled there, 3 settled at or above it,
    still moving, with the training loss no lower (a collapsed network), 4 the loss and the
    training loss holding within 0.2 % at or above it (a dead network); `likely` from 2;
    5 the accuracy held exactly at a majority share for stuck_window + 2 evaluations or more through
    a stretch where the loss was at or above H(acc) (stuck.LONG_EXTRA), `likely`; 6 so held with
    the loss at or above H(acc) at every evaluation of it, the training accuracy frozen and the
    training loss moving (`stuck_windows._long_still`), `likely`. `now`: x1 is
    the alert's latest point (the text says "since x0"; else "from x0 to x1", a span of its own).
    `held`: how many evaluations up to x1 marks 5 and 6 read (stuck_window + LONG_EXTRA).
    `still`: every logged loss and accuracy, training and validation, repeated over the stretch
    (`no_update.still_since`): no step changes the model, and a frozen model that tells classes
    apart holds any accuracy, so both claims are `possible` only, whatever `mark` says (tester 25's
    t_frozen_11ep: 0.765 held at Adam lr 0 with classes 0.807/0.193, 95.8 % predicted as one)."""
    h, _ = prior_cost(acc, k)
    # the least a constant guess scoring `acc` can cost, and what the label shares cost, which the
    # majority share fixes only with K = 2 (`prior_words`)
    least = (
        f"{fmt(h)} nats, the least a constant guess scoring {fmt(acc, 4)} can cost (the entropy of labels "
        "whose most frequent class has that share, with the other classes pooled as one; more classes "
        "only raise it"
    )
    cost = prior_words(acc, k)
    settled = mark >= 2
    strength = "likely" if settled and not still else "possible"
    if still:
        why = (
            f"and the loss {fmt(loss_now)} is at or above {least}). But every logged loss and accuracy, "
            "training and validation, repeats its value over this stretch: no training step changes the "
            "model (a learning rate of 0, a schedule that has ended, frozen parameters, an optimizer that "
            "never steps, or a network saturated so far that no gradient reaches its weights), and a model "
            "that does not change holds whatever accuracy it has. A model predicting one class (a "
            "saturated one often does) scores exactly that class's share; a frozen one that predicts a mix "
            "scores something else, and the log cannot tell which"
        )
        others = (
            "Other readings: the frozen model predicts a mix of classes and its accuracy is no class's "
            "share (a network with only an output bias still moving, which a held accuracy at this loss "
            "otherwise favours, would move the training loss); " + DECIDE
        )
    elif mark == 4:
        why = (
            f"and the loss {fmt(loss_now)} is at or above {least}), while the loss and the training loss "
            "hold within 0.2 % from one evaluation "
            "to the next: no training step changes the model beyond its last printed digits. A network "
            "whose units are all off (only an output bias still moving), or whose outputs sit "
            "saturated at the loss's clip, predicts one class and logs this"
        )
        others = (
            "Another reading: a model that tells classes apart and whose learning rate is zero (a "
            "schedule that has ended, frozen parameters); " + DECIDE
        )
    elif mark == 3:
        why = (
            f"and the loss level {fmt(lvl_now)} has stopped falling at or above {least}, or a guess off "
            "the shares), with the training loss no lower: the loss still moves, so the weights change, "
            "yet the count of mistakes does not change. A network that has collapsed to the most "
            "frequent class (often a learning rate far too high) logs this"
        )
        others = (
            "Another reading: a model that tells classes apart no better than a constant guess and "
            "whose every prediction stays on one side of its boundary; " + DECIDE
        )
    elif mark == 5:
        several = "both classes" if k == 2 else "several classes"
        why = (
            f"the count of right answers held to the sample, and at an evaluation of that stretch the loss "
            f"was at or above {fmt(h)} nats, the least of what predicting the class shares for every sample "
            f"costs, {cost}: a loss that high is no lower than a constant guess of the class shares can "
            "cost, so nothing in it says the outputs then told the classes apart, and the loss has moved "
            "since while the count of right answers stayed the same. A model that predicts the most "
            "frequent class for every sample "
            "scores exactly that class's share at every evaluation, whatever its confidences (its loss may "
            "fall well below that cost as it ranks the samples on one side of the threshold); a model "
            f"predicting {several} would have to keep its count of right answers to the sample while its "
            "outputs moved this much"
        )
        others = (
            f"Another reading: a model that predicts {several} and whose decision boundary stays put "
            "while its confidences move; " + DECIDE
        )
    elif mark == 6:
        several = "both classes" if k == 2 else "several classes"
        why = (
            f"the count of right answers held to the sample with the loss at or above {fmt(h)} nats at "
            f"each of the {held} evaluations up to {unit} {fmt_x(x1)}, the least of what predicting the "
            "class shares for every "
            f"sample costs, {cost}, while the training accuracy did not change either and the training "
            "loss still moved: training goes on, yet neither split's count of right answers changes, "
            "and nothing in the loss says the outputs tell the classes apart. A model that predicts "
            "the most frequent class for every sample scores exactly that class's share at every "
            "evaluation (its loss can still fall as its confidence in that class is calibrated)"
        )
        others = (
            f"Another reading: a model that predicts {several} and whose decision boundary stays put on "
            "both splits while its weights change; " + DECIDE
        )
    elif settled:
        why = (
            f"and the loss level {fmt(lvl_now)} has settled {_near(lvl_now, acc, k)} what predicting "
            f"the class shares for every sample costs, {cost}: the model has learned the base rate"
        )
        others = (
            "Another reading: a model that tells classes apart, with confidences that happen "
            "to cost about as much, and the count of mistakes not changing; " + DECIDE
        )
    else:
        why = (
            f"and the loss level {fmt(lvl_now)} is {_near(lvl_now, acc, k)} what predicting the class "
            f"shares for every sample costs, {cost}"
        )
        others = (
            "Not favoured yet: a model whose decision boundary stays put while its confidence "
            "grows also holds accuracy frozen and passes through that cost while its loss "
            "falls, and a model whose weights no longer change (a flat training loss) holds any "
            "accuracy frozen; a loss that settles at that cost while the training loss still "
            "moves favours the base rate, and " + DECIDE
        )
    return [
        Claim(
            "at-majority-rate",
            strength,
            x0,
            x1,
            f"{subject} {fmt(acc, 4)} is the share of the most frequent class: "
            + (
                f"it has not changed since {unit} {fmt_x(x0)}"
                if now
                else f"it held from {unit} {fmt_x(x0)} to {fmt_x(x1)}"
            )
            + f" while {loss_name} moved "
            f"{arrow(first_loss, loss_now)}, " + why,
            value=acc,
            evidence={"loss_level": lvl_now, "base_rate_entropy": h},
            others=others,
        ),
        Claim(
            "one-class-predictor",
            strength,
            x0,
            x1,
            "the model predicts the most frequent class for (nearly) every sample",
            others=(
                "Another reading: a model that predicts both classes and whose decision "
                "boundary no longer moves logs the same frozen accuracy and a falling loss. "
                "The predicted-class counts decide (lossacc_tui.probe logs them), or "
                "--majority RATE when the share of the most frequent class is known"
            )
            if strength == "possible" and not still
            else "Another reading: a model whose weights do not change (every logged value repeats) "
            "predicts whatever mix of classes it started with. The predicted-class counts decide "
            "(lossacc_tui.probe logs them), or --majority RATE when the share of the most frequent "
            "class is known"
            if still
            else "The predicted-class counts decide (lossacc_tui.probe logs them)",
        ),
    ]


def constant_guess_claim(
    loss_name: str,
    x0: float,
    x1: float,
    first_loss: float,
    loss_now: float,
    at_open: float,
    acc: float,
    others: str,
) -> Claim:
    """`one-class-predictor` (possible) for a frozen accuracy whose loss, when the alert opened, was
    at or above what a constant guess scoring `acc` costs (H(acc) nats)."""
    h = float(binary_entropy(np.array([acc]))[0])
    return Claim(
        "one-class-predictor",
        "possible",
        x0,
        x1,
        f"the model predicts one class for (nearly) every sample: {loss_name} moved "
        f"{arrow(first_loss, loss_now)} with the count of mistakes unchanged, and its level "
        f"{fmt(at_open)} when this opened was "
        + ("no lower than" if at_open >= h else "about")
        + f" the {fmt(h)} nats a constant guess scoring {fmt(acc, 4)} would cost",
        others=others,
    )


def _near(lvl: float, acc: float, k: int | None) -> str:
    """Where the loss level `lvl` (nats) sits against what a constant guess of labels whose most
    frequent class has share `acc` costs (`prior_cost`), in words that hold for that cost's range:
    "about" only with K = 2, where the share fixes the cost (tester 18: "0.5226 is about what
    predicting the class shares costs" on a 10-class split whose shares cost 0.779).

    >>> _near(0.5226, 0.8182, None), _near(0.5226, 0.8182, 10), _near(0.45, 0.8182, None)
    ('at or above the least of', 'within the range of', '5.1% below the least of')
    """
    lo, hi = prior_cost(acc, k)
    if k == 2:
        return "at about"
    if lvl < lo:
        return f"{pct(1 - lvl / lo)} below the least of"
    if lvl <= hi and math.isfinite(hi):
        return "within the range of"
    return "at or above the least of"
