"""acc-stuck's explanation: what happened (a value held, or an accuracy near the majority-class
rate given with --majority), why an accuracy holds while training goes on, and what to check; its
claims are the detector's (detectors/stuck_text.py)."""

from __future__ import annotations

import math

from lossacc_tui.analysis.alerts import Alert
from lossacc_tui.analysis.explain_parts import Names
from lossacc_tui.analysis.quantities import arrow, count, fmt, fmt_x

Parts = list[tuple[str, str]]


def stuck_parts(a: Alert, n: Names) -> Parts:
    """The (heading, paragraph) parts of an acc-stuck alert's explanation."""
    e = a.evidence
    maj = e.get("majority_rate")
    stuck = e.get("acc_stuck", e["acc_now"])
    if "acc_lo" in e:  # (near the majority rate given, not held at one value)
        what = (
            f"{n.acc} stayed between {fmt(e['acc_lo'], 4)} and {fmt(e['acc_hi'], 4)} from {n.unit} "
            f"{fmt_x(e['first_x'])} to {fmt_x(e['now_x'])}, and is {fmt(e['acc_now'], 4)} now"
        )
    elif e.get("stuck_last_x", e.get("now_x")) == e.get("now_x"):
        what = (
            f"{n.acc} has been {fmt(stuck, 4)} for {count(int(e['evaluations']), 'evaluation')} "
            f"(since {n.unit} "
            f"{fmt_x(e['first_x'])})"
        )
    else:
        what = (
            f"{n.acc} was {fmt(stuck, 4)} from {n.unit} {fmt_x(e['first_x'])} to {fmt_x(e['stuck_last_x'])}, "
            f"and is {fmt(e['acc_now'], 4)} now"
        )
    if maj is not None:
        what += f"; the majority-class rate you gave is {fmt(maj, 4)}"
    if n.classes.k is not None:
        what += f"; chance is 1/{n.classes.k} = {fmt(1 / n.classes.k, 3)}"
    loss_txt = ""
    lf, ln = e.get("loss_at_first", math.nan), e.get("loss_now", math.nan)
    if math.isfinite(lf) and math.isfinite(ln):
        loss_txt = f" {n.loss} went {arrow(lf, ln)} over the same span."
    elif "loss_now" in e:
        loss_txt = f" {n.loss} is not finite over this span."
    base = ("at-majority-rate", "one-class-predictor")
    if e.get("loss_falling") and not any(c.id in base for c in a.claims):
        loss_txt += (
            f" {n.loss} still falls beyond its noise, through what a constant guess scoring "
            f"{fmt(stuck, 4)} costs: a model whose decision boundary stays put while it grows surer does "
            "that as well as one predicting a single class, and any run falling from its start passes "
            "there, so neither reading is stated; the predicted-class counts decide"
            + ("." if maj is not None else ", or --majority RATE.")
        )
    why = (
        "An accuracy that does not move while training goes on means the count of mistakes holds "
        "(samples may still cross the threshold both ways, as many each way). A "
        "model that ignores its inputs predicts one class, and its accuracy is then exactly the share "
        f"of that class ({fmt(stuck, 4)} here, if that is what happens); its loss cannot go below the "
        "entropy of the labels. A model that shades its confidence by input but never enough to move a "
        "prediction across the threshold scores the same accuracy at a somewhat lower loss."
    )
    if "acc_lo" in e:  # (near the majority rate given, not held at one value)
        why = (
            "A model that predicts the majority class for every sample scores exactly the majority-class "
            f"rate ({fmt(maj, 4)} here) at every evaluation, whatever else it learns; one that also "
            "predicts other classes for some samples scores near it when it gets about as many of those "
            "right as it loses of the majority class. Either way, by accuracy the model is no better than "
            "always answering the majority class; its accuracy moving around the rate means samples cross "
            "the threshold both ways between evaluations. The loss, which also weighs confidence, can "
            "move meanwhile."
        )
    return [
        ("What happened", what + "." + loss_txt),
        ("Why", why),
        (
            "What to check next",
            f"The predicted-class counts or confusion matrix at {n.unit} {fmt_x(e['first_x'])} and now; the "
            "class shares of this split; a balanced metric (balanced accuracy, minority-class F1, AUC); "
            "whether the loss or the logits are NaN (argmax over NaN logits is a constant class); if the "
            "run reached a good accuracy before, the learning rate and optimiser state (a collapse).",
        ),
    ]
