"""Several accuracies of one split that differ only in a number (a multi-resolution or multi-exit
model logging one per input size or exit): the one with the largest number is read as the
accuracy (the full-resolution input, the last exit), and a note says which was read and the
`--map` that reads another. Before, the first logged won: CF-ViT's log (DeiT-style `log.txt`,
`test_96_acc1`, `test_192_acc1`, `test_384_acc1`) was analysed on its coarsest 96-pixel accuracy,
64 % where the model's own 384-pixel accuracy is 65-78 %.

Data: the real CF-ViT log (realworld_logs/jsonl) and numpy training evaluated at three input
resolutions (tests/numpy_training.py's blobs, the features averaged in blocks for the coarser ones)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from conftest import read_runs, realworld

from lossacc_tui.model import Run
from lossacc_tui.source import discover


def _roles(run: Run) -> dict[str, str]:
    return {n: s.role for n, s in run.series.items() if s.role != "other"}


def _notes(run: Run) -> list[str]:
    return [p.message for p in run.problems if "differ only in a number" in p.message]


def test_cf_vit_is_read_on_its_full_resolution_accuracy() -> None:
    (run,) = read_runs(realworld("jsonl/CF-ViT__output_log.txt"))
    assert _roles(run)["test_384_acc1"] == "val_acc"
    (note,) = _notes(run)
    assert "test_96_acc1, test_192_acc1, test_384_acc1" in note and "read from test_384_acc1" in note
    assert "--map val_acc=test_96_acc1" in note and "acc5" not in note


def _multi_resolution_log(path: Path, epochs: int = 8) -> Path:
    """A softmax model on 16 features trained by gradient descent, evaluated each epoch on its
    validation split at resolutions 4, 8 and 16 (the features averaged in blocks of 4 and 2, then
    repeated back to 16: a coarser input); JSON lines as a DeiT-style loop writes them."""
    rng = np.random.default_rng(0)
    k, d = 3, 16
    centers = rng.normal(0, 1.0, size=(k, d))
    y = rng.integers(0, k, size=700)
    x = centers[y] + rng.normal(0, 1.5, size=(700, d))
    xt, yt, xv, yv = x[:500], y[:500], x[500:], y[500:]
    w, b = np.zeros((d, k)), np.zeros(k)

    def probs(xs: np.ndarray) -> np.ndarray:
        z = xs @ w + b
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def coarse(xs: np.ndarray, res: int) -> np.ndarray:
        block = d // res
        return np.repeat(xs.reshape(len(xs), res, block).mean(axis=2), block, axis=1)

    lines = []
    for epoch in range(epochs):
        p = probs(xt)
        loss = float(-np.log(p[np.arange(len(yt)), yt]).mean())
        p[np.arange(len(yt)), yt] -= 1
        w -= 0.5 * xt.T @ p / len(yt)
        b -= 0.5 * p.mean(axis=0)
        rec: dict[str, float] = {"train_loss": loss}
        for res in (4, 8, 16):
            rec[f"test_{res}_acc1"] = 100 * float((probs(coarse(xv, res)).argmax(axis=1) == yv).mean())
        lines.append(json.dumps({**rec, "epoch": epoch}))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_accuracies_at_several_resolutions_read_the_largest_and_say_so(tmp_path: Path) -> None:
    log = _multi_resolution_log(tmp_path / "log.txt")
    (run,) = read_runs(log)
    assert _roles(run) == {"train_loss": "train_loss", "test_16_acc1": "val_acc"}
    (note,) = _notes(run)
    assert "read from test_16_acc1" in note and "--map val_acc=test_4_acc1" in note
    (src,) = discover(log, role_map={"val_acc": "test_4_acc1"})  # the user's choice: no note
    src.read_all()
    (mapped,) = src.runs
    assert _roles(mapped)["test_4_acc1"] == "val_acc" and not _notes(mapped)
