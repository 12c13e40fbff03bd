"""Per-epoch validation diagnostics that ``fit`` stores in ``EpochLog.extra``.

They come from the model's predictions and are not written to the logs; the case summaries
quote them to explain what the logged curves show.
"""

from __future__ import annotations

import numpy as np
from data import AMBIGUOUS_ROWS
from training import log_softmax


def sample_losses(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per-sample cross-entropy (float64) for diagnostics."""
    with np.errstate(all="ignore"):
        return -log_softmax(z.astype(np.float64))[np.arange(len(y)), y]


def mistake_metrics(z: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """How the validation loss splits between right and wrong predictions."""
    losses = sample_losses(z, y)
    wrong = z.argmax(1) != y
    return {
        "n_wrong": float(wrong.sum()),
        "wrong_loss": float(losses[wrong].mean()),
        "right_loss": float(losses[~wrong].mean()),
        "wrong_share": float(losses[wrong].sum() / losses.sum()),
    }


def worst_rows_metrics(z: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Share of the validation loss carried by the 5 worst rows; rows costing > 10 nats."""
    losses = np.sort(sample_losses(z, y))
    return {
        "top5_share": float(losses[-5:].sum() / losses.sum()),
        "n_over_10": float(np.sum(losses > 10)),
        "max_loss": float(losses[-1]),
    }


def recall_metrics(z: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Recall of the positive and of the negative class."""
    pred = z.argmax(1)
    return {
        "recall_pos": float(np.mean(pred[y == 1] == 1)),
        "recall_neg": float(np.mean(pred[y == 0] == 0)),
    }


def minority_metrics(z: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Recall and F1 of class 1 (the minority class)."""
    pred = z.argmax(1)
    tp = float(np.sum((pred == 1) & (y == 1)))
    recall = tp / max(1.0, float(np.sum(y == 1)))
    precision = tp / max(1.0, float(np.sum(pred == 1)))
    f1 = 0.0 if tp == 0 else 2 * precision * recall / (precision + recall)
    return {"val_minority_recall": recall, "val_minority_f1": f1}


def cluster_metrics(z: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Loss and accuracy on the ambiguous cluster of ``data.ambiguous_blobs`` (last val rows)."""
    za, ya = z[-AMBIGUOUS_ROWS:], y[-AMBIGUOUS_ROWS:]
    return {
        "amb_loss": float(sample_losses(za, ya).mean()),
        "amb_acc": float(np.mean(za.argmax(1) == ya)),
    }
