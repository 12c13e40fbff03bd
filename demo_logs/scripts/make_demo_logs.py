"""Make the demo logs in ``demo_logs/`` from real (tiny) training runs.

Every curve in ``demo_logs/`` comes from training a numpy model (softmax regression or a small
ReLU MLP, written below) with mini-batch SGD or Adam on generated data: two moons, a
checkerboard, Gaussian classes. Each epoch the real train/validation cross-entropy (mean over
samples) and accuracy are taken from the model's own predictions. Nothing is drawn by hand.

The runs are then written in the byte format a real framework writes: Keras ``CSVLogger`` and
``verbose=1`` stdout (``\\r`` and backspace progress bars), a Lightning ``CSVLogger`` folder,
a HuggingFace ``trainer_state.json``, a fastai printed table, JSON lines, free-text prints and
an MLflow file store. Wall-clock numbers (timestamps, ``2ms/step``, ``00:01``) come from a
simulated clock with a fixed seed, so running the script twice writes identical bytes (on the
same machine and numpy build).

Run from the repository root::

    python demo_logs/scripts/make_demo_logs.py

It rewrites the case folders and ``demo_logs/README.md`` and prints one summary line per case.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one BLAS thread: fast for tiny matrices, reproducible

import csv  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import shutil  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

F32 = np.float32
ROOT = Path(__file__).resolve().parent.parent  # demo_logs/
T0 = 1718000000.0  # simulated wall clock starts here (2024-06-10)


# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------


@dataclass
class Data:
    """Train and validation arrays for one classification problem."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    n_classes: int


def two_moons(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The classic two interleaved half circles with Gaussian noise."""
    y = rng.integers(0, 2, n)
    t = rng.random(n) * np.pi
    upper = np.c_[np.cos(t), np.sin(t)]
    lower = np.c_[1 - np.cos(t), 0.5 - np.sin(t)]
    x = np.where(y[:, None] == 0, upper, lower) + noise * rng.standard_normal((n, 2))
    return x.astype(F32), y


def checkerboard(n: int, cells: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Uniform points on a cells x cells board, label = colour of the square, scaled to [-1, 1]."""
    x = rng.uniform(0, cells, (n, 2))
    y = (np.floor(x[:, 0]).astype(int) + np.floor(x[:, 1]).astype(int)) % 2
    return ((x - cells / 2) / (cells / 2)).astype(F32), y


def gaussian_classes(
    n: int,
    centers: np.ndarray,
    std: float,
    rng: np.random.Generator,
    weights: Sequence[float] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Isotropic Gaussian blobs, one per row of ``centers``, drawn with class ``weights``."""
    k = len(centers)
    p = np.full(k, 1.0 / k) if weights is None else np.asarray(weights, float)
    y = rng.choice(k, size=n, p=p)
    x = centers[y] + std * rng.standard_normal((n, centers.shape[1]))
    return x.astype(F32), y


def flip_labels(y: np.ndarray, frac: float, n_classes: int, rng: np.random.Generator) -> np.ndarray:
    """Replace a random ``frac`` of the labels by a different class (label noise)."""
    y = y.copy()
    hit = rng.random(len(y)) < frac
    y[hit] = (y[hit] + rng.integers(1, n_classes, int(hit.sum()))) % n_classes
    return y


# ---------------------------------------------------------------------------------------------
# Model, loss and optimisers
# ---------------------------------------------------------------------------------------------


class MLP:
    """Dense ReLU network with a linear output layer (softmax regression when no hidden layer)."""

    def __init__(self, sizes: Sequence[int], rng: np.random.Generator, init_scale: float = 1.0):
        self.params: list[np.ndarray] = []
        for fan_in, fan_out in itertools.pairwise(sizes):
            w = rng.standard_normal((fan_in, fan_out)) * math.sqrt(2.0 / fan_in) * init_scale
            self.params += [w.astype(F32), np.zeros(fan_out, F32)]

    @property
    def n_params(self) -> int:
        return int(sum(p.size for p in self.params))

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """Logits and the layer inputs needed by ``backward``."""
        acts = [x]
        h = x
        n_layers = len(self.params) // 2
        with np.errstate(all="ignore"):
            for i in range(n_layers):
                h = h @ self.params[2 * i] + self.params[2 * i + 1]
                if i < n_layers - 1:
                    h = np.maximum(h, 0)
                    acts.append(h)
        return h, acts

    def backward(self, acts: list[np.ndarray], dlogits: np.ndarray) -> list[np.ndarray]:
        """Gradients of the loss for every parameter, given d(loss)/d(logits)."""
        n_layers = len(self.params) // 2
        grads: list[np.ndarray] = [np.empty(0, F32)] * len(self.params)
        dz = dlogits
        with np.errstate(all="ignore"):
            for i in reversed(range(n_layers)):
                grads[2 * i] = acts[i].T @ dz
                grads[2 * i + 1] = dz.sum(0)
                if i > 0:
                    dz = (dz @ self.params[2 * i].T) * (acts[i] > 0)
        return grads


def log_softmax(z: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        s = z - z.max(1, keepdims=True)
        return s - np.log(np.exp(s).sum(1, keepdims=True))


def cross_entropy(z: np.ndarray, y: np.ndarray) -> tuple[float, float, np.ndarray]:
    """Mean cross-entropy, accuracy and d(loss)/d(logits) for one batch."""
    n = len(y)
    lp = log_softmax(z)
    loss = float(-lp[np.arange(n), y].mean())
    acc = float((z.argmax(1) == y).mean())
    with np.errstate(all="ignore"):
        grad = np.exp(lp)
        grad[np.arange(n), y] -= 1
        grad /= F32(n)
    return loss, acc, grad


class SGD:
    """Plain SGD with (heavy-ball) momentum, no clipping."""

    def __init__(self, params: list[np.ndarray], lr: float, momentum: float = 0.0):
        self.lr, self.momentum = lr, momentum
        self.buf = [np.zeros_like(p) for p in params]

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        with np.errstate(all="ignore"):
            for p, g, b in zip(params, grads, self.buf, strict=True):
                b *= F32(self.momentum)
                b += g
                p -= F32(self.lr) * b


class Adam:
    """Adam (Kingma & Ba) with bias correction, no weight decay."""

    def __init__(self, params: list[np.ndarray], lr: float, b1: float = 0.9, b2: float = 0.999):
        self.lr, self.b1, self.b2, self.eps = lr, b1, b2, 1e-7
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.t = 0

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        self.t += 1
        c1, c2 = 1 - self.b1**self.t, 1 - self.b2**self.t
        with np.errstate(all="ignore"):
            for p, g, m, v in zip(params, grads, self.m, self.v, strict=True):
                m *= F32(self.b1)
                m += F32(1 - self.b1) * g
                v *= F32(self.b2)
                v += F32(1 - self.b2) * g * g
                p -= F32(self.lr / c1) * m / (np.sqrt(v / F32(c2)) + F32(self.eps))


Optimizer = SGD | Adam


# ---------------------------------------------------------------------------------------------
# Training loop
# ---------------------------------------------------------------------------------------------


@dataclass
class StepLog:
    """One optimiser step: batch loss/accuracy before the update, gradient norm, lr used."""

    epoch: int
    index: int  # batch index inside the epoch
    step: int  # 0-based global step
    size: int
    loss: float
    acc: float
    grad_norm: float
    lr: float


@dataclass
class EpochLog:
    """One epoch: running train means (as frameworks report them) and validation metrics."""

    epoch: int  # 0-based
    train_loss: float
    train_acc: float
    val_loss: float
    val_acc: float
    lr: float
    steps: list[StepLog]
    extra: dict[str, float] = field(default_factory=dict)


LrFn = Callable[[int, int], float]  # (epoch, global step) -> learning rate
AugmentFn = Callable[[np.ndarray, np.random.Generator], np.ndarray]
ValMetricsFn = Callable[[np.ndarray, np.ndarray], dict[str, float]]


def global_grad_norm(grads: list[np.ndarray]) -> float:
    with np.errstate(all="ignore"):
        return float(math.sqrt(sum(float(np.sum(g.astype(np.float64) ** 2)) for g in grads)))


def evaluate(model: MLP, x: np.ndarray, y: np.ndarray) -> tuple[float, float, np.ndarray]:
    z, _ = model.forward(x)
    loss, acc, _ = cross_entropy(z, y)
    return loss, acc, z


def fit(
    model: MLP,
    data: Data,
    opt: Optimizer,
    epochs: int,
    batch_size: int,
    seed: int,
    lr_fn: LrFn | None = None,
    augment: AugmentFn | None = None,
    val_metrics: ValMetricsFn | None = None,
) -> list[EpochLog]:
    """Mini-batch training; returns one EpochLog per epoch (with its steps)."""
    rng = np.random.default_rng(seed)
    n = len(data.y_train)
    history: list[EpochLog] = []
    step = 0
    for epoch in range(epochs):
        order = rng.permutation(n)
        steps: list[StepLog] = []
        loss_sum = acc_sum = 0.0
        for index, start in enumerate(range(0, n, batch_size)):
            if lr_fn is not None:
                opt.lr = lr_fn(epoch, step)
            idx = order[start : start + batch_size]
            xb = data.x_train[idx]
            if augment is not None:
                xb = augment(xb, rng)
            z, acts = model.forward(xb)
            loss, acc, dz = cross_entropy(z, data.y_train[idx])
            grads = model.backward(acts, dz)
            steps.append(
                StepLog(epoch, index, step, len(idx), loss, acc, global_grad_norm(grads), opt.lr)
            )
            opt.step(model.params, grads)
            loss_sum += loss * len(idx)
            acc_sum += acc * len(idx)
            step += 1
        val_loss, val_acc, z = evaluate(model, data.x_val, data.y_val)
        extra = val_metrics(z, data.y_val) if val_metrics else {}
        history.append(
            EpochLog(epoch, loss_sum / n, acc_sum / n, val_loss, val_acc, opt.lr, steps, extra)
        )
    return history


# ---------------------------------------------------------------------------------------------
# Helpers shared by the writers
# ---------------------------------------------------------------------------------------------


def f32(x: float) -> float:
    """The Python float a framework gets from a float32 tensor (``tensor.item()``)."""
    return float(F32(x))


class Clock:
    """Simulated wall clock: deterministic durations with a little jitter."""

    def __init__(self, seed: int, start: float = T0):
        self.t = start
        self.rng = np.random.default_rng(seed)

    def advance(self, seconds: float, jitter: float = 0.15) -> float:
        self.t += seconds * max(0.2, 1.0 + jitter * float(self.rng.standard_normal()))
        return self.t


def running_means(steps: Sequence[StepLog]) -> list[tuple[float, float]]:
    """Sample-weighted running (loss, accuracy) means after each step, like Keras' metrics."""
    out, seen, loss_sum, acc_sum = [], 0, 0.0, 0.0
    for s in steps:
        seen += s.size
        loss_sum += s.loss * s.size
        acc_sum += s.acc * s.size
        out.append((loss_sum / seen, acc_sum / seen))
    return out


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)


# ---------------------------------------------------------------------------------------------
# Writers: Keras
# ---------------------------------------------------------------------------------------------


def write_keras_csv(path: Path, history: Sequence[EpochLog]) -> None:
    """``tf.keras.callbacks.CSVLogger``: sorted keys after ``epoch``, float32 repr, CRLF rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=keys)
        writer.writeheader()
        for e in history:
            writer.writerow(
                {
                    "epoch": e.epoch,
                    "accuracy": f32(e.train_acc),
                    "loss": f32(e.train_loss),
                    "val_accuracy": f32(e.val_acc),
                    "val_loss": f32(e.val_loss),
                }
            )


class KerasProgbar:
    """Port of ``tf.keras.utils.Progbar.update`` (TF 2.4-2.12) for a dynamic (tty) display."""

    def __init__(self, target: int, start: float, width: int = 30, interval: float = 0.05):
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


# ---------------------------------------------------------------------------------------------
# Writers: Lightning, HuggingFace, fastai, MLflow, plain text
# ---------------------------------------------------------------------------------------------


def write_lightning(
    version_dir: Path, history: Sequence[EpochLog], log_every: int, hparams: dict[str, object]
) -> None:
    """``lightning_logs/version_0/{metrics.csv,hparams.yaml}`` as CSVLogger leaves them.

    ``self.log("train_loss", ..., on_step=True, on_epoch=True)`` (and the same for train_acc)
    plus ``val_loss``/``val_acc`` in ``validation_step``: sparse rows, sorted header, CRLF.
    """
    rows: list[dict[str, object]] = []
    for e in history:
        for s in e.steps:
            if (s.step + 1) % log_every == 0:
                rows.append(
                    {
                        "epoch": e.epoch,
                        "step": s.step,
                        "train_acc_step": f32(s.acc),
                        "train_loss_step": f32(s.loss),
                    }
                )
        last = e.steps[-1].step
        rows.append(
            {"epoch": e.epoch, "step": last, "val_acc": f32(e.val_acc), "val_loss": f32(e.val_loss)}
        )
        rows.append(
            {
                "epoch": e.epoch,
                "step": last,
                "train_acc_epoch": f32(e.train_acc),
                "train_loss_epoch": f32(e.train_loss),
            }
        )
    keys = sorted(set().union(*rows))
    version_dir.mkdir(parents=True, exist_ok=True)
    with open(version_dir / "metrics.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=keys)
        writer.writeheader()
        writer.writerows(rows)
    yaml = "".join(f"{k}: {v}\n" for k, v in sorted(hparams.items()))
    write_text(version_dir / "hparams.yaml", yaml)


def hf_trainer_state(
    history: Sequence[EpochLog],
    clock: Clock,
    lr0: float,
    batch_size: int,
    logging_steps: int,
    n_val: int,
    n_params: int,
) -> str:
    """``trainer_state.json`` of ``Trainer(eval_strategy="epoch", metric_for_best_model=
    "accuracy", load_best_model_at_end=True)`` with the default linear lr decay."""
    steps_per_epoch = len(history[0].steps)
    max_steps = steps_per_epoch * len(history)
    log: list[dict[str, object]] = []
    window: list[float] = []
    t_start = clock.t
    for e in history:
        for s in e.steps:
            clock.advance(0.011)
            window.append(s.loss)
            if (s.step + 1) % logging_steps == 0:
                log.append(
                    {
                        "epoch": e.epoch + (s.index + 1) / steps_per_epoch,
                        "grad_norm": f32(s.grad_norm),
                        "learning_rate": lr0 * (max_steps - s.step) / max_steps,
                        "loss": round(sum(window) / len(window), 4),
                        "step": s.step + 1,
                    }
                )
                window = []
        runtime = round(0.19 + 0.02 * float(clock.rng.standard_normal()), 4)
        clock.advance(runtime, 0.0)
        eval_batches = math.ceil(n_val / (2 * batch_size))
        log.append(
            {
                "epoch": float(e.epoch + 1),
                "eval_accuracy": e.val_acc,
                "eval_loss": f32(e.val_loss),
                "eval_runtime": runtime,
                "eval_samples_per_second": round(n_val / runtime, 3),
                "eval_steps_per_second": round(eval_batches / runtime, 3),
                "step": (e.epoch + 1) * steps_per_epoch,
            }
        )
    best = max(history, key=lambda e: e.val_acc)  # first epoch with the top eval_accuracy
    best_step = (best.epoch + 1) * steps_per_epoch
    train_runtime = round(clock.t - t_start + 1.7, 4)
    all_losses = [s.loss for e in history for s in e.steps]
    total_flos = float(6 * n_params * batch_size * max_steps)
    log.append(
        {
            "epoch": float(len(history)),
            "step": max_steps,
            "total_flos": total_flos,
            "train_loss": sum(all_losses) / len(all_losses),
            "train_runtime": train_runtime,
            "train_samples_per_second": round(max_steps * batch_size / train_runtime, 3),
            "train_steps_per_second": round(max_steps / train_runtime, 3),
        }
    )
    state = {
        "best_global_step": best_step,
        "best_metric": best.val_acc,
        "best_model_checkpoint": f"./results/checkpoint-{best_step}",
        "epoch": float(len(history)),
        "eval_steps": 500,
        "global_step": max_steps,
        "is_hyper_param_search": False,
        "is_local_process_zero": True,
        "is_world_process_zero": True,
        "log_history": log,
        "logging_steps": logging_steps,
        "max_steps": max_steps,
        "num_input_tokens_seen": 0,
        "num_train_epochs": len(history),
        "save_steps": 500,
        "stateful_callbacks": {
            "TrainerControl": {
                "args": {
                    "should_epoch_stop": False,
                    "should_evaluate": False,
                    "should_log": False,
                    "should_save": True,
                    "should_training_stop": True,
                },
                "attributes": {},
            }
        },
        "total_flos": total_flos,
        "train_batch_size": batch_size,
        "trial_name": None,
        "trial_params": None,
    }
    return json.dumps(state, indent=2, sort_keys=True) + "\n"


def fastai_format_time(seconds: float) -> str:
    t = int(seconds)
    h, m, s = t // 3600, (t // 60) % 60, t % 60
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def fastai_table(history: Sequence[EpochLog], clock: Clock, monitor_best: bool) -> str:
    """fastai v2 ``ProgressCallback`` table as printed to a non-tty stdout.

    ``train_loss`` is fastai's smoothed loss (AvgSmoothLoss, beta=0.98, never reset between
    epochs); with ``monitor_best`` a SaveModelCallback line follows each new best valid_loss.
    """
    names = ["epoch", "train_loss", "valid_loss", "accuracy", "time"]
    padded = [n + " " * (8 - len(n)) if len(n) < 8 else n for n in names]
    out = "  ".join(padded) + "\n"
    smooth, count, best = F32(0.0), 0, math.inf
    for e in history:
        t_epoch = clock.t
        for s in e.steps:
            count += 1
            smooth = F32(s.loss) + F32(0.98) * (smooth - F32(s.loss))
            clock.advance(0.029)
        clock.advance(0.12)
        smoothed = float(smooth / F32(1 - 0.98**count))
        cells = [
            str(e.epoch),
            f"{smoothed:.6f}",
            f"{f32(e.val_loss):.6f}",
            f"{f32(e.val_acc):.6f}",
            fastai_format_time(clock.t - t_epoch),
        ]
        out += "".join(t + " " * (2 + len(n) - len(t)) for t, n in zip(cells, padded, strict=True))
        out += "\n"
        if monitor_best and f32(e.val_loss) < best:
            best = f32(e.val_loss)
            out += f"Better model found at epoch {e.epoch} with valid_loss value: {best}.\n"
    return out


def write_mlflow_run(
    root: Path,
    exp_id: str,
    exp_name: str,
    run_id: str,
    history: Sequence[EpochLog],
    clock: Clock,
    params: dict[str, str],
    user: str,
) -> Path:
    """An MLflow file store (``mlruns/``) with one run logged by ``mlflow.keras.autolog()``."""
    base_uri = "file:///home/" + user + "/projects/checker/mlruns"
    write_text(
        root / "0" / "meta.yaml",
        f"artifact_location: {base_uri}/0\nexperiment_id: '0'\n"
        "lifecycle_stage: active\nname: Default\n",
    )
    write_text(
        root / exp_id / "meta.yaml",
        f"artifact_location: {base_uri}/{exp_id}\nexperiment_id: '{exp_id}'\n"
        f"lifecycle_stage: active\nname: {exp_name}\n",
    )
    run = root / exp_id / run_id
    start_ms = int(clock.advance(0.45) * 1000)
    clock.advance(1.2)  # model build + first-epoch tracing
    series: dict[str, list[str]] = {"accuracy": [], "loss": [], "val_accuracy": [], "val_loss": []}
    for e in history:
        clock.advance(0.06)
        ts = int(clock.t * 1000)
        for name, value in (
            ("accuracy", e.train_acc),
            ("loss", e.train_loss),
            ("val_accuracy", e.val_acc),
            ("val_loss", e.val_loss),
        ):
            series[name].append(f"{ts} {f32(value)} {e.epoch}\n")
    for name, lines in series.items():
        write_text(run / "metrics" / name, "".join(lines))
    for name, value in params.items():
        write_text(run / "params" / name, value)
    end_ms = int(clock.advance(0.8) * 1000)
    tags = {
        "mlflow.runName": "checker-mlp-600ep",
        "mlflow.source.name": "train_checker.py",
        "mlflow.source.type": "LOCAL",
        "mlflow.user": user,
    }
    for name, value in tags.items():
        write_text(run / "tags" / name, value)
    write_text(
        run / "meta.yaml",
        (
            f"artifact_uri: {base_uri}/{exp_id}/{run_id}/artifacts\nend_time: {end_ms}\n"
            f"entry_point_name: ''\nexperiment_id: '{exp_id}'\nlifecycle_stage: active\n"
            f"name: ''\nrun_id: {run_id}\nrun_uuid: {run_id}\nsource_name: ''\nsource_type: 4\n"
            f"source_version: ''\nstart_time: {start_ms}\nstatus: 3\ntags: []\nuser_id: {user}\n"
        ),
    )
    return run


# ---------------------------------------------------------------------------------------------
# Summaries (computed from the values exactly as written)
# ---------------------------------------------------------------------------------------------


def sample_losses(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per-sample cross-entropy (float64) for diagnostics."""
    with np.errstate(all="ignore"):
        return -log_softmax(z.astype(np.float64))[np.arange(len(y)), y]


def mistake_metrics(z: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """How the validation loss splits between right and wrong predictions."""
    losses = sample_losses(z, y)
    wrong = z.argmax(1) != y
    return {
        "n_wrong": float(wrong.sum()),
        "wrong_loss": float(losses[wrong].mean()),
        "right_loss": float(losses[~wrong].mean()),
        "wrong_share": float(losses[wrong].sum() / losses.sum()),
    }


def worst_rows_metrics(z: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Share of the validation loss carried by the 5 worst rows; rows costing > 10 nats."""
    losses = np.sort(sample_losses(z, y))
    return {
        "top5_share": float(losses[-5:].sum() / losses.sum()),
        "n_over_10": float(np.sum(losses > 10)),
        "max_loss": float(losses[-1]),
    }


def recall_metrics(z: np.ndarray, y: np.ndarray) -> dict[str, float]:
    pred = z.argmax(1)
    return {
        "recall_pos": float(np.mean(pred[y == 1] == 1)),
        "recall_neg": float(np.mean(pred[y == 0] == 0)),
    }


def curves(history: Sequence[EpochLog]) -> tuple[np.ndarray, np.ndarray]:
    vl = np.array([f32(e.val_loss) for e in history])
    va = np.array([f32(e.val_acc) for e in history])
    return vl, va


def summary_loss_up_acc_up(history: Sequence[EpochLog], base: int, loss: str, acc: str) -> str:
    vl, va = curves(history)
    i = int(np.argmin(vl))
    j = int(np.argmax(va))
    last = len(vl) - 1
    return (
        f"{loss} min {vl[i]:.3f} at epoch {i + base}, then rises to {vl[-1]:.3f} at epoch "
        f"{last + base} while {acc} goes {va[i]:.3f} -> {va[-1]:.3f} (max {va[j]:.3f} at "
        f"epoch {j + base}); train loss ends at {history[-1].train_loss:.3f}"
    )


def summary_loss_down_acc_down(history: Sequence[EpochLog], base: int) -> str:
    """Stretch from the val_acc peak to the val_loss minimum, on the values as printed."""
    vl = np.round([e.val_loss for e in history], 4)
    va = np.round([e.val_acc for e in history], 3)
    i = int(np.argmax(va))
    j = i + int(np.argmin(vl[i:]))
    steps = np.diff(vl[i : j + 1])
    rises = int(np.sum(steps > 0))
    trend = "never rises" if rises == 0 else f"{rises} small rises"
    ei, ej = history[i].extra, history[j].extra
    return (
        f"val_loss {vl[i]:.4f} -> {vl[j]:.4f} (falls in {int(np.sum(steps < 0))} of {j - i} "
        f"epochs, {trend}) while val_acc {va[i]:.1%} -> {va[j]:.1%}, epochs {i + base}-"
        f"{j + base}; over the same epochs recall of the positive class "
        f"{ei['recall_pos']:.3f} -> {ej['recall_pos']:.3f}, negative class "
        f"{ei['recall_neg']:.3f} -> {ej['recall_neg']:.3f}"
    )


def summary_flat(history: Sequence[EpochLog], base: int, skip: int) -> str:
    vl, va = curves(history)
    tail = va[skip:]
    return (
        f"val_acc stays {tail.min():.4f}-{tail.max():.4f} from epoch {skip + base} to "
        f"{len(va) - 1 + base} while val_loss falls {vl[skip]:.4f} -> {vl[-1]:.4f} "
        f"({vl[0]:.4f} at epoch {base})"
    )


def summary_unstable(history: Sequence[EpochLog], base: int) -> str:
    vl, va = curves(history)
    lo, hi = int(np.argmin(vl)), int(np.argmax(vl))
    shares = [e.extra["top5_share"] for e in history]
    return (
        f"valid_loss swings between {vl[lo]:.2f} (epoch {lo + base}) and {vl[hi]:.2f} "
        f"(epoch {hi + base}), x{vl[hi] / vl[lo]:.0f}, while accuracy stays "
        f"{va.min():.3f}-{va.max():.3f} (mean {va.mean():.3f}); the 5 worst of the 500 "
        f"validation rows carry {min(shares):.0%}-{max(shares):.0%} of valid_loss (at epoch "
        f"{hi + base}: {history[hi].extra['n_over_10']:.0f} rows above 10 nats, the worst "
        f"{history[hi].extra['max_loss']:.0f} nats)"
    )


def summary_high_loss(history: Sequence[EpochLog]) -> str:
    vl, va = curves(history)
    over = [e.epoch + 1 for e in history if f32(e.val_loss) > 1.0]
    last = history[-1].extra
    return (
        f"eval_accuracy {va.min():.3f}-{va.max():.3f} (final {va[-1]:.3f}) while eval_loss "
        f"is above 1.0 from epoch {over[0]} on (final {vl[-1]:.3f}, min {vl.min():.3f} at "
        f"epoch {int(np.argmin(vl)) + 1}); at the end the {last['n_wrong']:.0f} wrong "
        f"predictions average {last['wrong_loss']:.1f} nats and carry "
        f"{last['wrong_share']:.0%} of eval_loss, the right ones "
        f"{last['right_loss']:.3f}; best checkpoint (by accuracy) is step "
        f"{(int(np.argmax(va)) + 1) * len(history[0].steps)}"
    )


def summary_imbalanced(history: Sequence[EpochLog], majority: float) -> str:
    vl, va = curves(history)
    last = history[-1].extra
    return (
        f"majority class is {majority:.3f} of val; val_acc {va[0]:.3f} at epoch 1, then "
        f"{va[1:].min():.3f}-{va[1:].max():.3f} (final {va[-1]:.3f}) while val_loss falls "
        f"{vl[0]:.3f} -> {vl[-1]:.3f}; final minority recall "
        f"{last['val_minority_recall']:.3f}, F1 {last['val_minority_f1']:.3f}"
    )


def summary_nan(history: Sequence[EpochLog]) -> str:
    steps = [s for e in history for s in e.steps]
    first_nan = next(s for s in steps if math.isnan(s.loss))
    good = [e for e in history if math.isfinite(e.val_loss)]
    best = min(good, key=lambda e: e.val_loss)
    worst = max(good, key=lambda e: e.val_loss)
    nan_epoch = next(e.epoch + 1 for e in history if math.isnan(e.val_loss))
    return (
        f"val_loss best {f32(best.val_loss):.4f} at epoch {best.epoch + 1} (lr {best.lr:g}); at "
        f"epoch {worst.epoch + 1} (lr {worst.lr:g}) loss is {f32(worst.train_loss):.1e} and "
        f"val_loss {f32(worst.val_loss):.1e}; the first NaN batch is epoch {first_nan.epoch + 1} "
        f"batch {first_nan.index + 1}, and loss/val_loss are nan from epoch {nan_epoch} on with "
        f"val_accuracy frozen at {f32(history[-1].val_acc):.4f}"
    )


def summary_eight(finals: Sequence[EpochLog]) -> str:
    losses = np.array([f32(e.val_loss) for e in finals])
    accs = np.array([f32(e.val_acc) for e in finals])
    amb_loss = [e.extra["amb_loss"] for e in finals]
    amb_acc = [e.extra["amb_acc"] for e in finals]
    return (
        f"final val_loss {losses.min():.4f}-{losses.max():.4f} (spread "
        f"{(losses.max() / losses.min() - 1):.1%}) while final val_acc {accs.min():.3f}-"
        f"{accs.max():.3f} ({(accs.max() - accs.min()) * 100:.1f} points); on the ambiguous "
        f"cluster every run pays {min(amb_loss):.3f}-{max(amb_loss):.3f} nats per point but "
        f"gets {min(amb_acc):.0%}-{max(amb_acc):.0%} of it right"
    )


def summary_healthy(history: Sequence[EpochLog], base: int) -> str:
    vl, va = curves(history)
    ups = int(np.sum(np.diff(vl) > 0))
    return (
        f"val_loss {vl[0]:.4f} -> {vl[-1]:.4f} (min {vl.min():.4f} at epoch "
        f"{int(np.argmin(vl)) + base}, {ups} small upticks in {len(vl) - 1} epochs), val_acc "
        f"{va[0]:.4f} -> {va[-1]:.4f}"
    )


# ---------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------


@dataclass
class Case:
    """One demo folder: where it is, how it is written, and what its numbers say."""

    name: str
    fmt: str
    files: list[str]
    summary: str
    story: str


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def case_loss_up_acc_up() -> Case:
    rng = np.random.default_rng(14)
    xt, yt = checkerboard(1500, 4, rng)
    xv, yv = checkerboard(2000, 4, rng)
    yv = flip_labels(yv, 0.10, 2, rng)  # validation annotations: 10% flipped
    data = Data(xt, yt, xv, yv, 2)
    model = MLP([2, 64, 64, 2], rng)
    history = fit(model, data, Adam(model.params, 2e-3), 150, 50, seed=14)
    path = ROOT / "loss_up_acc_up" / "training.log"
    write_keras_csv(path, history)
    return Case(
        "loss_up_acc_up",
        "Keras CSVLogger",
        [rel(path)],
        summary_loss_up_acc_up(history, 0, "val_loss", "val_accuracy"),
        "4x4 checkerboard, MLP 2-64-64-2, Adam 2e-3, no regularisation; train labels "
        "clean, 10% of validation labels flipped. The boundary keeps sharpening "
        "(borderline squares cross over) while the logits grow, so the flipped "
        "validation points become confident mistakes.",
    )


def case_long_run() -> Case:
    rng = np.random.default_rng(21)
    xt, yt = checkerboard(500, 3, rng)
    xv, yv = checkerboard(2000, 3, rng)
    yv = flip_labels(yv, 0.10, 2, rng)
    data = Data(xt, yt, xv, yv, 2)
    model = MLP([2, 32, 32, 2], rng)
    history = fit(model, data, Adam(model.params, 5e-4), 600, 100, seed=21)
    clock = Clock(seed=21, start=T0 + 86400 * 3)
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
    run = write_mlflow_run(
        ROOT / "long_run" / "mlruns",
        "1",
        "checkerboard-long",
        run_id,
        history,
        clock,
        params,
        user="demo",
    )
    return Case(
        "long_run",
        "MLflow file store",
        [rel(run) + "/metrics/{loss,accuracy,val_loss,val_accuracy}"],
        summary_loss_up_acc_up(history, 0, "val_loss", "val_accuracy"),
        "600 epochs (MLflow step = epoch, from 0), 3x3 checkerboard, MLP 2-32-32-2, "
        "Adam 5e-4, 500 clean training points, 10% flipped validation labels.",
    )


def case_loss_down_acc_down() -> Case:
    rng = np.random.default_rng(30)
    d, mu = 20, 1.3
    centers = np.stack([-np.full(d, mu / math.sqrt(d)), np.full(d, mu / math.sqrt(d))])
    xt, yt = gaussian_classes(1000, centers, 1.0, rng)
    xv, yv = gaussian_classes(2000, centers, 1.0, rng)
    missed = (yt == 1) & (rng.random(len(yt)) < 0.35)  # under-reported positives in train
    yt = np.where(missed, 0, yt)
    data = Data(xt, yt, xv, yv, 2)
    model = MLP([d, 2], rng, init_scale=0.01)
    epochs = 60
    history = fit(
        model, data, SGD(model.params, 0.005), epochs, 50, seed=30, val_metrics=recall_metrics
    )
    lines = [
        f"train: 1000 samples ({int(missed.sum())} positives labelled negative), "
        "val: 2000 samples (clean labels), 20 features",
        "model: Linear(20 -> 2), SGD lr=0.005, batch 50",
    ]
    for e in history:
        lines.append(
            f"Epoch [{e.epoch + 1}/{epochs}] loss={e.train_loss:.4f} "
            f"acc={e.train_acc:.1%} val_loss={e.val_loss:.4f} val_acc={e.val_acc:.1%}"
        )
    lines.append("Finished training")
    path = ROOT / "loss_down_acc_down" / "train_output.txt"
    write_text(path, "\n".join(lines) + "\n")
    return Case(
        "loss_down_acc_down",
        "free text `Epoch [3/60] loss=... acc=...%`",
        [rel(path)],
        summary_loss_down_acc_down(history, 1),
        "Softmax regression on 20-d Gaussian classes with small SGD steps from a tiny "
        "init; in the training labels 35% of the positives are marked negative "
        "(under-reporting), validation labels are clean. The weights keep growing "
        "(val_loss falls as the model leaves its near-uniform start) while the bias "
        "slowly drifts to the skewed training prior, pushing borderline positives "
        "to the wrong side.",
    )


def case_acc_flat_loss_down() -> Case:
    rng = np.random.default_rng(41)
    centers = np.array([[-0.92, -0.92], [0.92, 0.92]])
    xt, yt = gaussian_classes(1000, centers, 1.0, rng)
    xv, yv = gaussian_classes(2000, centers, 1.0, rng)
    data = Data(xt, yt, xv, yv, 2)
    model = MLP([2, 2], rng, init_scale=0.01)
    history = fit(model, data, SGD(model.params, 0.002), 50, 50, seed=41)
    lines = ["device: cpu", "train 1000 | val 2000 | model: logistic regression (2 -> 2)"]
    for e in history:
        lines.append(
            f"epoch {e.epoch + 1} | train_loss {e.train_loss:.4f} | val_loss "
            f"{e.val_loss:.4f} | val_acc {e.val_acc:.4f}"
        )
        if (e.epoch + 1) % 10 == 0:
            lines.append(f"saved checkpoint ckpt/epoch_{e.epoch + 1:03d}.pt")
    path = ROOT / "acc_flat_loss_down" / "train.log"
    write_text(path, "\n".join(lines) + "\n")
    return Case(
        "acc_flat_loss_down",
        "free text `epoch 3 | train_loss ... | val_acc ...`",
        [rel(path)],
        summary_flat(history, 1, 2),
        "Logistic regression on two overlapping Gaussians (Bayes accuracy ~0.90), "
        "small SGD steps: the direction is right after two epochs, the rest of the "
        "run only grows the weights (calibration), so loss falls and accuracy cannot "
        "move.",
    )


def spiky_data(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """4 weakly informative features + 2 raw 'count' features that are ~0 except rare spikes."""
    y = rng.integers(0, 2, n)
    x = rng.standard_normal((n, 6))
    x[:, :4] += (2 * y - 1)[:, None] * 0.17
    spike = rng.random((n, 2)) < 0.01
    x[:, 4:] = np.where(spike, 1000 * rng.uniform(0.5, 1.5, (n, 2)), 0) + 0.1 * x[:, 4:]
    return x.astype(F32), y


def case_val_loss_unstable() -> Case:
    rng = np.random.default_rng(52)
    xt, yt = spiky_data(2000, rng)
    xv, yv = spiky_data(500, rng)
    data = Data(xt, yt, xv, yv, 2)
    model = MLP([6, 2], rng)
    history = fit(
        model,
        data,
        SGD(model.params, 0.02, momentum=0.9),
        16,
        64,
        seed=52,
        val_metrics=worst_rows_metrics,
    )
    clock = Clock(seed=52)
    head = (
        "Loaded sensor_events.csv: 2500 rows, 6 features (no normalisation)\n"
        "Train: 2000  Valid: 500  classes: ['idle', 'active']\n"
        "learn = Learner(dls, model, loss_func=CrossEntropyLossFlat(), opt_func=SGD, "
        "metrics=accuracy, cbs=SaveModelCallback())\n"
        "learn.fit(16, lr=0.02)\n"
    )
    best = min(history, key=lambda e: f32(e.val_loss))  # SaveModelCallback reloads it
    text = head + fastai_table(history, clock, monitor_best=True)
    text += f"learn.validate(): (#2) [{f32(best.val_loss)},{f32(best.val_acc)}]\n"
    path = ROOT / "val_loss_unstable" / "train_stdout.txt"
    write_text(path, text)
    return Case(
        "val_loss_unstable",
        "fastai printed table",
        [rel(path)],
        summary_unstable(history, 0),
        "Logistic regression, SGD lr 0.02 momentum 0.9 on unnormalised features: two "
        "raw count columns are 0 except 1% spikes near 1000. Their weights are "
        "kicked around every epoch, so a handful of spiky validation rows get logits "
        "in the hundreds with the wrong sign; the other rows, which decide the "
        "accuracy, hardly change.",
    )


def case_high_loss_good_acc() -> Case:
    rng = np.random.default_rng(61)
    d, k = 100, 3
    centers = rng.standard_normal((k, d))
    centers *= 6.0 / np.linalg.norm(centers, axis=1, keepdims=True)
    xt, yt = gaussian_classes(1000, centers, 1.0, rng)
    xv, yv = gaussian_classes(1000, centers, 1.0, rng)
    yt = flip_labels(yt, 0.08, k, rng)
    yv = flip_labels(yv, 0.08, k, rng)
    data = Data(xt, yt, xv, yv, k)
    model = MLP([d, 256, k], rng)
    epochs, batch, lr0 = 12, 16, 2e-2
    steps_total = epochs * math.ceil(1000 / batch)
    opt = Adam(model.params, lr0)
    history = fit(
        model,
        data,
        opt,
        epochs,
        batch,
        seed=61,
        val_metrics=mistake_metrics,
        lr_fn=lambda _e, s: lr0 * (steps_total - s) / steps_total,
    )
    clock = Clock(seed=61)
    text = hf_trainer_state(history, clock, lr0, batch, 20, len(yv), model.n_params)
    path = ROOT / "high_loss_good_acc" / "trainer_state.json"
    write_text(path, text)
    return Case(
        "high_loss_good_acc",
        "HuggingFace trainer_state.json",
        [rel(path)],
        summary_high_loss(history),
        "3 Gaussian classes in 100-d, MLP 100-256-3, Adam 2e-2 with linear decay, 8% "
        "label noise in train and eval. The net memorises the noisy training labels "
        "and becomes very confident everywhere, so its few eval mistakes (the flipped "
        "eval labels among them) are extremely expensive.",
    )


def minority_metrics(z: np.ndarray, y: np.ndarray) -> dict[str, float]:
    pred = z.argmax(1)
    tp = float(np.sum((pred == 1) & (y == 1)))
    recall = tp / max(1.0, float(np.sum(y == 1)))
    precision = tp / max(1.0, float(np.sum(pred == 1)))
    f1 = 0.0 if tp == 0 else 2 * precision * recall / (precision + recall)
    return {"val_minority_recall": recall, "val_minority_f1": f1}


def case_imbalanced() -> Case:
    rng = np.random.default_rng(71)
    centers = np.array([[0.0, 0.0, 0.0], [1.2, 0.8, 0.0]])
    xt, yt = gaussian_classes(3000, centers, 1.0, rng, weights=[0.9, 0.1])
    xv, yv = gaussian_classes(1000, centers, 1.0, rng, weights=[0.9, 0.1])
    data = Data(xt, yt, xv, yv, 2)
    model = MLP([3, 16, 2], rng)
    history = fit(
        model, data, Adam(model.params, 1e-3), 30, 64, seed=71, val_metrics=minority_metrics
    )
    lines = []
    for e in history:
        record = {
            "epoch": e.epoch + 1,
            "train_loss": e.train_loss,
            "train_acc": e.train_acc,
            "val_loss": e.val_loss,
            "val_acc": e.val_acc,
            "val_f1": e.extra["val_minority_f1"],
        }
        lines.append(json.dumps(record))
    path = ROOT / "imbalanced" / "training_log.jsonl"
    write_text(path, "\n".join(lines) + "\n")
    return Case(
        "imbalanced",
        "JSONL",
        [rel(path)],
        summary_imbalanced(history, float(np.mean(yv == 0))),
        "90/10 classes that overlap heavily, MLP 3-16-2, Adam. Predicting the "
        "majority class already gives ~0.90, and the model barely beats it: "
        "`val_f1` (F1 of the minority class) shows what accuracy hides.",
    )


def case_nan_run() -> Case:
    rng = np.random.default_rng(82)
    xt, yt = two_moons(1024, 0.2, rng)
    xv, yv = two_moons(256, 0.2, rng)
    data = Data(xt, yt, xv, yv, 2)
    model = MLP([2, 64, 64, 2], rng)
    opt = SGD(model.params, 0.02, momentum=0.9)
    history = fit(model, data, opt, 14, 32, seed=82, lr_fn=lambda e, _s: 0.02 * 2.0**e)
    clock = Clock(seed=81)

    def lr_message(epoch: int) -> str:
        lr = 0.02 * 2.0**epoch
        return f"\nEpoch {epoch + 1:05d}: LearningRateScheduler reducing learning rate to {lr}.\n"

    text = "x_train: (1024, 2)  x_val: (256, 2)\n" + keras_model_summary([2, 64, 64, 2])
    text += keras_stdout(history, clock, lr_message)
    path = ROOT / "nan_run" / "stdout.txt"
    write_text(path, text)
    return Case(
        "nan_run",
        "Keras stdout (verbose=1)",
        [rel(path)],
        summary_nan(history),
        "Two moons, MLP 2-64-64-2, SGD momentum 0.9 with a LearningRateScheduler "
        "that doubles the lr every epoch (0.02 * 2**epoch), no clipping. The float32 "
        "weights overflow and the loss becomes nan; accuracy then freezes at the "
        "share of class 0 because argmax over nan logits is 0.",
    )


def ambiguous_blobs(seed: int) -> Data:
    """Two easy blobs plus a tight ambiguous cluster at the origin.

    In train the cluster comes as conflicting duplicates (each point once with label 0 and
    once with label 1, so the best answer there is exactly 0.5); in validation 70% of the
    cluster is class 1. Which side of 0.5 a run lands on is down to its seed.
    """
    rng = np.random.default_rng(seed)
    centers = np.array([[-2.0, 0.0], [2.0, 0.0]])
    x_easy, y_easy = gaussian_classes(600, centers, 0.9, rng)
    x_amb = (0.05 * rng.standard_normal((120, 2))).astype(F32)
    x_train = np.r_[x_easy, x_amb, x_amb]
    y_train = np.r_[y_easy, np.zeros(120, int), np.ones(120, int)]
    x_val_easy, y_val_easy = gaussian_classes(280, centers, 0.9, rng)
    x_val_amb = (0.05 * rng.standard_normal((120, 2))).astype(F32)
    y_val_amb = (rng.random(120) < 0.7).astype(int)
    return Data(x_train, y_train, np.r_[x_val_easy, x_val_amb], np.r_[y_val_easy, y_val_amb], 2)


def case_eight_runs() -> list[Case]:
    data = ambiguous_blobs(91)
    finals: list[EpochLog] = []

    def cluster_metrics(z: np.ndarray, y: np.ndarray) -> dict[str, float]:
        za, ya = z[-120:], y[-120:]  # the ambiguous cluster is the last 120 val rows
        return {
            "amb_loss": float(sample_losses(za, ya).mean()),
            "amb_acc": float(np.mean(za.argmax(1) == ya)),
        }

    for run in range(1, 9):
        seed = 100 + run
        model = MLP([2, 32, 32, 2], np.random.default_rng(seed))

        def augment(xb: np.ndarray, g: np.random.Generator) -> np.ndarray:
            return xb + F32(0.1) * g.standard_normal(xb.shape).astype(F32)

        history = fit(
            model,
            data,
            Adam(model.params, 3e-3),
            30,
            32,
            seed=seed,
            augment=augment,
            val_metrics=cluster_metrics,
        )
        finals.append(history[-1])
        version = ROOT / "eight_runs" / f"run_{run}" / "lightning_logs" / "version_0"
        write_lightning(
            version,
            history,
            10,
            {
                "aug_noise": 0.1,
                "batch_size": 32,
                "hidden": 32,
                "lr": 0.003,
                "max_epochs": 30,
                "seed": seed,
            },
        )
    per_run = ", ".join(
        f"run_{i + 1} {f32(e.val_loss):.3f}/{f32(e.val_acc):.3f}" for i, e in enumerate(finals)
    )
    return [
        Case(
            "eight_runs",
            "Lightning CSVLogger (x8)",
            ["eight_runs/run_{1..8}/lightning_logs/version_0/metrics.csv"],
            summary_eight(finals),
            "Same data, same MLP 2-32-32-2, Adam 3e-3, 30 epochs, Gaussian input-noise "
            "augmentation; only the seed (init, shuffling, augmentation noise) differs. "
            "The validation set has a tight ambiguous cluster (120 of 400 points, 70% "
            "class 1) that the training set labels 50/50 (conflicting duplicates): every "
            "run gives it p~0.5, so it costs ~0.69 nats per point whichever side it "
            "lands on, but the side decides up to 48 of the 400 answers. Final "
            f"val_loss/val_acc per run: {per_run}.",
        )
    ]


def case_healthy_keras() -> Case:
    rng = np.random.default_rng(101)
    xt, yt = two_moons(2048, 0.2, rng)
    xv, yv = two_moons(512, 0.2, rng)
    data = Data(xt, yt, xv, yv, 2)
    model = MLP([2, 32, 32, 2], rng)
    history = fit(model, data, Adam(model.params, 1e-3), 20, 64, seed=101)
    clock = Clock(seed=101)
    text = "x_train: (2048, 2)  x_val: (512, 2)\n" + keras_model_summary([2, 32, 32, 2])
    text += keras_stdout(history, clock)
    out = ROOT / "healthy_keras"
    write_text(out / "stdout.txt", text)
    write_keras_csv(out / "training.log", history)
    return Case(
        "healthy_keras",
        "Keras stdout (verbose=1) + CSVLogger of the same run",
        [rel(out / "stdout.txt"), rel(out / "training.log")],
        summary_healthy(history, 1),
        "Two moons, 2048 training points, MLP 2-32-32-2, Adam 1e-3, 32 steps/epoch. "
        "Epochs counted from 1 in stdout and from 0 in training.log.",
    )


def case_healthy_lightning() -> Case:
    rng = np.random.default_rng(111)
    xt, yt = two_moons(2000, 0.25, rng)
    xv, yv = two_moons(500, 0.25, rng)
    data = Data(xt, yt, xv, yv, 2)
    model = MLP([2, 32, 32, 2], rng)
    history = fit(model, data, SGD(model.params, 0.01, momentum=0.9), 15, 32, seed=111)
    version = ROOT / "healthy_lightning" / "lightning_logs" / "version_0"
    write_lightning(
        version,
        history,
        50,
        {"batch_size": 32, "hidden": 32, "lr": 0.01, "max_epochs": 15, "momentum": 0.9},
    )
    return Case(
        "healthy_lightning",
        "Lightning CSVLogger",
        [rel(version / "metrics.csv"), rel(version / "hparams.yaml")],
        summary_healthy(history, 0),
        "Two moons, MLP 2-32-32-2, SGD lr 0.01 momentum 0.9, 63 steps/epoch, log_every_n_steps=50.",
    )


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------

CASE_DIRS = [
    "loss_up_acc_up",
    "loss_down_acc_down",
    "acc_flat_loss_down",
    "val_loss_unstable",
    "high_loss_good_acc",
    "imbalanced",
    "nan_run",
    "eight_runs",
    "long_run",
    "healthy_keras",
    "healthy_lightning",
]

README_HEAD = """# demo_logs

Real training runs (numpy softmax regression / small ReLU MLPs trained with SGD or Adam on
generated data), written in the formats real frameworks write, one folder per loss/accuracy
situation. Nothing is hand-drawn: every value is the model's own cross-entropy (mean over
samples) or accuracy. Train loss/accuracy are the sample-weighted means of the batch values
seen during the epoch (what Keras, Lightning and most loops report; fastai's `train_loss` is
its smoothed loss); validation metrics are computed on the whole validation set after the
epoch. Wall-clock fields (timestamps, `2ms/step`, `00:01`, `eval_runtime`) come from a seeded
simulated clock.

Numbers about the curves are computed from the values as written in the files (float32,
or rounded as printed). Diagnostic numbers (per-class recall, per-row losses, the ambiguous
cluster of `eight_runs`) come from the model's predictions at those epochs and are not in
the logs.

| case | format | file | what happens (epochs as numbered in the file) |
|---|---|---|---|
"""

README_TAIL = """
Conventions, as the real tools write them:

- Keras `training.log` (CSVLogger) rows end in `\\r\\n`, values are float32 reprs, epoch from 0.
- Keras stdout is what a terminal receives: `\\r` + backspaces (`\\x08`) rewrite the progress
  bar, `ETA:` while running, then the final `32/32 [====...] - 0s 2ms/step - loss: ...` line.
  Epochs are counted from 1 (`Epoch 3/20`).
- Lightning `metrics.csv` rows end in `\\r\\n`; step rows every `log_every_n_steps`, one
  `val_*` row and one `train_*_epoch` row per epoch at the epoch's last step.
- HuggingFace `epoch` is fractional in training rows and `k.0` in eval rows; `loss` is rounded
  to 4 decimals; the last `log_history` entry is the train summary.
- fastai `train_loss` is fastai's smoothed loss; epochs from 0.
- MLflow metric files are `timestamp_ms value step` lines; params/tags files have no newline.

## Regenerate

```
python demo_logs/scripts/make_demo_logs.py
```

(with the project virtualenv: `/work/venv/bin/python demo_logs/scripts/make_demo_logs.py`).
numpy only, single-threaded BLAS, fixed seeds: two runs give identical bytes on the same
machine and numpy build. The script rewrites the case folders listed above and this README,
and prints one summary line per case (the same text as the table).
"""


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def write_readme(cases: Sequence[Case]) -> None:
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    rows = []
    for c in cases:
        files = "<br>".join(f"`{f}`" for f in c.files)
        rows.append(
            f"| `{c.name}` | {cell(c.fmt)} | {files} | {cell(c.summary)}. {cell(c.story)} |"
        )
    write_text(ROOT / "README.md", README_HEAD + "\n".join(rows) + "\n" + README_TAIL)


def main() -> None:
    started = time.perf_counter()
    for name in CASE_DIRS:
        shutil.rmtree(ROOT / name, ignore_errors=True)
    makers: list[Callable[[], Case | list[Case]]] = [
        case_loss_up_acc_up,
        case_loss_down_acc_down,
        case_acc_flat_loss_down,
        case_val_loss_unstable,
        case_high_loss_good_acc,
        case_imbalanced,
        case_nan_run,
        case_eight_runs,
        case_long_run,
        case_healthy_keras,
        case_healthy_lightning,
    ]
    cases: list[Case] = []
    for make in makers:
        made = make()
        for case in made if isinstance(made, list) else [made]:
            cases.append(case)
            print(f"{case.name:20s} {case.summary}", flush=True)
    write_readme(cases)
    total = folder_size(ROOT)
    print(
        f"demo_logs: {total / 1024:.0f} KiB in {len(cases)} cases, "
        f"{time.perf_counter() - started:.0f}s"
    )


if __name__ == "__main__":
    main()
