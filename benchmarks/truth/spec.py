"""What one generated run is: data, model, optimiser, schedule, and the fault built into it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Spec:
    """One run of a family. `framework`: keras | lightning | torch (text + JSONL) | tensorboard |
    step (text + JSONL by global step, small validation batches)."""

    family: str
    seed: int
    framework: str
    data: str
    data_kw: dict[str, Any] = field(default_factory=dict)
    hidden: tuple[int, ...] = (64,)
    optimizer: str = "adam"  # adam | sgd
    lr: float = 1e-3
    momentum: float = 0.0
    epochs: int = 20
    batch: int = 32
    loss: str = "ce"  # ce | mse (softmax outputs against one-hot targets)
    label_smoothing: float = 0.0
    nan_at: int | None = None  # 1-based epoch at which NaN enters (torch: a NaN input; Keras: a NaN weight)
    sparse_metric_mismatch: bool = False  # Keras: sparse labels with CategoricalAccuracy (wrong metric)
    init_scale: float = 1.0  # scale of the last layer's initial weights
    # torch: from this 1-based epoch the validation inputs drift (Gaussian noise of std
    # val_shift_step x (epochs since), drawn once per run), as a changing evaluation pipeline would
    val_shift_at: int | None = None
    val_shift_step: float = 0.0
    lr_drop_at: int | None = (
        None  # torch: from this 1-based epoch the learning rate is x 0.01 (training flat)
    )
    # per-step runs (framework "step": a plain PyTorch loop logging by global step, fw_step.py):
    eval_every: int = 0  # steps between evaluations (0: the epoch loop of fw_torch.py)
    log_every: int = 1  # steps between logged single-minibatch training losses
    val_batch: int = 0  # samples per evaluation (0: the whole validation split)
    val_random: bool = False  # a fresh random subset of the validation split at each evaluation
    # torch: objectives that are not a plain mean cross-entropy (objectives.py): `l2_in_loss` * the sum
    # of every parameter's square added to the training and validation loss the loop logs, and
    # `pos_weight` (two classes) weighting class 1's cross-entropy by n(class 0) / n(class 1) of the
    # training split, averaged over the samples as torch's BCEWithLogitsLoss(pos_weight=) does
    l2_in_loss: float = 0.0
    pos_weight: bool = False
    # torch: write config.json beside the logs naming num_classes and label_smoothing (as a recipe does)
    write_config: bool = False
    # torch: one output unit, sigmoid and binary cross-entropy (BCEWithLogitsLoss, threshold 0.5) for a
    # two-class set, as a binary classifier is usually written; probabilities (1 - p, p)
    sigmoid: bool = False
    # torch: the loop logs no training accuracy (a BCE loop often logs the loss alone on training)
    log_train_acc: bool = True
    run_dir: str = ""  # folder under the corpus root, set by the family table

    @property
    def name(self) -> str:
        return f"{self.family}-s{self.seed}"
