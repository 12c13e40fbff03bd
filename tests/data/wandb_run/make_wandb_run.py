"""Makes wandb/offline-run-*/ here: a real W&B offline run (the real `wandb` client, no network) of a
numpy softmax classifier: per-batch `train/loss`, `train/acc` with the script's own `iter` (as
nanoGPT logs it), per-epoch `val_loss`, `val_acc` (no `iter`), and `epoch` on every row.
Run: `WANDB_MODE=offline python make_wandb_run.py` (wandb 0.31.0 made the committed copy; its tmp/
folder and files/requirements.txt were not kept)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import wandb

os.environ.setdefault("WANDB_MODE", "offline")
os.environ.setdefault("WANDB_SILENT", "true")
rng = np.random.default_rng(0)
K, D, N, EPOCHS, BATCH = 4, 8, 600, 40, 96
y = rng.integers(0, K, N)
X = rng.normal(0, 1.5, (K, D))[y] + rng.normal(0, 1.6, (N, D))
Xtr, ytr, Xva, yva = X[:480], y[:480], X[480:], y[480:]
W, b = np.zeros((D, K)), np.zeros(K)


def forward(xs: np.ndarray, ys: np.ndarray) -> tuple[float, float, np.ndarray]:
    z = xs @ W + b
    z -= z.max(1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(1, keepdims=True)
    return float(-np.log(p[np.arange(len(ys)), ys]).mean()), float((p.argmax(1) == ys).mean()), p


run = wandb.init(
    project="lossacc-demo", dir=str(Path(__file__).parent), config={"lr": 0.05, "epochs": EPOCHS}
)
for epoch in range(EPOCHS):
    for i in range(0, len(Xtr), BATCH):
        xb, yb = Xtr[i : i + BATCH], ytr[i : i + BATCH]
        loss, acc, p = forward(xb, yb)
        g = p.copy()
        g[np.arange(len(yb)), yb] -= 1
        g /= len(yb)
        W -= 0.05 * xb.T @ g
        b -= 0.05 * g.sum(0)
        run.log({"train/loss": loss, "train/acc": acc, "epoch": epoch, "iter": epoch * 5 + i // BATCH})
    val_loss, val_acc, _ = forward(Xva, yva)
    run.log({"val_loss": val_loss, "val_acc": val_acc, "epoch": epoch})
    print(f"epoch {epoch} val_loss {val_loss:.4f} val_acc {val_acc:.4f}")
run.finish()
# wandb links logs/debug-core.log to a file in the user's cache (~/.cache/wandb): a link that
# dangles on any other machine, so it is not kept with the test data
for link in Path(__file__).parent.glob("wandb/offline-run-*/logs/debug-core.log"):
    if link.is_symlink():
        link.unlink()
