"""Whether an accuracy can be the share of the most frequent class (a base-rate reading), and how
many minority samples its evaluation set (or training split) must show for that reading to be
favoured over a near-perfect model's last few mistakes."""

from __future__ import annotations

import functools
import math

import numpy as np

from lossacc_tui.analysis.passmemo import quiet
from lossacc_tui.analysis.quantities import fmt
from lossacc_tui.analysis.resolution import decimals


def majority_share(acc: np.ndarray, n_eval: np.ndarray | None = None) -> np.ndarray:
    """Whether each accuracy (fraction, shape (n,)) can be the share of the most frequent class in a
    base-rate reading: at least 1/2 and below 1 (a perfect score leaves no minority, and H(1) = 0
    bounds nothing), and above 0.95 not on an evaluation set of known size `n_eval` (shape (n,),
    NaN where unknown) with fewer than MIN_MINORITY minority samples. Above 0.95 the reading is
    favoured only with a minority of that size shown (`minority_known`)."""
    with quiet(invalid="ignore"):
        out = (acc >= 0.5) & (acc < 1.0)
        if n_eval is not None:
            out &= ~((acc > 0.95) & ((1.0 - acc) * n_eval < MIN_MINORITY - 1e-6))
        return out


def minority_known(
    acc: np.ndarray, n_eval: np.ndarray | None = None, digits: int | None = None
) -> np.ndarray:
    """Whether the base-rate reading of each accuracy (fraction, shape (n,)) may be favoured as far
    as the evaluation set's size goes: always up to 0.95; above it (below 1) when the set holds a
    minority of at least MIN_MINORITY samples: (1 - acc) x n, with n the set's size `n_eval`
    (shape (n,), NaN where unknown) or else the least n whose grid k/n holds the value as printed
    (`least_n`: 0.9525 printed to 4 decimals needs n >= 295). A near-perfect model on a small set
    keeps its last few hard mistakes for many evaluations (the truth corpus's `sweep-lightning` at
    52 of 53), which no bound on the loss tells from a one-class model; a 95/5 or 99/1 collapse on a
    set of hundreds has a minority of tens of samples, and the bound H(acc) (`binary_entropy`) then
    tells it from a model that uses its inputs. `digits`: the decimals the log's format prints every
    value with (`printed.printed_decimals`: Keras' console `0.9510` is 0.951 read back), None: as
    each value shows."""
    with quiet(invalid="ignore"):
        out = acc < 1.0
        sel = np.flatnonzero(out & (acc > 0.95))
        if len(sel):
            a = acc[sel]
            n = n_eval[sel] if n_eval is not None else np.full(len(sel), np.nan)
            fin = np.isfinite(n)
            if not fin.all():
                pairs = zip(fin.tolist(), a.tolist(), strict=True)
                least = [math.nan if f else least_n(v, digits) for f, v in pairs]
                n = np.where(fin, n, least)
            # (a count of samples: the printed value is rounded, so (1 - acc) x n is that count
            # give or take the rounding: "0.9510" on the least grid 102 is 4.998, i.e. 5 of 102)
            out[sel] = np.rint((1.0 - a) * n) >= MIN_MINORITY  # (NaN n: False)
        return out


#: the fewest minority-class samples a base-rate reading above 95 % needs in its evaluation set
MIN_MINORITY = 5


def few_minority(
    acc: np.ndarray,
    n_eval: np.ndarray | None = None,
    digits: int | None = None,
    known: np.ndarray | None = None,
) -> np.ndarray:
    """Whether each accuracy (fraction, shape (n,)) above 0.95 is printed finely enough (4 decimals or
    more) for `minority_known`'s least grid to pin its minority, and that minority is still fewer than
    MIN_MINORITY samples (599/600 as a float: 1). A coarse "0.96" fits 22/23 as well as 384/400, so it
    says nothing of the minority's size and is never counted here. `digits` as `minority_known`;
    `known`: its answer for the same arguments, when the caller has it."""
    if known is None:
        known = minority_known(acc, n_eval, digits)
    with quiet(invalid="ignore"):
        out = (acc > 0.95) & ~known
    sel = np.flatnonzero(out)
    if len(sel):
        known = np.isfinite(n_eval[sel]) if n_eval is not None else np.zeros(len(sel), dtype=bool)
        out[sel] = [k or _fine(v, digits) for k, v in zip(known.tolist(), acc[sel].tolist(), strict=True)]
    return out


@functools.lru_cache(maxsize=1024)
def _fine(v: float, digits: int | None = None) -> bool:
    """Whether `v` was printed with 4 decimals or more (`resolution.decimals`, or `digits`: the
    format's own, when it prints more than the value shows)."""
    return max(decimals(v), digits or 0) >= 4


@functools.lru_cache(maxsize=1024)
def least_n(v: float, digits: int | None = None) -> float:
    """The least evaluation-set size n (1..20,000) whose grid k/n holds the accuracy `v` (a fraction)
    within the precision it was printed with (`resolution.decimals`, or `digits` when the format
    prints more than the value shows: `0.9510` read back as 0.951; float32 storage at the finest):
    a lower bound on the set's size. NaN when none does (or v is not finite).

    >>> least_n(0.9525), least_n(0.981132), least_n(0.5), least_n(0.951), least_n(0.951, 4)
    (295.0, 53.0, 2.0, 41.0, 102.0)
    """
    if not math.isfinite(v):
        return math.nan
    tol = 0.5 * 10.0 ** -max(decimals(v), digits or 0) + 6e-8
    q = np.arange(1, 20_001, dtype=np.float64)
    k = v * q
    fit = np.flatnonzero(np.abs(k - np.rint(k)) <= q * tol + 1e-9)
    return float(q[fit[0]]) if len(fit) else math.nan


def coarse_print_note(subject: str, acc: float, eval_size: int | None, digits: int | None) -> str:
    """The sentence saying what a printed accuracy `acc` (a fraction above 0.95) cannot tell of its
    minority: "" when the set's size `eval_size` is known, or the value's printed decimals (at least
    `digits`, the format's) pin a minority of MIN_MINORITY samples or more (`minority_known`), or the
    value is not above 0.95. Else: how few samples the printed value fits (`least_n`), the minority
    that leaves, and what decides. Arithmetic on the printed value only."""
    if eval_size is not None or not 0.95 < acc < 1.0 or not math.isfinite(acc):
        return ""
    if bool(minority_known(np.array([acc]), None, digits)[0]):
        return ""
    n = least_n(acc, digits)
    if not math.isfinite(n):
        return ""
    shown = max(decimals(acc), digits or 0)
    off = round((1.0 - acc) * n)
    return (
        f"{subject} reads {acc:.{shown}f} here, {shown} decimals (a zero printed after them does not "
        f"survive reading): a set of as few as {int(n)} samples fits that value, {off} of them off the most "
        "frequent class, too few to tell a model predicting one class from a near-perfect one keeping its "
        "last mistakes, so the value favours neither; the evaluation set's size, the accuracy logged with "
        "more decimals (a CSV or JSON copy of the same run) or --majority RATE decide"
    )


#: the fewest samples off the held value's majority share (its minority) for the long-held share with
#: a loss that moves (acc-stuck's mark 5) to be favoured: a model predicting both classes keeps a
#: fixed handful of hard samples wrong for many evaluations while its other outputs grow surer
#: (tester 22's plain BCE on 100 validation samples: the same 6-8 samples wrong for 9-13 evaluations,
#: 0 flips, at 0.92-0.94 with labels 62/38); a one-class model on a 95/5 split of 510 leaves 25
HELD_MINORITY = 10


def held_minority(acc: np.ndarray, n: np.ndarray) -> np.ndarray:
    """The fewest samples each held accuracy (fraction, shape (n,)) leaves off its class: (1 - acc) x n,
    with n (shape (n,)) the evaluation set's size or a lower bound on it (`least_common_n`), NaN where
    unknown (then NaN). A lower bound on the mistakes a model keeps at that accuracy."""
    with quiet(invalid="ignore"):
        return np.rint((1.0 - acc) * n)


#: the most distinct values `least_common_n` reads (the smallest first): fewer values give a smaller n,
#: still a lower bound on the set's size
COMMON_MAX = 64


@functools.lru_cache(maxsize=256)
def least_common_n(values: tuple[float, ...], digits: int | None = None) -> float:
    """The least evaluation-set size n (1..20,000) whose grid k/n holds every one of `values` (distinct
    accuracies of one series, fractions, sorted) within the precision each was printed with (as
    `least_n`): a lower bound on the size of a fixed evaluation set that scored them all (tester 22's
    plain BCE logs 0.73, 0.82, ..., 0.94 at 2 decimals: no set under 80 samples fits them all, where
    0.93 alone fits 14). NaN when none does or `values` is empty."""
    q = np.arange(1, 20_001, dtype=np.float64)
    for v in values[:COMMON_MAX]:
        if not math.isfinite(v):
            continue
        tol = 0.5 * 10.0 ** -max(decimals(v), digits or 0) + 6e-8
        k = v * q
        q = q[np.abs(k - np.rint(k)) <= q * tol + 1e-9]
        if not len(q):
            return math.nan
    return float(q[0]) if len(values) else math.nan


def handful_note(subject: str, acc: float, n: float, known: bool) -> str:
    """The sentence saying why a count held at `acc` (a fraction) with the loss moving favours no
    one-class reading when its minority on n samples (the set's size when `known`, else the least
    `least_common_n` allows) is fewer than HELD_MINORITY samples; "" else."""
    if not math.isfinite(n) or not math.isfinite(acc):
        return ""
    off = round((1.0 - acc) * n)
    if off >= HELD_MINORITY:
        return ""
    if known:
        left = f"leaves {off} of its {int(n)} samples off the most frequent class"
    else:
        left = (
            f"may leave as few as {off} sample{'s' if off != 1 else ''} off the most frequent class (the "
            f"least set whose grid holds every value it logged has {int(n)} samples)"
        )
    return (
        f"Not favoured: {subject} {fmt(acc, 4)} {left}, fewer than {HELD_MINORITY}; a model predicting more "
        "than one class keeps a fixed handful of hard samples wrong for many evaluations while its other "
        "outputs grow surer and its loss falls, so a count held to the sample says nothing of a collapse "
        "there; the evaluation set's size or --majority RATE decides"
    )


def off_given_rate(dev: np.ndarray, n_eval: np.ndarray | None, rate: float, tol: float) -> np.ndarray:
    """Whether an accuracy `dev` (shape (n,)) away from the majority-class rate `rate` the user gave
    (`--majority`, a fraction) is NOT that rate: more than `tol` from it, or, on an evaluation set of
    known size `n_eval` (shape (n,), NaN where unknown), half a sample or more from it (with 80
    samples 0.8625 is 69 right, not the 70 of 0.875: a model predicting the majority class for every
    sample scores exactly the rate) unless within half a unit of the rate's own last printed decimal
    (0.82 given for 490/600 = 0.8167: the user rounded, not the model)."""
    with quiet(invalid="ignore"):
        out = ~(dev <= tol)
        if n_eval is not None:
            half_unit = 0.5 * 10.0 ** -decimals(rate) * (1 + 1e-6)
            out |= np.isfinite(n_eval) & (dev * n_eval >= 0.5) & (dev > half_unit)
    return out


def samples_apart(dev: float, n: float | None, n_near: int | None = None) -> str:
    """ " (N of the n samples apart)" for an accuracy `dev` (a fraction) off a given rate on an
    evaluation set of n samples (None or NaN: unknown, ""): the count the two shares differ by.
    `n_near`: another size the values fit as well (`GridEstimate.n_near`): the size is then said as
    "about n-n_near" (tester h19t: "of the 1999 samples" of a set of 2,000)."""
    if n is None or not math.isfinite(n) or n <= 0:
        return ""
    k = round(dev * n)
    if k < 1:
        return ""
    if n_near is not None and n_near != round(n):
        lo, hi = sorted((round(n), n_near))
        return f" ({k} of the about {lo:,}-{hi:,} samples apart)"
    return f" ({k} of the {round(n):,} samples apart)"
