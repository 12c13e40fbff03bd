"""Writes trainer_state.json here: a real Hugging Face `Trainer` run (transformers 5, torch CPU) of a
small MLP on noisy two-class Gaussian data. It overfits; the Trainer logs the training loss every 5
steps and evaluates at each epoch's end (7 steps an epoch), so the last evaluation (step 84) comes
after the last logged training loss (step 80): the finished log's last evaluation has no training
point after it.  Run: /work/venvs/fw/bin/python make.py"""

import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
import torch
from torch import nn
from transformers import Trainer, TrainingArguments

rng = np.random.default_rng(7)
DIM = 40


def data(n: int) -> list[dict[str, torch.Tensor]]:
    y = rng.integers(0, 2, n)
    x = rng.normal(0, 1, (n, DIM)) + (2 * y[:, None] - 1) * 0.35
    flip = rng.random(n) < 0.2  # label noise: what the model can only memorise
    y = np.where(flip, 1 - y, y)
    return [
        {"x": torch.tensor(a, dtype=torch.float32), "labels": torch.tensor(int(b))}
        for a, b in zip(x, y, strict=True)
    ]


class Mlp(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(DIM, 256), nn.ReLU(), nn.Linear(256, 2))

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        logits = self.net(x)
        out = {"logits": logits}
        if labels is not None:
            out["loss"] = nn.functional.cross_entropy(logits, labels)
        return out


def accuracy(p) -> dict[str, float]:  # type: ignore[no-untyped-def]
    return {"accuracy": float((np.argmax(p.predictions, -1) == p.label_ids).mean())}


torch.manual_seed(0)
tmp = tempfile.mkdtemp()
args = TrainingArguments(
    output_dir=tmp,
    num_train_epochs=12,
    per_device_train_batch_size=32,
    per_device_eval_batch_size=256,
    learning_rate=3e-3,
    logging_steps=5,
    eval_strategy="epoch",
    save_strategy="no",
    report_to=[],
    use_cpu=True,
    seed=0,
    disable_tqdm=True,
)
trainer = Trainer(Mlp(), args, train_dataset=data(200), eval_dataset=data(400), compute_metrics=accuracy)
trainer.train()
trainer.state.save_to_json(str(Path(__file__).with_name("trainer_state.json")))
shutil.rmtree(tmp)
print(json.dumps(trainer.state.log_history[-3:], indent=1))
