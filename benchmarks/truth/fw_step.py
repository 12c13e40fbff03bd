"""A plain PyTorch loop that logs by global step, the way long per-step runs are logged: the
single-minibatch training loss every `log_every` steps, and every `eval_every` steps the loss and
accuracy on a small validation batch (`val_batch` samples: the same fixed subset every time, or a
fresh random one with `val_random`). Each logged line is written twice, as a printed text line
(`train.log`: `step N | train_loss X | val_loss Y | val_acc Z`) and a JSON line (`train.jsonl`).

Truth rows per evaluation: `val` is the facts of the samples the logged numbers were computed on
(flips are None for random subsets: different samples each time), `val_full` the facts of the whole
validation split (what labels.py judges the run's phenomena on, not the subset's noise), `train`
the whole training split, with `logged_loss` the mean of the minibatch losses since the last
evaluation."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import torch

from benchmarks.truth.data import Data
from benchmarks.truth.facts import FactTracker
from benchmarks.truth.fw_torch import _4, criterion, mlp, optimizer
from benchmarks.truth.spec import Spec


def train(spec: Spec, data: Data, out: Path) -> list[dict]:
    """Train and log; return the truth rows (val, val_full and train facts of every evaluation)."""
    torch.manual_seed(spec.seed)
    gen = torch.Generator().manual_seed(spec.seed)
    rng = np.random.default_rng(spec.seed + 1000)
    xt, yt = torch.from_numpy(data.x_train), torch.from_numpy(data.y_train)
    xv, yv = torch.from_numpy(data.x_val), torch.from_numpy(data.y_val)
    n_eval = spec.val_batch or len(yv)
    fixed = np.sort(rng.permutation(len(yv))[:n_eval])
    model = mlp(xt.shape[1], spec.hidden, data.k, spec.init_scale)
    opt = optimizer(spec, model.parameters())
    trackers = {s: FactTracker(s, spec.label_smoothing) for s in ("val", "val_full", "train")}
    rows: list[dict] = []
    out.mkdir(parents=True, exist_ok=True)
    step, since = 0, []
    with (out / "train.log").open("w") as text, (out / "train.jsonl").open("w") as jsonl:
        for epoch in range(1, spec.epochs + 1):
            order = torch.randperm(len(yt), generator=gen)
            for i in range(0, len(order) - spec.batch + 1, spec.batch):  # whole batches only
                idx = order[i : i + spec.batch]
                model.train()
                loss = criterion(spec, model(xt[idx]), yt[idx], data.k)
                opt.zero_grad()
                loss.backward()
                opt.step()
                step += 1
                lv = float(loss.detach())
                since.append(lv)
                rec: dict[str, float] = {}
                if step % spec.log_every == 0:
                    rec["train_loss"] = lv
                if step % spec.eval_every == 0:
                    sub = np.sort(rng.choice(len(yv), n_eval, replace=False)) if spec.val_random else fixed
                    model.eval()
                    with torch.no_grad():
                        logits = model(xv[sub])
                        rec["val_loss"] = float(criterion(spec, logits, yv[sub], data.k))
                        rec["val_acc"] = float((logits.argmax(1) == yv[sub]).float().mean())
                        pv = torch.softmax(logits.double(), 1).numpy()
                        pf = torch.softmax(model(xv).double(), 1).numpy()
                        pt = torch.softmax(model(xt).double(), 1).numpy()
                    if spec.val_random:
                        trackers["val"]._prev = None  # other samples: no flips to count
                    rows.append(trackers["val"].facts(pv, data.y_val[sub], epoch, step))
                    rows.append(trackers["val_full"].facts(pf, data.y_val, epoch, step))
                    rows.append(trackers["train"].facts(pt, data.y_train, epoch, step))
                    mean = sum(since) / len(since)
                    rows[-1]["logged_loss"] = float(f"{mean:.6g}") if math.isfinite(mean) else None
                    since = []
                if rec:
                    text.write(f"step {step} | " + " | ".join(f"{k} {_4(v)}" for k, v in rec.items()) + "\n")
                    jsonl.write(json.dumps({"step": step, **rec}) + "\n")
    return rows
