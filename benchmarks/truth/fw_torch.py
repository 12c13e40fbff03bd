"""A plain PyTorch training loop that logs each epoch twice (a printed text line and a JSON line,
`train.log` and `train.jsonl`), or to TensorBoard through torch.utils.tensorboard."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from benchmarks.truth.data import Data
from benchmarks.truth.facts import FactTracker
from benchmarks.truth.spec import Spec


class SigmoidPair(nn.Module):
    """One logit z as the two logits (0, z): softmax gives (1 - sigmoid(z), sigmoid(z)), cross-entropy
    on them is BCEWithLogitsLoss(z, y) to the float, and argmax is the threshold 0.5 (z > 0 is class 1;
    a tie z = 0 is class 0, as `p > 0.5` reads it)."""

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.cat([torch.zeros_like(z), z], dim=1)


def mlp(d: int, hidden: tuple[int, ...], k: int, init_scale: float, sigmoid: bool = False) -> nn.Sequential:
    """A ReLU MLP with `k` output logits, or (`sigmoid`, k = 2) one logit read as a sigmoid unit."""
    layers: list[nn.Module] = []
    for h in hidden:
        layers += [nn.Linear(d, h), nn.ReLU()]
        d = h
    last = nn.Linear(d, 1 if sigmoid else k)
    with torch.no_grad():
        last.weight.mul_(init_scale)
        last.bias.mul_(init_scale)
    return nn.Sequential(*layers, last, *([SigmoidPair()] if sigmoid else []))


def criterion(
    spec: Spec,
    logits: torch.Tensor,
    y: torch.Tensor,
    k: int,
    model: nn.Module | None = None,
    class_weight: torch.Tensor | None = None,
) -> torch.Tensor:
    """The loss the loop minimises and logs: a mean cross-entropy (label-smoothed by
    `spec.label_smoothing`), each sample's weighted by `class_weight[y]` when given (`spec.pos_weight`),
    plus `spec.l2_in_loss` * the sum of squares of `model`'s parameters when given; or MSE."""
    if spec.loss == "mse":
        return F.mse_loss(torch.softmax(logits, 1), F.one_hot(y, k).float())
    if class_weight is not None:
        loss = (F.cross_entropy(logits, y, reduction="none") * class_weight[y]).mean()
    else:
        loss = F.cross_entropy(logits, y, label_smoothing=spec.label_smoothing)
    if spec.l2_in_loss and model is not None:
        loss = loss + spec.l2_in_loss * penalty(model)
    return loss


def penalty(model: nn.Module) -> torch.Tensor:
    """The sum of squares of every parameter of `model` (the L2 term a loop adds to its loss)."""
    return sum((p**2).sum() for p in model.parameters())  # type: ignore[return-value]


def class_weights(spec: Spec, y_train: np.ndarray, k: int) -> torch.Tensor | None:
    """[1, n(class 0) / n(class 1)] of the training labels for a `pos_weight` run (two classes), else None."""
    if not spec.pos_weight:
        return None
    counts = np.bincount(y_train, minlength=k).astype(np.float64)
    return torch.tensor([1.0, counts[0] / max(counts[1], 1.0)], dtype=torch.float32)


def optimizer(spec: Spec, params: Any) -> torch.optim.Optimizer:
    if spec.optimizer == "sgd":
        return torch.optim.SGD(params, lr=spec.lr, momentum=spec.momentum)
    return torch.optim.Adam(params, lr=spec.lr)


def train(spec: Spec, data: Data, out: Path, tensorboard: bool = False) -> list[dict]:
    """Train and log; return the truth rows (val and train facts of every epoch, epochs 1-based)."""
    torch.manual_seed(spec.seed)
    gen = torch.Generator().manual_seed(spec.seed)
    xt, yt = torch.from_numpy(data.x_train), torch.from_numpy(data.y_train)
    xv, yv = torch.from_numpy(data.x_val), torch.from_numpy(data.y_val)
    assert not spec.sigmoid or data.k == 2, "a sigmoid output is for two classes"
    model = mlp(xt.shape[1], spec.hidden, data.k, spec.init_scale, spec.sigmoid)
    opt = optimizer(spec, model.parameters())
    cw = class_weights(spec, data.y_train, data.k)
    weights = None if cw is None else cw.numpy().astype(np.float64)
    trackers = {
        s: FactTracker(s, spec.label_smoothing, weights, bool(spec.l2_in_loss)) for s in ("val", "train")
    }
    rows: list[dict] = []
    out.mkdir(parents=True, exist_ok=True)
    writer = None
    if tensorboard:
        from torch.utils.tensorboard import SummaryWriter

        writer = SummaryWriter(str(out), filename_suffix=".truth")
        text = jsonl = None
    else:
        text = (out / "train.log").open("w")
        jsonl = (out / "train.jsonl").open("w")
    if spec.write_config:  # as a recipe's saved configuration: the class count and the smoothing
        cfg = {"num_classes": data.k, "label_smoothing": spec.label_smoothing, "lr": spec.lr}
        (out / "config.json").write_text(json.dumps(cfg, indent=1) + "\n")
    step = 0
    shift = torch.randn(xv.shape, generator=gen, dtype=xv.dtype)  # the drift's direction, fixed per run
    for epoch in range(1, spec.epochs + 1):
        if spec.lr_drop_at == epoch:
            for group in opt.param_groups:
                group["lr"] *= 1e-2
        model.train()
        order = torch.randperm(len(yt), generator=gen)
        tot_loss, tot_right, seen = 0.0, 0, 0
        for i in range(0, len(order), spec.batch):
            idx = order[i : i + spec.batch]
            xb, yb = xt[idx], yt[idx]
            if spec.nan_at == epoch and i == 0:
                xb = xb.clone()
                xb[0, 0] = float("nan")  # one corrupted sample, as a bad record in the data would
            logits = model(xb)
            loss = criterion(spec, logits, yb, data.k, model, cw)
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            tot_loss += float(loss.detach()) * len(idx)
            tot_right += int((logits.argmax(1) == yb).sum())
            seen += len(idx)
        model.eval()
        xe = xv
        if spec.val_shift_at is not None and epoch >= spec.val_shift_at:
            xe = xv + spec.val_shift_step * (epoch - spec.val_shift_at + 1) * shift
        with torch.no_grad():
            lv = model(xe)
            val_loss = float(criterion(spec, lv, yv, data.k, model, cw))
            added = float(spec.l2_in_loss * penalty(model)) if spec.l2_in_loss else 0.0
            val_acc = float((lv.argmax(1) == yv).float().mean())
            pv = torch.softmax(lv.double(), 1).numpy()
            pt = torch.softmax(model(xt).double(), 1).numpy()
        rows.append(trackers["val"].facts(pv, data.y_val, epoch, step, added))
        rows.append(trackers["train"].facts(pt, data.y_train, epoch, step, added))
        # the training loss as the loop logs it (the mean over the epoch's batches, the model moving):
        # a spike inside an epoch shows here, not in the end-of-epoch facts
        rows[-1]["logged_loss"] = float(f"{tot_loss / seen:.6g}") if math.isfinite(tot_loss) else None
        rec = {
            "epoch": epoch,
            "step": step,
            "train_loss": tot_loss / seen,
            "train_acc": tot_right / seen,
            "val_loss": val_loss,
            "val_acc": val_acc,
        }
        if not spec.log_train_acc:
            del rec["train_acc"]
        if writer is not None:
            for tag, key in (
                ("train/loss", "train_loss"),
                ("train/acc", "train_acc"),
                ("val/loss", "val_loss"),
                ("val/acc", "val_acc"),
            ):
                if key in rec:
                    writer.add_scalar(tag, rec[key], global_step=step, walltime=1.7e9 + step)
        else:
            assert text is not None and jsonl is not None
            acc_part = f"train_acc {_4(rec['train_acc'])} | " if "train_acc" in rec else ""
            text.write(
                f"epoch {epoch}/{spec.epochs} | train_loss {_4(rec['train_loss'])} | "
                f"{acc_part}val_loss {_4(val_loss)} | val_acc {_4(val_acc)}\n"
            )
            jsonl.write(json.dumps(rec) + "\n")
    if writer is not None:
        writer.close()
    else:
        assert text is not None and jsonl is not None
        text.close()
        jsonl.close()
    return rows


def _4(v: float) -> str:
    """As a training script prints it: 4 decimals, `nan` for NaN."""
    return f"{v:.4f}" if math.isfinite(v) else str(v)
