"""Writes the run in this folder: `python make_run.py` (Lightning 2.6.6, torch CPU), then keep
`logs/version_0/metrics.csv` and `ls logs/version_0/checkpoints > checkpoints.txt`."""

import lightning as L
import torch
from lightning.pytorch.callbacks import ModelCheckpoint, TQDMProgressBar
from lightning.pytorch.loggers import CSVLogger

torch.set_num_threads(1)


class Linear(L.LightningModule):
    def __init__(self) -> None:
        super().__init__()
        self.lin = torch.nn.Linear(4, 2)

    def training_step(self, batch, i):  # type: ignore[no-untyped-def]
        x, y = batch
        loss = torch.nn.functional.cross_entropy(self.lin(x), y)
        self.log("train_loss", loss, prog_bar=True)
        return loss

    def validation_step(self, batch, i):  # type: ignore[no-untyped-def]
        x, y = batch
        self.log("val_loss", torch.nn.functional.cross_entropy(self.lin(x), y), prog_bar=True)

    def configure_optimizers(self):  # type: ignore[no-untyped-def]
        return torch.optim.SGD(self.parameters(), lr=0.1)


data = torch.utils.data.TensorDataset(torch.randn(64, 4), torch.randint(0, 2, (64,)))
loader = torch.utils.data.DataLoader(data, batch_size=16)
trainer = L.Trainer(
    max_epochs=3,
    logger=CSVLogger(".", name="logs"),
    callbacks=[ModelCheckpoint(save_top_k=-1, monitor="val_loss"), TQDMProgressBar()],
    accelerator="cpu",
    num_sanity_val_steps=0,
    enable_model_summary=False,
)
trainer.fit(Linear(), loader, loader)
