"""How far a small evaluation set's own sampling moves its accuracy: the samples that changed
sides between two evaluations of n samples, against what two draws of n samples move a count of
mistakes by. A fresh 32-sample batch at 94 % accuracy holds 0-4 mistakes; two such batches differ
by up to 4.3 of them (two deviations of a difference of two binomial counts) with no change to
the model at all.

A rise of a mean loss over such a set is what a few of its samples carry when the samples the
accuracy shows moving are within that, and the rise in nats over the whole set is at most what they
and `flip_samples` more cost as confident mistakes (`flip_nats` each): `few_samples_carry`.

>>> moved_samples(32, 0.96875, 0.875), round(drawn_samples(32, 0.96875, 0.875, 2), 2)
(3, 4.29)
>>> few_samples_carry(0.33, 32, 0.96875, 0.875, 2, 6.9)  # (10.6 nats in all, 3 samples moved)
True
>>> few_samples_carry(0.95, 100, 0.94, 0.89, 2, 6.9)  # (95 nats with 5 samples: a learning rate x20)
False
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


def few_samples_carry(rise: float, n: int, a0: float, a1: float, flip_samples: int, flip_nats: float) -> bool:
    """Whether a rise of a mean loss over n samples (nats; accuracy a0 -> a1, fractions) is what a
    few of its samples carry: the m samples the accuracy moved by are within what two draws move
    a count of mistakes by (`drawn_samples`), and rise x n is at most (m + flip_samples) x
    flip_nats. Worked example (numpy, a fresh 32-sample batch, 5 % of labels swapped): 0.15 ->
    0.48 nats is 10.6 nats in all with 3 mistakes more, within the 4.3 two draws move and below
    5 x 6.9 nats. False for non-finite inputs."""
    if not all(math.isfinite(v) for v in (rise, a0, a1)):
        return False
    moved = moved_samples(n, a0, a1)
    return moved <= drawn_samples(n, a0, a1, flip_samples) and rise * n <= (moved + flip_samples) * flip_nats
