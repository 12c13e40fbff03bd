"""When a loss has risen above its best: the usual rule (a jump of `rise_rel` beyond its own noise)
and the steady one (a slow rise that the usual rule sees only once it is `rise_rel` high).

A loss that rises a little at every evaluation has next to no evaluation-to-evaluation noise (the
second differences of a steady drift are about 0), so its rise is far beyond that noise long before
it reaches `rise_rel` above its best: a validation loss up 4.5 % over 32 epochs after its minimum
crossed 5 % only 34 epochs after it. The steady rule counts a rise of `steady_rise_rel` (1 %) that is
beyond `rise_z` noise standard deviations and has grown at each of the last `steady_run`
evaluations. Both are in nats and relative to the running best of the raw loss.
"""

from __future__ import annotations

import numpy as np

from lossacc_tui.analysis.params import Params


def rises_in_a_row(y: np.ndarray, prev: float, carry: int) -> np.ndarray:
    """How many consecutive evaluations, ending at each point, the value grew over the one before
    (`prev`: the value before this chunk; `carry`: the count there). NaN breaks a run.

    >>> rises_in_a_row(np.array([1.0, 2.0, 3.0, 2.5, 2.6]), 0.5, 4).tolist()
    [5, 6, 7, 0, 1]
    """
    before = np.concatenate([[prev], y[:-1]])
    with np.errstate(invalid="ignore"):
        up = y > before
    idx = np.arange(len(y))
    last_not = np.maximum.accumulate(np.where(~up, idx, -1))
    out = idx - last_not
    out[last_not < 0] += carry
    return out


def steady_rise(y: np.ndarray, best: np.ndarray, sig: np.ndarray, ups: np.ndarray, p: Params) -> np.ndarray:
    """True where the loss is `steady_rise_rel` above its best, beyond `rise_z` noise standard
    deviations, and has grown at each of the last `steady_run` evaluations."""
    with np.errstate(invalid="ignore"):
        return (
            (y >= best * (1 + p.steady_rise_rel))
            & (y - best >= p.rise_z * sig)
            & (ups >= p.steady_run)
            & (y > best)
        )


class RiseRun:
    """Carries `rises_in_a_row` across the chunks of one series."""

    __slots__ = ("carry", "prev")

    def __init__(self) -> None:
        self.prev = np.nan
        self.carry = 0

    def feed(self, y: np.ndarray) -> np.ndarray:
        if len(y) == 0:
            return np.zeros(0, dtype=np.int64)
        out = rises_in_a_row(y, self.prev, self.carry)
        self.prev, self.carry = float(y[-1]), int(out[-1])
        return out
