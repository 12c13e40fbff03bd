"""Families of session 15: logged losses that are not a plain mean cross-entropy of the predictions
the accuracy counts, as common training loops write them (issue #9; tester 22's `aux_wd`, tester 21's
`bcepw_imb`). Their `truth.jsonl` rows carry `objective_*` facts: the logged loss and the shares of it
the mistakes and the right answers carry (`facts.FactTracker`), which `claims.judge` reads for who
carries the loss. Seeds 0-1 `tune`, 2-5 `heldout` (families.SPLIT)."""

from __future__ import annotations

from collections.abc import Callable

SEEDS = (0, 1, 2, 3, 4, 5)


def objectives(add: Callable[..., None]) -> None:
    """Add the session-15 families through families.py's `add(name, framework, data, built, about, ...)`."""
    add(
        "l2-in-loss-torch",
        "torch",
        "digits",
        ["healthy"],
        "digits, 64 hidden, SGD 0.05 with momentum 0.9, 40 epochs; the loop adds 0.02 x the sum of every"
        " parameter's square to the cross-entropy it minimises and logs that sum as both train_loss and"
        " val_loss (the penalty ends as most of the logged loss)",
        loss_is_ce=False,
        hidden=(64,),
        optimizer="sgd",
        lr=0.05,
        momentum=0.9,
        epochs=40,
        batch=32,
        l2_in_loss=0.02,
        seeds=SEEDS,
    )
    add(
        "pos-weight-torch",
        "torch",
        "skewed2_90",
        ["overfitting"],
        "binary make_classification 90/10 (usable signal) with 300 training samples, 128x128 hidden, Adam"
        " 3e-4, 60 epochs; cross-entropy with the minority class weighted n(majority) / n(minority) of the"
        " training split (BCEWithLogitsLoss pos_weight), the weighted mean logged: the minority's"
        " mistakes grow confident and the weighted validation loss turns up",
        loss_is_ce=False,
        data_kw={"train_limit": 300},
        hidden=(128, 128),
        lr=3e-4,
        epochs=60,
        batch=32,
        pos_weight=True,
        seeds=SEEDS,
    )
