"""Pairing the loss's and the accuracy's features point by point: a chunk of one may arrive before
the matching chunk of the other (each track advances on its own), so the unmatched points wait;
each matched pair also gets the other series' value where one had its best (carried across chunks).
"""

from __future__ import annotations

import math

import numpy as np

from lossacc_tui.analysis.features import AccFeatures, LossFeatures, concat, split
from lossacc_tui.analysis.npcalls import clip, diff1, nonzero1
from lossacc_tui.analysis.track import Feats

#: the loss fields the paired detectors and the timeline read (the pending chunk keeps only these)
LOSS_KEYS = (
    "y",
    "x",
    "idx",
    "lvl",
    "sig",
    "sig_prev",
    "dir",
    "band_dir",
    "warm",
    "best",
    "best_idx",
    "lbest",
    "lbest_idx",
)
LOSS_KEYS += ("lvl_flat", "lvl_mid", "lvl_stuck", "swing", "swing_abs")
ACC_KEYS = (
    "y",
    "x",
    "idx",
    "lvl",
    "sig",
    "dir",
    "band_dir",
    "lbest",
    "lbest_idx",
    "range_flat",
    "range_unst",
    "range_stuck",
)
ACC_KEYS += ("nonfinite_stuck", "res", "n_eval")


class Pairer:
    """Holds the loss and accuracy points not matched yet."""

    def __init__(self) -> None:
        self._pend_l: Feats | None = None
        self._pend_a: Feats | None = None
        self._carry = {"acc_at_best": (math.nan, -1), "loss_at_abest": (math.nan, -1)}

    def pair(self, lf: Feats | None, af: Feats | None) -> tuple[LossFeatures, AccFeatures] | None:
        """Add new chunks (either may be None); the points now matched in both, as (loss, accuracy)
        features of equal length with `acc_at_best` and `loss_at_abest` filled in, or None."""
        if lf is not None:
            self._pend_l = concat(self._pend_l, lf, LOSS_KEYS)
        if af is not None:
            keys = ACC_KEYS + (("maj_dev",) if af.maj_dev is not None else ())
            self._pend_a = concat(self._pend_a, af, keys)
        if self._pend_l is None or self._pend_a is None:
            return None
        n = min(len(self._pend_l.idx), len(self._pend_a.idx))
        f, self._pend_l = split(self._pend_l, n)
        g, self._pend_a = split(self._pend_a, n)
        # accuracy where the loss had its best: the higher of the value and its level (the level
        # right after the start still averages in the first, untrained evaluations)
        f.acc_at_best = self._cross("acc_at_best", f.best_idx, np.fmax(g.lvl, g.y), f.idx[0])
        g.loss_at_abest = self._cross("loss_at_abest", g.lbest_idx, f.lvl, f.idx[0])
        return f, g  # type: ignore[return-value]

    def _cross(self, key: str, at: np.ndarray, other: np.ndarray, k0: int) -> np.ndarray:
        """other's value at index `at` (a running-best index), carried across chunks. `at` is
        piecewise constant, so only the first point of each piece is looked up."""
        val, idx = self._carry[key]
        m = len(at)
        prev = np.empty_like(at)
        prev[0] = idx
        prev[1:] = at[:-1]
        starts = nonzero1(at != prev)
        if len(starts) == 0 or starts[0] != 0:
            starts = np.concatenate([[0], starts])
        a = at[starts]
        loc = a - k0
        inside = (loc >= 0) & (loc < m)
        vals = np.where(inside, other[clip(loc, 0, m - 1)], np.where(a == idx, val, np.nan))
        out = np.repeat(vals, diff1(np.concatenate([starts, [m]])))
        self._carry[key] = (float(out[-1]), int(at[-1]))
        return out
