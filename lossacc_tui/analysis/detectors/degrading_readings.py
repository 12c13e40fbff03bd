"""The readings of a `val-degrading` span: what a validation split getting worse on both metrics
while the training loss stays flat can mean, and which the logged numbers favour.

A flat training loss is not a model that stands still. Two readings are told apart here:

- the model hardly changed (claim `model-hardly-changed`, `possible`): then what got worse is what
  it is evaluated on, a validation split that drifts or was swapped, or an evaluation pipeline
  that changed (`split-unlike-training`, `possible`). Per-sample predictions decide: a probe that
  counts more than 1 % of the samples changing class between evaluations refutes it;
- the training objective has a floor the validation loss does not (claim `floored-objective`):
  mixup or cutmix targets, label smoothing, augmentation or dropout active in training only. Its
  level then stays flat while the model keeps fitting, and the validation rise is overfitting under
  it. The mark in the numbers is the one `overfitting` reads (`evidence.training_floored`): a
  training loss above the validation loss of the same model. With a training accuracy below the
  validation accuracy too (a model scores its own fitted samples no worse than held-out ones,
  unless their targets are mixed or noised), the reading is `likely` and named first; with the
  loss alone, `possible`.

Tester h19t: a 10-class mixup run (alpha 0.4), train_loss 0.71 > val_loss 0.59 and train_acc 0.52 <
val_acc 0.80, with 104-136 of 2,000 validation predictions changing class at every evaluation, had
been told "the model is hardly changing" as fact, with data drift favoured.
"""

from __future__ import annotations

import math

from lossacc_tui.analysis.claims import Claim
from lossacc_tui.analysis.evidence import training_floored
from lossacc_tui.analysis.quantities import arrow, fmt, fmt_x

#: what decides between the readings (said by each claim)
DECIDE = (
    "per-sample predictions at two evaluations decide (lossacc_tui.probe: more than 1 % of the samples "
    "changing class means the model is changing), and so does the checkpoint of the span's start "
    "evaluated on today's validation data (if it scores as it did then, the data did not change)"
)


def floored(e: dict[str, float]) -> str:
    """'likely' when the training loss is above the validation loss and the training accuracy below
    the validation accuracy at the span's end (evidence keys `train_loss_now`, `now_val_loss`,
    `train_acc_now`, `acc_now`); 'possible' with the loss alone; '' when the training loss is not
    above the validation loss (or either is NaN)."""
    if not training_floored(e["train_loss_now"], e["now_val_loss"]):
        return ""
    ta, va = e.get("train_acc_now", math.nan), e.get("acc_now", math.nan)
    return "likely" if math.isfinite(ta) and math.isfinite(va) and ta < va else "possible"


def _acc_words(e: dict[str, float]) -> str:
    ta, va = e.get("train_acc_now", math.nan), e.get("acc_now", math.nan)
    if math.isfinite(ta) and math.isfinite(va) and ta < va:
        return f" and the training accuracy {fmt(ta, 4)} below the validation accuracy {fmt(va, 4)}"
    return ""


def readings(e: dict[str, float], unit: str) -> list[Claim]:
    """The claims of a val-degrading span (evidence `e` as `ValDegrading.evidence` gives it; `unit`
    names the x): the floored objective when the numbers show it, the model hardly changing, and
    the validation data moved."""
    x0, x1 = e["best_x"], e["now_x"]
    t0, t1 = e["train_loss_at_best"], e["train_loss_now"]
    strength = floored(e)
    out: list[Claim] = []
    if strength:
        out.append(
            Claim(
                "floored-objective",
                strength,  # type: ignore[arg-type]
                x0,
                x1,
                f"at {unit} {fmt_x(x1)} the training loss {fmt(t1)} stays above the validation loss "
                f"{fmt(e['now_val_loss'])}{_acc_words(e)}: the training split is scored against targets or "
                "with noise the validation split is not (mixup or cutmix targets, label smoothing, "
                "augmentation or dropout active in training only), so its flat level does not show a model "
                "standing still, and the validation rise is the model overfitting under that floor",
                evidence={"train_loss_now": t1, "val_loss_now": e["now_val_loss"]},
                others=(
                    "A model scores the samples it was fitted to no worse than held-out ones under one "
                    "objective, which is why the numbers favour this"
                    if strength == "likely"
                    else "The training accuracy would tell more: below the validation accuracy, it favours "
                    "this reading"
                )
                + "; the other reading is a validation split or pipeline that changed while the model hardly "
                "did; " + DECIDE,
            )
        )
    out.append(
        Claim(
            "model-hardly-changed",
            "possible",
            x0,
            x1,
            f"the model hardly changed from {unit} {fmt_x(x0)} to {fmt_x(x1)}: its training loss stayed flat "
            f"({arrow(t0, t1)})",
            evidence={"train_loss_at_best": t0, "train_loss_now": t1},
            others=(
                "A flat training loss does not show it: under a floored objective (mixup, cutmix, label "
                "smoothing), weight decay or a schedule restart a model changes while its training loss "
                "stays level; per-sample predictions decide (a probe: more than 1 % of the samples "
                "changing class between evaluations refutes it)"
            ),
        )
    )
    out.append(
        Claim(
            "split-unlike-training",
            "possible",
            x0,
            x1,
            f"the validation data has moved away from what the model was trained on: both validation metrics "
            f"got worse from {unit} {fmt_x(x0)} to {fmt_x(x1)}, which a model that hardly changed would show "
            "if its validation data drifted or was swapped",
            evidence={"train_loss_at_best": t0, "train_loss_now": t1},
            others=(
                "Other readings: a change in the evaluation pipeline (preprocessing, augmentation or "
                "train-mode layers at evaluation, a bug), or a model that changes in ways its training loss "
                "does not show (a floored objective, weight decay, a schedule restart). Re-evaluating an "
                "earlier checkpoint on today's validation data decides: if it is worse too, the data or the "
                "pipeline changed"
            ),
        )
    )
    return out


def why(e: dict[str, float]) -> str:
    """The "Why" paragraph's text (no heading): the floored reading first when the numbers show it."""
    head = (
        "Overfitting is told by a training loss that keeps falling while validation gets worse; here the "
        "training loss is flat. "
    )
    if floored(e):
        return head + (
            f"But it stays above the validation loss ({fmt(e['train_loss_now'])} > "
            f"{fmt(e['now_val_loss'])}){_acc_words(e)}: the training objective has a floor the validation "
            "loss does not (mixup or cutmix targets, label smoothing, augmentation or dropout active in "
            "training only), so its flat level says little of whether the model changes, and a model can "
            "overfit under it. The other reading: the model hardly changed and what it is evaluated on did "
            "(data that drifts or was swapped, an evaluation pipeline that changed)."
        )
    return head + (
        "If the model is hardly changing, a validation split that gets worse on both metrics at once "
        "points at what it is evaluated on: data that drifts or was swapped, or an evaluation pipeline that "
        "changed. "
        "A flat training loss alone does not show that the model stands still (weight decay, a schedule "
        "restart, a training objective with a floor): per-sample predictions decide (see How sure)."
    )
