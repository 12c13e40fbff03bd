"""The family table of the truth corpus: what each family's runs are built from and built to show.
Families are named by what they show and the framework that wrote them; `blind.py` adds the
held-out-only ones."""

from __future__ import annotations

from dataclasses import dataclass, field

SEEDS = (0, 1, 2, 3)
SPLIT = {0: "tune", 1: "tune", 2: "heldout", 3: "heldout", 4: "heldout", 5: "heldout"}


@dataclass
class Family:
    """Runs of one phenomenon, one per seed; `built` names the phenomena the construction aims at."""

    spec: object  # a Spec with seed 0; copied per seed
    built: list[str]
    about: str
    loss_is_ce: bool = True
    sweep_lrs: tuple[float, ...] = ()
    seeds: tuple[int, ...] = SEEDS
    extra: dict = field(default_factory=dict)
    split: str = ""  # every seed in this split ("heldout": a blind family), else by SPLIT


def families() -> dict[str, Family]:
    from benchmarks.truth.binary16 import binary16
    from benchmarks.truth.blind import blind
    from benchmarks.truth.misses import misses
    from benchmarks.truth.objectives import objectives
    from benchmarks.truth.spec import Spec

    f: dict[str, Family] = {}

    def add(
        name: str,
        fw: str,
        data: str,
        built: list[str],
        about: str,
        loss_is_ce: bool = True,
        sweep_lrs: tuple[float, ...] = (),
        **kw: object,
    ) -> None:
        data_kw = kw.pop("data_kw", {})
        seeds = kw.pop("seeds", SEEDS)
        split = kw.pop("split", "")
        extra = {"nan_cause": kw.pop("nan_cause")} if "nan_cause" in kw else {}
        if "split_unlike_training" in kw:
            extra["split_unlike_training"] = kw.pop("split_unlike_training")
        f[name] = Family(
            Spec(name, 0, fw, data, data_kw=data_kw, **kw),
            built,
            about,
            loss_is_ce,  # type: ignore[arg-type]
            sweep_lrs,
            seeds,  # type: ignore[arg-type]
            extra=extra,
            split=split,  # type: ignore[arg-type]
        )

    add(
        "healthy-keras",
        "keras",
        "digits",
        ["healthy"],
        "digits, 64 hidden, Adam 1e-3, 20 epochs",
        epochs=20,
        batch=64,
    )
    add(
        "slow-underconfident-torch",
        "torch",
        "breast_cancer",
        ["healthy", "underconfident"],
        "breast cancer, 16 hidden, plain SGD 3e-3 from a tiny last layer: accuracy first, confidence later",
        hidden=(16,),
        optimizer="sgd",
        lr=3e-3,
        epochs=30,
        batch=32,
        init_scale=0.01,
    )
    add(
        "label-smoothing-lightning",
        "lightning",
        "digits",
        ["healthy", "label-smoothing"],
        "digits, label smoothing 0.1 in training and validation loss, Adam 1e-3, 15 epochs",
        loss_is_ce=False,
        label_smoothing=0.1,
        epochs=15,
        batch=64,
    )
    add(
        "overfit-keras",
        "keras",
        "digits",
        ["overfitting", "confident-mistakes"],
        "digits with 100 training samples, 256x256 hidden, Adam 1e-2, 30 epochs: memorises, mistakes "
        "grow confident",
        data_kw={"train_limit": 100},
        hidden=(256, 256),
        lr=1e-2,
        epochs=30,
        batch=16,
    )
    add(
        "label-noise-tensorboard",
        "tensorboard",
        "blobs4",
        ["label-noise", "overfitting"],
        "4-class make_classification with 30 % of labels flipped, 256x256 hidden, Adam 3e-3, 40 epochs",
        data_kw={"flip": 0.3},
        hidden=(256, 256),
        lr=3e-3,
        epochs=40,
        batch=32,
    )
    add(
        "high-lr-torch",
        "torch",
        "digits",
        ["unstable"],
        "digits, SGD momentum 0.9 at lr 0.25: the loss jumps at high accuracy",
        optimizer="sgd",
        lr=0.25,
        momentum=0.9,
        epochs=20,
        batch=32,
    )
    add(
        "nan-weights-keras",
        "keras",
        "wine",
        ["non-finite"],
        "wine, Adam 1e-2; at the start of epoch 5 one first-layer weight becomes NaN",
        nan_cause="nan-weight",
        lr=1e-2,
        nan_at=5,
        epochs=10,
        batch=16,
    )
    add(
        "nan-lr-torch",
        "torch",
        "digits",
        ["non-finite", "unstable"],
        "digits, SGD momentum 0.9 at lr 0.5: the loss jumps, then overflows to NaN",
        nan_cause="learning-rate",
        optimizer="sgd",
        lr=0.5,
        momentum=0.9,
        epochs=20,
        batch=32,
    )
    add(
        "nan-inject-torch",
        "torch",
        "digits",
        ["non-finite"],
        "digits, Adam 1e-3; at epoch 6 one training sample carries a NaN feature",
        nan_cause="nan-input",
        nan_at=6,
        epochs=12,
        batch=32,
    )
    add(
        "majority-lightning",
        "lightning",
        "imbalanced",
        ["at-majority-rate"],
        "make_classification 90/10 with a weak signal (class_sep 0.3), 16 hidden, Adam 1e-3",
        hidden=(16,),
        epochs=15,
        batch=64,
    )
    for k, shares in (("2", "85/15"), ("3", "75/15/10"), ("4", "60/20/10/10")):
        add(
            f"collapse-k{k}-torch",
            "torch",
            f"skewed{k}",
            ["at-majority-rate"],
            f"{k}-class make_classification {shares} with a usable signal (class_sep 0.8), 64x64 hidden, "
            "Adam at lr 0.3 (far too high): the network collapses to predicting the most frequent class",
            hidden=(64, 64),
            lr=0.3,
            epochs=15,
            batch=32,
        )
    add(
        "collapse-k3-keras",
        "keras",
        "skewed3",
        ["at-majority-rate"],
        "3-class make_classification 75/15/10 with a usable signal (class_sep 0.8), 64x64 hidden, Adam at "
        "lr 0.3 (far too high): the rule written on the torch collapse runs, tried on Keras's logs",
        hidden=(64, 64),
        lr=0.3,
        epochs=15,
        batch=32,
    )
    add(
        "collapse-k2-lightning",
        "lightning",
        "skewed2",
        ["at-majority-rate"],
        "2-class make_classification 85/15 with a usable signal (class_sep 0.8), 64x64 hidden, Adam at "
        "lr 0.3 (far too high), Lightning's logs (per-step training loss, no training accuracy); "
        "generated after the at-majority-rate rules were written, as a blind check",
        hidden=(64, 64),
        lr=0.3,
        epochs=15,
        batch=32,
    )
    add(
        "chance-keras",
        "keras",
        "blobs4",
        ["at-chance"],
        "4-class make_classification with every label replaced by a random class, linear model, SGD 0.1",
        data_kw={"random_labels": True},
        hidden=(),
        optimizer="sgd",
        lr=0.1,
        epochs=12,
        batch=64,
    )
    add(
        "short-healthy-keras",
        "keras",
        "digits",
        ["healthy"],
        "fine-tune-like: 5 epochs, digits, Adam 3e-3",
        lr=3e-3,
        epochs=5,
        batch=32,
    )
    add(
        "short-overfit-torch",
        "torch",
        "digits",
        ["overfitting"],
        "fine-tune-like: 5 epochs, digits with 60 training samples, 512 hidden, Adam 1e-2",
        data_kw={"train_limit": 60},
        hidden=(512,),
        lr=1e-2,
        epochs=5,
        batch=8,
    )
    add(
        "mse-keras",
        "keras",
        "digits",
        ["healthy", "not-cross-entropy"],
        "digits, softmax outputs trained with MSE on one-hot targets, logged with accuracy",
        loss_is_ce=False,
        loss="mse",
        lr=3e-3,
        epochs=15,
        batch=32,
    )
    add(
        "label-mismatch-keras",
        "keras",
        "digits",
        ["not-cross-entropy"],
        "digits, sparse labels of shape (n, 1) with CategoricalAccuracy: accuracy pinned near the "
        "share predicted as class 0 while the loss falls",
        loss_is_ce=False,
        sparse_metric_mismatch=True,
        epochs=12,
        batch=32,
    )
    add(
        "val-shift-torch",
        "torch",
        "digits",
        ["val-degrading"],
        "digits, Adam 1e-3 for 6 epochs, then the learning rate x 0.01 (training flat); from epoch 12 "
        "the validation inputs drift (Gaussian noise growing by 0.25 standard deviations an epoch)",
        lr=1e-3,
        epochs=20,
        batch=32,
        lr_drop_at=7,
        val_shift_at=12,
        val_shift_step=0.25,
        split_unlike_training=True,
    )
    add(
        "sweep-lightning",
        "lightning",
        "wine",
        ["healthy"],
        "one folder of Lightning versions: 2 seeds x learning rates 3e-4, 3e-3, 3e-2 (Adam, wine)",
        sweep_lrs=(3e-4, 3e-3, 3e-2),
        hidden=(32,),
        epochs=12,
        batch=16,
    )
    blind(add)
    misses(add)
    objectives(add)
    binary16(add)
    return f
