"""What a constant guess of the label distribution costs (nats): a model that predicts the most
frequent class for every sample scores that class's share, and a constant guess of the label
distribution costs at least its entropy H(share). The bounds acc-stuck and val-frozen read a frozen
accuracy's loss against. Whether an accuracy can be a majority share is majority.py; how a loss
moves while it is frozen, loss_motion.py; the claims this reading makes, base_rate_claims.py; the
constant-guess reading of a rise, guess.py."""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.analysis.npcalls import clip
from lossacc_tui.analysis.passmemo import quiet
from lossacc_tui.analysis.quantities import fmt
from lossacc_tui.analysis.stats import pass_memo

#: how far (relative) the loss level may sit from the base-rate entropy and still count as "at" it
BASE_RATE_TOL = 0.2

#: how far (relative) below H(accuracy) the validation loss may sit for the base-rate reading to be
#: favoured (`likely`): a constant guess costs at least H on the samples scored; a network that
#: predicts one class yet ranks its samples a little (truth corpus `majority-lightning`, every
#: prediction the majority class) ends 4-27 % below it, healthy per-step runs on fixed 32-48-sample
#: batches with K = 3-4 settle 14-16 % below (tester 8's fx_12, fx_14). Below it: `possible` only
FLOOR_TOL = 0.05

#: what decides between the base-rate reading and a model whose boundary no longer moves
DECIDE = (
    "the predicted-class counts decide, or --majority RATE (the share of the most frequent class) settles "
    "the rate"
)


def binary_entropy(p: np.ndarray) -> np.ndarray:
    """H(p) = -p ln p - (1 - p) ln(1 - p) in nats, 0 at p in {0, 1}; elementwise. (Once per
    analysis pass for the same values: `stats.pass_memo`; the result may be read-only.)"""
    return pass_memo(_binary_entropy, p)


def _binary_entropy(p: np.ndarray) -> np.ndarray:
    q = clip(p, 1e-12, 1 - 1e-12)
    return -(q * np.log(q) + (1 - q) * np.log1p(-q))


def prior_cost(acc: float, k: int | None) -> tuple[float, float]:
    """(low, high) nats a constant guess of the label shares costs when the most frequent class has
    share `acc`: the entropy of such labels, which that share alone does not fix. Low: H(acc), the
    other classes pooled into one (exact for K = 2; pooling classes never raises an entropy, so no
    K-class labels cost less). High: with a known K > 2, H(acc) + (1 - acc) ln(K - 1) (the other
    classes spread evenly); with K unknown, inf (every extra class adds to it).

    >>> [round(v, 4) for v in prior_cost(0.8182, 10)]
    [0.4741, 0.8736]
    >>> prior_cost(0.8182, None)[1]
    inf
    """
    h = float(binary_entropy(np.array([acc]))[0])
    if k is None:
        return h, math.inf
    return h, h + ((1 - acc) * math.log(k - 1) if k > 2 else 0.0)


def prior_words(acc: float, k: int | None) -> str:
    """What a constant guess of labels whose most frequent class has share `acc` costs, in words
    (`prior_cost`): one number only with K = 2; a range with a known K > 2; a least with K unknown.
    (Tester 17: a 10-class split, "the 0.474 nats that predicting the class rates costs" where its
    label entropy was 0.779.)"""
    lo, hi = prior_cost(acc, k)
    if k == 2:
        return f"{fmt(lo)} nats (the entropy of two classes with shares {fmt(acc, 4)} and {fmt(1 - acc, 4)})"
    if math.isfinite(hi):
        return (
            f"{fmt(lo)} to {fmt(hi)} nats (the entropy of {k}-class labels whose most frequent class has "
            "that share: no lower than with the other classes pooled as one, no higher than with them "
            "spread evenly)"
        )
    return (
        f"{fmt(lo)} nats or more (the entropy of labels whose most frequent class has that share is "
        f"{fmt(lo)} with the other classes pooled as one and more when they are several: up to {fmt(lo)} + "
        f"{fmt(1 - acc, 4)} ln(K - 1) with K classes, and K is not known)"
    )


def base_rate_band(acc: np.ndarray, loss: np.ndarray, k: int | None, wide: bool = False) -> np.ndarray:
    """Whether the loss is about what a constant guess of the label distribution costs when its
    majority share is `acc`: within BASE_RATE_TOL of H(acc) (K = 2 or unknown; for a known K > 2,
    up to H(acc) + (1 - acc) ln(K - 1), the minority classes spread evenly). `wide` doubles the band
    (the hysteresis of an open alert)."""
    tol = BASE_RATE_TOL * (2 if wide else 1)
    lo = binary_entropy(acc)
    hi = lo + ((1 - acc) * math.log(k - 1) if k and k > 2 else 0.0)
    with quiet(invalid="ignore"):
        return np.isfinite(loss) & (loss >= (1 - tol) * lo) & (loss <= (1 + tol) * hi)


def cost_band(acc: np.ndarray, loss: np.ndarray, k: int | None, wide: bool = False) -> np.ndarray:
    """Whether the loss is at or above the least a constant guess scoring `acc` can cost: H(acc)
    nats, less BASE_RATE_TOL (twice that when `wide`); a constant guess costs the label entropy plus
    how far its guess is from the labels' shares, so there is no upper bound, except with a known K:
    (1 + 2 x BASE_RATE_TOL) x (H(acc) + (1 - acc) ln(K - 1))."""
    tol = BASE_RATE_TOL * (2 if wide else 1)
    lo = binary_entropy(acc)
    with quiet(invalid="ignore"):
        out = np.isfinite(loss) & (loss >= (1 - tol) * lo)
        if k:
            hi = lo + ((1 - acc) * math.log(k - 1) if k > 2 else 0.0)
            out &= loss <= (1 + 2 * BASE_RATE_TOL) * hi
    return out
