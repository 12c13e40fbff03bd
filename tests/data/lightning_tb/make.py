"""Writes this folder: a tiny Lightning 2.6 training (a linear model on scikit-learn's digits, SGD,
6 epochs, log_every_n_steps=10) logged by its TensorBoardLogger and CSVLogger at once: the event
file and metrics.csv (hparams.yaml removed). Run: python make.py (needs lightning, torch, scikit-learn)."""

import lightning as L
import torch
import torch.nn.functional as F
from lightning.pytorch.loggers import CSVLogger, TensorBoardLogger
from sklearn.datasets import load_digits
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
torch.set_num_threads(1)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32)
y = torch.tensor(y)
train, val = TensorDataset(X[:1200], y[:1200]), TensorDataset(X[1200:], y[1200:])


class Linear(L.LightningModule):
    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Linear(64, 10)

    def training_step(self, batch, i):  # type: ignore[no-untyped-def]
        x, t = batch
        out = self.net(x)
        loss = F.cross_entropy(out, t)
        self.log("train_loss", loss, on_step=True, on_epoch=True)
        self.log("train_acc", (out.argmax(1) == t).float().mean(), on_step=False, on_epoch=True)
        return loss

    def validation_step(self, batch, i):  # type: ignore[no-untyped-def]
        x, t = batch
        out = self.net(x)
        self.log("val_loss", F.cross_entropy(out, t))
        self.log("val_acc", (out.argmax(1) == t).float().mean())

    def configure_optimizers(self):  # type: ignore[no-untyped-def]
        return torch.optim.SGD(self.parameters(), lr=0.05)


loggers = [TensorBoardLogger(".", name="", version=""), CSVLogger(".", name="", version="")]
trainer = L.Trainer(
    max_epochs=6,
    logger=loggers,
    log_every_n_steps=10,
    enable_progress_bar=False,
    enable_model_summary=False,
    enable_checkpointing=False,
    default_root_dir=".",
)
trainer.fit(Linear(), DataLoader(train, batch_size=64, shuffle=True), DataLoader(val, batch_size=256))
