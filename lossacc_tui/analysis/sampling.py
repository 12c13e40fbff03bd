"""How far a small evaluation set's own sampling moves its accuracy: the samples that changed
sides between two evaluations of n samples, against what two draws of n samples move a count of
mistakes by. A fresh 32-sample batch at 94 % accuracy holds 0-4 mistakes; two such batches differ
by up to 4.3 of them (two deviations of a difference of two binomial counts) with no change to
the model at all.

>>> moved_samples(32, 0.96875, 0.875), round(drawn_samples(32, 0.96875, 0.875, 2), 2)
(3, 4.29)
"""

from __future__ import annotations

import math


def moved_samples(n: int, a0: float, a1: float) -> int:
    """Samples of an n-sample set the accuracy moved by between a0 and a1 (fractions)."""
    return round(abs(a1 - a0) * n)


def drawn_samples(n: int, a0: float, a1: float, floor: int) -> float:
    """What two draws of n samples move a count of mistakes by: two deviations of a difference of
    two binomial counts, 2 sqrt(2 n a (1 - a)) at the mean accuracy a of a0 and a1, and at least
    `floor` samples."""
    a = min(1.0, max(0.0, (a0 + a1) / 2))
    return max(float(floor), 2.0 * math.sqrt(2.0 * n * a * (1.0 - a)))
