"""What a rise alert (`overfitting`, `loss-up-acc-up`) says under a `likely` `label-smoothing` claim
(the reading is `detectors/smoothing.py`): its Why and its advice. Plain text, no imports of the
detectors, so the explanation modules can read it without an import cycle."""

from __future__ import annotations

from lossacc_tui.analysis.claims import Claim

#: the Why and the advice of a rise alert under the `likely` reading (explain_rise.py renders them)
WHY = (
    ": the training loss sits above the validation loss with every training sample right, the mark of a "
    "training target with a floor above 0 (label smoothing). A model trained toward 1 - eps + eps/K on "
    "its answers holds its held-out right answers below full confidence, and plain cross-entropy charges "
    "each of them for it, so the held-out loss can rise while the answers stay right. Only more mistakes "
    "make it overfitting: the accuracy says whether there are (see How sure)."
)
ADVICE = (
    "Select checkpoints on accuracy, or on the loss the training used (the smoothed one), not on plain "
    "validation cross-entropy, which smoothing raises by design; early-stop or regularise only if "
    "mistakes grow"
)


def likely_in(claims: list[Claim]) -> bool:
    """Whether `claims` hold a `likely` `label-smoothing` claim (the reading a text may state)."""
    return any(c.id == "label-smoothing" and c.strength == "likely" for c in claims)
