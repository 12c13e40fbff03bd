"""Make tester 27's reading-fault logs (T6, T7, T12, T13) from one real training run.

Run with the framework venv (torch, pandas, loguru, rich):

    /work/venvs/fw/bin/python tests/data/tester27_reading/make.py

The numbers: a torch MLP (64-32-10, Adam lr 1e-3, batch 64) trained 12 epochs on scikit-learn's
digits (1,437 train / 360 validation images, seed 0); per epoch the mean training cross-entropy and
accuracy over the epoch's batches, and the validation cross-entropy and accuracy. Each file below
is written by the tool named beside it, never by hand.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

HERE = Path(__file__).resolve().parent
TRAIN_SIZE = 1437  # digits' 1,797 images less the 20 % held out


def train(epochs: int = 12) -> list[dict[str, float]]:
    """Per epoch: loss, accuracy (training, mean over the epoch's batches), val_loss, val_accuracy."""
    torch.manual_seed(0)
    x, y = load_digits(return_X_y=True)
    xt, xv, yt, yv = train_test_split(x / 16.0, y, test_size=0.2, random_state=0)
    xt, xv = torch.tensor(xt, dtype=torch.float32), torch.tensor(xv, dtype=torch.float32)
    yt, yv = torch.tensor(yt), torch.tensor(yv)
    model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    lossf = torch.nn.CrossEntropyLoss()
    rows = []
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(len(xt))
        losses, hits = [], 0
        for i in range(0, len(xt), 64):
            idx = perm[i : i + 64]
            out = model(xt[idx])
            loss = lossf(out, yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item() * len(idx))
            hits += int((out.argmax(1) == yt[idx]).sum())
        model.eval()
        with torch.no_grad():
            out = model(xv)
            vl = lossf(out, yv).item()
            va = float((out.argmax(1) == yv).float().mean())
        rows.append(
            {"loss": sum(losses) / len(xt), "accuracy": hits / len(xt), "val_loss": vl, "val_accuracy": va}
        )
    return rows


def dup_columns(rows: list[dict[str, float]]) -> None:
    """T6: a Keras-style history joined with a second logger's frame that names its columns the
    same (`pd.concat(axis=1)`): `epoch,loss,accuracy,val_loss,val_accuracy,loss,accuracy`. The
    second logger here logged the validation numbers again under the bare names (a callback that
    evaluates at the epoch's end), so its `loss` is not the training loss."""
    hist = pd.DataFrame(rows)
    hist.insert(0, "epoch", range(len(rows)))
    second = pd.DataFrame({"loss": hist["val_loss"], "accuracy": hist["val_accuracy"]})
    pd.concat([hist, second], axis=1).to_csv(HERE / "dup_columns.csv", index=False)


def nul_hole(rows: list[dict[str, float]], name: str = "nul_hole.log", as_json: bool = False) -> None:
    """T7: Python logging's FileHandler opened with mode="w" (no O_APPEND), the file copied and
    truncated under it after epoch 5 (logrotate's copytruncate): the writer keeps writing at its
    offset, so the file starts with a hole that reads as NUL bytes, then epochs 6..11. `as_json`:
    each record a JSON line (`json.dumps` as the message)."""
    path = HERE / name
    log = logging.getLogger("t7" + name)
    log.setLevel(logging.INFO)
    handler = logging.FileHandler(path, mode="w")
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(handler)
    for e, r in enumerate(rows):
        if as_json:
            log.info(json.dumps({"epoch": e, **{k: round(v, 4) for k, v in r.items()}}))
        else:
            log.info(
                "epoch %d loss %.4f acc %.4f val_loss %.4f val_acc %.4f",
                e, r["loss"], r["accuracy"], r["val_loss"], r["val_accuracy"],
            )  # fmt: skip
        handler.flush()
        if e == 5:  # copytruncate: copy, then truncate in place (the writer's offset stays)
            shutil.copyfile(path, HERE / (name + ".1"))
            os.truncate(path, 0)
    handler.close()
    log.removeHandler(handler)
    (HERE / (name + ".1")).unlink()  # (the rotated copy is not needed by the tests)


def decimal_comma(rows: list[dict[str, float]]) -> None:
    """T13: pandas `to_csv(sep=";", decimal=",")`, as a European-locale Excel saves a CSV."""
    df = pd.DataFrame(rows).round(4)
    df.insert(0, "epoch", range(1, len(rows) + 1))
    df.to_csv(HERE / "decimal_comma.csv", sep=";", decimal=",", index=False)


def delimited_alike(rows: list[dict[str, float]]) -> None:
    """T13's neighbours, which must read as before: a `;` CSV with decimal points (pandas
    `to_csv(sep=";")`), a `,` CSV whose quoted text cells hold commas (the csv module), and a TSV
    whose count of training samples seen is printed with thousands commas (`1,437`)."""
    df = pd.DataFrame(rows).round(4)
    df.insert(0, "epoch", range(1, len(rows) + 1))
    df.to_csv(HERE / "points_semicolon.csv", sep=";", index=False)
    best = np.minimum.accumulate([r["val_loss"] for r in rows])
    with (HERE / "quoted_commas.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "status"])
        for e, r in enumerate(rows, start=1):
            saved = r["val_loss"] <= best[e - 1]
            status = f"saved, best {best[e - 1]:.4f}" if saved else "not saved, patience 1/3"
            w.writerow([e, *(round(v, 4) for v in r.values()), status])
    with (HERE / "thousands.tsv").open("w", newline="") as f:  # samples seen, as `f"{n:,}"` prints them
        w = csv.writer(f, delimiter="\t")
        w.writerow(["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "samples"])
        for e, r in enumerate(rows, start=1):
            w.writerow([e, *(round(v, 4) for v in r.values()), f"{e * TRAIN_SIZE:,}"])


def loguru_log(rows: list[dict[str, float]]) -> None:
    """T12: loguru's default format to a file (`logger.add(path)`)."""
    from loguru import logger

    logger.remove()
    sink = logger.add(HERE / "loguru.log", mode="w")

    def train_loop() -> None:
        for e, r in enumerate(rows, start=1):
            logger.info(
                f"epoch {e} loss {r['loss']:.4f} acc {r['accuracy']:.4f} "
                f"val_loss {r['val_loss']:.4f} val_acc {r['val_accuracy']:.4f}"
            )

    train_loop()
    logger.remove(sink)


def rich_log(rows: list[dict[str, float]]) -> None:
    """T12: Rich's RichHandler to a redirected console (80 columns, as `python train.py > log`
    gets it): a time shown only when it changed, the level, the message wrapped at the width, the
    file:line right-aligned on the record's first line."""
    from rich.console import Console
    from rich.logging import RichHandler

    with (HERE / "rich.log").open("w") as f:
        console = Console(file=f, width=80, force_terminal=False, color_system=None)
        log = logging.getLogger("t12rich")
        log.setLevel(logging.INFO)
        handler = RichHandler(console=console)
        log.addHandler(handler)
        for e, r in enumerate(rows, start=1):
            if e in (5, 9):  # (the time changes twice: shown again on those records)
                time.sleep(1.1)
            log.info(
                "epoch %d loss %.4f acc %.4f val_loss %.4f val_acc %.4f",
                e, r["loss"], r["accuracy"], r["val_loss"], r["val_accuracy"],
            )  # fmt: skip
        log.removeHandler(handler)


if __name__ == "__main__":
    history = train()
    dup_columns(history)
    nul_hole(history)
    nul_hole(history, "nul_hole.jsonl", as_json=True)
    decimal_comma(history)
    delimited_alike(history)
    loguru_log(history)
    rich_log(history)
    print(np.round([list(r.values()) for r in history], 4))
