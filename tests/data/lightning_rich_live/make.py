"""Lightning 2.x's default progress bar with `rich` installed (RichProgressBar), captured from a
terminal, as `script` (util-linux) records it: Rich's live display redrawn in place (tester h19k
item 4). For KIND in plain, every2 (check_val_every_n_epoch=2), vci (val_check_interval=0.5), in a
venv with torch, lightning and rich:

    COLUMNS=120 script -q -c "python make.py KIND out_KIND" KIND.log

KIND_metrics.csv is the same run's CSVLogger file (out_KIND/lightning_logs/version_0/metrics.csv)."""

from __future__ import annotations

import sys

import lightning as L
import torch
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
        loss = nn.functional.cross_entropy(self.net(x), t)
        self.log("train_loss", loss, prog_bar=True)
        return loss

    def validation_step(self, batch, i):  # type: ignore[no-untyped-def]
        x, t = batch
        out = self.net(x)
        self.log("val_loss", nn.functional.cross_entropy(out, t), prog_bar=True)
        self.log("val_acc", (out.argmax(1) == t).float().mean(), prog_bar=True)

    def configure_optimizers(self):  # type: ignore[no-untyped-def]
        return torch.optim.SGD(self.parameters(), lr=0.1)


if __name__ == "__main__":
    kind, root = sys.argv[1], sys.argv[2]
    kw: dict[str, object] = {
        "every2": {"check_val_every_n_epoch": 2},
        "vci": {"val_check_interval": 0.5},
    }.get(kind, {})
    L.Trainer(max_epochs=5, enable_model_summary=False, logger=CSVLogger(root), **kw).fit(  # type: ignore[arg-type]
        Model(), train, val
    )
