"""What a one-class reading of an accuracy needs of the labels, and when the logged numbers rule it out.

A model that predicts one class c for a share f >= 0.9 of the samples (the `one-class-predictor`
claim) gets right at most the samples of c it predicts as c and the 1 - f it predicts otherwise:

    accuracy <= p_c + (1 - f) <= p_c + 0.1        (p_c: c's share of the samples scored)

so a one-class reading of accuracy a needs a class holding at least a - 0.1 of the samples (exactly a
when every sample is predicted as c: the accuracy *is* c's share). That is all the arithmetic says.
Nothing in an accuracy and a loss bounds the largest class share from above: any accuracy in [0, 1)
is some class's share of some split, at any K, and such a model pays for its mistakes no more than
any model does (each at least ln 2, the floor (1 - a) ln 2 of every cross-entropy) and for its right
answers anything from 0 up (its confidence may still follow its inputs: tester 15's `imbalance` ran
23 % below the entropy of its labels while predicting the majority class for every sample). A
training accuracy that moves does not refute it either: an epoch's mean is scored by the model as it
changes within the epoch, whose bias may tip a few training samples now and then while every
validation prediction at the epoch's end is one class (numpy runs at a 70/30 split: training
accuracy 0.678-0.689, validation predictions 99.9-100 % one class).

So the reading is ruled out only by what bounds the shares:
- the share of the most frequent class given with `--majority RATE`: accuracy above RATE + 0.1
  (`ruled_out`);
- a training accuracy with every training sample right (`train_side.fit_in_window`, acc-stuck), which
  a one-class model scores only on a split of one class;

and otherwise stays `possible`, its text naming the share it needs, which the user's knowledge of
the split decides (`what_decides`): 0.998 needs a class holding 89 % or more of the samples (tester
16's smoothed 10-class run, whose top class was 11 % of the predictions); 0.665 needs 56 % or more
(a 48/52 split rules it out: `nc-own-overfit-run/min/stuck2.log`).
"""

from __future__ import annotations

import math
from dataclasses import replace

from lossacc_tui.analysis.claims import Claim
from lossacc_tui.analysis.quantities import fmt, least_share, pct

#: the share of the samples a one-class predictor (the claim: 90 % or more in one class) may
#: predict as other classes
OTHER_MAX = 0.1


def needed_share(acc: float) -> float:
    """The least share of the samples (a fraction) a class must hold for a model predicting one class
    for 90 % or more of them to score `acc` (a fraction): acc - OTHER_MAX, and 0 below that."""
    return max(0.0, acc - OTHER_MAX) if math.isfinite(acc) else math.nan


def ruled_out(acc: float, majority_rate: float | None) -> bool:
    """Whether the share of the most frequent class `majority_rate` (a fraction, `--majority`; None:
    not given) rules out a one-class reading of the accuracy `acc`: no class holds the share it
    needs."""
    if majority_rate is None or not math.isfinite(acc):
        return False
    return needed_share(acc) > majority_rate + 1e-9


def what_decides(acc: float, subject: str, counts: bool = True, majority_rate: float | None = None) -> str:
    """The sentence naming the class share a one-class reading of `acc` (a fraction, the accuracy
    named `subject`) needs and what decides it (`counts`: naming the predicted-class counts too;
    `majority_rate`: the share given with --majority, which then allows the reading, as `ruled_out`
    found)."""
    decide = ", and the predicted-class counts decide (lossacc_tui.probe logs them)" if counts else ""
    if not needed_share(acc) >= 0.001:
        # (at or below 10 %: the 10 % predicted otherwise alone can score it, so no class share is
        # needed and none rules the reading out; "at least 0%" would be a bound that bounds nothing,
        # and so would "1.5e-07%" for 0.1 stored as a float32, 0.10000000149: tester 20)
        return (
            f"A model predicting one class for 90 % or more of the samples gets at most that class's share "
            f"of them right plus the 10 % it predicts otherwise; {subject} {pct(acc)} is within what the "
            f"10 % alone can score, so no class share rules this reading out (a model predicting that class "
            f"for every sample scores exactly its share: {pct(acc)})" + decide
        )
    return (
        f"A model predicting one class for 90 % or more of the samples gets at most that class's share "
        f"of them right plus the 10 % it predicts otherwise, so this reading needs a class holding at least "
        f"{least_share(needed_share(acc))} of the samples {subject} is measured on ({pct(acc)} if every "
        f"sample is predicted as that class): a largest class share below that rules it out "
        + (
            f"(the {pct(majority_rate)} you gave with --majority does not)"
            if majority_rate is not None
            else "(--majority RATE gives it)"
        )
        + decide
    )


def ruled_out_text(acc: float, majority_rate: float, subject: str) -> str:
    """Why the share given with --majority rules out a one-class reading of `acc` (for the texts that
    say which readings are off)."""
    return (
        f"{subject} {fmt(acc, 4)} is more than 10 points above the majority-class rate "
        f"{fmt(majority_rate, 4)} you gave: a model predicting one class for 90 % or more of the samples "
        "scores at most that class's share plus 10 points, so it does not predict one class"
    )


def settle(claims: list[Claim], acc: float, subject: str, majority_rate: float | None) -> list[Claim]:
    """`claims` with every `one-class-predictor` claim about the accuracy `acc` (named `subject`)
    dropped when the share given with --majority rules it out (`ruled_out`), and a `possible` one
    followed by the share it needs and what decides (`what_decides`)."""
    out: list[Claim] = []
    for c in claims:
        if c.id == "one-class-predictor":
            if ruled_out(acc, majority_rate):
                continue
            if c.strength == "possible":
                why = what_decides(acc, subject, "predicted-class counts" not in c.others, majority_rate)
                c = replace(c, others=f"{c.others.rstrip('. ')}. {why}".lstrip(". "))
        out.append(c)
    return out
