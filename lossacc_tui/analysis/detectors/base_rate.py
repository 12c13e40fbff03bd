"""The base-rate reading of a frozen accuracy, for acc-stuck: a model that predicts the most
frequent class for every sample scores that class's share, and a constant guess of the label
distribution costs its entropy. The entropy bounds (nats) and the `at-majority-rate` and
`one-class-predictor` claims that reading makes."""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.analysis.claims import Claim
from lossacc_tui.analysis.quantities import arrow, fmt, fmt_x, span

#: how far (relative) the loss level may sit from the base-rate entropy and still count as "at" it
BASE_RATE_TOL = 0.2

#: what decides between the base-rate reading and a model whose boundary no longer moves
DECIDE = (
    "the predicted-class counts decide, or --majority RATE (the share of the most frequent class) settles "
    "the rate"
)


def binary_entropy(p: np.ndarray) -> np.ndarray:
    """H(p) = -p ln p - (1 - p) ln(1 - p) in nats, 0 at p in {0, 1}; elementwise."""
    q = np.clip(p, 1e-12, 1 - 1e-12)
    return -(q * np.log(q) + (1 - q) * np.log1p(-q))


def prior_cost(acc: float, k: int | None) -> tuple[float, float]:
    """(low, high) nats a constant guess of labels whose most frequent class has share `acc` costs:
    H(acc) for K = 2 or unknown; for a known K > 2 up to H(acc) + (1 - acc) ln(K - 1) (the
    minority classes spread evenly)."""
    h = float(binary_entropy(np.array([acc]))[0])
    return h, h + ((1 - acc) * math.log(k - 1) if k and k > 2 else 0.0)


def base_rate_band(acc: np.ndarray, loss: np.ndarray, k: int | None, wide: bool = False) -> np.ndarray:
    """Whether the loss is about what a constant guess of the label distribution costs when its
    majority share is `acc`: within BASE_RATE_TOL of H(acc) (K = 2 or unknown; for a known K > 2,
    up to H(acc) + (1 - acc) ln(K - 1), the minority classes spread evenly). `wide` doubles the band
    (the hysteresis of an open alert)."""
    tol = BASE_RATE_TOL * (2 if wide else 1)
    lo = binary_entropy(acc)
    hi = lo + ((1 - acc) * math.log(k - 1) if k and k > 2 else 0.0)
    with np.errstate(invalid="ignore"):
        return np.isfinite(loss) & (loss >= (1 - tol) * lo) & (loss <= (1 + tol) * hi)


def base_rate_claims(
    subject: str,
    loss_name: str,
    unit: str,
    x0: float,
    x1: float,
    first_loss: float,
    acc: float,
    loss_now: float,
    lvl_now: float,
    k: int | None,
    settled: bool,
) -> list[Claim]:
    """`at-majority-rate` and `one-class-predictor` for an accuracy `acc` frozen since x0 while the
    loss moved from `first_loss` to `loss_now` (level `lvl_now`, nats) into the base-rate band:
    `likely` once the loss has `settled` there, `possible` while it passes through."""
    h, hi = prior_cost(acc, k)
    cost = fmt(h) if hi == h else f"{span(h, hi, 4, sep=' to ')}"
    strength = "likely" if settled else "possible"
    if settled:
        why = (
            f"and the loss level {fmt(lvl_now)} has settled at about the {cost} nats that "
            f"predicting a rate of {fmt(acc, 4)} for every sample costs (the entropy of labels "
            "whose most frequent class has that share): the model has learned the base rate"
        )
        others = (
            "Another reading: a model that tells classes apart, with confidences that happen "
            "to cost about as much, and not one prediction changing class; " + DECIDE
        )
    else:
        why = (
            f"and the loss level {fmt(lvl_now)} is about the {cost} nats that predicting a rate "
            f"of {fmt(acc, 4)} for every sample costs (the entropy of labels whose most frequent "
            "class has that share)"
        )
        others = (
            "Not favoured yet: a model whose decision boundary stays put while its confidence "
            "grows also holds accuracy frozen and passes through that cost while its loss "
            "falls, and a model whose weights no longer change (a flat training loss) holds any "
            "accuracy frozen; a loss that settles at that cost while the training loss still "
            "moves favours the base rate, and " + DECIDE
        )
    return [
        Claim(
            "at-majority-rate",
            strength,
            x0,
            x1,
            f"{subject} {fmt(acc, 4)} is the share of the most frequent class: it has not "
            f"changed since {unit} {fmt_x(x0)} while {loss_name} moved "
            f"{arrow(first_loss, loss_now)}, " + why,
            value=acc,
            evidence={"loss_level": lvl_now, "base_rate_entropy": h},
            others=others,
        ),
        Claim(
            "one-class-predictor",
            strength,
            x0,
            x1,
            "the model predicts the most frequent class for (nearly) every sample",
            others=(
                "Another reading: a model that predicts both classes and whose decision "
                "boundary no longer moves logs the same frozen accuracy and a falling loss. "
                "The predicted-class counts decide (lossacc_tui.probe logs them), or "
                "--majority RATE when the share of the most frequent class is known"
            )
            if strength == "possible"
            else "The predicted-class counts decide (lossacc_tui.probe logs them)",
        ),
    ]


def constant_guess_claim(
    loss_name: str,
    x0: float,
    x1: float,
    first_loss: float,
    loss_now: float,
    at_open: float,
    acc: float,
    others: str,
) -> Claim:
    """`one-class-predictor` (possible) for a frozen accuracy whose loss, when the alert opened, was
    at or above what a constant guess scoring `acc` costs (H(acc) nats)."""
    h = float(binary_entropy(np.array([acc]))[0])
    return Claim(
        "one-class-predictor",
        "possible",
        x0,
        x1,
        f"the model predicts one class for (nearly) every sample: {loss_name} moved "
        f"{arrow(first_loss, loss_now)} without one prediction changing class, and its level "
        f"{fmt(at_open)} when this opened was "
        + ("no lower than" if at_open >= h else "about")
        + f" the {fmt(h)} nats a constant guess scoring {fmt(acc, 4)} would cost",
        others=others,
    )
