"""Keras logs: the ``CSVLogger`` file and what ``model.fit(..., verbose=1)`` prints."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from pathlib import Path

from data import Data
from training import EpochLog, StepLog
from writers_base import Clock, f32, write_csv


def write_keras_csv(path: Path, history: Sequence[EpochLog]) -> None:
    """``tf.keras.callbacks.CSVLogger``: sorted keys after ``epoch``, float32 repr, CRLF rows."""
    rows = [
        {
            "epoch": e.epoch,
            "accuracy": f32(e.train_acc),
            "loss": f32(e.train_loss),
            "val_accuracy": f32(e.val_acc),
            "val_loss": f32(e.val_loss),
        }
        for e in history
    ]
    write_csv(path, ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"], rows)


class KerasProgbar:
    """Port of ``tf.keras.utils.Progbar.update`` (TF 2.4-2.12) for a dynamic (tty) display."""

    def __init__(self, target: int, start: float, width: int = 30, interval: float = 0.05) -> None:
        self.target, self.width, self.interval = target, width, interval
        self.start = start
        self.total_width = 0
        self.last_update = 0.0
        self.time_after_first_step: float | None = None
        self.values: dict[str, float] = {}

    def _step_duration(self, current: int, now: float) -> float:
        if not current:
            return 0.0
        if self.time_after_first_step is not None and current > 1:
            per_unit = (now - self.time_after_first_step) / (current - 1)
        else:
            per_unit = (now - self.start) / current
        if current == 1:
            self.time_after_first_step = now
        return per_unit

    def _bar(self, current: int) -> str:
        digits = int(math.log10(self.target)) + 1
        bar = f"{current:{digits}d}/{self.target} ["
        prog_width = int(self.width * current / self.target)
        if prog_width > 0:
            bar += "=" * (prog_width - 1) + (">" if current < self.target else "=")
        return bar + "." * (self.width - prog_width) + "]"

    def update(
        self, current: int, now: float, values: Sequence[tuple[str, float]], finalize: bool = False
    ) -> str:
        """The bytes this update writes to stdout ('' when throttled by ``interval``)."""
        for key, value in values:
            self.values[key] = value  # all metrics are stateful in TF2
        if now - self.last_update < self.interval and not finalize:
            return ""
        prev_total_width = self.total_width
        message = "\b" * prev_total_width + "\r"
        bar = self._bar(current)
        self.total_width = len(bar)
        message += bar
        per_unit = self._step_duration(current, now)
        info = f" - {now - self.start:.0f}s"
        if finalize:
            if per_unit >= 1 or per_unit == 0:
                info += f" {per_unit:.0f}s/step"
            elif per_unit >= 1e-3:
                info += f" {per_unit * 1e3:.0f}ms/step"
            else:
                info += f" {per_unit * 1e6:.0f}us/step"
        else:
            eta = int(per_unit * (self.target - current))  # '%d' truncates
            if eta > 3600:
                eta_text = f"{eta // 3600}:{(eta % 3600) // 60:02d}:{eta % 60:02d}"
            elif eta > 60:
                eta_text = f"{eta // 60}:{eta % 60:02d}"
            else:
                eta_text = f"{eta}s"
            info = f" - ETA: {eta_text}"
        for key, value in self.values.items():
            info += f" - {key}:"
            info += f" {value:.4f}" if abs(value) > 1e-3 else f" {value:.4e}"
        self.total_width += len(info)
        if prev_total_width > self.total_width:
            info += " " * (prev_total_width - self.total_width)
        if finalize:
            info += "\n"
        self.last_update = now
        return message + info


def keras_model_summary(sizes: Sequence[int]) -> str:
    """``model.summary()`` of a Sequential stack of Dense layers (TF <= 2.8 layout)."""
    positions = [29, 55, 65]

    def row(fields: Sequence[str]) -> str:
        line = ""
        for i, text in enumerate(fields):
            if i > 0:
                line = line[:-1] + " "
            line = (line + text)[: positions[i]]
            line += " " * (positions[i] - len(line))
        return line + "\n"

    out = 'Model: "sequential"\n' + "_" * 65 + "\n"
    out += row(["Layer (type)", "Output Shape", "Param #"]) + "=" * 65 + "\n"
    total = 0
    for i, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
        count = fan_in * fan_out + fan_out
        total += count
        name = "dense" if i == 0 else f"dense_{i}"
        out += row([f"{name} (Dense)", f"(None, {fan_out})", str(count)])
        out += ("=" if i == len(sizes) - 2 else "_") * 65 + "\n"
    out += f"Total params: {total:,}\nTrainable params: {total:,}\nNon-trainable params: 0\n"
    return out + "_" * 65 + "\n"


def running_means(steps: Sequence[StepLog]) -> list[tuple[float, float]]:
    """Sample-weighted running (loss, accuracy) means after each step, like Keras' metrics."""
    out: list[tuple[float, float]] = []
    seen, loss_sum, acc_sum = 0, 0.0, 0.0
    for s in steps:
        seen += s.size
        loss_sum += s.loss * s.size
        acc_sum += s.acc * s.size
        out.append((loss_sum / seen, acc_sum / seen))
    return out


def keras_stdout(
    history: Sequence[EpochLog],
    clock: Clock,
    lr_message: Callable[[int], str] | None = None,
) -> str:
    """What ``model.fit(..., verbose=1)`` writes to a terminal, byte for byte."""
    out = ""
    n_epochs = len(history)
    for e in history:
        if lr_message is not None:
            out += lr_message(e.epoch)
        out += f"Epoch {e.epoch + 1}/{n_epochs}\n"
        bar = KerasProgbar(len(e.steps), clock.t)
        for i, (loss, acc) in enumerate(running_means(e.steps)):
            first = e.epoch == 0 and i == 0
            clock.advance(0.65 if first else 0.0022, 0.05 if first else 0.3)
            out += bar.update(i + 1, clock.t, [("loss", f32(loss)), ("accuracy", f32(acc))])
        clock.advance(0.3 if e.epoch == 0 else 0.012)  # validation pass (+ tracing once)
        out += bar.update(
            len(e.steps),
            clock.t,
            [
                ("loss", f32(e.train_loss)),
                ("accuracy", f32(e.train_acc)),
                ("val_loss", f32(e.val_loss)),
                ("val_accuracy", f32(e.val_acc)),
            ],
            finalize=True,
        )
        clock.advance(0.004)
    return out


def keras_console(
    data: Data,
    sizes: Sequence[int],
    history: Sequence[EpochLog],
    clock: Clock,
    lr_message: Callable[[int], str] | None = None,
) -> str:
    """A Keras script's terminal: the array shapes, ``model.summary()``, then ``model.fit``."""
    head = f"x_train: {data.x_train.shape}  x_val: {data.x_val.shape}\n"
    return head + keras_model_summary(sizes) + keras_stdout(history, clock, lr_message)
