"""Families of session 13: the runs earlier testers found missed or warned about too early, made
again by real training (their data were lost). A label-smoothed run that overfits (validation
accuracy falls while the smoothed loss rises a few percent of a loss whose floor is half of it),
with and without a configuration file naming eps and K; a plain run that overfits slowly; and
noisy per-step runs of batch 4 at a high learning rate that are healthy (their single-batch
losses swing far above their best). Seeds 0-1 `tune`, 2-5 `heldout` (families.SPLIT; the step
families and the config copy seeds 0-3 only)."""

from __future__ import annotations

from collections.abc import Callable

SEEDS = (0, 1, 2, 3, 4, 5)


def misses(add: Callable[..., None]) -> None:
    """Add the session-13 families through families.py's `add(name, framework, data, built, about, ...)`."""
    for name, config in (("smoothed-overfit-torch", False), ("smoothed-overfit-config-torch", True)):
        add(
            name,
            "torch",
            "blobs4",
            ["overfitting", "label-smoothing"],
            "4-class make_classification with 240 training samples, label smoothing 0.1 in the training"
            " and validation loss, 256x256 hidden, Adam 1e-3, 60 epochs:"
            " validation accuracy falls a little while the smoothed loss rises a few percent of a loss"
            " whose floor (0.35 nats) is about half of it"
            + (" (config.json beside the logs names num_classes and label_smoothing)" if config else ""),
            loss_is_ce=False,
            data_kw={"train_limit": 240},
            hidden=(256, 256),
            label_smoothing=0.1,
            epochs=60,
            seeds=SEEDS if not config else SEEDS[:4],  # (the same runs: the config is what differs)
            batch=16,
            write_config=config,
        )
    add(
        "slow-overfit-torch",
        "torch",
        "breast_cancer",
        ["overfitting"],
        "breast cancer with 200 training samples, 32 hidden, Adam 1e-3, 100 epochs: the validation loss"
        " turns up slowly after its best (3-26 % over the next 40-70 epochs)",
        data_kw={"train_limit": 200},
        hidden=(32,),
        lr=1e-3,
        epochs=100,
        batch=16,
        seeds=SEEDS,
    )
    add(
        "step-b4-highlr-torch",
        "step",
        "digits",
        ["healthy"],
        "digits, 64 hidden, SGD 0.1 with batches of 4 (a high learning rate for them), 1256 steps; the"
        " single-batch training loss at every step, every 50 steps the loss and accuracy of the whole"
        " validation split",
        hidden=(64,),
        optimizer="sgd",
        lr=0.1,
        epochs=4,
        batch=4,
        eval_every=50,
        log_every=1,
    )
    add(
        "step-b4-random64-torch",
        "step",
        "stream4",
        ["healthy"],
        "4-class make_classification (6000 samples, 5 % label noise), 64 hidden, SGD 0.1 with batches of 4,"
        " one epoch (1050 steps); the single-batch training loss at every step, every 20 steps the loss"
        " and accuracy of a fresh random 64-sample validation batch",
        hidden=(64,),
        optimizer="sgd",
        lr=0.1,
        epochs=1,
        batch=4,
        eval_every=20,
        log_every=1,
        val_batch=64,
        val_random=True,
    )
