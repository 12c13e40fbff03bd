"""Explanations of the kinds where loss and accuracy are read together."""

from __future__ import annotations

import math
from collections.abc import Callable

from lossacc_tui.analysis.alerts import Alert
from lossacc_tui.analysis.confidence_range import ruled_out_text
from lossacc_tui.analysis.detectors.slow_climb import CLOSE_SHARE, KEEP_PACE, OPEN_SHARE, WINDOWS
from lossacc_tui.analysis.explain_parts import Names, mistakes
from lossacc_tui.analysis.explain_stuck import stuck_parts
from lossacc_tui.analysis.explain_unstable import unstable
from lossacc_tui.analysis.quantities import (
    arrow,
    change,
    fmt,
    fmt_x,
    points,
    pts,
    times,
    within,
)
from lossacc_tui.analysis.resolution import describe, resolution
from lossacc_tui.analysis.train_readings import refuted_text, underconfidence_refuted

Parts = list[tuple[str, str]]


def _best_value(e: dict[str, float], n: Names) -> str:
    """'; its highest single value ...' when the accuracy's best single value up to now reads
    differently from its level's peak or sits at another x (the legend shows that value as the
    series' best: tester 16, "0.945 at epoch 23" beside a legend's 0.9467 at epoch 17), else ''."""
    best, at = e.get("acc_best", math.nan), e.get("acc_best_x", math.nan)
    if not math.isfinite(best) or (fmt(best, 4) == fmt(e["acc_level_peak"], 4) and at == e["peak_x"]):
        return ""
    return (
        f"; its highest single value, {fmt(best, 4)} at {n.unit} {fmt_x(at)}, is one evaluation's, and the "
        "level, which one lucky evaluation does not make, is what this alert is judged on"
    )


def _loss_down_acc_down(a: Alert, n: Names) -> Parts:
    e = a.evidence
    best, best_x = e.get("acc_best", math.nan), e.get("acc_best_x", math.nan)
    other = (
        f" (or {n.unit} {fmt_x(best_x)}, its highest single evaluation)"
        if math.isfinite(best) and math.isfinite(best_x) and best_x != e["peak_x"]
        else ""
    )
    return [
        (
            "What happened",
            f"The level of {n.acc} ("
            + (f"the mean of its last {n.params.half} values" if n.params.smoothing <= 0 else "smoothed")
            + f") peaked at "
            f"{fmt(e['acc_level_peak'], 4)} at {n.unit} {fmt_x(e['peak_x'])}, where it was "
            f"{fmt(e['peak_acc'], 4)}{_best_value(e, n)}; it is {fmt(e['now_acc'], 4)} at {n.unit} "
            f"{fmt_x(e['now_x'])} (level {fmt(e['acc_level_now'], 4)}, "
            f"{pts(e['acc_level_now'] - e['acc_level_peak'])}), while {n.loss} {_loss_went(e)} "
            f"{arrow(e['peak_loss'], e['now_loss'])}.",
        ),
        (
            "Why",
            "The loss averages confidence over all samples; accuracy counts sides. Samples near the "
            "decision threshold slipping to the wrong side cost accuracy but little loss, while samples far "
            "from it getting more confident lower the loss. "
            f"{mistakes(e['now_loss'], e['now_acc'], n, 'Now')} One cause that does exactly this: a shift "
            "of the prior (bias) toward one class, e.g. from label noise or class imbalance in training; "
            "per-class recall shows it." + _floored(a) + _rising_again(e, n),
        ),
        (
            "What to check next",
            f"Per-class recall at {n.unit} {fmt_x(e['peak_x'])} vs {fmt_x(e['now_x'])} (is one class losing "
            "its borderline samples?), the label distribution of the training data vs validation, the "
            f"decision threshold. If accuracy is what you deploy on, keep the checkpoint at "
            f"{n.ckpt(e['peak_x'])}, where its level peaked{other}.",
        ),
        (
            "How sure",
            f"Accuracy level is {abs(e['acc_level_now'] - e['acc_level_peak']) * 100:.1f} points below its "
            f"peak (lowest single value {fmt(e['lowest_acc'], 4)}), {_drop_versus(e, n)}, while "
            f"{_loss_where(e)}; a recovery of accuracy within that closes this."
            + grid_sentence(e["acc_level_now"], e.get("acc_n", math.nan), e.get("acc_n_near", math.nan)),
        ),
    ]


def _loss_went(e: dict[str, float]) -> str:
    """The verb for the loss from the accuracy's peak to now: 'improved' where its value is lower,
    'held' where it is not (the alert also opens on a loss that only held: `LossDownAccDown`)."""
    return "improved" if e["now_loss"] < e["peak_loss"] else "held"


def _loss_where(e: dict[str, float]) -> str:
    """Where the loss is against its value at the accuracy's peak, in words (nats, relative change):
    below it, or near it, which with more mistakes means right answers grew surer meanwhile."""
    a, b = e["peak_loss"], e["now_loss"]
    if b < a:
        return f"the loss is below where it was at that peak ({arrow(a, b)})"
    return (
        f"the loss held near where it was at that peak ({arrow(a, b)}, {(b / a - 1) * 100:+.1f}%): with "
        "more mistakes at about the same loss, right answers grew surer meanwhile"
    )


def _floored(a: Alert) -> str:
    """Where the alert's claims carry the label-smoothing reading (`smoothing.on_floor`): the other
    cause, a training target that holds right answers below full confidence, so the validation loss
    is capped while the model overfits (tester h19t's smoothed run: no prior shift, the plain
    cross-entropy rose 0.758 -> 0.836), else ''."""
    if not any(c.id == "label-smoothing" for c in a.claims):
        return ""
    return (
        " Another the numbers here allow (How sure): a training objective with a floor (label "
        "smoothing), whose smoothed validation loss barely moves while the model overfits and its "
        "accuracy falls."
    )


def _rising_again(e: dict[str, float], n: Names) -> str:
    """When the loss, lower now than at the accuracy's peak, has risen again since its lowest after
    that peak (by more than half the `rise-rel` of a rise): the other reading, overfitting, and what
    tells the two apart; else ''."""
    low, at = e.get("loss_low", math.nan), e.get("loss_low_x", math.nan)
    now = e["now_loss"]
    if not (math.isfinite(low) and low > 0 and at > e["peak_x"] and now > low * (1 + n.params.rise_rel / 2)):
        return ""
    return (
        f" That is one reading. {n.loss} is {'lower than' if now < e['peak_loss'] else 'near where it was'} "
        "at the peak but has risen again since its lowest, "
        f"{fmt(low)} at {n.unit} {fmt_x(at)} (now {fmt(now)}, {(now / low - 1) * 100:+.1f}%): mistakes "
        "growing surer (overfitting) raise the loss and cost accuracy too, which is the other reading "
        "(see overfitting, when it is open). Per-class recall (a prior shift moves one class's) and the "
        "confidence of the mistakes (overfitting makes them surer) decide between them."
    )


def _drop_versus(e: dict[str, float], n: Names) -> str:
    """The accuracy drop of loss-down-acc-down against what it must exceed, in words: the minimum
    drop, the accuracy's own noise and its resolution (when its values reveal the set's size)."""
    drop = e["acc_level_peak"] - e["acc_level_now"]
    parts = [(n.params.acc_drop_min, f"{n.params.acc_drop_min * 100:.1f} points")]
    sig = e.get("acc_noise", math.nan)
    if math.isfinite(sig) and sig > 0:
        # (a level is a mean over `half` evaluations: two levels differ by noise sig * sqrt(2 / half),
        # and the fall must pass rise_z of that; said with both figures, so the factor checks)
        lvl_words = points(sig * math.sqrt(2.0 / n.params.half))
        lvl = float(lvl_words.split()[0]) / 100  # (as printed, so that the factor checks)
        z = n.params.rise_z
        parts.append(
            (
                z * lvl,
                f"{points(z * lvl)} ({z:g} x the {lvl_words.replace(' points', '-point')} noise of a"
                f" difference of two levels, means of {n.params.half} evaluations each; a single"
                f" evaluation's noise, over its latest 10, is {points(sig)})",
            )
        )
    k = e.get("acc_n", math.nan)
    if math.isfinite(k):
        r = resolution(e["acc_level_now"], int(k))
        parts.append((r, f"its resolution ({points(r)})"))
    within = [w for v, w in parts if not drop > v]
    if within:
        return "no longer more than " + " and ".join(within) + ": no fall to speak of now"
    words = [w for _, w in parts]
    return "more than " + ", ".join(words[:-1]) + (" and " if len(words) > 1 else "") + words[-1]


def _flat_band(e: dict[str, float], n: Names) -> str:
    """What an accuracy range had to stay within to count as flat, in words."""
    band, words = n.params.flat_acc_band, f"{n.params.flat_acc_band * 100:.1f} points"
    k, a = e.get("acc_n", math.nan), e.get("acc_level_now", math.nan)
    if math.isfinite(k) and math.isfinite(a):
        r = resolution(a, int(k))
        if r > band:
            band, words = r, f"the accuracy's resolution ({points(r)}; more than {words})"
    w, long = n.params.flat_window, n.params.flat_window * WINDOWS
    rule = (
        f"it opens on {w} evaluations within that band, unless a least-squares line through the last "
        f"{long} evaluations rises more than the band and one through the newest {w} at least "
        f"{OPEN_SHARE:g} times it, at {KEEP_PACE:g} of the long line's pace or more; it closes at once "
        f"where the accuracy spans more than 1.5 times the band within {w} evaluations or those two "
        f"lines rise more than the band and {CLOSE_SHARE:g} times it (a climb slower than the band per "
        "window is not flat), or once the loss stops falling beyond its own noise"
    )
    if e["acc_high"] - e["acc_low"] <= band:
        return f"within {words} that counts as flat: {rule}"
    return f"above {words} that counts as flat: {rule}"


def tol_words(e: dict[str, float], n: Names) -> str:
    """The accuracy tolerance loss-up-acc-up opened with, in words: `acc_hold_tol`, or the accuracy's
    resolution when that is larger."""
    tol = e.get("acc_tol", n.params.acc_hold_tol)
    if not math.isfinite(tol) or tol <= n.params.acc_hold_tol:
        return points(n.params.acc_hold_tol)
    return f"{tol * 100:.1f} points (the accuracy's resolution)"


def grid_sentence(acc: float, k: float, k_near: float = math.nan) -> str:
    near = int(k_near) if math.isfinite(k_near) else None
    return " " + describe(acc, int(k), near) + "." if math.isfinite(k) and math.isfinite(acc) else ""


def _acc_flat_loss_down(a: Alert, n: Names) -> Parts:
    e = a.evidence
    half = n.params.half
    return [
        (
            "What happened",
            f"{n.acc} has stayed {within(e['acc_low'], e['acc_high'], 4)} from {n.unit} "
            f"{fmt_x(e['from_x'])} to {fmt_x(e['now_x'])} while the level of {n.loss} (the mean of its last "
            f"{half} values) fell {arrow(e['from_level'], e['now_level'])} "
            f"({change(e['now_level'], e['from_level'])}).",
        ),
        (
            "Why",
            (
                "With the same samples on each side of the threshold, the loss falls when predictions grow "
                "more confident on the side they are on: right answers surer, mistakes less sure. "
                if e.get("still_falling", 1.0)
                else f"Most of the fall came early in the span and the {n.loss} level has hardly moved since "
                f"(it is {arrow(e['mid_level'], e['now_level'])} over the newer half): a step down, as a "
                "spike recovers or samples cross the threshold, more than confidence growing steadily. "
            )
            + mistakes(e["now_loss"], e["now_acc"], n, "At " + n.unit + " " + fmt_x(e["now_x"]))
            + " Accuracy moves only when samples cross the threshold. Whether more will (a slow climb, "
            "as in a run still learning) or cannot (a ceiling set by capacity, the features or label noise) "
            "these numbers do not say: the accuracy over the next evaluations decides.",
        ),
        (
            "What to check next",
            f"Whether {fmt(e['acc_high'], 4)} is a ceiling: label noise rate, a bigger model or better "
            "features"
            + (
                # (tester 13: a 95/5 run predicting the majority for every sample was sent only to
                # ceilings and label noise; loss and accuracy alone cannot tell the two apart)
                ", or the share of the most frequent class, which a model predicting that class for "
                "every sample scores exactly (the predicted-class counts, logged with lossacc_tui.probe, "
                "or --majority RATE decide)"
                if n.params.majority_rate is None
                else ""
            )
            + ". Whether more epochs raise accuracy is not in the logged numbers: a falling loss says "
            "predictions grow surer, not that more will cross. Watch the accuracy's level; a climb closes "
            "this alert.",
        ),
        (
            "How sure",
            f"The accuracy range from {n.unit} {fmt_x(e['from_x'])} to {fmt_x(e['now_x'])} is "
            f"{points(e['acc_high'] - e['acc_low'])}, {_flat_band(e, n)}; informational."
            + grid_sentence(
                e.get("acc_level_now", math.nan), e.get("acc_n", math.nan), e.get("acc_n_near", math.nan)
            )
            + _no_underconfidence(a, n),
        ),
    ]


def _no_underconfidence(a: Alert, n: Names) -> str:
    """' Underconfidence ... is no reading here: ...' when the alert carries no `underconfident` claim
    (a `likely` one from the calibrated bound with K known is kept) and the latest pair rules it out
    (`confidence_range.ruled_out_text`, a plain mean cross-entropy not doubted) or, failing that, the
    training loss beside it argues against it (`train_readings.underconfidence_refuted`), else ''."""
    e = a.evidence
    train, acc = e.get("train_loss_now", math.nan), e.get("now_acc", math.nan)
    train_acc, acc_n = e.get("train_acc_now", math.nan), e.get("acc_n", math.nan)
    size = int(acc_n) if math.isfinite(acc_n) else None
    if any(c.id == "underconfident" for c in a.claims):
        return ""
    # (the pair's own bound first: it holds whatever the model, where the training argument is a
    # reading; the bound needs a plain mean cross-entropy, so not where that is doubted)
    if not (n.not_ce or n.ce_doubt):
        ruled = ruled_out_text(e.get("now_loss", math.nan), acc, n.classes.k, n.loss, n.acc)
        if ruled:
            return " " + ruled
    if underconfidence_refuted(train, acc, train_acc, size):
        return " " + refuted_text(train, acc, train_acc, (n.loss, n.acc, n.unit))
    return ""


def _high_loss(a: Alert, n: Names) -> Parts:
    e = a.evidence
    # the readings in the order the claims put them: unsure right answers first when the numbers
    # favour or lean to them (a run still converging, converging.py), confident mistakes otherwise
    right = [c for c in a.claims if c.id == "right-answers-carry-loss"]
    favoured = any(c.strength in ("follows", "likely", "confirmed") for c in right)
    unsure = "many right answers held with little confidence (each costs up to ln K)"
    sure = "a few mistakes made with near-certainty (each costs without bound)"
    look_right = "the mean confidence of right answers (unsure: training on may lower the loss further, or "
    look_right += "calibrate with temperature scaling)"
    look_wrong = "the highest-loss samples (confident mistakes: label noise, duplicates with conflicting "
    look_wrong += "labels?)"
    first, second = (look_right, look_wrong) if right else (look_wrong, look_right)
    at = f"{n.unit} {fmt_x(e['now_x'])}"
    decide = f"Per-sample losses at {at} decide between the readings: {first} against {second}."
    if favoured:
        decide = (
            f"Nothing needs fixing while {n.loss} keeps falling: train on and watch whether it levels off "
            f"far above the floor at this accuracy. Should it, per-sample losses decide: {first} against "
            f"{second}."
        )
    good = e["now_acc"] >= e.get("good_acc", e["good_acc_threshold"])
    return [
        (
            "What happened",
            _what_happened(e, n, good),
        ),
        (
            "Why",
            f"A loss far above the floor at {'good' if good else 'this'} accuracy has two readings: "
            + (f"{unsure}, as in a run still converging, or {sure}. " if right else f"{sure}, or {unsure}. ")
            + mistakes(e["now_loss"], e["now_acc"], n, "Here"),
        ),
        (
            "What to check next",
            f"{decide} If probabilities matter, {n.best_ckpt(e['best_loss'], e['best_x'])}. If the logged "
            "loss includes regularisation, label smoothing or class weights (or is a sum over the batch, "
            "focal loss or distillation), part of the gap is that.",
        ),
    ]


def _what_happened(e: dict[str, float], n: Names, good: bool) -> str:
    """high-loss-good-acc's first paragraph. `good`: the accuracy is at or above the one the alert
    calls good (halfway from chance, or from the majority-class rate the user gave, to 1); below it
    the alert was kept on a loss above ln K, and the text says the accuracy is not good, how far it
    is from the majority rate when one was given (a fraction `majority_rate` in the evidence), and
    why the loss still says something."""
    maj = e.get("majority_rate")
    at = f"At {n.unit} {fmt_x(e['now_x'])} {n.acc} is {fmt(e['now_acc'], 4)}"
    loss = (
        f"{n.loss} is {fmt(e['now_loss'])}, {times(e['now_loss'], e['now_loss_floor'])} the least this "
        f"accuracy allows; {n.chance()}"
    )
    best = f"Its best {n.loss} was {fmt(e['best_loss'])} at {n.unit} {fmt_x(e['best_x'])}."
    if good:
        bar = f"above {fmt(e['good_acc_threshold'], 3)}"
        if maj is not None:
            bar += f", halfway from the majority-class rate {fmt(maj, 4)} you gave to 1"
        return f"{at} ({bar}) while {loss}. {best}"
    out = f"{at}: not a good accuracy (this alert calls {fmt(e.get('good_acc', math.nan), 3)} good)"
    if maj is not None:
        gap = e["now_acc"] - maj
        out += (
            f", {points(gap)} {'above' if gap >= 0 else 'below'} the majority-class rate {fmt(maj, 4)} you "
            "gave, which predicting that class for every sample scores"
        )
    return (
        f"{out}. But {loss}: above ln K at an accuracy above {fmt(e['good_acc_threshold'], 3)}, the loss "
        f"right answers alone cannot reach. {best}"
    )


EXPLAINERS: dict[str, Callable[[Alert, Names], Parts]] = {
    "loss-down-acc-down": _loss_down_acc_down,
    "acc-flat-loss-down": _acc_flat_loss_down,
    "val-loss-unstable": unstable,
    "high-loss-good-acc": _high_loss,
    "acc-stuck": stuck_parts,
}
