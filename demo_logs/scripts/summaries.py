"""The one-line summary of each case, computed from the values exactly as written.

Curves are read back as the files hold them (float32, or rounded as printed); diagnostic
numbers come from ``EpochLog.extra`` (see ``diagnostics``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from training import EpochLog
from writers_base import f32


def curves(history: Sequence[EpochLog]) -> tuple[np.ndarray, np.ndarray]:
    """val_loss and val_acc per epoch as float32 writes them."""
    vl = np.array([f32(e.val_loss) for e in history])
    va = np.array([f32(e.val_acc) for e in history])
    return vl, va


def summary_loss_up_acc_up(history: Sequence[EpochLog], base: int, loss: str, acc: str) -> str:
    vl, va = curves(history)
    i = int(np.argmin(vl))
    j = int(np.argmax(va))
    last = len(vl) - 1
    return (
        f"{loss} min {vl[i]:.3f} at epoch {i + base}, then rises to {vl[-1]:.3f} at epoch "
        f"{last + base} while {acc} goes {va[i]:.3f} -> {va[-1]:.3f} (max {va[j]:.3f} at "
        f"epoch {j + base}); train loss ends at {history[-1].train_loss:.3f}"
    )


def summary_loss_down_acc_down(history: Sequence[EpochLog], base: int) -> str:
    """Stretch from the val_acc peak to the val_loss minimum, on the values as printed."""
    vl = np.round([e.val_loss for e in history], 4)
    va = np.round([e.val_acc for e in history], 3)
    i = int(np.argmax(va))
    j = i + int(np.argmin(vl[i:]))
    steps = np.diff(vl[i : j + 1])
    rises = int(np.sum(steps > 0))
    trend = "never rises" if rises == 0 else f"{rises} small rises"
    ei, ej = history[i].extra, history[j].extra
    return (
        f"val_loss {vl[i]:.4f} -> {vl[j]:.4f} (falls in {int(np.sum(steps < 0))} of {j - i} "
        f"epochs, {trend}) while val_acc {va[i]:.1%} -> {va[j]:.1%}, epochs {i + base}-"
        f"{j + base}; over the same epochs recall of the positive class "
        f"{ei['recall_pos']:.3f} -> {ej['recall_pos']:.3f}, negative class "
        f"{ei['recall_neg']:.3f} -> {ej['recall_neg']:.3f}"
    )


def summary_flat(history: Sequence[EpochLog], base: int, skip: int) -> str:
    vl, va = curves(history)
    tail = va[skip:]
    return (
        f"val_acc stays {tail.min():.4f}-{tail.max():.4f} from epoch {skip + base} to "
        f"{len(va) - 1 + base} while val_loss falls {vl[skip]:.4f} -> {vl[-1]:.4f} "
        f"({vl[0]:.4f} at epoch {base})"
    )


def summary_unstable(history: Sequence[EpochLog], base: int) -> str:
    vl, va = curves(history)
    lo, hi = int(np.argmin(vl)), int(np.argmax(vl))
    shares = [e.extra["top5_share"] for e in history]
    return (
        f"valid_loss swings between {vl[lo]:.2f} (epoch {lo + base}) and {vl[hi]:.2f} "
        f"(epoch {hi + base}), x{vl[hi] / vl[lo]:.0f}, while accuracy stays "
        f"{va.min():.3f}-{va.max():.3f} (mean {va.mean():.3f}); the 5 worst of the 500 "
        f"validation rows carry {min(shares):.0%}-{max(shares):.0%} of valid_loss (at epoch "
        f"{hi + base}: {history[hi].extra['n_over_10']:.0f} rows above 10 nats, the worst "
        f"{history[hi].extra['max_loss']:.0f} nats)"
    )


def summary_high_loss(history: Sequence[EpochLog]) -> str:
    vl, va = curves(history)
    over = [e.epoch + 1 for e in history if f32(e.val_loss) > 1.0]
    last = history[-1].extra
    return (
        f"eval_accuracy {va.min():.3f}-{va.max():.3f} (final {va[-1]:.3f}) while eval_loss "
        f"is above 1.0 from epoch {over[0]} on (final {vl[-1]:.3f}, min {vl.min():.3f} at "
        f"epoch {int(np.argmin(vl)) + 1}); at the end the {last['n_wrong']:.0f} wrong "
        f"predictions average {last['wrong_loss']:.1f} nats and carry "
        f"{last['wrong_share']:.0%} of eval_loss, the right ones "
        f"{last['right_loss']:.3f}; best checkpoint (by accuracy) is step "
        f"{(int(np.argmax(va)) + 1) * len(history[0].steps)}"
    )


def summary_imbalanced(history: Sequence[EpochLog], majority: float) -> str:
    vl, va = curves(history)
    last = history[-1].extra
    return (
        f"majority class is {majority:.3f} of val; val_acc {va[0]:.3f} at epoch 1, then "
        f"{va[1:].min():.3f}-{va[1:].max():.3f} (final {va[-1]:.3f}) while val_loss falls "
        f"{vl[0]:.3f} -> {vl[-1]:.3f}; final minority recall "
        f"{last['val_minority_recall']:.3f}, F1 {last['val_minority_f1']:.3f}"
    )


def summary_nan(history: Sequence[EpochLog]) -> str:
    steps = [s for e in history for s in e.steps]
    first_nan = next(s for s in steps if math.isnan(s.loss))
    good = [e for e in history if math.isfinite(e.val_loss)]
    best = min(good, key=lambda e: e.val_loss)
    worst = max(good, key=lambda e: e.val_loss)
    nan_epoch = next(e.epoch + 1 for e in history if math.isnan(e.val_loss))
    return (
        f"val_loss best {f32(best.val_loss):.4f} at epoch {best.epoch + 1} (lr {best.lr:g}); at "
        f"epoch {worst.epoch + 1} (lr {worst.lr:g}) loss is {f32(worst.train_loss):.1e} and "
        f"val_loss {f32(worst.val_loss):.1e}; the first NaN batch is epoch {first_nan.epoch + 1} "
        f"batch {first_nan.index + 1}, and loss/val_loss are nan from epoch {nan_epoch} on with "
        f"val_accuracy frozen at {f32(history[-1].val_acc):.4f}"
    )


def summary_eight(finals: Sequence[EpochLog]) -> str:
    losses, accs = curves(finals)
    amb_loss = [e.extra["amb_loss"] for e in finals]
    amb_acc = [e.extra["amb_acc"] for e in finals]
    return (
        f"final val_loss {losses.min():.4f}-{losses.max():.4f} (spread "
        f"{(losses.max() / losses.min() - 1):.1%}) while final val_acc {accs.min():.3f}-"
        f"{accs.max():.3f} ({(accs.max() - accs.min()) * 100:.1f} points); on the ambiguous "
        f"cluster every run pays {min(amb_loss):.3f}-{max(amb_loss):.3f} nats per point but "
        f"gets {min(amb_acc):.0%}-{max(amb_acc):.0%} of it right"
    )


def summary_healthy(history: Sequence[EpochLog], base: int) -> str:
    vl, va = curves(history)
    ups = int(np.sum(np.diff(vl) > 0))
    return (
        f"val_loss {vl[0]:.4f} -> {vl[-1]:.4f} (min {vl.min():.4f} at epoch "
        f"{int(np.argmin(vl)) + base}, {ups} small upticks in {len(vl) - 1} epochs), val_acc "
        f"{va[0]:.4f} -> {va[-1]:.4f}"
    )
