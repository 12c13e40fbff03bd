"""Writes one event file per folder: a torch training (a small MLP on Gaussian blobs, minibatch
Adam) logged by torch's SummaryWriter with two step counters, as hand-written loops do: the
batch loss at the global step, the epoch's metrics at the epoch. Beside each folder, FOLDER.json:
what was logged (each value with its counter; an epoch's also with the global step then).
Run: python make_tb.py (needs torch and tensorboard).

- per_step_1based/: `train/loss_step` at global step 1, 2, ...; `loss/train`, `accuracy/train`,
  `loss/val`, `accuracy/val` at epoch 1..12 (8 steps an epoch).
- two_steps_0based/: 2 steps an epoch; `train/loss` at the global step, `train/epoch_loss`,
  `val/loss`, `val/accuracy` at epoch 0..14, written after the epoch's steps (the closest the two
  counters come).
"""

import json
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.tensorboard import SummaryWriter

here = Path(__file__).parent


def data(seed: int) -> tuple[torch.Tensor, ...]:
    g = torch.Generator().manual_seed(seed)
    centers = torch.randn(3, 10, generator=g) * 1.5
    y = torch.randint(0, 3, (360,), generator=g)
    x = centers[y] + torch.randn(360, 10, generator=g) * 1.4
    return x[:64], y[:64], x[64:], y[64:]


def train(folder: str, epochs: int, batch: int, one_based: bool, tags: dict[str, str]) -> None:
    torch.manual_seed(0)
    xt, yt, xv, yv = data(1)
    model = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 3))
    opt = torch.optim.Adam(model.parameters(), 3e-3)
    out = here / folder
    for old in out.glob("events.out.tfevents.*"):
        old.unlink()
    w = SummaryWriter(str(out))
    truth: dict[str, list[list[float]]] = {t: [] for t in tags.values()}
    step = 0
    for epoch in range(epochs):
        model.train()
        total, right = 0.0, 0
        for i in range(0, len(xt), batch):
            logits = model(xt[i : i + batch])
            loss = F.cross_entropy(logits, yt[i : i + batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            total += loss.item() * len(logits)
            right += int((logits.argmax(1) == yt[i : i + batch]).sum())
            if "step_loss" in tags:
                w.add_scalar(tags["step_loss"], loss.item(), step)
                truth[tags["step_loss"]].append([step, loss.item()])
        model.eval()
        with torch.no_grad():
            logits = model(xv)
            vl = F.cross_entropy(logits, yv).item()
            va = (logits.argmax(1) == yv).float().mean().item()
        x = epoch + 1 if one_based else epoch
        values = {"train_loss": total / len(xt), "train_acc": right / len(xt), "val_loss": vl, "val_acc": va}
        for key, tag in tags.items():
            if key in values:
                w.add_scalar(tag, values[key], x)
                truth[tag].append([x, values[key], step])
    w.close()
    (here / f"{folder}.json").write_text(json.dumps(truth))


train(
    "per_step_1based",
    12,
    8,
    True,
    {
        "step_loss": "train/loss_step",
        "train_loss": "loss/train",
        "train_acc": "accuracy/train",
        "val_loss": "loss/val",
        "val_acc": "accuracy/val",
    },
)
train(
    "two_steps_0based",
    15,
    32,
    False,
    {
        "step_loss": "train/loss",
        "train_loss": "train/epoch_loss",
        "val_loss": "val/loss",
        "val_acc": "val/accuracy",
    },
)
