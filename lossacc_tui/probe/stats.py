"""Per-sample facts of one evaluation, computed from its predictions with numpy alone.

The keys are those of schema 1 of `lossacc_probe.jsonl` (see `lossacc_tui.probe` and the README's
"Probe" section). Units: losses in nats, shares and rates as fractions (0..1), counts as ints.

Large evaluations (50,000 samples x 1,000 classes) are read in blocks of rows, so the temporaries
cost O(block x K) and what is kept is O(n): the predicted class, the confidence and p_true.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

SCHEMA = 1
EPS = 1e-12  # probabilities are clipped here before the log (as the schema says)
ECE_BINS = 15  # Guo et al. 2017, "On Calibration of Modern Neural Networks", section 2
CONFIDENT = 0.9  # a mistake made with confidence above this is a confident mistake
PER_CLASS_MAX_K = 20
HIST_BINS = 5  # p_true of mistakes in [0,.1) [.1,.2) [.2,.3) [.3,.4) [.4,.5]
BLOCK_ELEMENTS = 1 << 21  # rows per block = this // K (about 8 MB of float32 per temporary)
NORM_CHECK_ROWS = 1024  # probabilities are checked for rows summing to 1 on this many rows first
NORM_TOL = 1e-3


class BadInput(ValueError):
    """Predictions or labels the probe cannot use (the message is one line, for a warning)."""


@dataclass(frozen=True, slots=True)
class Predictions:
    """What the facts need from one evaluation, per sample (all shape (n,)).

    `pred`: argmax class (int64); `conf`: max probability (float64, 0..1); `p_true`: probability of
    the true class (float64, 0..1); `labels`: true class (int64); `k`: number of classes.
    """

    pred: np.ndarray
    conf: np.ndarray
    p_true: np.ndarray
    labels: np.ndarray
    k: int


def as_array(x: Any) -> np.ndarray:
    """A numpy view of an array-like, a torch tensor (any device, with or without grad), or a list;
    torch is never imported here."""
    if hasattr(x, "detach") and hasattr(x, "cpu"):
        x = x.detach().cpu()
        if str(getattr(x, "dtype", "")) in ("torch.bfloat16", "torch.float16"):
            x = x.float()
        x = x.numpy()
    elif hasattr(x, "numpy") and not isinstance(x, np.ndarray):  # TensorFlow / JAX / Keras tensors
        x = x.numpy()
    return np.asarray(x)


def _labels(labels: Any, n: int, k: int) -> np.ndarray:
    y = as_array(labels)
    if y.ndim == 2 and y.shape == (n, k) and k > 1:  # one-hot or soft targets: their argmax
        y = y.argmax(axis=1)
    elif y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1 or len(y) != n:
        raise BadInput(f"labels have shape {y.shape}; expected ({n},) class indices")
    if y.dtype.kind == "f":
        if not np.isfinite(y).all() or (y != np.round(y)).any():
            raise BadInput("labels are not whole class indices (NaN or fractions)")
    elif y.dtype.kind not in "iub":
        raise BadInput(f"labels of dtype {y.dtype} are not class indices")
    y = y.astype(np.int64, copy=False)
    if n and (y.min() < 0 or y.max() >= k):
        raise BadInput(f"labels outside 0..{k - 1} (min {int(y.min())}, max {int(y.max())})")
    return y


def _binary(scores: np.ndarray, logits: bool) -> np.ndarray:
    """Shape (n,) probabilities (or logits) of class 1 as shape (n, 2)."""
    s = scores.astype(np.float64)
    p1 = 0.5 * (1.0 + np.tanh(0.5 * s)) if logits else s  # the sigmoid, without overflow
    return np.stack([1.0 - p1, p1], axis=1)


def predictions(scores: Any, labels: Any, logits: bool) -> Predictions:
    """Argmax, confidence and p_true of every sample, from probabilities or logits.

    `scores`: shape (n, K) probabilities (rows are divided by their sum when they do not sum to 1)
    or logits (softmax is applied); shape (n,) or (n, 1) is a binary model's probability (or logit,
    sigmoid applied) of class 1. `labels`: shape (n,) class indices, or (n, K) one-hot.
    Raises BadInput for anything else: wrong shapes, n = 0, NaN or infinite scores, labels out of range.
    """
    if _is_torch(scores) and scores.ndim == 2 and scores.shape[1] > 1 and scores.device.type != "cpu":
        return _predictions_torch(scores, labels, logits)  # a CPU tensor is read by numpy, copy-free
    s = as_array(scores)
    if s.dtype.kind not in "fiub":
        raise BadInput(f"predictions of dtype {s.dtype} are not numbers")
    if s.ndim == 2 and s.shape[1] == 1:
        s = s[:, 0]
    if s.ndim == 1:
        s, logits = _binary(s, logits), False  # now probabilities of both classes
    if s.ndim != 2:
        raise BadInput(f"predictions have shape {s.shape}; expected (n, K) or (n,)")
    if s.dtype.kind != "f":
        s = s.astype(np.float64)
    n, k = s.shape
    if n == 0:
        raise BadInput("no samples (n = 0)")
    if k < 2:
        raise BadInput(f"{k} classes: a classifier needs at least 2")
    y = _labels(labels, n, k)
    pred = np.empty(n, dtype=np.int64)
    conf = np.empty(n, dtype=np.float64)
    p_true = np.empty(n, dtype=np.float64)
    normalise = logits or _needs_norm(s)
    step = max(1, BLOCK_ELEMENTS // k)
    buf = np.empty((min(step, n), k), dtype=s.dtype) if logits else None
    for lo in range(0, n, step):
        blk = s[lo : lo + step]
        rows = np.arange(len(blk))
        am = blk.argmax(axis=1)
        top = blk[rows, am].astype(np.float64)
        tru = blk[rows, y[lo : lo + step]].astype(np.float64)
        if logits:
            # softmax without keeping it: p_j = exp(z_j - max) / sum(exp(z - max)), in one buffer;
            # logits far apart (1e38 and -1e38) overflow to -inf and give p_j = 0, as they should:
            # no numpy warning reaches the training loop
            e = buf[: len(blk)]  # type: ignore[index]
            with np.errstate(over="ignore", under="ignore", invalid="ignore"):
                np.subtract(blk, top[:, None].astype(blk.dtype), out=e)
                np.exp(e, out=e)
            denom = e.sum(axis=1).astype(np.float64)  # terms <= 1: float32 sums are exact enough
            conf[lo : lo + step] = 1.0 / denom
            p_true[lo : lo + step] = np.exp(tru - top) / denom
        elif normalise:
            denom = blk.sum(axis=1, dtype=np.float64)
            conf[lo : lo + step] = top / denom
            p_true[lo : lo + step] = tru / denom
        else:
            conf[lo : lo + step] = top
            p_true[lo : lo + step] = tru
        pred[lo : lo + step] = am
    if not (np.isfinite(conf).all() and np.isfinite(p_true).all()):
        raise BadInput("predictions hold NaN or infinite values")
    if not logits and (p_true.min() < -1e-6 or conf.max() > 1 + 1e-6):
        raise BadInput("probabilities outside [0, 1] (pass logits= for raw scores)")
    return Predictions(pred, np.clip(conf, 0.0, 1.0), np.clip(p_true, 0.0, 1.0), y, k)


def _is_torch(x: Any) -> bool:
    return type(x).__module__.startswith("torch") and hasattr(x, "detach")


def _predictions_torch(scores: Any, labels: Any, logits: bool) -> Predictions:
    """`predictions()` for a torch tensor of shape (n, K): reduced on the tensor's own device (a GPU
    sends back O(n) numbers, not n x K). torch is imported only because the caller already has."""
    import torch

    s = scores.detach()
    if not s.is_floating_point():
        s = s.double()
    elif s.dtype in (torch.float16, torch.bfloat16):
        s = s.float()
    n, k = s.shape
    if n == 0:
        raise BadInput("no samples (n = 0)")
    y = _labels(labels, n, k)
    yt = torch.from_numpy(y).to(s.device)
    am = s.argmax(dim=1)
    top = s.gather(1, am[:, None])[:, 0].double()
    tru = s.gather(1, yt[:, None])[:, 0].double()
    if logits:
        lse = torch.logsumexp(s, dim=1).double()
        conf, p_true = torch.exp(top - lse), torch.exp(tru - lse)
    else:
        head = s[:NORM_CHECK_ROWS].sum(dim=1, dtype=torch.float64)
        if not bool(torch.isfinite(head).all()) or bool(((head - 1.0).abs() > NORM_TOL).any()):
            denom = s.sum(dim=1, dtype=torch.float64)
            top, tru = top / denom, tru / denom
        conf, p_true = top, tru
    c, t = conf.cpu().numpy(), p_true.cpu().numpy()
    if not (np.isfinite(c).all() and np.isfinite(t).all()):
        raise BadInput("predictions hold NaN or infinite values")
    if not logits and (t.min() < -1e-6 or c.max() > 1 + 1e-6):
        raise BadInput("probabilities outside [0, 1] (pass logits= for raw scores)")
    return Predictions(am.cpu().numpy().astype(np.int64), np.clip(c, 0, 1), np.clip(t, 0, 1), y, k)


def looks_like_probs(scores: Any) -> bool:
    """Whether model outputs are probabilities rather than logits: every value in [0, 1] and, for
    shape (n, K) with K > 1, rows summing to 1 (judged on the first NORM_CHECK_ROWS rows)."""
    s = as_array(scores)
    head = s[:NORM_CHECK_ROWS].astype(np.float64)
    if head.size == 0 or not np.isfinite(head).all() or head.min() < 0 or head.max() > 1:
        return False
    if head.ndim == 2 and head.shape[1] > 1:
        return bool((np.abs(head.sum(axis=1) - 1.0) <= NORM_TOL).all())
    return True


def concat(parts: list[Predictions]) -> Predictions:
    """Predictions of successive batches as one evaluation (all with the same K)."""
    if not parts:
        raise BadInput("no batches were collected")
    ks = {p.k for p in parts}
    if len(ks) != 1:
        raise BadInput(f"batches with different numbers of classes: {sorted(ks)}")
    return Predictions(
        np.concatenate([p.pred for p in parts]),
        np.concatenate([p.conf for p in parts]),
        np.concatenate([p.p_true for p in parts]),
        np.concatenate([p.labels for p in parts]),
        parts[0].k,
    )


def _needs_norm(s: np.ndarray) -> bool:
    """Whether rows do not sum to 1, judged on the first NORM_CHECK_ROWS rows (the outputs of one
    softmax are normalised alike; a full pass would cost as much as the rest of the probe)."""
    head = s[:NORM_CHECK_ROWS].sum(axis=1, dtype=np.float64)
    return bool(not np.isfinite(head).all() or (np.abs(head - 1.0) > NORM_TOL).any())


def ece(conf: np.ndarray, right: np.ndarray, bins: int = ECE_BINS) -> float:
    """Expected calibration error (Guo et al. 2017, eq. 3): samples binned by confidence into
    `bins` equal-width bins ((m-1)/M, m/M] (a confidence of 0 joins the first), then
    sum over bins of |B|/n * |accuracy(B) - mean confidence(B)|. Fraction, 0..1."""
    n = len(conf)
    idx = np.clip(np.ceil(conf * bins).astype(np.int64) - 1, 0, bins - 1)
    conf_sum = np.bincount(idx, weights=conf, minlength=bins)
    right_sum = np.bincount(idx, weights=right.astype(np.float64), minlength=bins)
    return float(np.abs(right_sum - conf_sum).sum() / n)


def _mean(x: np.ndarray) -> float | None:
    return float(x.mean()) if len(x) else None


def facts(p: Predictions) -> dict[str, Any]:
    """Every per-evaluation key of schema 1 except split/epoch/step/flips (see `lossacc_tui.probe`).

    `loss` is the mean cross-entropy in nats, -log(max(p_true, 1e-12)); `wrong_loss_share` the
    fraction of the summed cross-entropy carried by misclassified samples (None when that sum is 0).
    """
    n, k = len(p.labels), p.k
    right = p.pred == p.labels
    wrong = ~right
    n_wrong = int(wrong.sum())
    ce = -np.log(np.maximum(p.p_true, EPS))
    ce_sum = float(ce.sum())
    conf_wrong = p.conf[wrong]
    confident_wrong = int((conf_wrong > CONFIDENT).sum())
    hist_idx = np.clip(np.floor(p.p_true[wrong] * 10).astype(np.int64), 0, HIST_BINS - 1)
    label_counts = np.bincount(p.labels, minlength=k)
    pred_counts = np.bincount(p.pred, minlength=k)
    per_class: list[float | None] | None = None
    if k <= PER_CLASS_MAX_K:
        hits = np.bincount(p.labels[right], minlength=k)
        per_class = [float(h / c) if c else None for h, c in zip(hits, label_counts, strict=True)]
    return {
        "n": n,
        "k": k,
        "accuracy": float(right.mean()),
        "loss": ce_sum / n,
        "n_wrong": n_wrong,
        "wrong_loss_share": float(ce[wrong].sum() / ce_sum) if ce_sum > 0 else None,
        "confident_wrong": confident_wrong,
        "confident_wrong_share": confident_wrong / n_wrong if n_wrong else None,
        "p_true_wrong_hist": np.bincount(hist_idx, minlength=HIST_BINS)[:HIST_BINS].tolist(),
        "mean_conf": float(p.conf.mean()),
        "conf_right": _mean(p.conf[right]),
        "conf_wrong": _mean(conf_wrong),
        "ece": ece(p.conf, right),
        "majority_rate": float(label_counts.max() / n),
        "pred_majority_share": float(pred_counts.max() / n),
        "per_class_acc": per_class,
    }
