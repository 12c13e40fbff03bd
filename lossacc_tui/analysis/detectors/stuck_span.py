"""acc-stuck's hooks around its rules: the necessary condition its quiet path reads, a chunk where
nothing opens, and what an open alert keeps of its span (where it began, the points where the
base-rate reading held, why the training side favoured no reading) and the severity that follows
from its claims. A mixin of `stuck.AccStuck`, whose `conditions` sets the per-point arrays read here."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from lossacc_tui.analysis.alerts import Alert, Severity
from lossacc_tui.analysis.detectors.base_rate import BASE_RATE_TOL, binary_entropy
from lossacc_tui.analysis.detectors.chance import CHANCE_BELOW
from lossacc_tui.analysis.detectors.majority import majority_share
from lossacc_tui.analysis.detectors.stuck_windows import LONG_EXTRA
from lossacc_tui.analysis.features import AccFeatures, LossFeatures
from lossacc_tui.analysis.params import Params
from lossacc_tui.analysis.passmemo import quiet

#: how many of the latest base-rate points an acc-stuck alert remembers
BASE_KEEP = 32


class StuckSpan:
    """The span side of acc-stuck (see the module)."""

    p: Params
    #: per point of the chunk `conditions` last judged: the rule that marked it (0: none), why the
    #: training side favoured no reading (0: it did not say), the evaluation set's least size
    #: (samples, NaN unknown), and whether a strong reading (a NaN loss, chance) opened it
    _marks: np.ndarray
    _unsure: np.ndarray
    _set_n: np.ndarray
    _strong: np.ndarray
    #: per point: the loss still falling beyond its noise there (`loss.dir < 0`)
    _falling: np.ndarray
    #: (`StuckWindows._long_held`)
    _long_held: Callable[[AccFeatures, LossFeatures, np.ndarray], np.ndarray]

    @staticmethod
    def _can_open(
        acc: AccFeatures, loss: LossFeatures | None, frozen: np.ndarray, kk: np.ndarray | None
    ) -> np.ndarray:
        """A necessary condition of `conditions`' opening (without --majority), per point: a frozen
        window, and with a loss beside it, a loss that is not finite, an accuracy near 1/K (`kk`:
        `chance_k`), or an accuracy that can be a majority share (every base-rate and long-held rule
        asks for one)."""
        if loss is None or kk is None:
            return frozen
        with quiet(invalid="ignore"):
            near = np.isfinite(kk) & (kk >= 2) & (acc.y * kk >= 1.0 - CHANCE_BELOW) & (acc.y * kk <= 1.1)
        return frozen & (~np.isfinite(loss.y) | near | majority_share(acc.y, acc.n_eval))

    def _may_open(
        self, acc: AccFeatures, loss: LossFeatures | None, frozen: np.ndarray, kk: np.ndarray | None
    ) -> np.ndarray:
        """`_can_open` narrowed by what every rule that opens on a majority share asks of the loss
        (without --majority), per point: the base-rate, constant-guess and dead-network rules a level
        at or above (1 - BASE_RATE_TOL) x H(acc) (`base_rate.base_rate_band`, `cost_band`: the least
        each allows), the long-held ones their stretch of equal accuracies with a loss at or above
        (1 - FLOOR_TOL) x H(acc) at one of its evaluations (`_long_held`). A non-finite loss or an
        accuracy near 1/K stays as `_can_open` has it."""
        cand = self._can_open(acc, loss, frozen, kk)
        if loss is None or kk is None or not cand.any():
            return cand
        with quiet(invalid="ignore"):
            near = np.isfinite(kk) & (kk >= 2) & (acc.y * kk >= 1.0 - CHANCE_BELOW) & (acc.y * kk <= 1.1)
            prior = binary_entropy(acc.y)
            may = cand & (~np.isfinite(loss.y) | near | (loss.lvl >= (1 - BASE_RATE_TOL) * prior))
        rest = cand & ~may  # (only a long-held rule can open there)
        if rest.any():
            may |= rest & self._long_held(acc, loss, prior)
        return may

    def _quiet(self, m: int) -> tuple[np.ndarray, np.ndarray]:
        """`conditions` of a chunk of m points where nothing opens: (open nowhere, release
        everywhere), no point marked or unsure."""
        none = np.zeros(m, dtype=bool)
        self._unsure = np.zeros(m, dtype=np.int8)
        self._set_n = np.full(m, np.nan)
        self._marks = np.zeros(m, dtype=np.int8)
        self._strong = none.copy()  # (read only where an alert opens: nowhere in this chunk)
        self._falling = none.copy()
        return none, ~none

    def on_open(self, alert: Alert, i: int, local: int, acc: AccFeatures, loss: LossFeatures | None) -> None:
        frozen = bool(acc.range_stuck[local] <= self.p.stuck_tol)
        # opened only on the constant-guess bound (no NaN, no chance level, no --majority): a reading
        # the numbers allow, not one they force (a small validation set can hold no prediction near
        # the threshold while a model improves), so information, not a warning
        prior_path = not bool(self._strong[local])
        # (opened on the long-held share: the stretch it read is LONG_EXTRA evaluations longer)
        w = self.p.stuck_window + (LONG_EXTRA if self._marks[local] >= 5 else 0)
        alert.data.update(frozen=frozen, first_idx=max(0, i - w + 1), prior_path=prior_path)

    def on_span(self, alert: Alert, lo: int, hi: int, acc: AccFeatures, loss: LossFeatures | None) -> None:
        # the points of the span where the base-rate reading held (the latest few are enough)
        marks = self._marks[lo:hi]
        if acc.n_eval is not None and hi > lo:  # (the evaluation set's size, samples: NaN unknown)
            alert.data["n_eval"] = float(acc.n_eval[hi - 1])
        unsure = np.flatnonzero(self._unsure[lo:hi])
        if len(unsure):  # (why the training numbers favour no reading there: `train_side`)
            alert.data["unsure"] = (int(acc.idx[lo + unsure[-1]]), int(self._unsure[lo + unsure[-1]]))
            alert.data["set_size"] = float(self._set_n[lo + unsure[-1]])  # (code 4's n, samples)
        # whether the loss was still falling beyond its noise at the span's latest points (the
        # possible base-rate readings are not offered where it was: `stuck_text`)
        falling = alert.data.setdefault("falling", {})
        for j in range(max(lo, hi - BASE_KEEP), hi):
            falling[int(acc.idx[j])] = bool(self._falling[j])
        for old in list(falling)[: max(0, len(falling) - 2 * BASE_KEEP)]:
            del falling[old]
        hits = np.flatnonzero(marks)
        if len(hits):
            keep = alert.data.setdefault("base_idx", [])
            keep.extend((int(acc.idx[lo + h]), int(marks[h])) for h in hits[-BASE_KEEP:])
            del keep[:-BASE_KEEP]

    def severity(self, alert: Alert) -> Severity:
        if alert.data.get("prior_path"):
            # a warning when the numbers favour the base-rate reading, or a probe confirms it
            for c in alert.claims:
                if c.id == "one-class-predictor" and c.strength == "confirmed":
                    return "warning"
                if c.id == "at-majority-rate" and c.strength in ("likely", "follows", "confirmed"):
                    return "warning"
            return "info"
        return "warning"
