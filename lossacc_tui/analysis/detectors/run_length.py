"""Run lengths of a condition over a stream of evaluations, carried from chunk to chunk: the
detectors that open after a condition held N evaluations in a row (`overfitting`, `val-degrading`)
count them with this."""

from __future__ import annotations

import numpy as np


def run_lengths(cond: np.ndarray, carry: int) -> np.ndarray:
    """How many consecutive True values end at each position (the first run continues `carry`).

    >>> run_lengths(np.array([True, True, False, True]), 2).tolist()
    [3, 4, 0, 1]
    """
    idx = np.arange(len(cond))
    last_false = np.maximum.accumulate(np.where(~cond, idx, -1))
    out = idx - last_false
    out[last_false < 0] += carry
    return out
