"""A validation accuracy that never left chance: every evaluation of the run within its own noise
of 1/K.

One evaluation of a model that guesses scores 1/K give or take the binomial standard error
sqrt(p (1 - p) / n) of its n samples (p = 1/K); M evaluations of it spread wider, the largest
deviation of M draws growing like sqrt(2 ln M) standard errors. The band here is the one M such
draws all fall inside with chance `THROUGH_P` (3.6 standard errors for 30 evaluations, 3.3 for 10),
so a run called at chance "throughout" could have come from a guessing model; with n unknown, the
band is `CHANCE_REL` of 1/K (as `val-at-chance` reads a level with n unknown).

Tester h19t's HF Trainer run (tiny BERT, 400 training samples, K = 2): eval_accuracy 0.482-0.538 at
all 30 evaluations (within 1.7 standard errors of 0.5 on its ~500 samples) while the training loss
fell 0.69 -> 0.43: it got `overfitting` and "keep the checkpoint at epoch 3", and nothing said that
no checkpoint of it beat a guess on validation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from lossacc_tui.analysis.passmemo import quiet

#: the chance that M evaluations of a model at chance all fall inside the band
THROUGH_P = 0.99
#: evaluations needed before a run is called at chance throughout (a learning run's first few
#: evaluations are at chance too)
THROUGH_MIN = 10
#: with the evaluation set's size unknown, the band is this share of 1/K
CHANCE_REL = 0.2

_Z: dict[int, float] = {}


def through_z(m: int) -> float:
    """The standard errors of the band M evaluations of a guessing model all fall inside with chance
    THROUGH_P (two-sided, each alike and independent).

    >>> round(through_z(10), 2), round(through_z(30), 2)
    (3.29, 3.59)
    """
    m = max(1, int(m))
    z = _Z.get(m)
    if z is None:
        z = _Z[m] = NormalDist().inv_cdf(1 - (1 - THROUGH_P) / (2 * m)) if m < 10**7 else 6.0
    return z


def through_tol(m: np.ndarray, k: int, n: np.ndarray | None) -> np.ndarray:
    """The band (fraction) around 1/K for M evaluations (shape (s,)) on sets of size n (shape (s,),
    NaN unknown; None: unknown everywhere): through_z(M) binomial standard errors, else CHANCE_REL/K."""
    p = 1.0 / k
    out = np.full(len(m), CHANCE_REL * p)
    if n is None:
        return out
    z = np.array([through_z(int(v)) for v in np.asarray(m).tolist()])
    with quiet(invalid="ignore", divide="ignore"):
        se = np.sqrt(p * (1 - p) / np.asarray(n, dtype=np.float64))
    return np.where(np.isfinite(se) & (se > 0), z * se, out)


@dataclass(frozen=True)
class AtChance:
    """A validation accuracy at chance at every evaluation so far: M evaluations, their lowest and
    highest value, the largest deviation from 1/K and the band it was judged in (fractions), the
    evaluation set's size n (0: unknown)."""

    k: int
    evals: int
    low: float
    high: float
    dev: float
    band: float
    n: int

    def words(self) -> str:
        """'all 30 evaluations within 0.038 of 1/2 (1.7 binomial standard errors of 494 samples; a
        guessing model's 30 evaluations all fall within 3.6 of them 99 times in 100)'."""
        p = 1.0 / self.k
        if self.n:
            se = math.sqrt(p * (1 - p) / self.n)
            how = (
                f"{self.dev / se:.1f} binomial standard errors of {self.n} samples at most; a guessing "
                f"model's {self.evals} evaluations all fall within {self.band / se:.1f} of them "
                f"{THROUGH_P * 100:.0f} times in 100"
            )
        else:
            how = f"the evaluation set's size unknown: within {CHANCE_REL:.0%} of 1/{self.k}"
        return (
            f"all {self.evals} evaluations {self.low:.4g}-{self.high:.4g}, within {self.dev:.3f} of "
            f"1/{self.k} = {p:.4g} ({how})"
        )


def at_chance_throughout(values: np.ndarray, k: int | None, n: int | None) -> AtChance | None:
    """Whether an accuracy series (fractions, in order) was at 1/K at every evaluation (finite
    values; at least THROUGH_MIN of them) within the band of `through_tol`; None otherwise or
    without K >= 2. O(len(values)): read when a text is rendered."""
    if k is None or k < 2:
        return None
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    m = len(v)
    if m < THROUGH_MIN:
        return None
    dev = float(np.max(np.abs(v - 1.0 / k)))
    band = float(through_tol(np.array([m]), k, None if not n else np.array([float(n)]))[0])
    if dev > band:
        return None
    return AtChance(k, m, float(v.min()), float(v.max()), dev, band, int(n or 0))


#: the largest class count `chance_ks` tries
KS_MAX = 1000


def chance_ks(values: np.ndarray, n: int | None) -> tuple[int, int] | None:
    """With K unknown: the class counts K (lowest, highest) whose chance level 1/K the accuracy series
    (fractions, in order) sat at throughout (`at_chance_throughout`, at least THROUGH_MIN finite
    values), counting only a K whose band keeps clear of 0 (an accuracy near 0 is no guess's);
    None when no K fits. Tester h19t's shuffled validation labels: 0.090-0.0975 at 30 evaluations of
    2000 samples fits K = 10-13; rw-02's 0.0000 fits none. O(len(values) x K tried): read when a text
    is rendered."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if len(v) < THROUGH_MIN or float(v.min()) <= 0.0:
        return None
    hi = float(v.max())
    ks: list[int] = []
    for k in range(max(2, int(1.0 / min(1.0, 2 * hi))), KS_MAX + 1):
        at = at_chance_throughout(v, k, n)
        if at is not None and 1.0 / k - at.band > 0:
            ks.append(k)
        elif ks:
            break
    return (ks[0], ks[-1]) if ks else None
