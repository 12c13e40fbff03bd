"""Build benchmarks/truth/testers/ from testers' own runs (issue 9: claims checked on real
framework-written runs whose per-sample facts were computed by someone else, never tuned on).

Sources (read-only, on the lead's machine): /work/tester23 (truth/<run>.json, logs under runs/)
and /work/tester22 (runs/truth/<run>.jsonl, logs under runs/). Each run's log is copied as written
and its per-evaluation facts are converted to the corpus vocabulary (facts.py, schema 1) with
`null` for every fact the tester did not compute. x is the log's own numbering: `epoch` and `step`
are those the log writes at that evaluation (see RUNS' offsets). Run once:
`python -m benchmarks.truth.make_testers`; the output is committed, the sources are not needed after.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "testers"
T23 = Path("/work/tester23")
T22 = Path("/work/tester22")

# (name, tester, truth file, log path, epoch offset (log epoch = truth epoch + offset),
#  step offset (log step = truth step + offset), script, recipe)
# fmt: off
RUNS: list[tuple[str, int, str, str, int, int, str, str]] = [
    ("t23-noise", 23, "noise_print_s0", "runs/noise/train.log", 1, 0,
     "train_torch.py noise print 0",
     "digits, 30 % training label noise, MLP, Adam 1e-3, 60 epochs; overfits after epoch 27"),
    ("t23-noise-live", 23, "noise_print_s5", "runs/live/noise_live/train.log", 1, 0,
     "train_torch.py noise print 5", "the noise recipe, seed 5, written live"),
    ("t23-noisetiny", 23, "noisetiny_print_s0", "runs/noisetiny/train.log", 1, 0,
     "train_torch.py noisetiny print 0", "digits, label noise, 60-sample validation split, 70 epochs"),
    ("t23-tiny", 23, "tiny_print_s0", "runs/tiny/train.log", 1, 0,
     "train_torch.py tiny print 0", "digits, 50-sample validation split, 40 epochs, healthy"),
    ("t23-tiny-s1", 23, "tiny_print_s1", "runs/sweep/tiny_s1/train.log", 1, 0,
     "train_torch.py tiny print 1", "the tiny recipe, seed 1 (sweep folder)"),
    ("t23-imbal", 23, "imbal_jsonl_s0", "runs/imbal/metrics.jsonl", 0, 0,
     "train_torch.py imbal jsonl 0", "digits reduced to 4 classes, majority 70 %, 40 epochs"),
    ("t23-imbal-s1", 23, "imbal_print_s1", "runs/sweep/imbal_s1/train.log", 1, 0,
     "train_torch.py imbal print 1", "the imbal recipe, seed 1"),
    ("t23-imbal-s2", 23, "imbal_print_s2", "runs/sweep/imbal_s2/train.log", 1, 0,
     "train_torch.py imbal print 2", "the imbal recipe, seed 2"),
    ("t23-missing", 23, "missing_csv_s0", "runs/missing/history.csv", 0, 0,
     "train_torch.py missing csv 0", "digits with class 9 absent from the validation split, 30 epochs"),
    ("t23-missing-s1", 23, "missing_print_s1", "runs/sweep/missing_s1/train.log", 1, 0,
     "train_torch.py missing print 1", "the missing recipe, seed 1"),
    ("t23-l2", 23, "l2_jsonl_s0", "runs/l2/metrics.jsonl", 0, 0,
     "train_torch.py l2 jsonl 0",
     "digits, L2 term 1e-3 in the training loss only (validation loss: plain cross-entropy), 40 epochs"),
    ("t23-onecycle", 23, "onecycle_csv_s0", "runs/onecycle/history.csv", 0, 0,
     "train_torch.py onecycle csv 0", "digits, OneCycleLR, 30 epochs"),
    ("t23-earlystop", 23, "earlystop_print_s0", "runs/earlystop/train.log", 1, 0,
     "train_torch.py earlystop print 0",
     "digits, early stopping at epoch 31 with a restore line re-reporting epoch 26's model"),
    ("t23-collapse2", 23, "collapse2_print_s0", "runs/collapse2/train.log", 1, 0,
     "train_torch.py collapse2 print 0",
     "digits reduced to 3 classes, majority 80 %, Adam lr 0.5: one-class predictor"),
    ("t23-cosine-tb", 23, "cosine_tb_s0", "runs/cosine/events.out.tfevents.1796086464.vm.10594.0", 0, 0,
     "train_torch.py cosine tb 0",
     "digits, cosine warm restarts, TensorBoard SummaryWriter `Loss/val`, 60 epochs"),
    ("t23-keras", 23, "keras_s0", "runs/keras/log.csv", 0, 0,
     "train_keras.py (Keras 3, torch backend)",
     "digits, 30 % training label noise, EarlyStopping(restore_best_weights), CSVLogger"),
    ("t23-lightning", 23, "lightning_s0", "runs/lightning/csv/version_0/metrics.csv", 0, -1,
     "train_lightning.py", "digits, 30 % training label noise, Lightning CSVLogger, 10 epochs"),
    ("t23-hf", 23, "hf_s0", "runs/hf/checkpoint-114/trainer_state.json", 0, 0,
     "train_hf.py 0",
     "HF Trainer, tiny BERT on a 3-class token task, majority ~80 %, 60 validation samples, 6 epochs"),
    ("t22-aux-wd", 22, "aux_wd", "runs/aux_wd/metrics.jsonl", 0, 0,
     "runs.py (aux)", "digits, weight-decay term 0.02*|w|^2 added to the LOGGED validation loss, 40 epochs"),
    ("t22-binary-thresh", 22, "binary_thresh", "runs/binary_thresh/metrics.jsonl", 0, 0,
     "runs.py (binary)", "breast cancer, plain BCE MLP, 100 validation samples, 60 epochs"),
    ("t22-binary-s2", 22, "binary_s2", "runs/binary_s2/metrics.jsonl", 0, 0,
     "bin_seeds.py 2", "the binary_thresh recipe on validation split seed 2"),
    ("t22-binary-s3", 22, "binary_s3", "runs/binary_s3/metrics.jsonl", 0, 0,
     "bin_seeds.py 3", "the binary_thresh recipe on validation split seed 3"),
    ("t22-binary-s4", 22, "binary_s4", "runs/binary_s4/metrics.jsonl", 0, 0,
     "bin_seeds.py 4", "the binary_thresh recipe on validation split seed 4"),
    ("t22-binary-s5", 22, "binary_s5", "runs/binary_s5/metrics.jsonl", 0, 0,
     "bin_seeds.py 5", "the binary_thresh recipe on validation split seed 5"),
    ("t22-cosine-steps", 22, "cosine_steps", "runs/cosine_steps/train.log", 0, 0,
     "runs.py (cosine)", "digits, cosine schedule, `step N: ...` lines every 20 steps"),
    ("t22-early-stop", 22, "early_stop", "runs/early_stop/metrics.jsonl", 0, 0,
     "more.py", "digits, stopped after 16 epochs"),
    ("t22-lt-binary50", 22, "lt_binary50", "runs/lt_binary50/version_0/metrics.csv", 0, -1,
     "lt_run.py", "Lightning CSVLogger, binary, 50 validation samples, evaluated every 5 steps; overfits"),
    ("t22-slow-adam", 22, "slow_adam", "runs/slow_adam/metrics.jsonl", 0, 0,
     "slow_adam.py", "digits, Adam at a tiny learning rate: 120 epochs stuck then climbing"),
    ("t22-slow-climb", 22, "slow_climb", "runs/slow_climb/metrics.jsonl", 0, 0,
     "more.py", "digits, slow start, 80 epochs"),
    ("t22-val50-overfit", 22, "val50_overfit", "runs/val50_overfit/metrics.jsonl", 0, 0,
     "runs.py (val50)", "digits, 150 training and 50 validation samples, overfits"),
]
# fmt: on


def _f(v: Any) -> float | None:
    if v is None:
        return None
    v = float(v)
    return float(f"{v:.6g}") if math.isfinite(v) else None


def _row(epoch: int | None, step: int | None, n: int, k: int, **facts: Any) -> dict:
    """A facts row in the corpus vocabulary; None for what the tester did not compute."""
    nw, cw = facts.get("n_wrong"), facts.get("confident_wrong")
    out = {"schema": 1, "split": "val", "epoch": epoch, "step": step, "n": n, "k": k}
    out.update(
        accuracy=_f(facts.get("accuracy")),
        loss=_f(facts.get("loss")),
        n_wrong=nw,
        wrong_loss_share=_f(facts.get("wrong_loss_share")),
        confident_wrong=cw,
        confident_wrong_share=_f(cw / nw) if cw is not None and nw else None,
        mean_conf=_f(facts.get("mean_conf")),
        flips=facts.get("flips"),
        flips_to_right=facts.get("flips_to_right"),
        majority_rate=_f(facts.get("majority_rate")),
        pred_majority_share=_f(facts.get("pred_majority_share")),
    )
    out.update({k2: _f(v) for k2, v in facts.items() if k2.startswith("ce_")})
    return out


def _t23(truth: str, eoff: int, soff: int) -> tuple[list[dict], int, int]:
    d = json.loads((T23 / "truth" / f"{truth}.json").read_text())
    rows = []
    for e in d["epochs"]:
        step = e.get("step")
        rows.append(
            _row(
                e["epoch"] + eoff,
                None if step is None else step + soff,
                d["n_val"],
                d["K"],
                accuracy=e["val_acc"],
                loss=e["val_loss"],
                n_wrong=e["n_wrong"],
                wrong_loss_share=e["wrong_loss_share"],
                confident_wrong=e["confident_wrong"],
                mean_conf=e["mean_conf"],
                flips=e["flips"],
                flips_to_right=e["flips_to_right"],
                majority_rate=e["majority_rate"],
                pred_majority_share=max(e["pred_shares"]),
            )
        )
    return rows, d["n_val"], d["K"]


def _t22(truth: str, eoff: int, soff: int, k: int) -> list[dict]:
    rows = []
    for line in (T22 / "runs" / "truth" / f"{truth}.jsonl").read_text().splitlines():
        e = json.loads(line)
        n = e["n"]
        pms = e.get("pred_major_share")
        if pms is None and e.get("pred_pos") is not None:
            pms = max(e["pred_pos"], n - e["pred_pos"]) / n
        loss, share = e["loss"], e["wrong_loss_share"]
        extra: dict[str, Any] = {}
        if "logged_val_loss" in e:  # the log shows CE + reg: spread reg over the samples equally
            extra = {"ce_loss": loss, "ce_wrong_loss_share": share}
            loss = e["logged_val_loss"]
            share = (e["wrong_loss_sum"] + e["n_wrong"] * e["reg"]) / (n * loss)
        step = e.get("step")
        rows.append(
            _row(
                None if e.get("epoch") is None else e["epoch"] + eoff,
                None if step is None else step + soff,
                n,
                k,
                accuracy=e["acc"],
                loss=loss,
                n_wrong=e["n_wrong"],
                wrong_loss_share=share,
                confident_wrong=e["conf_wrong_n"],
                mean_conf=e["mean_conf"],
                flips=e.get("flips"),
                flips_to_right=e.get("to_right"),
                pred_majority_share=pms,
                **extra,
            )
        )
    return rows


def build() -> None:
    """Write testers/<name>/{<log>, facts.jsonl, run.json} for every entry of RUNS."""
    for name, tester, truth, log, eoff, soff, script, recipe in RUNS:
        src = (T23 if tester == 23 else T22) / log
        if src.stat().st_size > 100_000:
            raise SystemExit(f"{src}: over 100 KB, pick a smaller format")
        if tester == 23:
            rows, _, k = _t23(truth, eoff, soff)
        else:
            k = 2 if ("binary" in truth) else 10
            rows = _t22(truth, eoff, soff, k)
        folder = OUT / name
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, folder / src.name)
        (folder / "facts.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
        meta = {
            "log": src.name,
            "source": str(src),
            "tester": tester,
            "truth_source": str(
                T23 / "truth" / f"{truth}.json" if tester == 23 else T22 / "runs" / "truth" / f"{truth}.jsonl"
            ),
            "script": f"/work/tester{tester}/scripts/{script}",
            "recipe": recipe,
            "k": k,
            "loss_is_cross_entropy": truth != "aux_wd",
            "label_smoothing": False,
        }
        (folder / "run.json").write_text(json.dumps(meta, indent=1) + "\n")


if __name__ == "__main__":
    build()
