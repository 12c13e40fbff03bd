"""Log writers for Lightning, HuggingFace, fastai, MLflow, JSON lines and free text.

Each function writes (or returns) the bytes the real tool leaves behind for a run given as a
list of ``EpochLog``; wall-clock fields come from a seeded ``Clock``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from data import F32
from training import EpochLog
from writers_base import Clock, f32, write_csv, write_text


def write_lightning(
    version_dir: Path, history: Sequence[EpochLog], log_every: int, hparams: Mapping[str, object]
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
        rows.append({"epoch": e.epoch, "step": last, "val_acc": f32(e.val_acc), "val_loss": f32(e.val_loss)})
        rows.append(
            {
                "epoch": e.epoch,
                "step": last,
                "train_acc_epoch": f32(e.train_acc),
                "train_loss_epoch": f32(e.train_loss),
            }
        )
    write_csv(version_dir / "metrics.csv", sorted(set().union(*rows)), rows)
    yaml = "".join(f"{k}: {v}\n" for k, v in sorted(hparams.items()))
    write_text(version_dir / "hparams.yaml", yaml)


def hf_trainer_state(
    history: Sequence[EpochLog],
    clock: Clock,
    batch_size: int,
    logging_steps: int,
    n_val: int,
    n_params: int,
) -> str:
    """``trainer_state.json`` of ``Trainer(eval_strategy="epoch", metric_for_best_model=
    "accuracy", load_best_model_at_end=True)``.

    ``learning_rate`` is the lr each logged step trained with, so the run should use the
    Trainer's default schedule (linear decay to 0 over ``max_steps``).
    """
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
                        "learning_rate": s.lr,
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
    for eid, name in (("0", "Default"), (exp_id, exp_name)):
        write_text(
            root / eid / "meta.yaml",
            f"artifact_location: {base_uri}/{eid}\nexperiment_id: '{eid}'\n"
            f"lifecycle_stage: active\nname: {name}\n",
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
    for name, text in params.items():
        write_text(run / "params" / name, text)
    end_ms = int(clock.advance(0.8) * 1000)
    tags = {
        "mlflow.runName": "checker-mlp-600ep",
        "mlflow.source.name": "train_checker.py",
        "mlflow.source.type": "LOCAL",
        "mlflow.user": user,
    }
    for name, text in tags.items():
        write_text(run / "tags" / name, text)
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


def jsonl(records: Iterable[Mapping[str, object]]) -> str:
    """One ``json.dumps`` line per record."""
    return "".join(json.dumps(record) + "\n" for record in records)


def text_log(
    head: Sequence[str],
    history: Sequence[EpochLog],
    epoch_lines: Callable[[EpochLog], Iterable[str]],
    tail: Sequence[str] = (),
) -> str:
    """Free-text ``print`` output: a few head lines, the lines of every epoch, a few tail lines."""
    lines = list(head)
    for e in history:
        lines.extend(epoch_lines(e))
    lines.extend(tail)
    return "".join(line + "\n" for line in lines)
