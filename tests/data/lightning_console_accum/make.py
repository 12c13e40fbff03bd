"""Lightning 2.x with the TQDM bar, two evaluations an epoch and gradients accumulated over two
batches (tester h19k item 4): `python make.py > console.log 2>&1` in a venv with torch and lightning
writes the console; metrics.csv is the same run's CSVLogger file (moved here from out/)."""

from __future__ import annotations

import lightning as L
import torch
from lightning.pytorch.callbacks import TQDMProgressBar
from lightning.pytorch.loggers import CSVLogger
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
X = torch.randn(512, 20)
y = (X @ torch.randn(20, 4)).argmax(1)
train = DataLoader(TensorDataset(X[:384], y[:384]), batch_size=32, shuffle=True)
val = DataLoader(TensorDataset(X[384:], y[384:]), batch_size=64)


class Model(L.LightningModule):
    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 4))

    def training_step(self, batch, i):  # type: ignore[no-untyped-def]
        x, t = batch
        out = self.net(x)
        loss = nn.functional.cross_entropy(out, t)
        self.log("train_loss", loss, prog_bar=True, on_step=True, on_epoch=True)
        self.log(
            "train_acc", (out.argmax(1) == t).float().mean(), prog_bar=True, on_step=False, on_epoch=True
        )
        return loss

    def validation_step(self, batch, i):  # type: ignore[no-untyped-def]
        x, t = batch
        out = self.net(x)
        self.log("val_loss", nn.functional.cross_entropy(out, t), prog_bar=True)
        self.log("val_acc", (out.argmax(1) == t).float().mean(), prog_bar=True)

    def configure_optimizers(self):  # type: ignore[no-untyped-def]
        return torch.optim.SGD(self.parameters(), lr=0.1)


if __name__ == "__main__":
    L.Trainer(
        max_epochs=6,
        enable_model_summary=False,
        logger=CSVLogger("out"),
        callbacks=[TQDMProgressBar()],
        val_check_interval=0.5,
        accumulate_grad_batches=2,
    ).fit(Model(), train, val)
