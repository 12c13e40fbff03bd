"""What the training pair (loss, accuracy) logged beside a validation pair says of the validation
readings of a loss falling at flat accuracy (`acc-flat-loss-down`): whether `underconfident` is a
reading at all, and which of unsure right answers or mistakes the numbers lean to.

Two arguments, both from logged numbers only:

- A confidence floor. A sample's confidence (the top class's probability) is at least its
  probability on the true class, and by Jensen's inequality the mean of those probabilities is at
  least exp(-mean cross-entropy). So the model's mean confidence on the samples it trains on is at
  least exp(-training loss). When that floor is within CAL_TOL of the validation accuracy or above
  it, and the model scores on the validation samples as it does on its training ones (the two
  accuracies within twice the validation one's standard error), it likely holds the validation
  samples about as surely: the numbers argue against underconfidence, which is then not offered
  (the text says why and what decides). This is a reading, not a bound: a model scoring far better
  on the samples it trains on can hold new ones much less surely (tester 19's 80-sample digits run:
  100 % vs 89 %, a floor of 0.94, validation confidence 0.86; tester 17's two 10-class runs alike).
  The training loss a loop logs is its mean over the epoch while the model moved (and with dropout
  on): above the end-of-epoch loss, so the floor it gives is lower still.
- Costs shared by both splits. If a right answer costs r nats and a mistake m nats on average on
  the training samples and on the validation samples alike (the same model, samples of the same
  kind), the two pairs give r and m: L_t = a_t r + (1 - a_t) m and L_v = a_v r + (1 - a_v) m. Where
  the model is not much surer of its training samples (training loss at least half of the
  validation loss; early overfitting makes validation mistakes costlier than training ones) and
  the two accuracies differ by more than their noise, a solution with r >= 0 and m >= ln 2 (a
  mistake's least cost) that leaves at most half of the validation loss on mistakes makes the
  right answers the reading to name first (`possible`, never more: the costs are alike only
  roughly).

Measured on the truth corpus's tune half (benchmarks/truth, 1,236 validation evaluations at accuracy
0.5-1, K not given, per-sample facts beside each): where the floor came within 0.02 of the accuracy
with the accuracies alike, the mean confidence was below accuracy - 0.02 at 1 of 79 evaluations
(elsewhere at 632 of 1,157; 77 of the 79 are of one family, slow-overfit-torch); on the tester runs
kept beside the repository it fired on one more (a 95/5 Keras run, calibrated within a point);
where the shared costs could be read and left at most half of the loss on mistakes, mistakes carried
most of it at 4 of 203 (4 of 49 outside the two label-smoothed families, whose right answers carry
most of a smoothed loss by construction); where they left more, at 21 of 112 (21 of 44 outside
them): no reading either way. The held-out half was read once, after these rules were set.

>>> round(confidence_floor(0.0255), 4)
0.9748
>>> s = shared_costs(0.4817, 0.848, 0.4482, 0.9196, None, 171)
>>> round(s.right, 3), round(s.wrong_share, 3)
(0.411, 0.277)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lossacc_tui.analysis.evidence import prob
from lossacc_tui.analysis.quantities import LN2, fmt, pct

#: a mean confidence within this of the accuracy (fraction) is calibrated for the `underconfident`
#: and `overconfident` readings: they say it is below (above) accuracy by more
CAL_TOL = 0.02
#: the training loss at least this share of the validation loss for the shared-costs reading
#: (`converging.TRAIN_SHARE`: below it the model is sure of the samples it trains on)
TRAIN_SHARE = 0.5
#: the least difference of the two accuracies (fraction) the shared costs are read from, when the
#: validation set's size is unknown (else twice the binomial standard error of the validation one)
MIN_ACC_GAP = 0.02


def confidence_floor(train_loss: float) -> float:
    """The least mean confidence (fraction) a model whose mean cross-entropy on its training samples
    is `train_loss` nats can have on them: exp(-train_loss). NaN when the loss is not finite."""
    if not math.isfinite(train_loss) or train_loss < 0:
        return math.nan
    return math.exp(-train_loss)


def acc_gap_noise(acc: float, n: int | None) -> float:
    """The least difference (fraction) of a training and a validation accuracy read as real: twice
    the binomial standard error of `acc` at `n` validation samples, MIN_ACC_GAP at least (and when
    `n` is unknown)."""
    if not n or not 0.0 < acc < 1.0:
        return MIN_ACC_GAP
    return max(MIN_ACC_GAP, 2.0 * math.sqrt(acc * (1.0 - acc) / n))


def underconfidence_refuted(
    train_loss: float, acc: float, train_acc: float = math.nan, n: int | None = None
) -> bool:
    """Whether the training loss `train_loss` (nats) puts the model's mean confidence on its training
    samples at or above the validation accuracy `acc` (fraction) less CAL_TOL, while the model scores
    on the validation samples as it does on its training ones (the training accuracy `train_acc` at
    most `acc_gap_noise` above `acc`; unknown: False). A model scoring far better on the samples it
    trains on holds the others less surely than those: tester 19's digits run on 80 training
    samples, 100 % vs 89.4 %, had its validation confidence at 0.86 with a floor of 0.94 (tester 17's
    two 10-class runs alike)."""
    floor = confidence_floor(train_loss)
    if not (math.isfinite(floor) and math.isfinite(acc) and math.isfinite(train_acc)):
        return False
    return floor >= acc - CAL_TOL and train_acc - acc <= acc_gap_noise(acc, n)


def refuted_text(train_loss: float, acc: float, train_acc: float, names: tuple[str, str, str]) -> str:
    """The sentences saying why underconfidence is not offered (`underconfidence_refuted`): the
    argument, the evidence it rests on, and what decides."""
    floor = confidence_floor(train_loss)
    return (
        "Underconfidence (mean confidence below accuracy) is not offered: the numbers argue against it. "
        f"The training loss {fmt(train_loss)} puts the model's mean confidence on the samples it trains on "
        f"at exp(-{fmt(train_loss)}) = {fmt(floor, 4)} or more (each sample's confidence is at least its "
        "probability on the true class, whose mean is at least exp(-mean loss)), "
        + (
            f"above the {fmt(acc, 4)} of {names[1]}"
            if floor >= acc
            else f"within {CAL_TOL * 100:.0f} points of the {fmt(acc, 4)} of {names[1]}"
        )
        + f", and it scores {fmt(acc, 4)} on these samples against {fmt(train_acc, 4)} on those, as alike as "
        "the evaluation set's size can tell: samples it treats alike it is likely about as sure of, so its "
        "confidence is likely at its accuracy or above. A model scoring well below its training accuracy "
        "can hold new samples much less surely; per-sample confidences decide (lossacc_tui.probe)."
    )


@dataclass(frozen=True)
class SharedCosts:
    """The mean cost of a right answer (`right`) and of a mistake (`wrong`), nats, that both the
    training and the validation pair give when they are the same on both splits, and the share
    (fraction) of the validation loss the mistakes then carry."""

    right: float
    wrong: float
    wrong_share: float


def shared_costs(
    loss: float, acc: float, train_loss: float, train_acc: float, k: int | None, n: int | None
) -> SharedCosts | None:
    """The shared costs of the validation pair (`loss` nats, `acc` fraction) and the training pair,
    or None when they cannot be read: a value not finite, the training loss below TRAIN_SHARE of the
    validation loss, the accuracies closer than their noise (twice the binomial standard error at
    `n` validation samples, MIN_ACC_GAP when `n` is unknown), or a solution no model can have (a
    right answer costing below 0 or, with K known, above ln K; a mistake below ln 2)."""
    vals = (loss, acc, train_loss, train_acc)
    if not all(math.isfinite(v) for v in vals) or loss <= 0 or not (0 < acc < 1 and 0 < train_acc <= 1):
        return None
    if train_loss < TRAIN_SHARE * loss:
        return None
    da = acc - train_acc
    if abs(da) < acc_gap_noise(acc, n):
        return None
    step = (loss - train_loss) / -da  # wrong - right
    right = train_loss - (1.0 - train_acc) * step
    wrong = right + step
    if right < 0 or wrong < LN2 or (k is not None and k >= 2 and right > math.log(k)):
        return None
    return SharedCosts(right, wrong, (1.0 - acc) * wrong / loss)


def shared_text(s: SharedCosts, loss: float, acc: float, train_loss: float, train_acc: float) -> str:
    """Why the shared costs lean to unsure right answers (the clause a claim's text carries)."""
    return (
        f"if a right answer and a mistake cost on average the same on the validation samples as on the "
        f"training samples, the training pair (loss {fmt(train_loss)} at accuracy {fmt(train_acc, 4)}) and "
        f"this one (loss {fmt(loss)} at {fmt(acc, 4)}) give a right answer {fmt(s.right, 3)} nats "
        f"(probability {prob(s.right)} on its class) and a mistake {fmt(s.wrong, 3)} nats, so the "
        f"{pct(1 - acc)} of samples that are wrong carry about {s.wrong_share:.0%} of the loss; the "
        "training loss is over half of this one, so the model is not much surer of the samples it trains on"
    )
