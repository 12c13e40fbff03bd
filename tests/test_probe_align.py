"""A probe whose evaluations are numbered otherwise than the log's (tester 25, F9): a loop printing
`Epoch {ep+1}/{N}` (as Keras and most loops print) and calling the probe with its 0-based `epoch=ep`.
The probe's own loss and accuracy are the log's at the next epoch, so its facts are aligned by them
and decide the claims, and the text says so; a probe whose evaluations meet the log's nowhere is
said to be unmatched instead of being asked for."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from lossacc_tui.probe import Probe


def train(
    run_dir: Path, probe_epoch: Callable[[int], int], head: Callable[[int], str], epochs: int = 40
) -> None:
    """A real (numpy) softmax regression with 40 features on 80 training samples: it fits them
    (training accuracy 1.0) and its validation loss rises from epoch 8 (overfitting), with the probe
    called at each evaluation with `epoch=probe_epoch(ep)` and a console line headed `head(ep)`."""
    rng = np.random.default_rng(0)
    k, d, ntr, nva = 4, 40, 80, 400
    centers = rng.normal(size=(k, d)) * 0.35
    y_tr, y_va = rng.integers(0, k, ntr), rng.integers(0, k, nva)
    x_tr = centers[y_tr] + rng.normal(size=(ntr, d))
    x_va = centers[y_va] + rng.normal(size=(nva, d))
    w, b = np.zeros((d, k)), np.zeros(k)
    run_dir.mkdir(parents=True, exist_ok=True)
    probe = Probe(run_dir)
    with open(run_dir / "train.log", "w") as log:
        for ep in range(epochs):
            z = x_tr @ w + b
            p = np.exp(z - z.max(1, keepdims=True))
            p /= p.sum(1, keepdims=True)
            tr_loss, tr_acc = -np.log(p[np.arange(ntr), y_tr]).mean(), (p.argmax(1) == y_tr).mean()
            g = p.copy()
            g[np.arange(ntr), y_tr] -= 1
            w -= x_tr.T @ g / ntr
            b -= g.mean(0)
            rec = probe.log(epoch=probe_epoch(ep), logits=x_va @ w + b, labels=y_va, split="val")
            assert rec is not None
            log.write(
                f"{head(ep)} loss={tr_loss:.4f} acc={tr_acc:.4f}"
                f" val_loss={rec['loss']:.4f} val_acc={rec['accuracy']:.4f}\n"
            )


def check(path: Path, *args: str) -> str:
    got = subprocess.run(
        [sys.executable, "-m", "lossacc_tui", "check", *args, str(path)], capture_output=True, text=True
    )
    assert got.returncode in (0, 1), got.stderr
    return got.stdout


def test_a_probe_one_epoch_below_the_console_is_aligned_by_its_numbers_and_decides(tmp_path: Path) -> None:
    train(tmp_path, probe_epoch=lambda ep: ep, head=lambda ep: f"Epoch {ep + 1}/40:")
    run = json.loads(check(tmp_path / "train.log", "--json"))["runs"][0]
    claims = {(a["kind"], c["id"]): c["strength"] for a in run["alerts"] for c in a["claims"]}
    assert claims[("overfitting", "mistakes-carry-loss")] == "confirmed"
    assert run["probe_alignment"] == {"val": {"state": "shifted", "shift": 1.0}}
    text = check(tmp_path / "train.log")
    flat = " ".join(text.split())
    assert "probe (val, epoch 40 of the log; the probe wrote 39)" in flat
    assert "The probe's epochs are one less than the log's" in flat
    assert "log them with lossacc_tui.probe" not in flat


def test_a_probe_numbered_as_the_log_needs_no_word(tmp_path: Path) -> None:
    train(tmp_path, probe_epoch=lambda ep: ep + 1, head=lambda ep: f"Epoch {ep + 1}/40:")
    run = json.loads(check(tmp_path / "train.log", "--json"))["runs"][0]
    assert run["probe_alignment"] == {"val": {"state": "same", "shift": 0.0}}
    flat = " ".join(check(tmp_path / "train.log").split())
    assert "probe (val, epoch 40):" in flat and "aligned" not in flat and "could not be matched" not in flat


def test_a_probe_that_meets_no_evaluation_is_said_unmatched_not_asked_for(tmp_path: Path) -> None:
    # the log counts steps (10 per epoch); the probe was given the epoch only
    train(tmp_path, probe_epoch=lambda ep: ep, head=lambda ep: f"step {(ep + 1) * 10}:")
    flat = " ".join(check(tmp_path / "train.log").split())
    assert "The probe's facts could not be matched to the log's evaluations" in flat
    assert "log them with lossacc_tui.probe" not in flat
    run = json.loads(check(tmp_path / "train.log", "--json"))["runs"][0]
    assert run["probe_alignment"]["val"]["state"] == "unmatched"
