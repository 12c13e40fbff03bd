"""Families of session 16: binary classifiers written as they usually are, one sigmoid output trained
with binary cross-entropy (BCEWithLogitsLoss, threshold 0.5), mostly logging no training accuracy
(tester 22's plain BCE loops, whose acc-flat-loss-down, acc-stuck and underconfidence readings were
contradicted by their facts). Generated after session 16's rule on who carries a falling loss at flat
accuracy (acc_flat.one_reading) was written, as its held-out check: every seed `heldout`, seeds 6-9
(data drawn apart from the other families' seeds), never tuned on.

bce-cancer-sgd and bce-noisy were first labelled healthy; their validation loss rose 5-13 % above its
best while the training loss fell 30-40 % (the tool's overfitting warnings, every rise true by the
facts), so they are labelled built to overfit (bce-noisy also label noise, as its flipped labels
are): the facts' 1.1x bar (labels.py) decides whether a run shows it."""

from __future__ import annotations

from collections.abc import Callable

BINARY_SEEDS = (6, 7, 8, 9)


def binary16(add: Callable[..., None]) -> None:
    """Add the session-16 families through families.py's `add(name, framework, data, built, about, ...)`."""

    def held(*a: object, **kw: object) -> None:
        add(*a, seeds=BINARY_SEEDS, split="heldout", sigmoid=True, **kw)

    held(
        "bce-cancer-torch",
        "torch",
        "breast_cancer",
        ["healthy"],
        "breast cancer, one sigmoid output with BCE, 16 hidden, Adam 1e-3, 60 epochs; no training accuracy"
        " logged",
        hidden=(16,),
        lr=1e-3,
        epochs=60,
        batch=32,
        log_train_acc=False,
    )
    held(
        "bce-cancer-sgd-torch",
        "torch",
        "breast_cancer",
        ["overfitting"],
        "breast cancer, one sigmoid output with BCE, 32 hidden, SGD 0.01 with momentum 0.9, 40 epochs",
        hidden=(32,),
        optimizer="sgd",
        lr=0.01,
        momentum=0.9,
        epochs=40,
        batch=32,
    )
    held(
        "bce-skewed-torch",
        "torch",
        "skewed2",
        ["healthy"],
        "binary make_classification 85/15 (usable signal), one sigmoid output with BCE, 32 hidden, Adam"
        " 1e-3, 40 epochs; no training accuracy logged",
        hidden=(32,),
        lr=1e-3,
        epochs=40,
        batch=32,
        log_train_acc=False,
    )
    held(
        "bce-noisy-torch",
        "torch",
        "binary",
        ["label-noise", "overfitting"],
        "balanced binary make_classification with 10 % of labels flipped and 600 training samples, one"
        " sigmoid output with BCE, 64x64 hidden, Adam 1e-3, 40 epochs; no training accuracy logged",
        data_kw={"flip": 0.1, "train_limit": 600},
        hidden=(64, 64),
        lr=1e-3,
        epochs=40,
        batch=32,
        log_train_acc=False,
    )
