"""Per-sample facts of one evaluation (schema 1 of /work/coord/FACTS_AND_CLAIMS.md), from the
predicted class probabilities of a split and its true labels. numpy only.

Shapes: `probs` is (n, k) probabilities (rows sum to 1), `labels` is (n,) integer class ids.
Losses are in nats; shares and rates are fractions in 0..1. Calibration error follows Guo et al.
2017 ("On Calibration of Modern Neural Networks"): 15 equal-width confidence bins, weighted mean
|accuracy - confidence| over the bins.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

SCHEMA = 1
CONFIDENT = 0.9  # a mistake is confident when its top probability exceeds this
ECE_BINS = 15


def _f(v: float | np.floating[Any]) -> float | None:
    """A float for JSON, 6 significant digits; None for NaN/inf (JSON has neither)."""
    v = float(v)
    return float(f"{v:.6g}") if math.isfinite(v) else None


class FactTracker:
    """Facts of successive evaluations of one split; remembers the previous predictions for flips."""

    def __init__(
        self, split: str, eps: float = 0.0, class_weight: np.ndarray | None = None, added: bool = False
    ) -> None:
        self.split = split
        self.eps = eps  # the label smoothing of the logged loss (0: plain cross-entropy)
        # the logged loss weights each sample's cross-entropy by class_weight[y] (shape (k,)), and/or
        # has a term added to it (`added` at each evaluation, nats): the `objective_*` facts
        self.class_weight = class_weight
        self.added = added
        self._prev: np.ndarray | None = None

    def facts(
        self, probs: np.ndarray, labels: np.ndarray, epoch: int | None, step: int | None, added: float = 0.0
    ) -> dict:
        """The schema-1 facts of this evaluation; see the module docstring for shapes and units.
        `added`: the term (nats) the logged loss adds to its per-sample part at this evaluation."""
        p = np.asarray(probs, dtype=np.float64)
        y = np.asarray(labels, dtype=np.int64)
        n, k = p.shape
        finite = np.isfinite(p).all(axis=1)
        pred = np.argmax(np.where(np.isfinite(p), p, -1.0), axis=1)
        right = pred == y
        wrong = ~right
        conf = np.where(finite, p.max(axis=1, initial=0.0, where=np.isfinite(p)), np.nan)
        p_true = p[np.arange(n), y]
        ce = -np.log(np.clip(p_true, 1e-12, 1.0))
        loss_sum = float(ce.sum())
        n_wrong = int(wrong.sum())
        confident_wrong = int((wrong & (conf > CONFIDENT)).sum())
        # bins [0,.1) ... [.4,.5]: a mistake has p_true <= 1/2 except in ties, which go to the last bin
        tenth = np.floor(np.clip(p_true[wrong & finite], 0.0, 0.5) * 10).astype(np.int64)
        hist = np.bincount(np.minimum(tenth, 4), minlength=5)
        counts = np.bincount(y, minlength=k)
        pred_counts = np.bincount(pred, minlength=k)
        out: dict[str, Any] = {
            "schema": SCHEMA,
            "split": self.split,
            "epoch": epoch,
            "step": step,
            "n": n,
            "k": k,
            "accuracy": _f(right.mean()),
            "loss": _f(ce.mean()),
            "n_wrong": n_wrong,
            "wrong_loss_share": _f(ce[wrong].sum() / loss_sum) if loss_sum > 0 else None,
            "confident_wrong": confident_wrong,
            "confident_wrong_share": _f(confident_wrong / n_wrong) if n_wrong else None,
            "p_true_wrong_hist": [int(c) for c in hist],
            "mean_conf": _f(np.mean(conf)),
            "conf_right": _f(np.mean(conf[right])) if right.any() else None,
            "conf_wrong": _f(np.mean(conf[wrong])) if wrong.any() else None,
            "ece": _f(ece(conf, right)) if finite.all() else None,
            "flips": None,
            "flips_to_right": None,
            "flips_to_wrong": None,
            "majority_rate": _f(counts.max() / n),
            "pred_majority_share": _f(pred_counts.max() / n),
            "per_class_acc": (
                [_f((right & (y == c)).sum() / counts[c]) if counts[c] else None for c in range(k)]
                if k <= 20
                else None
            ),
        }
        if self.eps > 0:  # the loss the loop logs: cross-entropy against the smoothed target
            sm = smoothed_ce(p, y, self.eps)
            sm_sum = float(sm.sum())
            out["smoothed_loss"] = _f(sm.mean())
            out["smoothed_wrong_loss_share"] = _f(sm[wrong].sum() / sm_sum) if sm_sum > 0 else None
        if self.class_weight is not None or self.added:
            # the loss the loop logs: per-sample (weighted) cross-entropy plus the added term; what
            # mistakes and right answers carry of it (the rest, if any, is the added term's)
            per = ce * (self.class_weight[y] if self.class_weight is not None else 1.0)
            total = float(per.sum()) + n * added
            out["objective_loss"] = _f(total / n)
            out["objective_added"] = _f(added)
            out["objective_wrong_loss_share"] = _f(per[wrong].sum() / total) if total > 0 else None
            out["objective_right_loss_share"] = _f(per[right].sum() / total) if total > 0 else None
        if self._prev is not None:
            changed = pred != self._prev
            before_right = self._prev == y
            out["flips"] = int(changed.sum())
            out["flips_to_right"] = int((changed & right & ~before_right).sum())
            out["flips_to_wrong"] = int((changed & wrong & before_right).sum())
        self._prev = pred
        return out


def smoothed_ce(p: np.ndarray, y: np.ndarray, eps: float) -> np.ndarray:
    """Per-sample cross-entropy (nats, shape (n,)) of probabilities `p` (n, k) against the label-smoothed
    target (1 - eps + eps/k on the true class `y`, eps/k on each other one), as torch's
    `cross_entropy(label_smoothing=eps)` computes it; p clipped at 1e-12 as the plain loss is."""
    n, k = p.shape
    logp = np.log(np.clip(p, 1e-12, 1.0))
    return -(1.0 - eps) * logp[np.arange(n), y] - (eps / k) * logp.sum(axis=1)


def ece(conf: np.ndarray, right: np.ndarray, bins: int = ECE_BINS) -> float:
    """Expected calibration error: sum over equal-width confidence bins of (bin share) * |acc - conf|."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    idx = np.clip(np.digitize(conf, edges[1:-1], right=True), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        m = idx == b
        if m.any():
            total += m.mean() * abs(right[m].mean() - conf[m].mean())
    return total
