"""Readings that hold only if the logged loss is a plain mean cross-entropy of the predictions the
accuracy counts, and what they become when nothing says it is one.

Two readings of the explanations rest on cross-entropy arithmetic that another objective breaks:

- unsure right answers carrying the loss (`right-answers-carry-loss`), favoured because the run is
  still converging with its training loss over half of the validation loss and mistakes would need
  many nats each to carry half (`converging.py`), or because the loss is above what a calibrated
  model could cost with K classes (`acc_flat.py`);
- `underconfident` from that same calibrated bound.

A term added to the training and validation loss alike (an L2 penalty or weight decay added to the
loss, an auxiliary loss, a distillation term) keeps the training loss over half of the validation
loss however sure the model is, raises both above any calibrated bound, and carries a part of the
loss that is neither right answers' nor mistakes'; a class-weighted loss (pos_weight, class weights)
puts an up-weighted mistake at several times its cross-entropy. Tester 22's `aux_wd` (the loop logs
cross-entropy + 0.02 sum(w^2)): val_loss 1.0906 at accuracy 0.90 was cross-entropy 0.39 + the
regulariser 0.70, right answers carried 18 % of it at about 0.22 nats each (probability ~0.80), where
the reading said "most of it, 0.606 nats each (probability 0.546)" (`likely`). Tester 21's
`bcepw_imb` (BCE with pos_weight 8.75): one missed positive made mistakes carry 62 %.

Nothing in a (loss, accuracy) pair, nor in the training pair beside it, tells these apart: a shared
term R >= 0 can take any part of both losses. So the readings are `likely` only where the loss's own
name says it is a plain cross-entropy of the predictions (`val_nll`, `eval_ce`, `valid_logloss`:
`plain_named`); elsewhere they are `possible`, conditional on a mean cross-entropy, naming what would
overturn them and what decides (`hedge_premise`). Label smoothing's reading (`smoothing.py`) is not
one of them: it rests on a training loss above the validation loss, which a shared term cannot make.
"""

from __future__ import annotations

import re
from dataclasses import replace

from lossacc_tui.analysis.claims import Claim

#: metric names that say the loss is a plain (mean) cross-entropy of the predictions: negative log
#: likelihood, cross-entropy, log-loss (gradient boosting's evaluation metric), as a word of the name
_PLAIN = re.compile(
    r"(?<![a-z])(?:nll|ce|xent|cross_?entropy|(?:m|binary_|multi_)?log_?loss|multiclass)(?![a-z])", re.I
)
#: the words of the favoured reading of unsure right answers (`loss_carriers.who_carries_loss`)
RIGHT_FAVOURED = "unsure right answers carry most of the loss"
#: ... and of the confident underconfidence reading (`acc_flat.underconfident_claim`)
UNDER_FAVOURED = "the model's mean confidence is below its accuracy"
#: what the readings of right answers say they are conditional on ("if val_loss is ...")
PLAIN_CE = "a plain mean cross-entropy of these predictions"


def plain_named(loss_name: str) -> bool:
    """Whether the loss's metric name says it is a plain cross-entropy of the predictions.

    >>> plain_named("val_nll"), plain_named("eval/ce_loss"), plain_named("validation_0-mlogloss")
    (True, True, True)
    >>> plain_named("val_loss"), plain_named("val_force"), plain_named("val_kd_loss")
    (False, False, False)
    """
    return bool(_PLAIN.search(loss_name.replace("-", "_")))


def overturn(loss_name: str, under: bool = False) -> str:
    """The sentences naming the reading that would overturn one resting on a mean cross-entropy
    (`under`: underconfidence, else right answers carrying the loss) and what decides."""
    what = (
        "lifts the loss above what a calibrated model costs, so that its level and its fall say little of "
        "confidence"
        if under
        else "keeps the training loss over half of this one however sure the model is, and carries a part "
        "of the loss that is neither right answers' nor mistakes'"
    )
    return (
        f"What would overturn it: {loss_name} is not a plain mean cross-entropy, which its numbers cannot "
        "rule out. A term added to the training and the validation loss alike (an L2 penalty or weight "
        f"decay added to the loss, an auxiliary or distillation term) {what}"
        + ("; so do class weights or pos_weight" if under else "")
        + ". The cross-entropy logged on its own (val_nll or val_ce beside the objective) or per-sample "
        + ("confidences" if under else "losses")
        + " (lossacc_tui.probe) decide"
    )


def hedge_premise(loss_name: str, claims: list[Claim]) -> list[Claim]:
    """`claims` with the readings that rest on a plain mean cross-entropy hedged, unless the loss's
    name says it is one (`plain_named`): unsure right answers favoured by the converging or
    calibrated-bound arguments (`likely`, worded "... carry most of the loss, if the loss is a plain
    mean cross-entropy ...") and `underconfident` from the calibrated bound become `possible`, worded
    as such; those and the `possible` ones name what would overturn them (`overturn`)."""
    if plain_named(loss_name):
        return claims
    out: list[Claim] = []
    for c in claims:
        if c.id == "right-answers-carry-loss" and PLAIN_CE in c.text:
            c = replace(
                c,
                strength="possible" if c.strength == "likely" else c.strength,
                text=c.text.replace(RIGHT_FAVOURED, "unsure right answers may carry most of the loss", 1),
                others=_joined(c.others, overturn(loss_name)),
            )
        elif c.id == "underconfident":
            likely = c.strength == "likely"
            c = replace(
                c,
                strength="possible" if likely else c.strength,
                text=c.text.replace(
                    UNDER_FAVOURED, "the model's mean confidence may be below its accuracy", 1
                ),
                others=_joined(c.others, overturn(loss_name, under=True)),
            )
        out.append(c)
    return out


#: the closing sentence of a reading's `others` that `overturn` says again, wider
_DECIDES = re.compile(r"\.?\s*Per-sample (?:losses|confidences) decide \([^)]*\)")


def _joined(first: str, second: str) -> str:
    """`others` sentences `first` then `second`, each ended once; `first`'s "Per-sample losses decide
    (...)" left out where `second` says what decides."""
    if "decide" in second:
        first = _DECIDES.sub("", first)
    parts = [p.strip().rstrip(".") for p in (first, second) if p.strip()]
    return ". ".join(parts)
