"""Blind families: every seed held out, generated after the analyzer's rules were written and never
tuned on. They are the kinds of runs a tester broke the product with: long per-step SGD runs
evaluated on small validation batches, binary runs whose validation split has the other majority,
networks collapsed at 85/15 and 90/10, short fine-tune-like runs with small batches, and a healthy
run trained with label smoothing. Seeds 4-5 (data drawn apart from the other families' seeds)."""

from __future__ import annotations

from collections.abc import Callable

BLIND_SEEDS = (4, 5)


def blind(add: Callable[..., None]) -> None:
    """Add the blind families through make_corpus's `add(name, framework, data, built, about, ...)`."""

    def held(*a: object, **kw: object) -> None:
        add(*a, seeds=BLIND_SEEDS, split="heldout", **kw)

    held(
        "step-random32-torch",
        "step",
        "stream4",
        ["healthy"],
        "4-class make_classification (6000 samples, 5 % label noise), 64 hidden, SGD 0.05, 2400 steps of 32;"
        " every 40 steps the loss and accuracy of a fresh random 32-sample validation batch",
        hidden=(64,),
        optimizer="sgd",
        lr=0.05,
        epochs=19,
        batch=32,
        eval_every=40,
        log_every=8,
        val_batch=32,
        val_random=True,
    )
    held(
        "step-fixed64-torch",
        "step",
        "stream2",
        ["healthy"],
        "binary make_classification (6000 samples, 10 % label noise, class_sep 0.8), 32 hidden, SGD 0.05,"
        " 2400 steps of 32; every 40 steps the same fixed 64 validation samples",
        hidden=(32,),
        optimizer="sgd",
        lr=0.05,
        epochs=19,
        batch=32,
        eval_every=40,
        log_every=8,
        val_batch=64,
    )
    held(
        "step-long-random64-torch",
        "step",
        "stream4",
        ["healthy"],
        "4-class make_classification (6000 samples, 5 % label noise), 32 hidden, SGD 0.02, 12000 steps of"
        " 32; single-batch training loss every 24 steps; every 120 steps a fresh random 64-sample"
        " validation batch",
        hidden=(32,),
        optimizer="sgd",
        lr=0.02,
        epochs=92,
        batch=32,
        eval_every=120,
        log_every=24,
        val_batch=64,
        val_random=True,
    )
    held(
        "step-overfit-fixed32-torch",
        "step",
        "stream4",
        ["overfitting"],
        "4-class make_classification with 256 training samples, 256x256 hidden, Adam 1e-3, 2400 steps of"
        " 16; every 40 steps the same 32 validation samples: memorises, the whole split's loss turns up",
        data_kw={"train_limit": 256},
        hidden=(256, 256),
        epochs=150,
        batch=16,
        eval_every=40,
        log_every=8,
        val_batch=32,
    )
    held(
        "shift-binary-torch",
        "torch",
        "binary",
        ["healthy", "prior-shift"],
        "binary make_classification with a usable signal; training split 75/25, validation split 25/75"
        " (the other majority), 32 hidden, Adam 1e-3, 15 epochs",
        data_kw={"shift": (0.75, 0.25)},
        hidden=(32,),
        epochs=15,
        batch=32,
        split_unlike_training=True,
    )
    held(
        "shift-binary-weak-torch",
        "torch",
        "binary_weak",
        ["prior-shift"],
        "binary make_classification with a weak signal (class_sep 0.2); training split 85/15, validation"
        " split 15/85: the model learns to answer the training majority, the validation minority",
        data_kw={"shift": (0.85, 0.15)},
        hidden=(16,),
        epochs=12,
        batch=32,
        split_unlike_training=True,
    )
    for share, data in (("85/15", "skewed2"), ("90/10", "skewed2_90")):
        held(
            f"collapse-{share[:2]}-torch",
            "torch",
            data,
            ["at-majority-rate"],
            f"binary make_classification {share} with a usable signal, 64x64 hidden, Adam at lr 0.3 (far"
            " too high), 15 epochs: the network collapses to the most frequent class",
            hidden=(64, 64),
            lr=0.3,
            epochs=15,
            batch=32,
        )
    held(
        "short-ft-healthy-torch",
        "torch",
        "breast_cancer",
        ["healthy"],
        "fine-tune-like: 4 epochs of batch 8, breast cancer, 32 hidden, Adam 1e-3",
        hidden=(32,),
        epochs=4,
        batch=8,
    )
    held(
        "short-ft-digits-torch",
        "torch",
        "digits",
        ["healthy"],
        "fine-tune-like: 3 epochs of batch 8, digits, 128 hidden, Adam 1e-3",
        hidden=(128,),
        epochs=3,
        batch=8,
    )
    held(
        "short-ft-overfit-torch",
        "torch",
        "digits",
        ["overfitting"],
        "fine-tune-like: 6 epochs of batch 4, digits with 40 training samples, 512 hidden, Adam 1e-2",
        data_kw={"train_limit": 40},
        hidden=(512,),
        lr=1e-2,
        epochs=6,
        batch=4,
    )
    held(
        "label-smoothing-torch",
        "torch",
        "blobs4",
        ["healthy", "label-smoothing"],
        "4-class make_classification, label smoothing 0.1 in the training and validation loss, 64 hidden,"
        " Adam 1e-3, 20 epochs (plain loop)",
        loss_is_ce=False,
        label_smoothing=0.1,
        epochs=20,
        batch=32,
    )
