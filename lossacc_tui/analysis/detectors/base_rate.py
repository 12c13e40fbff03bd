"""The base-rate reading of a frozen accuracy, for acc-stuck: a model that predicts the most
frequent class for every sample scores that class's share, and a constant guess of the label
distribution costs its entropy. The entropy bounds (nats) and the `at-majority-rate` and
`one-class-predictor` claims that reading makes."""

from __future__ import annotations

import functools
import math

import numpy as np

from lossacc_tui.analysis.claims import Claim
from lossacc_tui.analysis.detectors.base import Ctx, value_at_x
from lossacc_tui.analysis.quantities import arrow, fmt, fmt_x, span
from lossacc_tui.analysis.resolution import decimals
from lossacc_tui.analysis.stats import ordered, pass_memo
from lossacc_tui.analysis.track import x_column

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
    q = np.clip(p, 1e-12, 1 - 1e-12)
    return -(q * np.log(q) + (1 - q) * np.log1p(-q))


def majority_share(acc: np.ndarray, n_eval: np.ndarray | None = None) -> np.ndarray:
    """Whether each accuracy (fraction, shape (n,)) can be the share of the most frequent class in a
    base-rate reading: at least 1/2 and below 1 (a perfect score leaves no minority, and H(1) = 0
    bounds nothing), and above 0.95 not on an evaluation set of known size `n_eval` (shape (n,),
    NaN where unknown) with fewer than MIN_MINORITY minority samples. Above 0.95 the reading is
    favoured only with a minority of that size shown (`minority_known`)."""
    with np.errstate(invalid="ignore"):
        out = (acc >= 0.5) & (acc < 1.0)
        if n_eval is not None:
            out &= ~((acc > 0.95) & ((1.0 - acc) * n_eval < MIN_MINORITY - 1e-6))
        return out


def minority_known(acc: np.ndarray, n_eval: np.ndarray | None = None) -> np.ndarray:
    """Whether the base-rate reading of each accuracy (fraction, shape (n,)) may be favoured as far
    as the evaluation set's size goes: always up to 0.95; above it (below 1) when the set holds a
    minority of at least MIN_MINORITY samples: (1 - acc) x n, with n the set's size `n_eval`
    (shape (n,), NaN where unknown) or else the least n whose grid k/n holds the value as printed
    (`least_n`: 0.9525 printed to 4 decimals needs n >= 295). A near-perfect model on a small set
    keeps its last few hard mistakes for many evaluations (the truth corpus's `sweep-lightning` at
    52 of 53), which no bound on the loss tells from a one-class model; a 95/5 or 99/1 collapse on a
    set of hundreds has a minority of tens of samples, and the bound H(acc) (`binary_entropy`) then
    tells it from a model that uses its inputs."""
    with np.errstate(invalid="ignore"):
        out = acc < 1.0
        for j in np.flatnonzero(out & (acc > 0.95)):
            n = n_eval[j] if n_eval is not None and math.isfinite(n_eval[j]) else least_n(float(acc[j]))
            out[j] = (1.0 - acc[j]) * n >= MIN_MINORITY - 1e-6
        return out


#: the fewest minority-class samples a base-rate reading above 95 % needs in its evaluation set
MIN_MINORITY = 5


@functools.lru_cache(maxsize=1024)
def least_n(v: float) -> float:
    """The least evaluation-set size n (1..20,000) whose grid k/n holds the accuracy `v` (a fraction)
    within the precision it was printed with (`resolution.decimals`; float32 storage at the finest):
    a lower bound on the set's size. NaN when none does (or v is not finite).

    >>> least_n(0.9525), least_n(0.981132), least_n(0.5)
    (295.0, 53.0, 2.0)
    """
    if not math.isfinite(v):
        return math.nan
    tol = 0.5 * 10.0 ** -decimals(v) + 6e-8
    q = np.arange(1, 20_001, dtype=np.float64)
    k = v * q
    fit = np.flatnonzero(np.abs(k - np.rint(k)) <= q * tol + 1e-9)
    return float(q[fit[0]]) if len(fit) else math.nan


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


def cost_band(acc: np.ndarray, loss: np.ndarray, k: int | None, wide: bool = False) -> np.ndarray:
    """Whether the loss is at or above the least a constant guess scoring `acc` can cost: H(acc)
    nats, less BASE_RATE_TOL (twice that when `wide`); a constant guess costs the label entropy plus
    how far its guess is from the labels' shares, so there is no upper bound, except with a known K:
    (1 + 2 x BASE_RATE_TOL) x (H(acc) + (1 - acc) ln(K - 1))."""
    tol = BASE_RATE_TOL * (2 if wide else 1)
    lo = binary_entropy(acc)
    with np.errstate(invalid="ignore"):
        out = np.isfinite(loss) & (loss >= (1 - tol) * lo)
        if k:
            hi = lo + ((1 - acc) * math.log(k - 1) if k > 2 else 0.0)
            out &= loss <= (1 + 2 * BASE_RATE_TOL) * hi
    return out


#: the least relative step of a loss whose weights still change (a loss printed to 4 decimals
#: around 0.4 nats resolves 0.025 %); a model whose weights no longer change repeats its loss
JITTER_REL = 2e-3


def wobbles(window: np.ndarray) -> np.ndarray:
    """Whether a loss moves without a trend: over each column of `window` (shape (w, n), oldest row
    first, nats) it both rose and fell from one evaluation to the next by at least JITTER_REL of its
    value. A model whose weights barely change (a decayed learning rate) drifts one way, or not at all."""
    with np.errstate(invalid="ignore", divide="ignore"):
        d = np.diff(window, axis=0) / np.abs(window[:-1])
    return (d >= JITTER_REL).any(axis=0) & (d <= -JITTER_REL).any(axis=0)


def holds(window: np.ndarray) -> np.ndarray:
    """Whether each column of `window` ((w, n), nats) is finite and spreads by less than JITTER_REL
    of its size: a model no step changes beyond that (every unit off, a constant output whose bias
    alone still wobbles by the last printed digit) logs about the same loss again and again. With
    `wobbles` it leaves one case only, a loss drifting one way (a decayed learning rate)."""
    fin = np.isfinite(window).all(axis=0)
    w = np.where(fin, window, 0.0)
    if not w.shape[0]:
        return fin
    return fin & (w.max(axis=0) - w.min(axis=0) < JITTER_REL * np.abs(w.mean(axis=0)))


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
    mark: int,
    now: bool = True,
) -> list[Claim]:
    """`at-majority-rate` and `one-class-predictor` for an accuracy `acc` frozen since x0 while the
    loss moved from `first_loss` to `loss_now` (level `lvl_now`, nats) into the base-rate band.
    `mark` (stuck.py): 1 passing through (`possible`), 2 settled there, 3 settled at or above it,
    still moving, with the training loss no lower (a collapsed network), 4 the loss and the
    training loss holding within 0.2 % at or above it (a dead network); `likely` from 2. `now`: x1 is
    the alert's latest point (the text says "since x0"; else "from x0 to x1", a span of its own)."""
    h, hi = prior_cost(acc, k)
    cost = fmt(h) if hi == h else f"{span(h, hi, 4, sep=' to ')}"
    settled = mark >= 2
    strength = "likely" if settled else "possible"
    if mark == 4:
        why = (
            f"and the loss {fmt(loss_now)} is at or above the {fmt(h)} nats that the cheapest constant "
            f"guess scoring {fmt(acc, 4)} costs (the entropy of labels whose most frequent class has "
            "that share), while the loss and the training loss hold within 0.2 % from one evaluation "
            "to the next: no training step changes the model beyond its last printed digits. A network "
            "whose units are all off (only an output bias still moving), or whose outputs sit "
            "saturated at the loss's clip, predicts one class and logs this"
        )
        others = (
            "Another reading: a model that tells classes apart and whose learning rate is zero (a "
            "schedule that has ended, frozen parameters); " + DECIDE
        )
    elif mark == 3:
        why = (
            f"and the loss level {fmt(lvl_now)} has stopped falling at or above the {fmt(h)} nats that the "
            f"cheapest constant guess scoring {fmt(acc, 4)} costs (the entropy of labels whose most "
            "frequent class has that share; more with more classes, or a guess off the shares), with "
            "the training loss no lower: the loss still moves, so the weights change, yet not one "
            "prediction changes class. A network that has collapsed to the most frequent class (often "
            "a learning rate far too high) logs this"
        )
        others = (
            "Another reading: a model that tells classes apart no better than a constant guess and "
            "whose every prediction stays on one side of its boundary; " + DECIDE
        )
    elif settled:
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
            f"{subject} {fmt(acc, 4)} is the share of the most frequent class: "
            + (
                f"it has not changed since {unit} {fmt_x(x0)}"
                if now
                else f"it held from {unit} {fmt_x(x0)} to {fmt_x(x1)}"
            )
            + f" while {loss_name} moved "
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


#: a training accuracy at least this (a fraction) has every training sample right, to the printing
#: of a batch mean over a few hundred samples
TRAIN_ALL_RIGHT = 0.999


def fits_every_training_sample(train_acc: np.ndarray) -> np.ndarray:
    """Whether each training accuracy (fraction, shape (n,); NaN gives False) has every training sample
    right: a model that predicts one class scores its training split's share of that class, so only a
    training split of a single class (no classification task) lets a one-class model score 1."""
    with np.errstate(invalid="ignore"):
        return np.asarray(train_acc >= TRAIN_ALL_RIGHT)


def guess_reading(ctx: Ctx, x0: float, x1: float) -> tuple[float, float, bool] | None:
    """(accuracy, training loss at x1 in nats, whether one sample moved) when the run's accuracy held
    one value over x0..x1 (within one sample when the evaluation set's size is known: at most one
    prediction changed class) while
    the training loss at x1 is at or above (1 - BASE_RATE_TOL) x H(accuracy) nats, what a constant
    guess scoring that accuracy at least costs: a rise of the
    validation loss there is the wobble of a model that fits nothing, not a fit that stopped
    generalising. None otherwise, and without an accuracy or a training loss."""
    acc, train = ctx.acc, ctx.train
    if acc is None or train is None or not len(acc) or not (math.isfinite(x0) and math.isfinite(x1)):
        return None
    col = x_column(acc, ctx.axis)
    if col is None:
        return None
    raw = np.asarray(acc.raw, dtype=np.float64)
    if ordered(col):  # (the same values as the mask below, without two passes over a long history)
        vals = raw[int(np.searchsorted(col, x0, "left")) : int(np.searchsorted(col, x1, "right"))]
    else:
        vals = raw[(col >= x0) & (col <= x1)]
    # one sample may cross and come back (a collapsed network's wobbling bias tips the odd
    # borderline sample: collapse-k2-torch s0, tune split); with the set's size unknown, none
    n = ctx.acc_n
    tol = 1e-6 + (1.0 / n if n else 0.0)
    if len(vals) < 2 or not np.isfinite(vals).all():
        return None
    if np.ptp(vals) > tol and (n or not one_sample_apart(vals)):
        return None
    a = float(np.median(vals))
    t = value_at_x(train, ctx.axis, x1)
    if not (0.5 <= a <= 0.95 and math.isfinite(t)):
        return None
    if t < (1 - BASE_RATE_TOL) * float(binary_entropy(np.array([a]))[0]):
        return None
    if (
        ctx.train_acc is not None
        and fits_every_training_sample(np.array([value_at_x(ctx.train_acc, ctx.axis, x1)])).all()
    ):  # (every training sample right: no constant guess, whatever a smoothed training loss costs)
        return None
    return a, t, bool(np.ptp(vals) > 1e-6)


#: the coarsest printing taken for an accuracy: 4 decimals (Keras, Lightning and most loops print more)
PRINT_HALF_STEP = 5e-5


def one_sample_apart(vals: np.ndarray, n_max: int = 100_000) -> bool:
    """With the evaluation set's size not known yet: whether accuracies (fractions, shape (m,)) that
    take two levels are one sample apart on a grid k/n that their own gap implies, every value a
    whole count of that n within its printing (4 decimals at the coarsest). A collapsed network's
    one borderline sample crossing and coming back (505/600 then 504/600) fits; two levels that no
    common n puts one count apart do not.

    >>> one_sample_apart(np.array([0.8417, 0.84, 0.8417]))
    True
    >>> one_sample_apart(np.array([0.8417, 0.83, 0.8417]))
    False
    """
    lo_v, hi_v = vals.min(initial=np.inf), vals.max(initial=-np.inf)
    if lo_v == lo_v and hi_v == hi_v and not ((vals == lo_v) | (vals == hi_v)).all():
        return False  # (a third level, found without sorting a long span's values)
    levels = np.unique(vals)
    if len(levels) != 2:
        return False
    gap = float(levels[1] - levels[0])
    lo = max(2, math.floor(1.0 / (gap + 2 * PRINT_HALF_STEP)))
    hi = n_max if gap <= 2 * PRINT_HALF_STEP else min(n_max, math.ceil(1.0 / (gap - 2 * PRINT_HALF_STEP)))
    if hi < lo:
        return False
    ns = np.arange(lo, hi + 1, dtype=np.float64)[:, None]
    counts = levels[None, :] * ns
    whole = np.abs(counts - np.rint(counts)) <= ns * PRINT_HALF_STEP + 1e-6
    one = np.rint(counts[:, 1]) - np.rint(counts[:, 0]) == 1
    return bool((whole.all(axis=1) & one).any())


def guess_claim(found: tuple[float, float, bool], x0: float, x1: float, subject: str) -> Claim:
    """`one-class-predictor` (possible) for a rise that `guess_reading` found in a model that fits
    nothing: the reading that demotes it to information."""
    a, t, moved = found
    h = float(binary_entropy(np.array([a]))[0])
    held = "within one sample" if moved else "not one prediction changing class"
    return Claim(
        "one-class-predictor",
        "possible",
        x0,
        x1,
        f"accuracy held {fmt(a, 4)} over the whole span, {held}, while the "
        f"training loss {fmt(t)} is no lower than the {fmt(h)} nats a constant guess scoring that costs: "
        f"the model fits its training samples no better than predicting one class, so the rise of "
        f"{subject} is its outputs wobbling, not a fit that stopped generalising",
        others="Another reading: a model that tells classes apart no better than a constant guess; " + DECIDE,
    )
