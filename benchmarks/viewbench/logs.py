"""The logs `bench_keys` follows and the writers that grow them: a long Keras CSV run (every line an
evaluation) or a step log (JSON lines: a training line each step, an evaluation every EVAL_EVERY),
and the same run as TensorBoard event files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

HEADER = "epoch,accuracy,loss,val_accuracy,val_loss\n"
HERE = Path(__file__).resolve().parent.parent  # benchmarks/: the writers import this module from there


def rows(start: int, stop: int, rng: np.random.Generator, noise_sd: float = 0.004) -> str:
    """Keras CSVLogger rows of a long run that learns, then overfits a little, with evaluation
    noise (so alerts open and close: three to ten of them, a plateau's merged closings; with
    `noise_sd` 0.05, hundreds)."""
    return "".join(
        f"{int(e)},{a:.6f},{b:.6f},{c:.6f},{d:.6f}\n"
        for e, a, b, c, d in zip(*curves(start, stop, rng, noise_sd), strict=True)
    )


def curves(
    start: int, stop: int, rng: np.random.Generator, noise_sd: float = 0.004
) -> tuple[np.ndarray, ...]:
    """(epoch, accuracy, loss, val_accuracy, val_loss) of `rows`."""
    i = np.arange(start, stop, dtype=float)
    acc = 0.5 + 0.4 * i / (i + 500)
    loss = 0.25 + 0.5 / (1 + i / 400)
    noise = rng.normal(0, noise_sd, size=(2, len(i)))
    val_acc = acc - 0.05 + noise[0]
    val_loss = loss + 0.1 + 2e-7 * i + noise[1]
    return i, acc, loss, val_acc, val_loss


EVAL_EVERY = 100  # a step log's training lines per evaluation


def step_rows(start: int, stop: int, rng: np.random.Generator, noise_sd: float = 0.004) -> str:
    """JSON lines of a step-level log of the same run: each step's training loss and accuracy on a
    line of its own, and every EVAL_EVERY steps an evaluation (val_loss, val_accuracy) after it
    (what a training loop that logs every step and evaluates now and then writes)."""
    out = []
    for i, a, b, c, d in zip(*curves(start, stop, rng, noise_sd), strict=True):
        out.append(f'{{"step": {int(i)}, "loss": {b:.6f}, "accuracy": {a:.6f}}}\n')
        if int(i) % EVAL_EVERY == EVAL_EVERY - 1:
            out.append(f'{{"step": {int(i)}, "val_loss": {d:.6f}, "val_accuracy": {c:.6f}}}\n')
    return "".join(out)


def lines_for(path: Path | str, start: int, stop: int, rng: np.random.Generator, noise_sd: float) -> str:
    """Records start..stop of the log at `path`: a step log (.jsonl, `step_rows`) or a Keras CSV."""
    return (step_rows if str(path).endswith(".jsonl") else rows)(start, stop, rng, noise_sd)


WRITER = """
import sys, time
sys.path.insert(0, {here!r})
import numpy as np
from viewbench.logs import lines_for
path, start, rate, sd = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
rng = np.random.default_rng(start)
n, t0 = start, time.monotonic()
with open(path, "a") as f:
    while True:
        want = start + int((time.monotonic() - t0) * rate)
        if want > n:
            f.write(lines_for(path, n, want, rng, sd)); f.flush(); n = want
        time.sleep(0.01)
"""

#: the same run as TensorBoard event files (one event a record, its four scalars), written as `WRITER`
TB_WRITER = """
import sys, time
sys.path.insert(0, {here!r})
import numpy as np
from viewbench.logs import curves
from tensorboard.compat.proto.event_pb2 import Event
from tensorboard.compat.proto.summary_pb2 import Summary
from tensorboard.summary.writer.event_file_writer import EventFileWriter
folder, history, rate, sd = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
w = EventFileWriter(folder)
TAGS = ("accuracy", "loss", "val_accuracy", "val_loss")
def put(start, stop, rng):
    for e, *vals in zip(*curves(start, stop, rng, sd)):
        w.add_event(Event(wall_time=time.time(), step=int(e), summary=Summary(value=[
            Summary.Value(tag=t, simple_value=float(v)) for t, v in zip(TAGS, vals)])))
put(0, history, np.random.default_rng(0)); w.flush()
print("ready", flush=True)
rng = np.random.default_rng(history)
n, t0 = history, time.monotonic()
while True:
    want = history + int((time.monotonic() - t0) * rate)
    if want > n:
        put(n, want, rng); w.flush(); n = want
    time.sleep(0.01)
"""


def make_log(path: Path, n: int, noise_sd: float = 0.004) -> None:
    """A log of `n` records (steps or epochs): a Keras CSV, or a step log when `path` ends in .jsonl."""
    rng = np.random.default_rng(0)
    with path.open("w") as f:
        if not str(path).endswith(".jsonl"):
            f.write(HEADER)
        for s in range(0, n, 10_000):
            f.write(lines_for(path, s, min(n, s + 10_000), rng, noise_sd))


def writer(path: Path, rate: float, noise_sd: float = 0.004) -> subprocess.Popen[bytes]:
    """A process appending `rate` records a second to the log (a step log: its training lines)."""
    if str(path).endswith(".jsonl"):
        n = sum(1 for line in path.open() if "val_loss" not in line)
    else:
        n = sum(1 for _ in path.open()) - 1
    code = WRITER.format(here=str(HERE))
    return subprocess.Popen([sys.executable, "-c", code, str(path), str(n), str(rate), str(noise_sd)])
