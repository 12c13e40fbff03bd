"""Who carries a validation loss that rose since its best while the training loss moved: the one
place the rise kinds (`loss-up-acc-up`, `overfitting`) read the training loss into
`mistakes-carry-loss` / `right-answers-carry-loss` claims (`evidence.who_carries_loss`)."""

from __future__ import annotations

from lossacc_tui.analysis.claims import Claim
from lossacc_tui.analysis.converging import hedging
from lossacc_tui.analysis.evidence import training_fall_says_sharper
from lossacc_tui.analysis.loss_carriers import who_carries_loss
from lossacc_tui.analysis.quantities import arrow


def rise_carriers(
    val: tuple[float, float],
    val_best: tuple[float, float],
    train: tuple[float, float],
    k: int | None,
    x: tuple[float, float],
    names: tuple[str, str, str],
    rose: str,
    train_name: str = "the training loss",
) -> list[Claim]:
    """The claims on who carries the validation loss at the rise's last point.

        `val` = (loss in nats, accuracy as a fraction) now, `val_best` the same at the best, `train` =
        the training loss (nats) at the best and now, `k` the class count when known, `x` = (best x,
        now x) in the log's own x, `names` = (loss name, accuracy name, x unit), `rose` the subject of
        the sentence saying how the loss rose ("val_loss rose 12 %"), `train_name` how the training loss
    is named ("the training loss level": a mean of logged values). When the training loss fell and is
        not above the validation loss (`evidence.training_fall_says_sharper`), the model grows more
        confident, its right answers get cheaper, and `mistakes-carry-loss` is favoured (`likely` when
        its own arithmetic from the best holds, `who_carries_loss`); otherwise both readings stay
        open. Raises nothing: non-finite numbers give no claim."""
    (loss, acc), (t0, t1), (x0, x1) = val, train, x
    if not training_fall_says_sharper(t0, t1, loss):
        # a training loss well above a validation loss still near its best: a model hedging on its own
        # training samples (noisy labels, dropout, a penalty), whose unsure right answers are named
        # first, as every other kind names them at the same evaluation (`converging.hedging`)
        hedge = hedging(loss, acc, val_best[0], t1, k, names)
        return who_carries_loss(loss, acc, k, x0, x1, names, "", hedge.why, lean=hedge.lean, since=val_best)
    why = (
        f"{rose} while {train_name} fell {arrow(t0, t1)}: a model growing more confident makes its "
        "right answers cheaper, so the extra cost sits on the samples it gets wrong"
    )
    return who_carries_loss(loss, acc, k, x0, x1, names, "mistakes", why, since=val_best)
