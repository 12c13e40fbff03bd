"""The plateau explanation of a run that has stopped updating its model (`no_update`): every logged
loss and accuracy repeats, so lowering the learning rate is no remedy."""

from __future__ import annotations

import math

from lossacc_tui.analysis.alerts import Alert
from lossacc_tui.analysis.explain_parts import Names
from lossacc_tui.analysis.quantities import fmt, fmt_x


def still_plateau(a: Alert, n: Names, happened: str) -> list[tuple[str, str]]:
    """The plateau of a run whose every logged loss and accuracy repeats to the last printed digit
    (`no_update.still_since`): the model is not being updated, so lowering the learning rate is no
    remedy (tester 25's t_lr0_after, its own lr column at 0)."""
    e = a.evidence
    sx, m = fmt_x(e["still_x"]), int(e["still_evaluations"])
    zero = e.get("lr_zero_x")
    lr_txt = (
        f" The log's own learning rate reads 0 from {n.unit} {fmt_x(zero)}: no step can change the model."
        if zero is not None
        else ""
    )
    acc_now, chance = e.get("acc_now"), e.get("chance_acc")
    below = ""
    if acc_now is not None and chance is not None and math.isfinite(acc_now) and acc_now < chance:
        below = (
            f" {n.acc} {fmt(acc_now, 4)} is below chance ({fmt(chance, 4)} for {round(1 / chance)} classes): "
            "no checkpoint of this stretch is worth keeping."
        )
    return [
        (
            "What happened",
            f"{happened} Every logged loss and accuracy, training and validation, has "
            "repeated its value to 6 significant digits (or every printed digit) at each of the "
            f"{m} evaluations since {n.unit} {sx}." + lr_txt + below,
        ),
        (
            "Why",
            "A model whose weights change moves its training loss, even when only an output bias moves; "
            "numbers that repeat so on both splits mean no training step changes the model "
            "(likely): a learning rate of 0 (a schedule that has ended, a warm-up that never starts), "
            "parameters with requires_grad off or missing from the optimizer, an optimizer that never "
            "steps, or a network saturated so far (every unit off, outputs at the loss's clip, often after "
            "a learning rate far too high) that no gradient reaches its weights. Another reading: the log "
            "repeats a stale value (a logging bug) while training goes on.",
        ),
        (
            "What to check next",
            "The learning rate the optimizer actually uses at these steps (optimizer.param_groups), "
            "which parameters are trainable and handed to the optimizer, and that optimizer.step() "
            "runs. Lowering the learning rate of this run will not help: "
            + (
                "it is already 0. "
                if zero is not None
                else "no step changes this model (a saturated one needs a restart, from an earlier "
                "checkpoint or a fresh start, often at a lower rate). "
            )
            + "Stopping now saves the next evaluations' compute"
            + (
                f"; the checkpoint at {n.ckpt(e['best_x'])}{n.since(e['best_x'])} is the same model as "
                "the latest."
                if e["best_x"] >= e["still_x"]
                else f"; the checkpoint at {n.ckpt(e['best_x'])}{n.since(e['best_x'])} is the one to keep "
                "if this loss is what you select on."
            ),
        ),
        (
            "How sure",
            f"Read from the log alone: {m} evaluations with every logged value equal. A "
            f"warning from {n.params.plateau_patience} such evaluations; it closes at the first new best "
            f"below {fmt(e['best_value'] * (1 - n.params.plateau_min_delta))}.",
        ),
    ]
