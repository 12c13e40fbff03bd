"""One small class per alert kind; `build_detectors` picks the ones a run's series allow."""

from __future__ import annotations

from lossacc_tui.analysis.detectors.above_chance import LossAboveChance
from lossacc_tui.analysis.detectors.acc_flat import AccFlatLossDown
from lossacc_tui.analysis.detectors.base import Ctx, Detector
from lossacc_tui.analysis.detectors.chance import AccAtChance
from lossacc_tui.analysis.detectors.degrading import ValDegrading
from lossacc_tui.analysis.detectors.explosion import Explosion
from lossacc_tui.analysis.detectors.held_start import AccHeldStart
from lossacc_tui.analysis.detectors.level import HighLossGoodAcc
from lossacc_tui.analysis.detectors.loss_down import LossDownAccDown
from lossacc_tui.analysis.detectors.loss_up import LossUpAccUp
from lossacc_tui.analysis.detectors.mismatch import MetricMismatch
from lossacc_tui.analysis.detectors.non_finite import NonFinite
from lossacc_tui.analysis.detectors.not_ce import NotCrossEntropy
from lossacc_tui.analysis.detectors.overfitting import Overfitting
from lossacc_tui.analysis.detectors.plateau import Plateau
from lossacc_tui.analysis.detectors.stuck import AccStuck
from lossacc_tui.analysis.detectors.unstable import ValLossUnstable
from lossacc_tui.analysis.detectors.val_chance import ValAtChance
from lossacc_tui.analysis.detectors.val_frozen import ValFrozen
from lossacc_tui.analysis.detectors.val_unlike import ValUnlikeTrain
from lossacc_tui.model import Series

__all__ = ["Ctx", "Detector", "build_detectors"]


def build_detectors(ctx: Ctx, other_series: list[Series] | None = None) -> dict[str, list[Detector]]:
    """Detectors by the stream they read: 'loss' and 'train' (one loss each), 'pair' (loss with
    accuracy), 'pair_acc' (accuracy with loss), 'acc_only', 'overfit', 'mismatch'."""
    out: dict[str, list[Detector]] = {}
    loss, acc, train = ctx.loss, ctx.acc, ctx.train
    if loss is not None:
        out["loss"] = [NonFinite(ctx, loss, loss.name), Explosion(ctx, loss, loss.name)]
        if ctx.split == "validation":
            out["loss"].append(Plateau(ctx, loss, loss.name))
        if acc is None and ctx.classes.k and loss.loss_kind != "sum-of-terms":
            out["loss"].append(LossAboveChance(ctx, loss, loss.name))  # (K known: ln K is)
    if train is not None:
        out["train"] = [NonFinite(ctx, train, train.name), Explosion(ctx, train, train.name)]
    if loss is not None and acc is not None:
        # a loss its format names a sum of terms (a detection loss beside its mAP) is known not to be
        # cross-entropy: no floor check for it (its values sit below any floor the mAP would set)
        # (nor is a loss beside a metric that is not plain accuracy: an F1, an AUC, `--map val_acc=eval_f1`)
        summed = loss.loss_kind == "sum-of-terms" or bool(ctx.acc_not_share)
        pair: list[Detector] = [] if summed else [NotCrossEntropy(ctx, loss, loss.name)]
        if not ctx.not_ce:  # kinds that read the loss against the accuracy as cross-entropy
            if ctx.split == "validation":
                pair += [LossUpAccUp(ctx, loss), LossDownAccDown(ctx, loss), ValLossUnstable(ctx, loss)]
            pair += [AccFlatLossDown(ctx, loss), HighLossGoodAcc(ctx, loss)]
        if not summed:  # (a sum of terms is not compared with ln K)
            pair.append(LossAboveChance(ctx, loss, loss.name))
        out["pair"] = pair
        out["pair_acc"] = [AccStuck(ctx, acc, acc.name)]
        if not ctx.acc_not_share:  # (chance is 1/K of plain accuracy only)
            out["pair_acc"].append(AccAtChance(ctx, acc, acc.name))
        if ctx.split == "validation" and not ctx.acc_not_share:
            out["pair_acc"].append(AccHeldStart(ctx, acc, acc.name))
    elif acc is not None:
        out["acc_only"] = [AccStuck(ctx, acc, acc.name)]
    if acc is not None and ctx.split == "validation" and ctx.train_acc is not None and not ctx.acc_not_share:
        key = "pair_acc" if loss is not None else "acc_only"
        out.setdefault(key, []).append(ValUnlikeTrain(ctx, acc, acc.name))
    if loss is not None and acc is not None and train is not None and ctx.split == "validation":
        out["pair_acc"] += [ValFrozen(ctx, acc, acc.name)]
        if not ctx.acc_not_share:
            out["pair_acc"].append(ValAtChance(ctx, acc, acc.name))
    if loss is not None and train is not None and ctx.split == "validation":
        out["overfit"] = [Overfitting(ctx, loss, loss.name)]
        if acc is not None and not ctx.not_ce:
            out["overfit"].append(ValDegrading(ctx, loss, loss.name))
    if acc is not None:
        out["mismatch"] = [MetricMismatch(ctx, s, s.name) for s in (other_series or [])]
    return out
