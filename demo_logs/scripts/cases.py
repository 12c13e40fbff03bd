"""The demo cases: one function per folder of ``demo_logs/``.

Each function trains its run(s), writes the files into the folder it is given and returns a
``Case`` for the README table. Seeds are fixed, so the bytes are the same on every run.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from data import (
    ambiguous_blobs,
    checkerboard_noisy_val,
    gaussian_classes,
    input_noise,
    noisy_blobs,
    spiky_data,
    train_val,
    two_moons,
    under_reported_positives,
)
from diagnostics import (
    cluster_metrics,
    minority_metrics,
    mistake_metrics,
    recall_metrics,
    worst_rows_metrics,
)
from summaries import (
    summary_eight,
    summary_flat,
    summary_healthy,
    summary_high_loss,
    summary_imbalanced,
    summary_loss_down_acc_down,
    summary_loss_up_acc_up,
    summary_nan,
    summary_unstable,
)
from training import MLP, SGD, Adam, EpochLog, fit
from writers import fastai_table, hf_trainer_state, jsonl, text_log, write_lightning, write_mlflow_run
from writers_base import T0, Clock, f32, write_text
from writers_keras import keras_console, write_keras_csv


@dataclass
class Case:
    """One demo folder: where it is, how it is written, and what its numbers say."""

    folder: Path
    fmt: str
    files: list[Path]  # the README shows them relative to demo_logs/ ({a,b} patterns allowed)
    summary: str
    story: str

    @property
    def name(self) -> str:
        return self.folder.name


def text_file_case(out: Path, file: str, text: str, fmt: str, summary: str, story: str) -> Case:
    """Write the one file of a case and describe the case."""
    write_text(out / file, text)
    return Case(out, fmt, [out / file], summary, story)


def loss_up_acc_up(out: Path) -> Case:
    rng = np.random.default_rng(14)
    data = checkerboard_noisy_val(4, 1500, 2000, rng)
    model = MLP([2, 64, 64, 2], rng)
    history = fit(model, data, Adam(model.params, 2e-3), 150, 50, seed=14)
    write_keras_csv(out / "training.log", history)
    return Case(
        out,
        "Keras CSVLogger",
        [out / "training.log"],
        summary_loss_up_acc_up(history, 0, "val_loss", "val_accuracy"),
        "4x4 checkerboard, MLP 2-64-64-2, Adam 2e-3, no regularisation; train labels "
        "clean, 10% of validation labels flipped. The boundary keeps sharpening "
        "(borderline squares cross over) while the logits grow, so the flipped "
        "validation points become confident mistakes.",
    )


def loss_down_acc_down(out: Path) -> Case:
    rng = np.random.default_rng(30)
    data, n_missed = under_reported_positives(20, rng)
    model = MLP([20, 2], rng, init_scale=0.01)
    epochs = 60
    history = fit(model, data, SGD(model.params, 0.005), epochs, 50, seed=30, val_metrics=recall_metrics)
    head = [
        f"train: 1000 samples ({n_missed} positives labelled negative), "
        "val: 2000 samples (clean labels), 20 features",
        "model: Linear(20 -> 2), SGD lr=0.005, batch 50",
    ]

    def epoch_lines(e: EpochLog) -> list[str]:
        return [
            f"Epoch [{e.epoch + 1}/{epochs}] loss={e.train_loss:.4f} "
            f"acc={e.train_acc:.1%} val_loss={e.val_loss:.4f} val_acc={e.val_acc:.1%}"
        ]

    return text_file_case(
        out,
        "train_output.txt",
        text_log(head, history, epoch_lines, ["Finished training"]),
        "free text `Epoch [3/60] loss=... acc=...%`",
        summary_loss_down_acc_down(history, 1),
        "Softmax regression on 20-d Gaussian classes with small SGD steps from a tiny "
        "init; in the training labels 35% of the positives are marked negative "
        "(under-reporting), validation labels are clean. The weights keep growing "
        "(val_loss falls as the model leaves its near-uniform start) while the bias "
        "slowly drifts to the skewed training prior, pushing borderline positives "
        "to the wrong side.",
    )


def acc_flat_loss_down(out: Path) -> Case:
    rng = np.random.default_rng(41)
    centers = np.array([[-0.92, -0.92], [0.92, 0.92]])
    data = train_val(lambda n: gaussian_classes(n, centers, 1.0, rng), 1000, 2000, 2)
    model = MLP([2, 2], rng, init_scale=0.01)
    history = fit(model, data, SGD(model.params, 0.002), 50, 50, seed=41)
    head = ["device: cpu", "train 1000 | val 2000 | model: logistic regression (2 -> 2)"]

    def epoch_lines(e: EpochLog) -> list[str]:
        lines = [
            f"epoch {e.epoch + 1} | train_loss {e.train_loss:.4f} | val_loss "
            f"{e.val_loss:.4f} | val_acc {e.val_acc:.4f}"
        ]
        if (e.epoch + 1) % 10 == 0:
            lines.append(f"saved checkpoint ckpt/epoch_{e.epoch + 1:03d}.pt")
        return lines

    return text_file_case(
        out,
        "train.log",
        text_log(head, history, epoch_lines),
        "free text `epoch 3 | train_loss ... | val_acc ...`",
        summary_flat(history, 1, 2),
        "Logistic regression on two overlapping Gaussians (Bayes accuracy ~0.90), "
        "small SGD steps: the direction is right after two epochs, the rest of the "
        "run only grows the weights (calibration), so loss falls and accuracy cannot "
        "move.",
    )


def val_loss_unstable(out: Path) -> Case:
    rng = np.random.default_rng(52)
    data = train_val(lambda n: spiky_data(n, rng), 2000, 500, 2)
    model = MLP([6, 2], rng)
    opt = SGD(model.params, 0.02, momentum=0.9)
    history = fit(model, data, opt, 16, 64, seed=52, val_metrics=worst_rows_metrics)
    head = (
        "Loaded sensor_events.csv: 2500 rows, 6 features (no normalisation)\n"
        "Train: 2000  Valid: 500  classes: ['idle', 'active']\n"
        "learn = Learner(dls, model, loss_func=CrossEntropyLossFlat(), opt_func=SGD, "
        "metrics=accuracy, cbs=SaveModelCallback())\n"
        "learn.fit(16, lr=0.02)\n"
    )
    best = min(history, key=lambda e: f32(e.val_loss))  # SaveModelCallback reloads it
    text = head + fastai_table(history, Clock(seed=52), monitor_best=True)
    text += f"learn.validate(): (#2) [{f32(best.val_loss)},{f32(best.val_acc)}]\n"
    return text_file_case(
        out,
        "train_stdout.txt",
        text,
        "fastai printed table",
        summary_unstable(history, 0),
        "Logistic regression, SGD lr 0.02 momentum 0.9 on unnormalised features: two "
        "raw count columns are 0 except 1% spikes near 1000. Their weights are "
        "kicked around every epoch, so a handful of spiky validation rows get logits "
        "in the hundreds with the wrong sign; the other rows, which decide the "
        "accuracy, hardly change.",
    )


def high_loss_good_acc(out: Path) -> Case:
    rng = np.random.default_rng(61)
    data = noisy_blobs(3, 100, 1000, 0.08, rng)
    model = MLP([100, 256, 3], rng)
    epochs, batch, lr0 = 12, 16, 2e-2
    steps_total = epochs * math.ceil(1000 / batch)
    history = fit(
        model,
        data,
        Adam(model.params, lr0),
        epochs,
        batch,
        seed=61,
        val_metrics=mistake_metrics,
        lr_fn=lambda _e, s: lr0 * (steps_total - s) / steps_total,
    )
    text = hf_trainer_state(history, Clock(seed=61), batch, 20, len(data.y_val), model.n_params)
    return text_file_case(
        out,
        "trainer_state.json",
        text,
        "HuggingFace trainer_state.json",
        summary_high_loss(history),
        "3 Gaussian classes in 100-d, MLP 100-256-3, Adam 2e-2 with linear decay, 8% "
        "label noise in train and eval. The net memorises the noisy training labels "
        "and becomes very confident everywhere, so its few eval mistakes (the flipped "
        "eval labels among them) are extremely expensive.",
    )


def imbalanced(out: Path) -> Case:
    rng = np.random.default_rng(71)
    centers = np.array([[0.0, 0.0, 0.0], [1.2, 0.8, 0.0]])
    data = train_val(lambda n: gaussian_classes(n, centers, 1.0, rng, weights=[0.9, 0.1]), 3000, 1000, 2)
    model = MLP([3, 16, 2], rng)
    history = fit(model, data, Adam(model.params, 1e-3), 30, 64, seed=71, val_metrics=minority_metrics)
    records = (
        {
            "epoch": e.epoch + 1,
            "train_loss": e.train_loss,
            "train_acc": e.train_acc,
            "val_loss": e.val_loss,
            "val_acc": e.val_acc,
            "val_f1": e.extra["val_minority_f1"],
        }
        for e in history
    )
    return text_file_case(
        out,
        "training_log.jsonl",
        jsonl(records),
        "JSONL",
        summary_imbalanced(history, float(np.mean(data.y_val == 0))),
        "90/10 classes that overlap heavily, MLP 3-16-2, Adam. Predicting the "
        "majority class already gives ~0.90, and the model barely beats it: "
        "`val_f1` (F1 of the minority class) shows what accuracy hides.",
    )


def nan_run(out: Path) -> Case:
    rng = np.random.default_rng(82)
    data = train_val(lambda n: two_moons(n, 0.2, rng), 1024, 256, 2)
    model = MLP([2, 64, 64, 2], rng)

    def lr(epoch: int) -> float:  # LearningRateScheduler: doubles every epoch
        return 0.02 * 2.0**epoch

    def lr_message(epoch: int) -> str:
        return f"\nEpoch {epoch + 1:05d}: LearningRateScheduler reducing learning rate to {lr(epoch)}.\n"

    opt = SGD(model.params, lr(0), momentum=0.9)
    history = fit(model, data, opt, 14, 32, seed=82, lr_fn=lambda e, _s: lr(e))
    text = keras_console(data, model.sizes, history, Clock(seed=81), lr_message)
    return text_file_case(
        out,
        "stdout.txt",
        text,
        "Keras stdout (verbose=1)",
        summary_nan(history),
        "Two moons, MLP 2-64-64-2, SGD momentum 0.9 with a LearningRateScheduler "
        "that doubles the lr every epoch (0.02 * 2**epoch), no clipping. The float32 "
        "weights overflow and the loss becomes nan; accuracy then freezes at the "
        "share of class 0 because argmax over nan logits is 0.",
    )


def eight_runs(out: Path) -> Case:
    data = ambiguous_blobs(91)
    finals: list[EpochLog] = []
    for run in range(1, 9):
        seed = 100 + run
        model = MLP([2, 32, 32, 2], np.random.default_rng(seed))
        history = fit(
            model,
            data,
            Adam(model.params, 3e-3),
            30,
            32,
            seed=seed,
            augment=input_noise,
            val_metrics=cluster_metrics,
        )
        finals.append(history[-1])
        hparams = {
            "aug_noise": 0.1,
            "batch_size": 32,
            "hidden": 32,
            "lr": 0.003,
            "max_epochs": 30,
            "seed": seed,
        }
        write_lightning(out / f"run_{run}" / "lightning_logs" / "version_0", history, 10, hparams)
    per_run = ", ".join(
        f"run_{i + 1} {f32(e.val_loss):.3f}/{f32(e.val_acc):.3f}" for i, e in enumerate(finals)
    )
    return Case(
        out,
        "Lightning CSVLogger (x8)",
        [out / "run_{1..8}" / "lightning_logs" / "version_0" / "metrics.csv"],
        summary_eight(finals),
        "Same data, same MLP 2-32-32-2, Adam 3e-3, 30 epochs, Gaussian input-noise "
        "augmentation; only the seed (init, shuffling, augmentation noise) differs. "
        "The validation set has a tight ambiguous cluster (120 of 400 points, 70% "
        "class 1) that the training set labels 50/50 (conflicting duplicates): every "
        "run gives it p~0.5, so it costs ~0.69 nats per point whichever side it "
        "lands on, but the side decides up to 48 of the 400 answers. Final "
        f"val_loss/val_acc per run: {per_run}.",
    )


def long_run(out: Path) -> Case:
    rng = np.random.default_rng(21)
    data = checkerboard_noisy_val(3, 500, 2000, rng)
    model = MLP([2, 32, 32, 2], rng)
    history = fit(model, data, Adam(model.params, 5e-4), 600, 100, seed=21)
    params = {
        "batch_size": "100",
        "class_weight": "None",
        "epochs": "600",
        "initial_epoch": "0",
        "opt_amsgrad": "False",
        "opt_beta_1": "0.9",
        "opt_beta_2": "0.999",
        "opt_epsilon": "1e-07",
        "opt_learning_rate": "0.0005",
        "opt_name": "Adam",
        "shuffle": "True",
        "validation_freq": "1",
    }
    run_id = "".join(f"{b:02x}" for b in np.random.default_rng(210).integers(0, 256, 16))
    clock = Clock(seed=21, start=T0 + 86400 * 3)
    run = write_mlflow_run(
        out / "mlruns", "1", "checkerboard-long", run_id, history, clock, params, user="demo"
    )
    return Case(
        out,
        "MLflow file store",
        [run / "metrics" / "{loss,accuracy,val_loss,val_accuracy}"],
        summary_loss_up_acc_up(history, 0, "val_loss", "val_accuracy"),
        "600 epochs (MLflow step = epoch, from 0), 3x3 checkerboard, MLP 2-32-32-2, "
        "Adam 5e-4, 500 clean training points, 10% flipped validation labels.",
    )


def healthy_keras(out: Path) -> Case:
    rng = np.random.default_rng(101)
    data = train_val(lambda n: two_moons(n, 0.2, rng), 2048, 512, 2)
    model = MLP([2, 32, 32, 2], rng)
    history = fit(model, data, Adam(model.params, 1e-3), 20, 64, seed=101)
    write_text(out / "stdout.txt", keras_console(data, model.sizes, history, Clock(seed=101)))
    write_keras_csv(out / "training.log", history)
    return Case(
        out,
        "Keras stdout (verbose=1) + CSVLogger of the same run",
        [out / "stdout.txt", out / "training.log"],
        summary_healthy(history, 1),
        "Two moons, 2048 training points, MLP 2-32-32-2, Adam 1e-3, 32 steps/epoch. "
        "Epochs counted from 1 in stdout and from 0 in training.log.",
    )


def healthy_lightning(out: Path) -> Case:
    rng = np.random.default_rng(111)
    data = train_val(lambda n: two_moons(n, 0.25, rng), 2000, 500, 2)
    model = MLP([2, 32, 32, 2], rng)
    history = fit(model, data, SGD(model.params, 0.01, momentum=0.9), 15, 32, seed=111)
    version = out / "lightning_logs" / "version_0"
    hparams = {"batch_size": 32, "hidden": 32, "lr": 0.01, "max_epochs": 15, "momentum": 0.9}
    write_lightning(version, history, 50, hparams)
    return Case(
        out,
        "Lightning CSVLogger",
        [version / "metrics.csv", version / "hparams.yaml"],
        summary_healthy(history, 0),
        "Two moons, MLP 2-32-32-2, SGD lr 0.01 momentum 0.9, 63 steps/epoch, log_every_n_steps=50.",
    )


# Folder name -> maker, in the order of the README table.
CASES: dict[str, Callable[[Path], Case]] = {
    "loss_up_acc_up": loss_up_acc_up,
    "loss_down_acc_down": loss_down_acc_down,
    "acc_flat_loss_down": acc_flat_loss_down,
    "val_loss_unstable": val_loss_unstable,
    "high_loss_good_acc": high_loss_good_acc,
    "imbalanced": imbalanced,
    "nan_run": nan_run,
    "eight_runs": eight_runs,
    "long_run": long_run,
    "healthy_keras": healthy_keras,
    "healthy_lightning": healthy_lightning,
}
