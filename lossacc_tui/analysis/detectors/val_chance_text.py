"""The texts of `val-at-chance`'s never-left-chance path (`val_chance.ValAtChance`): a validation
accuracy at chance at every evaluation of the run while the training loss fell. Its claims say what
the logged numbers force (`chance-throughout`, as sure as K is) and the readings they leave open
(`labels-unrelated`: memorised labels without signal, validation labels or inputs unlike training's,
too few training samples), with what decides each."""

from __future__ import annotations

import math

from lossacc_tui.analysis.alerts import Alert
from lossacc_tui.analysis.chance_run import AtChance
from lossacc_tui.analysis.claims import Claim, Strength
from lossacc_tui.analysis.quantities import fmt, fmt_x

DECIDE = (
    "a few validation samples shown with their labels and the model's predictions decide, and so does "
    "a slice of the training set passed through the validation code: it should score the training "
    "accuracy if the code is right, leaving the validation labels or data at fault"
)


def throughout_claims(
    at: AtChance,
    e: dict[str, float],
    signal: bool,
    first: float,
    nm: tuple[str, ...],
    span: tuple[float, float],
    k_strength: Strength,
) -> list[Claim]:
    """The claims of the never-left-chance path: the accuracy at chance at every evaluation (follows
    from the logged values and the band where K does, else as likely as K), and the readings of why
    (`labels-unrelated`: likely when the training accuracy was already well above chance at the first
    evaluation, else possible)."""
    x0, x1 = span
    k = at.k
    t = e["train_loss_now"]
    fact = Claim(
        "chance-throughout",
        k_strength,  # (as sure as K is: 1/K is the chance level it is judged against)
        x0,
        x1,
        f"{nm[1]} was at chance at every evaluation from {nm[2]} {fmt_x(x0)} to {fmt_x(x1)}: {at.words()}, "
        f"while the training loss fell to {fmt(t)} ({fmt(t / math.log(k), 2)} x ln {k}) and {nm[0]} never "
        f"fell clearly below ln {k} = {fmt(math.log(k))} (lowest {fmt(e['loss_min'])}): no checkpoint of "
        "this run is better than a uniform guess on validation",
        value=at.dev,
        evidence={"evals": float(at.evals), "dev": at.dev, "band": at.band, "n": float(at.n)},
    )
    readings = (
        "the training labels carry no signal the features show and the model memorised them (the "
        "training accuracy then starts at chance and climbs slowly; a simple model on the same features "
        "scores chance too); the validation labels or inputs do not match training's (a shuffle or sort of "
        "one list, another preprocessing or label mapping: a slice of the training set passed through the "
        "validation code scores the training accuracy if the code is right); or too few training samples "
        "for a rule that generalises (more data, or a smaller model, lifts validation above chance if so)"
    )
    if signal:
        why = (
            f"the training accuracy was already {fmt(first, 4)} at the first evaluation, so the training "
            "labels carry signal the model picked up within an epoch (random labels score 1/K on samples not "
            "yet trained on, and are memorised slowly): it is the validation labels or inputs that do not go "
            "with training's"
        )
        others = "Other readings: " + readings.split("; the validation labels")[0] + "; " + DECIDE
    else:
        why = "what the model learned from its training split does not carry to its validation samples"
        others = "Readings the numbers do not tell apart: " + readings
    return [
        fact,
        Claim(
            "labels-unrelated",
            "likely" if signal else "possible",
            x0,
            x1,
            f"the model's validation answers are unrelated to the validation labels: {why}",
            value=e["acc_now"],
            evidence={"k": float(k), "train_acc_first": first},
            others=others,
        ),
    ]


def throughout_text(alert: Alert, at: AtChance, e: dict[str, float], nm: tuple[str, ...]) -> str:
    """The explanation of the never-left-chance path, up to its How sure paragraph's claims."""
    k = at.k
    lnk = math.log(k)
    far = (
        f", {fmt(e['loss_now'] / lnk, 3)} times ln {k}: its answers grow surer without growing righter"
        if e["loss_now"] >= 1.2 * lnk
        else ""
    )
    return (
        f"**{alert.title}**\n\n**What happened.** {nm[1]} was {fmt(at.low, 4)}-{fmt(at.high, 4)} at all "
        f"{at.evals} evaluations from {nm[2]} {fmt_x(e['first_x'])} to {fmt_x(e['now_x'])}, never further "
        f"than {at.dev:.3f} from 1/{k} = {fmt(1 / k, 4)}, while the training loss fell to "
        f"{fmt(e['train_loss_now'])} ({fmt(e['train_loss_now'] / lnk, 2)} x ln {k}) and {nm[0]} never fell "
        f"clearly below the ln {k} = {fmt(lnk)} a uniform guess costs (lowest {fmt(e['loss_min'])}, now "
        f"{fmt(e['loss_now'])}{far}).\n\n"
        f"**Why.** A model that learned something that carries over scores above 1/{k} on held-out samples "
        "at some evaluation. This one fits its training split better and better while its validation "
        "accuracy stays where a guessing model's would, within its own noise: nothing it learned carries to "
        "validation, and no checkpoint of this run (the one with the lowest validation loss included) is "
        "better than a uniform guess there. Three readings fit: labels without signal in the features that "
        "the model memorised, validation labels or inputs that do not match training's, or too few training "
        "samples to learn a rule that generalises.\n\n"
        "**What to check next.** A few validation samples with their labels and the model's predictions; a "
        "slice of the training set passed through the validation code (it should score the training "
        "accuracy); a simple baseline (logistic regression, a majority guess) on the same features; the "
        "number of training samples against the model's size. Selecting a checkpoint of this run keeps no "
        "model better than chance.\n\n**How sure.** "
    )
