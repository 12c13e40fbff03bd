"""Explanations of the rise kinds: `loss-up-acc-up` and `overfitting` (a validation loss above its
best, read against its accuracy or the training loss)."""

from __future__ import annotations

import math
from collections.abc import Callable

from lossacc_tui.analysis import smoothing_words as smoothing
from lossacc_tui.analysis.alerts import Alert
from lossacc_tui.analysis.detectors.overfitting_tail import tail_how_sure
from lossacc_tui.analysis.explain_pair import Parts, grid_sentence, tol_words
from lossacc_tui.analysis.explain_parts import Names, below_baseline, mistakes
from lossacc_tui.analysis.quantities import arrow, change, count, fmt, fmt_x, pts


def _mean_of(e: dict[str, float]) -> str:
    """The words naming a per-step training loss that overfitting quotes as the mean of its last N
    logged values (`train_mean_of` > 1); "" for a value as logged."""
    k = int(e.get("train_mean_of", 1.0))
    return f" (the mean of its last {k} logged values there)" if k > 1 else ""


def _loss_up_acc_up(a: Alert, n: Names) -> Parts:
    e = a.evidence
    rise = change(e["now_loss"], e["best_loss"], signed=False)
    train = ""
    if math.isfinite(e.get("train_loss_now", math.nan)):
        train = f" Training loss went {arrow(e['train_loss_at_best'], e['train_loss_now'])} meanwhile."
    # (a closed alert's extremes are its span's own, never the evaluations that confirmed its close)
    where = "while this alert is open" if a.active else "over its span"
    peak = ""
    if e["peak_x"] != e["now_x"] and math.isfinite(e["peak_loss"]):
        peak = f" (highest {where} {fmt(e['peak_loss'])} at {n.unit} {fmt_x(e['peak_x'])})"
    return [
        (
            "What happened",
            f"{n.loss} has risen {rise} from its best {fmt(e['best_loss'])} at {n.unit} "
            f"{fmt_x(e['best_x'])} to {fmt(e['now_loss'])} at {n.unit} {fmt_x(e['now_x'])}{peak}, while "
            f"{n.acc} went {arrow(e['best_acc'], e['now_acc'], 4)} ({pts(e['now_acc'] - e['best_acc'])}; "
            f"highest {where} {fmt(e['max_acc'], 4)} at {n.unit} {fmt_x(e['max_acc_x'])}).",
        ),
        (
            "Why",
            "Accuracy counts which side of the threshold each prediction lands on; cross-entropy also "
            "charges for confidence, without bound when a confident prediction is wrong. "
            f"{mistakes(e['best_loss'], e['best_acc'], n, f'At {n.unit} ' + fmt_x(e['best_x']))} "
            f"{mistakes(e['now_loss'], e['now_acc'], n, f'At {n.unit} ' + fmt_x(e['now_x']))}{train}",
        ),
        (
            "What to check next",
            (f"{smoothing.ADVICE}; " if smoothing.likely_in(a.claims) else "")
            + f"{_checkpoints(e, n)}; list the samples with the highest loss at "
            f"{n.unit} {fmt_x(e['now_x'])} (mislabelled? ambiguous?). If you need probabilities, calibrate "
            "(temperature scaling), add label smoothing or early-stop on the loss; report a proper scoring "
            "rule (the loss, Brier) or AUC beside accuracy." + below_baseline(e["best_acc"], e["best_x"], n),
        ),
        (
            "How sure",
            few_evaluations(a, n)
            + f"The alert opened on a rise held over {a.data['open_idx'] - a.data['start_idx'] + 1}+ "
            f"evaluations while the accuracy level stayed within {tol_words(e, n)} of where it was at the "
            "best loss or above it, and at an evaluation whose logged accuracy did too. A rise carried by a "
            "handful of extreme rows would show as "
            "val-loss-unstable; an accuracy that keeps dropping makes it plain overfitting. It closes at a "
            f"new best of {n.loss}, or where the accuracy's level (the mean of its last {n.params.half} "
            "evaluations) falls more than twice that tolerance below where it was at the best loss: the "
            "rise with more mistakes is overfitting's, and the span ends at its last evaluation that held."
            + (
                grid_sentence(e["now_acc"], e.get("acc_n", math.nan), e.get("acc_n_near", math.nan))
                if e.get("acc_tol", 0.0) > n.params.acc_hold_tol
                else ""
            ),
        ),
    ]


def _checkpoints(e: dict[str, float], n: Names) -> str:
    """Which checkpoints to compare: the best loss's and the best accuracy's, or, when they are the
    same evaluation (or the accuracy's best is unknown), that one checkpoint said once: never a
    checkpoint compared with itself."""
    bx, ax = e["best_x"], e.get("acc_best_x", math.nan)
    if not math.isfinite(ax) or ax == bx:
        held = (
            f"both the best {n.loss} and the best {n.acc} so far ({fmt(e['acc_best'], 4)})"
            if math.isfinite(ax)
            else f"the best {n.loss}"
        )
        later = "" if e["now_x"] == bx else f", and compare it with the one at {n.unit} {fmt_x(e['now_x'])}"
        return f"The checkpoint at {n.ckpt(bx)} holds {held}: keep it{later}"
    return (
        f"Compare the checkpoints at {n.ckpt(bx)} (best {n.loss}) and {n.ckpt(ax)} "
        f"(best {n.acc} so far, {fmt(e['acc_best'], 4)})"
    )


def _verb(a: float, b: float) -> str:
    """The verb a -> b calls for: 'fell', 'rose' or 'held at'."""
    return "fell" if b < a else "rose" if b > a else "held at"


def _overfitting_why(a: Alert, n: Names, flip: bool) -> tuple[str, str]:
    """The Why of overfitting: the learning-noise reading as fact only when the rise is not a sample
    flip (a `predictions-crossing` claim: one or two samples account for it)."""
    e = a.evidence
    moved = (
        f"Since {n.unit} {fmt_x(e['best_x'])} the training loss "
        f"{_ratio(e['train_loss_now'], e['train_loss_at_best'])} while the held-out "
        f"loss {_ratio(e['now_val_loss'], e['best_val_loss'])}"
    )
    if e["train_loss_now"] > e["train_loss_at_best"]:
        return (
            "Why",
            moved + ": the training loss is now above where it was at the validation best, so both "
            "losses got worse together. That is not a model fitting its training samples ever better "
            "(overfitting, which this alert opened on while the training loss still fell); a step too "
            "large for the loss surface (the learning rate) or a broken batch does it. Watch the "
            "training loss: if it keeps rising, the run is diverging.",
        )
    if smoothing.likely_in(a.claims):  # (the label-smoothing reading: h9k, detectors/smoothing.py)
        return ("Why", moved + smoothing.WHY)
    if flip:
        return (
            "Why",
            moved + ". A held-out loss that keeps rising while the training loss falls is the mark of a "
            "model learning things that do not carry over, but this rise is small enough for one or two "
            "samples turning into confident mistakes to account for it (see How sure): a sample flip "
            "reads the same until the rise grows past what two samples cost.",
        )
    if n.val_never_tracked is not None:
        return (
            "Why",
            moved + ". Validation never tracked training (see val-unlike-train), so this rise is not a "
            "model that generalised and then started fitting noise: the validation data, its labels or "
            "its preprocessing differ from training, and its loss grows as the model grows confident.",
        )
    return (
        "Why",
        moved + ": the model is learning things, noise included, that do not carry over, and on held-out "
        "data its confidence grows faster than its correctness.",
    )


def gap_words(at_best: float, now: float) -> str:
    """How the gap (validation loss minus training loss, nats) moved, in words that keep its sign.

    A negative gap (the training loss above the validation loss: dropout, label noise or a
    regulariser counted in training only) that moves toward zero has shrunk, not widened
    (tester 23: "the gap widened -0.5129 -> -0.0233").

    >>> gap_words(0.1, 0.3)
    'the gap (validation minus training loss) widened 0.1 -> 0.3'
    >>> gap_words(-0.5129, -0.0233)
    'the training loss stays above the validation loss, by less: 0.5129 -> 0.0233'
    >>> gap_words(-0.2, 0.1)
    'the validation loss went from 0.2 below the training loss to 0.1 above it'
    """
    if at_best >= 0 and now >= 0:
        verb = "widened" if now > at_best else "narrowed"
        return f"the gap (validation minus training loss) {verb} {arrow(at_best, now)}"
    if at_best < 0 and now < 0:
        less = "less" if now > at_best else "more"
        return f"the training loss stays above the validation loss, by {less}: {arrow(-at_best, -now)}"
    if at_best < 0:
        return f"the validation loss went from {fmt(-at_best)} below the training loss to {fmt(now)} above it"
    return f"the validation loss went from {fmt(at_best)} above the training loss to {fmt(-now)} below it"


def _overfitting(a: Alert, n: Names) -> Parts:
    e = a.evidence
    flip = any(c.id == "predictions-crossing" for c in a.claims)
    acc = ""
    if math.isfinite(e.get("acc_now", math.nan)):
        acc = f" {n.acc} went {arrow(e['acc_at_best'], e['acc_now'], 4)}."
    return [
        (
            "What happened",
            f"{a.data.get('subject', n.loss)} rose {arrow(e['best_val_loss'], e['now_val_loss'])} "
            f"since {n.unit} {fmt_x(e['best_x'])} while training loss{_mean_of(e)} "
            f"{_verb(e['train_loss_at_best'], e['train_loss_now'])} "
            f"{arrow(e['train_loss_at_best'], e['train_loss_now'])}: "
            f"{gap_words(e['gap_at_best'], e['gap_now'])}.{acc}",
        ),
        _overfitting_why(a, n, flip),
        (
            "What to check next",
            (
                f"Nothing to change yet: look at the one or two validation samples whose loss jumped "
                f"between {n.unit} {fmt_x(e['best_x'])} and {fmt_x(e['now_x'])} (mislabelled? ambiguous?); "
                "early-stopping or regularisation is the answer only if the rise keeps growing."
                if flip
                else f"Nothing to early-stop at: {a.data.get('subject', n.loss)} came back to "
                f"{fmt(e['new_best'])} at {n.unit} {fmt_x(e['new_best_x'])}, below its best "
                f"{fmt(e['best_val_loss'])} of {n.unit} {fmt_x(e['best_x'])}, so stopping there would have "
                "kept a worse model; the rise was a stretch that passed. If it rises beyond its noise "
                "again, this opens again."
                if "new_best_x" in e
                else smoothing.ADVICE + "."
                if smoothing.likely_in(a.claims)
                else f"Not plain overfitting: {n.acc} sat far below training accuracy from the first "
                "evaluation on (see val-unlike-train), so no epoch had a validation score worth stopping at "
                "and early stopping keeps no good model. Check the validation split first (class counts, "
                "preprocessing, label encoding); read this rise again once validation tracks training."
                if n.val_never_tracked is not None
                else f"Keep the checkpoint at {n.ckpt(e['best_x'])}, the best so far (early stopping "
                "keeps it; a later new best, which closes this alert, would replace it), or add "
                "regularisation (weight decay, dropout, augmentation, more data); if accuracy still "
                "rises, decide which metric you select on."
            )
            + below_baseline(e.get("acc_at_best", math.nan), e["best_x"], n),
        ),
        (
            "How sure",
            (
                f"Little evidence: it opened before enough evaluations were logged to measure their noise, "
                f"on validation loss rising at each of the {int(a.data.get('held', 3))} evaluations since "
                f"its best ({change(e['now_val_loss'], e['best_val_loss'])} in all): "
                f"{int(a.data.get('held', 3)) + 1} values in rising order come by chance once in "
                f"{math.factorial(int(a.data.get('held', 3)) + 1)} orderings, whatever the noise. "
                if a.data.get("rising")
                else tail_how_sure(a.data["tail"], n.unit, a.data.get("subject", n.loss))
                if a.data.get("tail")
                else "Little evidence: it opened before enough evaluations were logged to measure their "
                f"noise, with validation loss "
                f"{change(e['now_val_loss'], e['best_val_loss'])} against its best over "
                f"{count(int(a.data.get('held', 2)), 'evaluation')} (beyond what its evaluation set's size "
                "moves a mean loss, where the accuracy's values reveal that size). "
                if a.data.get("short")
                else few_evaluations(a, n)
                + "Validation loss "
                + _moved(change(e["now_val_loss"], e["best_val_loss"]))
                + " against its best, "
                f"judged beyond its own noise over {n.params.open_after}+ evaluations. "
            )
            + (
                f"It opened on a steady rise: the loss had grown at {n.params.steady_run} evaluations in a "
                f"row (a steady rise counts from {n.params.steady_rise_rel:.0%} above the best). "
                if a.data.get("steady")
                else f"It opened on a slow rise: the line through the evaluations since the best rises "
                "beyond their noise (the bar grows with how often it was asked), and the loss stands "
                f"{n.params.slow_rise_rel:.1%} or more above the best{_of_part(a)}. "
                if a.data.get("slow")
                else ""
            )
            + f"Training loss {_ratio(e['train_loss_now'], e['train_loss_at_best'])}. Closes at a new best "
            f"of validation loss, or when it comes back within {n.params.rise_rel / 2:.1%} of "
            f"{fmt(e['best_val_loss'])}{_of_part(a)} and stops rising, or when the training loss's level "
            f"comes back within {n.params.train_drop_rel / 2:.1%} of where it was at the best; it lets go "
            "while the training loss "
            "stands risen from its lowest since the best beyond its own noise (both losses worse: a "
            "divergence, not overfitting) and holds again once the training loss is back down.",
        ),
    ]


def _of_part(a: Alert) -> str:
    """' (of its part above the floor of F nats)' when the alert carries a `loss-floor` claim: its
    relative thresholds are then taken on the part of the loss above that floor (`loss_floor`)."""
    for c in a.claims:
        if c.id == "loss-floor" and c.value is not None:
            return f" (of its part above the floor of {fmt(c.value)} nats)"
    return ""


def few_evaluations(a: Alert, n: Names) -> str:
    """'Little evidence: ...' when the alert opened with fewer evaluations logged than the
    `noise_window` a series' noise is measured over (a fine-tune of a few epochs): the noise that
    judged the rise comes from that few; "" otherwise."""
    seen = int(a.data.get("open_idx", n.params.noise_window)) + 1
    if seen >= n.params.noise_window:
        return ""
    return (
        f"Little evidence: it opened at the {_ordinal(seen)} evaluation, so the noise the rise was judged "
        f"against comes from {count(seen, 'evaluation')} at most (a series' noise is measured over "
        f"{n.params.noise_window}); more evaluations may show the rise within it. "
    )


def _ordinal(k: int) -> str:
    """1st, 2nd, 3rd, 4th, ... 11th, 12th, 13th, 21st."""
    tail = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{tail}"


def _moved(c: str) -> str:
    """'is +41%' for a relative change, 'went from 0 to 0.001' where `change` gave the values."""
    return f"went {c}" if c.startswith("from") else f"is {c}"


def _ratio(a: float, b: float) -> str:
    """How a loss moved from b (then) to a (now), for 'the training loss ...': 'fell to 4% of its
    value then' / 'rose to 140% of its value then', or the two values ('went 0.05 -> 0') where a
    percentage would print as 0, inf or a 0-division form."""
    if not (math.isfinite(a) and math.isfinite(b)) or b <= 0 or a <= 0 or not 0.01 <= a / b <= 100:
        return f"went {arrow(b, a)}"
    r = a / b
    return f"{'fell' if r < 1 else 'rose'} to {r:.0%} of its value then"


EXPLAINERS: dict[str, Callable[[Alert, Names], Parts]] = {
    "loss-up-acc-up": _loss_up_acc_up,
    "overfitting": _overfitting,
}
