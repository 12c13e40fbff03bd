"""Lightning: a LightningModule logged by Lightning's own `CSVLogger` (`metrics.csv` with
`train_loss_step`/`train_loss_epoch`, `val_loss`, `val_acc`, and `hparams.yaml` with `num_classes`)
under `<run folder>/version_<v>/`."""

from __future__ import annotations

import csv
import logging
import math
import warnings
from pathlib import Path

import lightning as L
import torch
from lightning.pytorch.loggers import CSVLogger
from torch.utils.data import DataLoader, TensorDataset

from benchmarks.truth.data import Data
from benchmarks.truth.facts import FactTracker
from benchmarks.truth.fw_torch import criterion, mlp, optimizer
from benchmarks.truth.spec import Spec


class _Module(L.LightningModule):
    def __init__(self, spec: Spec, data: Data, num_classes: int, lr: float) -> None:
        super().__init__()
        self.save_hyperparameters({"num_classes": num_classes, "lr": lr, "seed": spec.seed})
        self.spec, self.data = spec, data
        self.net = mlp(data.x_train.shape[1], spec.hidden, num_classes, spec.init_scale)
        self.trackers = {"val": FactTracker("val"), "train": FactTracker("train")}
        self.rows: list[dict] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    def training_step(self, batch: tuple[torch.Tensor, torch.Tensor], _i: int) -> torch.Tensor:
        x, y = batch
        if self.spec.nan_at == self.current_epoch + 1 and _i == 0:
            x = x.clone()
            x[0, 0] = float("nan")
        loss = criterion(self.spec, self(x), y, self.data.k)
        self.log("train_loss", loss, on_step=True, on_epoch=True)
        return loss

    def validation_step(self, batch: tuple[torch.Tensor, torch.Tensor], _i: int) -> None:
        x, y = batch
        logits = self(x)
        self.log("val_loss", criterion(self.spec, logits, y, self.data.k), on_epoch=True)
        self.log("val_acc", (logits.argmax(1) == y).float().mean(), on_epoch=True)

    def on_validation_epoch_end(self) -> None:
        d = self.data
        with torch.no_grad():
            for split, x, y in (("val", d.x_val, d.y_val), ("train", d.x_train, d.y_train)):
                p = torch.softmax(self(torch.from_numpy(x)).double(), 1).numpy()
                self.rows.append(self.trackers[split].facts(p, y, self.current_epoch, self.global_step))

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return optimizer(self.spec, self.parameters())


def train(spec: Spec, data: Data, out: Path, version: int = 0) -> tuple[Path, list[dict]]:
    """Train; return the version folder and its truth rows (epoch 0-based and step as metrics.csv
    writes them for the validation rows)."""
    L.seed_everything(spec.seed, workers=True, verbose=False)
    logging.getLogger("lightning").setLevel(logging.ERROR)
    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
    module = _Module(spec, data, data.k, spec.lr)
    g = torch.Generator().manual_seed(spec.seed)
    tr = DataLoader(
        TensorDataset(torch.from_numpy(data.x_train), torch.from_numpy(data.y_train)),
        batch_size=spec.batch,
        shuffle=True,
        generator=g,
    )
    va = DataLoader(
        TensorDataset(torch.from_numpy(data.x_val), torch.from_numpy(data.y_val)), batch_size=len(data.y_val)
    )
    logger = CSVLogger(str(out), name="", version=version)
    trainer = L.Trainer(
        max_epochs=spec.epochs,
        logger=logger,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,
        log_every_n_steps=5,
        accelerator="cpu",
        deterministic=True,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trainer.fit(module, tr, va)
    folder = Path(logger.log_dir)
    # the step Lightning wrote on each validation row, in order
    with (folder / "metrics.csv").open() as f:
        written = list(csv.DictReader(f))
    steps = [int(r["step"]) for r in written if r.get("val_loss")]
    # the training loss as Lightning logged it (the epoch's mean batch loss, the model moving)
    logged = {int(r["epoch"]): float(r["train_loss_epoch"]) for r in written if r.get("train_loss_epoch")}
    val_i = 0
    for row in module.rows:
        if row["split"] == "val" and val_i < len(steps):
            row["step"] = steps[val_i]
            val_i += 1
        elif row["split"] == "train" and val_i - 1 < len(steps):
            row["step"] = steps[val_i - 1]
        if row["split"] == "train":
            v = logged.get(int(row["epoch"]))
            row["logged_loss"] = float(f"{v:.6g}") if v is not None and math.isfinite(v) else None
    return folder, module.rows
