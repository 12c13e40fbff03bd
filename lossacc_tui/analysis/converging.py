"""Which reading of a loss far above its floor a run that is still converging favours: unsure
right answers, not confident mistakes.

A mean cross-entropy `loss` (nats) at accuracy `a` (a fraction) splits into what the mistakes
(share 1 - a of the samples) and the right answers (share a) cost. For the mistakes to carry more
than half of it they must cost loss / (2 (1 - a)) nats each on average; for the right answers,
loss / (2 a) each. When the first is large (each mistake would have to put little probability on
its true class) while the run shows no sign of confidence anywhere -- its validation loss is the
lowest it has been (still falling: the model is still sharpening from the unsure start every
softmax classifier begins at), or within NEAR_LOW of it (a model growing sure of wrong answers
turns its loss up), and its training loss is not far below it (a model sure of its training
samples shows there first) -- the numbers favour the right answers. A right answer
costs at most ln K (its class is the most probable), so the reading also needs the right
answers' half to be a cost a right answer can have with few classes.

Measured on the truth corpus and tester 17's runs (benchmarks/truth; 2,776 evaluations at
accuracy 0.5-1): at every evaluation meeting these conditions with loss / (1 - a) >= 5 nats the
right answers carried most of the loss (502 of 502: 111 tune, 137 held-out, 254 tester 17); from
4 to 5 nats, 84 % (195 of 232); without the trend conditions mistakes carried it at 75-90 % of
evaluations at the same ratios.
The `likely` holds only for a plain mean cross-entropy: a term added to both losses (an L2 penalty
in the loss) keeps the training loss over half of the validation loss however sure the model is, so
`ce_premise.hedge_premise` keeps it only where the loss's name says it is a cross-entropy.
The failures these conditions keep out: a learning rate far too high (a loss of 5-6 nats at 80 %
accuracy falling to a new low, mistakes at probability 1e-6: right answers would need over ln 6
nats each) and early overfitting (a new low with the training loss at a third of it).

>>> r = converging_reading(1.3394, 0.7519, 1.8278, 1.5801, None, ("val_loss", "val_acc", "epoch"))
>>> r.favour, r.lean
('right', 'right')
>>> converging_reading(1.3394, 0.7519, 1.8278, 0.3, None, ("val_loss", "val_acc", "epoch")).lean
''
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lossacc_tui.analysis.evidence import prob
from lossacc_tui.analysis.quantities import fmt

#: loss / (1 - a) (nats; a mistake's mean cost if right answers cost nothing) from which a
#: still-converging run favours unsure right answers (`likely`): mistakes would each have to cost
#: over 2.5 nats (probability below 0.082 on the true class) to carry half of the loss
FAVOUR_PER_MISTAKE = 5.0
#: a loss at most this far (relative) above its lowest earlier value has not risen from it
NEAR_LOW = 0.02
#: ... and from which it names them first (`possible`): over 2 nats each (probability below 0.135)
LEAN_PER_MISTAKE = 4.0
#: a training loss below this share of the validation loss is a model sure of the samples it
#: trains on: no reading is favoured (early overfitting ends its mistakes confident)
TRAIN_SHARE = 0.5
#: the most a right answer may cost on average (nats) for the reading: ln 6, probability 1/6 on its
#: own, most probable, class (with K known, ln K if lower: a right answer never costs more)
RIGHT_UNSURE_MAX = math.log(6)


#: a training loss at least this many times the validation loss is a model less sure of the samples
#: it trains on than of held-out ones (noisy training labels, dropout or augmentation in training):
#: its unsure right answers are named first even once the loss has left its lowest (`hedging`)
TRAIN_ABOVE = 1.2
#: ... as long as the loss is at most this far (relative) above its lowest: the rise_rel of a rise
HEDGE_NEAR_LOW = 0.05


@dataclass(frozen=True)
class Converging:
    """What a still-converging run favours: `favour` 'right' (`likely`) or ''; `lean` 'right'
    (named first among `possible` readings) or ''; `why` the sentence saying so ('' when neither)."""

    favour: str = ""
    lean: str = ""
    why: str = ""


def converging_reading(
    loss: float,
    acc: float,
    low_before: float,
    train: float,
    k: int | None,
    names: tuple[str, str, str],
) -> Converging:
    """The reading a loss `loss` at accuracy `acc` favours when the loss's lowest earlier value was
    `low_before` and the training loss at the same point is `train` (nats; NaN when not logged).
    `names` = (loss name, accuracy name, x unit). Empty `Converging()` when the loss is above its
    lowest earlier value by more than NEAR_LOW, the training loss is below TRAIN_SHARE of it, or
    the right answers' half would cost more than RIGHT_UNSURE_MAX (ln K with K known) nats each."""
    if not all(math.isfinite(v) for v in (loss, acc, low_before)) or not 0.0 < acc < 1.0 or loss <= 0:
        return Converging()
    need_right = loss / (2.0 * acc)
    need_wrong = loss / (2.0 * (1.0 - acc))
    if need_right > _right_cap(k):
        return Converging()
    train_known = math.isfinite(train)
    if loss > low_before * (1.0 + NEAR_LOW):
        return hedging(loss, acc, low_before, train, k, names)
    if train_known and train < TRAIN_SHARE * loss:
        return Converging()
    per_mistake = loss / (1.0 - acc)
    if per_mistake < LEAN_PER_MISTAKE:
        return Converging()
    lname = names[0]
    where = (
        f"{lname} {fmt(loss)} is the lowest it has been (below {fmt(low_before)} before), so the run is "
        "still converging and its answers still sharpening"
        if loss < low_before
        else f"{lname} {fmt(loss)} has not risen from its lowest ({fmt(low_before)}; within "
        f"{NEAR_LOW:.0%}), as it would once the model grew sure of answers that are wrong"
    )
    why = (
        where
        + (
            f"; the training loss {fmt(train)} is over half of it, so the model is not much surer of the "
            "samples it trains on"
            if train_known
            else ""
        )
        + f"; for mistakes to carry half of the loss they would cost {fmt(need_wrong, 3)} nats each on "
        f"average (probability {prob(need_wrong)} on the true class), where right answers carry that half "
        f"at {fmt(need_right, 3)} nats each (probability {prob(need_right)} on their class)"
    )
    favour = "right" if per_mistake >= FAVOUR_PER_MISTAKE and train_known else ""
    return Converging(favour=favour, lean="right", why=why)


def _right_cap(k: int | None) -> float:
    """The most a right answer held with little confidence is taken to cost (nats): RIGHT_UNSURE_MAX,
    or ln K with K known if lower (a right answer never costs more)."""
    return RIGHT_UNSURE_MAX if k is None or k < 2 else min(RIGHT_UNSURE_MAX, math.log(k))


def hedging(
    loss: float, acc: float, low_before: float, train: float, k: int | None, names: tuple[str, str, str]
) -> Converging:
    """The lean (`possible`, never `likely`) of a run whose training loss is TRAIN_ABOVE times its
    validation loss or more while the validation loss (nats) is within HEDGE_NEAR_LOW of its lowest
    and a mistake would have to cost LEAN_PER_MISTAKE nats or more (loss / (1 - acc)) for the
    mistakes to carry it all: unsure right answers, named first; else `Converging()` (also when a
    number is not finite, or right answers would cost more than ln 6, ln K with K known). `loss` in
    nats, `acc` a fraction, `low_before` the loss's lowest earlier value, `train` the training loss
    (NaN: not logged), `k` the class count or None. Used by `converging_reading` and, for a rise,
    by `rise_carriers`, so every kind names the same reading at the same evaluation.

    A model that costs more on its own training samples than on held-out ones hedges its answers
    (training labels noisier than the validation labels, or dropout, augmentation or a penalty that
    weighs on training); a model sure enough to make many confident mistakes is sure of its training
    samples first. Measured on the truth corpus (benchmarks/truth, per-sample truth of every
    evaluation at accuracy 0.5-1 with these conditions): mistakes carried most of the loss at 0 of 19
    evaluations; with the training loss merely above the validation loss (ratio 1-1.2) at 32 of 124
    (collapsed runs). Tester 24's label-noise runs (40 % noisy labels, digits, 540 validation samples):
    mistakes carried 37.7 % and 31.5 % at the last evaluation, the Keras L2 run 15.6 % of its loss,
    with training losses 1.39, 1.51 and 1.43 times the validation loss; the noise-free run of the same
    sweep (training loss a fifth of it) had its mistakes carry 67 %."""
    if not all(math.isfinite(v) for v in (loss, acc, low_before)) or not 0.0 < acc < 1.0 or loss <= 0:
        return Converging()
    need_right, need_wrong = loss / (2.0 * acc), loss / (2.0 * (1.0 - acc))
    near = loss <= low_before * (1.0 + HEDGE_NEAR_LOW)
    if need_right > _right_cap(k) or not (math.isfinite(train) and train >= TRAIN_ABOVE * loss and near):
        return Converging()
    if loss / (1.0 - acc) < LEAN_PER_MISTAKE:
        return Converging()
    lname = names[0]
    why = (
        f"the training loss {fmt(train)} is {train / loss:.2g} times {lname} {fmt(loss)}, so the model is "
        "less sure of the samples it trains on than of held-out ones (noisy training labels, or dropout, "
        "augmentation or a penalty in training); on the truth corpus, evaluations like this had their "
        f"mistakes carry most of the loss at 0 of 19; for mistakes to carry half of the loss they would "
        f"cost {fmt(need_wrong, 3)} nats each on average (probability {prob(need_wrong)} on the true "
        f"class), where right answers carry that half at {fmt(need_right, 3)} nats each (probability "
        f"{prob(need_right)} on their class)"
    )
    return Converging(lean="right", why=why)
