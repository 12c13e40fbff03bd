"""Claims: what an alert says about the run, each with how sure it is, before any prose.

An explanation is rendered from its alert's claims, so a sentence cannot say more than its
strength allows or disagree with the numbers beside it. `check --json` carries them.

Strengths (the vocabulary is closed; the README documents it):

- ``follows``: arithmetic from the logged numbers; must be true if the numbers are.
- ``likely``: the numbers favour it (the claim's text says why).
- ``possible``: one of several readings the numbers allow (the text names the others and what
  would decide between them).
- ``confirmed`` / ``refuted``: decided by per-sample statistics logged beside the run (a probe).

>>> c = Claim("fewer-mistakes", "follows", 3.0, 9.0, "accuracy rose 0.80 -> 0.85", value=0.05)
>>> c.to_dict()["strength"], c.to_dict()["value"]
('follows', 0.05)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

Strength = Literal["follows", "likely", "possible", "confirmed", "refuted"]
STRENGTHS: tuple[Strength, ...] = ("follows", "likely", "possible", "confirmed", "refuted")

#: Every claim id, with exactly what it asserts (the README table is checked against this).
CLAIM_IDS: dict[str, str] = {
    "mistakes-carry-loss": "misclassified samples carry most (over half) of the loss at the end of the span",
    "right-answers-carry-loss": "correctly classified but unsure samples carry most (over half) of the loss",
    "confident-mistakes": "at least half the mistakes are made with confidence above 0.9",
    "predictions-crossing": "samples change their predicted class between the evaluations of the span",
    "one-class-predictor": "90 % or more of the samples are predicted as one class",
    "at-majority-rate": "accuracy equals the share of the most frequent class",
    "at-chance": "accuracy is about 1/K and the loss about ln K: the predictions carry no information",
    "worse-than-chance": (
        "the loss is above ln K, what a uniform guess costs: the predictions put less probability on the "
        "true labels (geometric mean) than a uniform guess over the K classes"
    ),
    "overconfident": "mean confidence is above accuracy",
    "underconfident": "mean confidence is below accuracy",
    "not-cross-entropy": (
        "the logged loss cannot be mean cross-entropy of the predictions the accuracy counts"
    ),
    "fewer-mistakes": (
        "fewer samples are misclassified at the end of the span than at its start (follows: beyond twice "
        "the accuracy's own noise; possible: within it, a net count that may not be a trend)"
    ),
    "more-mistakes": (
        "more samples are misclassified at the end of the span than at its start (follows: beyond twice "
        "the accuracy's own noise; possible: within it, a net count that may not be a trend)"
    ),
    "classes": "the number of classes K (value), with where it comes from",
    "diverging": "the optimisation is diverging (training loss rising or not finite)",
    "evaluation-broken": "the evaluation, not the model, produces the bad numbers",
    "split-unlike-training": "the validation data is not distributed like the training data",
    "model-hardly-changed": (
        "the model hardly changed over the span (a probe refutes it when more than 1 % of the samples "
        "change class at its end)"
    ),
    "floored-objective": (
        "the training objective has a floor the validation loss does not (mixup or cutmix targets, label "
        "smoothing, augmentation or dropout in training only): the training loss above the validation loss "
        "(likely with the training accuracy below the validation accuracy), so a flat training loss does not "
        "show a model standing still"
    ),
    "loss-rises-beyond-noise": "the loss rose by more than its own evaluation-to-evaluation noise",
    "labels-unrelated": (
        "the labels of the split are unrelated to the model's answers (accuracy about 1/K while the loss is "
        "far above ln K): shuffled apart from their inputs, misaligned, or another task's"
    ),
    "chance-throughout": (
        "the accuracy of the split was at chance (within its own noise of 1/K) at every evaluation of the "
        "run, while the training loss fell: no checkpoint is better than a uniform guess on it"
    ),
    "label-smoothing": (
        "the training objective has a floor above 0 (label smoothing): right answers are trained toward "
        "less than full confidence (value: the smoothing eps its floor names, when K is known)"
    ),
    "one-experiment": (
        "the runs compared (runs-disagree) are runs of one experiment, a sweep: the same task and data, "
        "differing by a setting"
    ),
    "loss-floor": (
        "the loss cannot fall below a floor above 0 (value, nats: the label-smoothed cross-entropy of a "
        "perfect model), and its rise is judged on its part above that floor"
    ),
}

STRENGTH_WORDS: dict[str, str] = {
    "follows": "follows from the logged numbers",
    "likely": "likely",
    "possible": "possible",
    "confirmed": "confirmed by the per-sample probe",
    "refuted": "refuted by the per-sample probe",
}


def _num(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


@dataclass(frozen=True)
class Claim:
    """One statement about the run.

    start/end: x of the span it is about, in the log's own x (epoch or step). A state claim
    describes the evaluation at `end`; a change claim (fewer/more-mistakes, predictions-crossing)
    the change from `start` to `end`. `text` is the sentence the explanation prints; `others` (for
    `possible` and `likely`) names the competing readings and what would decide.
    """

    id: str
    strength: Strength
    start: float
    end: float
    text: str
    value: float | None = None
    evidence: dict[str, float] = field(default_factory=dict)
    others: str = ""

    def __post_init__(self) -> None:
        if self.id not in CLAIM_IDS:
            raise ValueError(f"unknown claim id {self.id!r}")
        if self.strength not in STRENGTHS:
            raise ValueError(f"unknown claim strength {self.strength!r}")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "strength": self.strength,
            "start": _num(self.start),
            "end": _num(self.end),
        }
        if self.value is not None and math.isfinite(self.value):
            out["value"] = self.value
        out["evidence"] = {k: _num(float(v)) for k, v in self.evidence.items()}
        out["text"] = self.text
        return out

    def sentence(self) -> str:
        """The claim as printed: its text, its strength, and for readings the alternatives."""
        tag = STRENGTH_WORDS[self.strength]
        text = self.text.rstrip(".")
        text = text[:1].upper() + text[1:]
        out = f"{text} ({tag})."
        if self.others:
            out += f" {self.others.rstrip('.')}."
        return out


def render(claims: list[Claim]) -> str:
    """The 'How sure' paragraph: every claim, strongest first."""
    order = {s: i for i, s in enumerate(("follows", "confirmed", "refuted", "likely", "possible"))}
    parts = [c.sentence() for c in sorted(claims, key=lambda c: order[c.strength])]
    return " ".join(parts)
