"""Readers of printed training output: keras-stdout, fastai-table, hf-stdout, text-kv.

The real logs live in ../shared/realworld_logs (MANIFEST.tsv says what each one holds); the values
asserted here were read off those files by hand.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lossacc_tui.readers.base import Reader
from lossacc_tui.readers.csvlike import CsvReader
from lossacc_tui.readers.fastai_table import FastaiTableReader
from lossacc_tui.readers.hf_stdout import HfStdoutReader
from lossacc_tui.readers.keras_stdout import KerasStdoutReader
from lossacc_tui.readers.text_kv import TextKvReader

LOGS = Path(__file__).resolve().parents[2] / "shared" / "realworld_logs"
needs_logs = pytest.mark.skipif(
    not LOGS.is_dir(), reason=f"real-world logs not found at {LOGS} (expected ../shared next to the repo)"
)
READERS: tuple[type[Reader], ...] = (KerasStdoutReader, FastaiTableReader, HfStdoutReader, TextKvReader)
CHUNKS = st.lists(st.integers(min_value=1, max_value=4000), min_size=1, max_size=40)
SLOW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@dataclass(frozen=True)
class Rec:
    values: dict[str, float]
    epoch: float | None
    step: float | None
    line: int
    start: bool  # the reader marked this record as the first of a new run


def read(cls: type[Reader], data: bytes, chunks: Sequence[int] = ()) -> tuple[list[Rec], Reader]:
    """Feed `data` whole (or cut into the given chunk sizes, cycling), then finish()."""
    reader = cls()
    batches = []
    if chunks:
        pos, k = 0, 0
        while pos < len(data):
            size = chunks[k % len(chunks)]
            batches += reader.feed(data[pos : pos + size])
            pos, k = pos + size, k + 1
    else:
        batches += reader.feed(data)
    batches += reader.finish()
    recs: list[Rec] = []
    for b in batches:
        assert b.line is not None
        for i in range(b.n):
            vals = {k: float(v[i]) for k, v in b.values.items() if b.mask(k)[i]}
            ep = None if b.epoch is None or math.isnan(b.epoch[i]) else float(b.epoch[i])
            st_ = None if b.step is None or math.isnan(b.step[i]) else float(b.step[i])
            recs.append(Rec(vals, ep, st_, int(b.line[i]), i in b.starts))
    return recs, reader


def runs(recs: list[Rec]) -> list[list[Rec]]:
    """Records grouped by the reader's new-run markers."""
    out: list[list[Rec]] = []
    for r in recs:
        if r.start or not out:
            out.append([])
        out[-1].append(r)
    return out


def canon(recs: list[Rec]) -> list[tuple[object, ...]]:
    """Comparable form (NaN == NaN)."""
    return [
        (sorted((k, repr(v)) for k, v in r.values.items()), r.epoch, r.step, r.line, r.start) for r in recs
    ]


def log_bytes(rel: str) -> bytes:
    """A real log as UTF-8 bytes (UTF-16 files re-encoded, as the lead's source layer does)."""
    data = (LOGS / rel).read_bytes()
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        data = data.decode("utf-16").encode("utf-8")
    return data


def col(recs: list[Rec], name: str) -> list[float]:
    return [r.values[name] for r in recs]


def sniffs(name: str, data: bytes) -> dict[str, float]:
    head = data[:65536].decode("utf-8", errors="replace")
    return {cls.format_id: cls.sniff(name, head) for cls in READERS}


# ---------------------------------------------------------------- keras-stdout, real logs

KI = "ki-keras-belgian-traffic-sign__training_log.txt"
ROAD = "keras_stdout/Road-Surface-Condition-CNN__training_log.txt"
KERAS_FILES = sorted(p.name for p in (LOGS / "keras_stdout").glob("*")) if LOGS.is_dir() else []


@needs_logs
def test_keras_cat_or_dog() -> None:
    recs, reader = read(KerasStdoutReader, log_bytes("keras_stdout/cat-or-dog-keras__training_log.txt"))
    assert len(recs) == 40 and len(runs(recs)) == 1
    assert [r.epoch for r in recs] == [float(i) for i in range(1, 41)]
    assert all(set(r.values) == {"loss", "acc", "val_loss", "val_acc"} for r in recs)
    ep9, ep24, last = recs[8], recs[23], recs[-1]
    assert ep9.values["val_acc"] == 0.76301 and ep9.values["val_loss"] == 0.4967
    assert ep24.values["val_acc"] == 0.81903
    assert last.values == {"loss": 0.3206, "acc": 0.8630, "val_loss": 0.3401, "val_acc": 0.8488}
    assert min(col(recs, "val_loss")) == last.values["val_loss"]  # min at the last epoch
    assert last.line == 82  # the file ends without a newline
    assert reader.problems == []


@needs_logs
def test_keras_ki_four_models_not_per_batch() -> None:
    recs, reader = read(KerasStdoutReader, log_bytes(f"keras_stdout/{KI}"))
    parts = runs(recs)
    assert [len(p) for p in parts] == [50, 50, 50, 50]
    assert all([r.epoch for r in p] == [float(i) for i in range(1, 51)] for p in parts)
    assert all("val_loss" in r.values for r in recs)  # never a running average inside a bar
    first = parts[0][0].values
    assert first == {"loss": 2.5736, "acc": 0.4192, "val_loss": 1.3943, "val_acc": 0.6647}
    assert [p[0].values["val_acc"] for p in parts] == [0.6647, 0.4087, 0.2508, 0.4218]
    assert [p[-1].values["val_acc"] for p in parts] == [0.9032, 0.9579, 0.9302, 0.9278]
    cnn1 = col(parts[0], "val_loss")
    assert min(cnn1) == 0.3441 and cnn1.index(min(cnn1)) + 1 == 29
    assert parts[1][0].start and parts[1][0].line == 2580
    assert reader.problems == []


@needs_logs
def test_keras_road_surface_keras3_wrapped_line() -> None:
    recs, reader = read(KerasStdoutReader, log_bytes(ROAD))
    assert len(recs) == 26 and len(runs(recs)) == 1
    names = {"accuracy", "loss", "precision", "recall", "learning_rate"}
    assert all(set(r.values) == names | {f"val_{n}" for n in names - {"learning_rate"}} for r in recs)
    ep = {int(r.epoch or 0): r.values for r in recs}
    assert ep[1]["accuracy"] == 0.8798  # the 485/485 line, not the 484/485 one (0.8465)
    assert ep[24]["val_recall"] == 0.9938 and ep[24]["learning_rate"] == 2.5e-4  # hard-wrapped line
    assert (ep[5]["val_accuracy"], ep[5]["val_loss"]) == (0.7031, 3.3082)
    assert (ep[10]["val_accuracy"], ep[10]["val_loss"]) == (0.4264, 9.3789)
    assert [ep[i]["learning_rate"] for i in (1, 13, 22, 26)] == [1e-3, 5e-4, 2.5e-4, 2.5e-4]
    assert reader.problems == []


@needs_logs
def test_keras_leukemia_utf16_ansi() -> None:
    recs, reader = read(KerasStdoutReader, log_bytes("keras_stdout/Leukemia-Detection__training_log.txt"))
    assert len(recs) == 10 and len(runs(recs)) == 1
    assert [r.epoch for r in recs] == [float(i) for i in range(1, 11)]
    assert recs[0].values == {"accuracy": 0.8456, "loss": 0.4332, "val_accuracy": 0.2745, "val_loss": 19.6809}
    assert recs[-1].values["val_loss"] == 12.5685
    assert all(0.06 <= v <= 0.45 for v in col(recs, "val_accuracy"))
    assert reader.problems == []
    # A 64 KB head of UTF-16 is 32 K characters: it ends inside the model summary, before any epoch.
    head = (LOGS / "keras_stdout/Leukemia-Detection__training_log.txt").read_bytes()[:65536]
    text = head.decode("utf-16", errors="replace")
    assert "Epoch 1/10" not in text and KerasStdoutReader.sniff("training_log.txt", text) >= 0.5


@needs_logs
@pytest.mark.parametrize("path", KERAS_FILES)
def test_keras_files_sniff_as_keras(path: str) -> None:
    s = sniffs(path, log_bytes(f"keras_stdout/{path}"))
    assert s["keras-stdout"] >= 0.9 and max(v for k, v in s.items() if k != "keras-stdout") <= 0.6


@needs_logs
@given(chunks=CHUNKS)
@SLOW
def test_keras_chunking_gives_same_records(chunks: list[int]) -> None:
    data = log_bytes(ROAD)
    assert canon(read(KerasStdoutReader, data, chunks)[0]) == canon(read(KerasStdoutReader, data)[0])


# ---------------------------------------------------------------- keras-stdout, synthetic

KERAS_V2 = b"""Epoch 1/3
32/32 - 1s - loss: 0.9 - accuracy: 0.5 - val_loss: 0.8 - val_accuracy: 0.6 - 1s/epoch - 30ms/step
Epoch 1: val_accuracy improved from -inf to 0.60000, saving model to best.h5
Epoch 2/3
32/32 - 0s - loss: nan - accuracy: 0.0000e+00 - val_loss: nan - val_accuracy: 0.6
Epoch 3/3
32/32 - 0s - loss: 0.5 - accuracy: 0.7
Epoch 1/2
 - 2s - loss: 0.4 - acc: 0.8
Epoch 2/2
 - 2s - loss: 0.3 - acc: 0.85
"""

KERAS_BACKSPACE = (
    b"Epoch 1/2\n 1/4 [=====>....] - ETA: 3s - loss: 9.0\x08\x08\x08\x08\x08"
    b" 4/4 [==========] - ETA: 0s - loss: 8.0\x08\x08\x08 4/4 [==========] - 1s 20ms/step - loss: 7.0\n"
    b"Epoch 2/2\n\x1b[1m1/4\x1b[0m \x1b[32m\xe2\x94\x81\x1b[0m \x1b[1m2s\x1b[0m 1s/step - loss: 6.0\r"
    b"\x1b[1m4/4\x1b[0m \xe2\x94\x81\xe2\x94\x81 0s 20ms/step - loss: 5.5\r"
    b"4/4 \xe2\x94\x81\xe2\x94\x81 1s 25ms/step - loss: 5.0\n"
    b"10/10 [====] - 0s 2ms/step - loss: 99.0\n"
)


def test_keras_verbose2_restart_nan() -> None:
    recs, reader = read(KerasStdoutReader, KERAS_V2)
    assert [len(p) for p in runs(recs)] == [3, 2]
    assert [r.epoch for r in recs] == [1.0, 2.0, 3.0, 1.0, 2.0]
    assert recs[0].values == {"loss": 0.9, "accuracy": 0.5, "val_loss": 0.8, "val_accuracy": 0.6}
    assert math.isnan(recs[1].values["loss"]) and recs[1].values["accuracy"] == 0.0
    assert recs[2].values == {"loss": 0.5, "accuracy": 0.7}  # no validation: the epoch's last line
    assert recs[4].values == {"loss": 0.3, "acc": 0.85}
    assert reader.problems == []


def test_keras_backspaces_and_no_validation() -> None:
    recs, _ = read(KerasStdoutReader, KERAS_BACKSPACE)
    assert [(r.epoch, r.values["loss"]) for r in recs] == [(1.0, 7.0), (2.0, 5.0)]  # not 99: evaluate()


def test_keras_wrapped_mid_name_and_bad_value() -> None:
    data = b"Epoch 1/2\n4/4 [===] - 1s 2ms/step - loss: 0.5 - val_prec\nision: 0.25 - val_loss: 0.4\n"
    data += b"Epoch 2/2\n4/4 [===] - 1s 2ms/step - loss: 0.x - val_loss: 0.3\n"
    recs, reader = read(KerasStdoutReader, data)
    assert recs[0].values == {"loss": 0.5, "val_precision": 0.25, "val_loss": 0.4}
    assert recs[1].values == {"val_loss": 0.3}
    assert [p.line for p in reader.problems] == [5]


def test_keras_emits_without_waiting_for_more() -> None:
    """A complete end-of-epoch line is a record at once (live following); a maybe-wrapped one waits."""
    reader = KerasStdoutReader()
    got = reader.feed(b"Epoch 1/2\n32/32 - 0s - loss: 0.4000 - val_loss: 0.5000\n")
    assert [b.n for b in got] == [1]
    assert reader.feed(b"Epoch 2/2\n32/32 - 0s - loss: 0.3000 - val_loss: 0\n") == []
    got = reader.feed(b".4500\n")
    assert [b.n for b in got] == [1] and got[0].values["val_loss"][0] == 0.45


@needs_logs
def test_keras_road_surface_wrapped_record_waits_for_its_rest() -> None:
    data = log_bytes(ROAD)
    cut = data.index(b"\n.9938 - learning_rate") + 1
    reader = KerasStdoutReader()
    assert sum(b.n for b in reader.feed(data[:cut])) == 23
    assert sum(b.n for b in reader.feed(data[cut:])) == 3


@given(chunks=CHUNKS)
@SLOW
def test_keras_synthetic_chunking(chunks: list[int]) -> None:
    data = KERAS_V2 + KERAS_BACKSPACE.replace(b"\n", b"\r\n")
    assert canon(read(KerasStdoutReader, data, chunks)[0]) == canon(read(KerasStdoutReader, data)[0])


# ---------------------------------------------------------------- fastai-table

MULTIFIT = "fastai/multifit__Training_qrnn_on_ML.txt"


@needs_logs
def test_fastai_multifit_tables() -> None:
    recs, reader = read(FastaiTableReader, log_bytes(MULTIFIT))
    parts = runs(recs)
    lm, cls = [1, 20], [8]
    assert [len(p) for p in parts] == lm + lm + cls + lm + cls + lm + cls + cls + lm + cls + cls + cls
    assert len(recs) == 161
    assert all([r.epoch for r in p] == [float(i) for i in range(1, len(p) + 1)] for p in parts)
    assert all(set(r.values) == {"train_loss", "valid_loss", "accuracy"} for r in recs)
    ja = parts[10]  # the ja MLDoc classifier (header on line 191)
    assert ja[0].line == 192
    ja_loss = [0.391838, 0.427392, 0.593488, 0.605533, 0.665538, 0.742310, 0.778616, 0.827663]
    assert col(ja, "valid_loss") == ja_loss
    assert col(ja, "accuracy") == [0.872, 0.870, 0.838, 0.858, 0.872, 0.891, 0.892, 0.884]
    fr = parts[7]
    assert (fr[0].values["valid_loss"], fr[-1].values["valid_loss"]) == (0.262120, 0.354014)
    assert max(col(fr, "accuracy")) == 0.945
    assert parts[0][0].values == {"train_loss": 3.467852, "valid_loss": 2.558666, "accuracy": 0.525457}
    # the notes at the end paste the de classifier's table (line 234) again, verbatim
    assert [r.values for r in parts[16]] == [r.values for r in parts[11]] and parts[16][0].line == 437
    assert reader.problems == []
    assert FastaiTableReader.role_hints["accuracy"] == "val_acc"


@needs_logs
def test_fastai_sniff() -> None:
    s = sniffs(MULTIFIT, log_bytes(MULTIFIT))
    assert s["fastai-table"] >= 0.9 and max(v for k, v in s.items() if k != "fastai-table") <= 0.4
    csv = (LOGS / "fastai/fastai-sportsball-classifier__history.csv").read_bytes()
    assert sniffs("fastai-sportsball-classifier__history.csv", csv) == dict.fromkeys(sniffs("x", b""), 0.0)


@needs_logs
@given(chunks=CHUNKS)
@SLOW
def test_fastai_chunking_gives_same_records(chunks: list[int]) -> None:
    data = log_bytes(MULTIFIT)
    assert canon(read(FastaiTableReader, data, chunks)[0]) == canon(read(FastaiTableReader, data)[0])


FASTAI_V2 = b"""Better model found at epoch 0 with valid_loss value: 0.5.
epoch     train_loss  valid_loss  error_rate  f1_score  time
0         0.812345    0.456789    0.100000    0.8       00:12
1         0.612345    #na#        0.080000    0.85      1:11:26
2         0.5         0.4         oops        0.9       00:12
3         0.5         0.4
epoch     train_loss  valid_loss  accuracy  time
0         0.3         0.2         0.95      00:01
"""


def test_fastai_v2_time_na_error_rate() -> None:
    recs, reader = read(FastaiTableReader, FASTAI_V2)
    assert [len(p) for p in runs(recs)] == [2, 1]
    assert [r.epoch for r in recs] == [0.0, 1.0, 0.0]
    first = {"train_loss": 0.812345, "valid_loss": 0.456789, "1-error_rate": 0.9, "f1_score": 0.8}
    assert recs[0].values == pytest.approx(first)
    assert "valid_loss" not in recs[1].values and recs[1].values["1-error_rate"] == pytest.approx(0.92)
    assert reader.renamed == {"1-error_rate": "error_rate"}
    assert [p.line for p in reader.problems] == [5, 6]
    assert recs[2].values == {"train_loss": 0.3, "valid_loss": 0.2, "accuracy": 0.95}


# ---------------------------------------------------------------- hf-stdout

HF = (
    b"***** Running training *****\n"
    b"  0%|          | 0/300 [00:00<?, ?it/s]\r 33%|###3      | 100/300 [00:10<00:20, 9.9it/s]"
    b"{'loss': 0.52, 'grad_norm': 1.3, 'learning_rate': 4e-05, 'epoch': 0.33}\n"
    b"{'loss': nan, 'grad_norm': inf, 'learning_rate': 3e-05, 'epoch': 0.67}\n"
    b"{'eval_loss': tensor(0.3, device='cuda:0'), 'eval_accuracy': np.float64(0.9), 'eval_runtime': 2.1, "
    b"'eval_samples_per_second': 47.6, 'epoch': 1.0}\n"
    b"Training args: {'clip': 0.12, 'alpha': 2}\n"
    b"{'eval_loss': -inf, 'eval_report': {'a': [1, 2]}, 'eval_name': 'x, y}', 'epoch': 2.0}\n"
    b"{'loss': 0.4, 'learning_rate': 1e-05, 'epoch': 2.5\n"
    b"{'train_runtime': 100.5, 'train_samples_per_second': 30.1, 'train_loss': 0.45, 'epoch': 3.0}\n"
)


def test_hf_stdout_dicts() -> None:
    recs, reader = read(HfStdoutReader, HF)
    assert [r.epoch for r in recs] == [0.33, 0.67, 1.0, 2.0, 3.0]
    assert all(r.step is None for r in recs)
    assert recs[0].values == {"loss": 0.52, "grad_norm": 1.3, "learning_rate": 4e-05}
    assert math.isnan(recs[1].values["loss"]) and recs[1].values["grad_norm"] == math.inf
    assert recs[2].values == {"eval_loss": 0.3, "eval_accuracy": 0.9, "eval_runtime": 2.1,
                              "eval_samples_per_second": 47.6}  # fmt: skip
    assert recs[3].values == {"eval_loss": -math.inf}
    assert recs[4].values["train_loss"] == 0.45
    assert [p.line for p in reader.problems] == [8]  # the dict that never closes


def test_hf_sniff() -> None:
    s = sniffs("train.log", HF)
    assert s["hf-stdout"] >= 0.9 and max(v for k, v in s.items() if k != "hf-stdout") <= 0.4
    assert HfStdoutReader.sniff("log.jsonl", '{"loss": 0.5, "epoch": 1.0}\n') == 0.0


@given(chunks=CHUNKS)
@SLOW
def test_hf_chunking_gives_same_records(chunks: list[int]) -> None:
    data = HF * 5
    assert canon(read(HfStdoutReader, data, chunks)[0]) == canon(read(HfStdoutReader, data)[0])


# ---------------------------------------------------------------- text-kv

TEXT = b"""Loading data from /tmp/x ... 3 files
epoch 1 | train_loss 0.41 | val_loss 0.52 | val_acc 0.83
Epoch [2/20] loss=0.39 acc=83.1%
Epoch: 3, Train Loss: 0.37, Val Acc: 85.10%
step 100: loss 2.3
[epoch 4] loss: 0.35 (val 0.50)
Using 4 GPUs with batch size 32
Finished epoch: 5 - loss = 1e-04, lr = nan
epoch 6 loss=0.4.5 acc=0.9
Saving checkpoint to epoch_6.pt
Train Epoch: 7 [2560/60000 (4%)]	Loss: 0.123456
Test set: Average loss: 0.0500, Accuracy: 9843/10000 (98%)
"""


def test_text_kv_lines() -> None:
    recs, reader = read(TextKvReader, TEXT)
    got = [(r.epoch, r.step, r.values) for r in recs]
    assert got[0] == (1.0, None, {"train_loss": 0.41, "val_loss": 0.52, "val_acc": 0.83})
    assert got[1] == (2.0, None, {"loss": 0.39, "acc": pytest.approx(0.831)})
    assert got[2] == (3.0, None, {"train_loss": 0.37, "val_acc": pytest.approx(0.851)})
    assert got[3] == (None, 100.0, {"loss": 2.3})
    assert got[4] == (4.0, None, {"loss": 0.35, "val_loss": 0.50})
    assert got[5][:2] == (5.0, None) and got[5][2]["loss"] == 1e-4 and math.isnan(got[5][2]["lr"])
    assert got[6] == (6.0, None, {"acc": 0.9})
    assert got[7] == (7.0, None, {"loss": 0.123456})  # the PyTorch MNIST example
    # a line led by a split word gives it to its bare names (before: training loss and accuracy),
    # and has the epoch printed last before it (the evaluation after epoch 7; before: no x)
    assert got[8] == (7.0, None, {"test_average_loss": 0.05, "test_accuracy": 0.9843})
    assert len(recs) == 9
    assert [p.line for p in reader.problems] == [9]  # `loss=0.4.5`; unrelated lines are no problems


def test_text_kv_sniff_is_modest() -> None:
    assert 0.0 < TextKvReader.sniff("train.log", TEXT.decode()) <= 0.6  # below every specific format
    assert TextKvReader.sniff("train.log", "hello\nworld 3\n") == 0.0
    assert TextKvReader.sniff("m.csv", "epoch,loss\n1,0.5\n2,0.4\n") == 0.0


@given(chunks=CHUNKS)
@SLOW
def test_text_kv_chunking_gives_same_records(chunks: list[int]) -> None:
    data = TEXT * 5
    assert canon(read(TextKvReader, data, chunks)[0]) == canon(read(TextKvReader, data)[0])


RW15 = LOGS.parent / "cases" / "analysis" / "rw-15-hf566-fp16-stuck-at-chance" / "train_output.txt"


def test_per_batch_lines_are_one_run_on_the_batch_axis() -> None:
    """rw-15 (transformers#566): `Epoch 1 - Batch 1600/287417 - Training Acc. 0.106250 - Training
    Loss 2.295977` every 1600 batches: one run, x = the batch, the abbreviated `Acc.` read."""
    if not RW15.exists():
        pytest.skip("real-world logs not present")
    from conftest import read_runs

    (run,) = read_runs(RW15)
    assert run.x_axis == "step"
    assert {n: s.role for n, s in run.series.items()} == {
        "training_acc": "train_acc",
        "training_loss": "train_loss",
    }
    assert list(run.series["training_acc"].steps) == [1600.0 * k for k in range(1, 17)]
    lines = RW15.read_text().splitlines()
    assert run.series["training_acc"].values[0] == 0.106250 and run.series["training_loss"].values[
        -1
    ] == float(lines[-1].split()[-1])
    assert not run.problems


def test_per_batch_lines_of_several_epochs_count_on() -> None:
    """The batch counter starts again each epoch; x goes on from the epoch before (by its printed
    total), and an epoch printed again from 1 is a new training (a new run)."""
    lines = RW15.read_bytes().splitlines(keepends=True)[:3] if RW15.exists() else []
    if not lines:
        pytest.skip("real-world logs not present")
    second = [ln.replace(b"Epoch 1 ", b"Epoch 2 ") for ln in lines]
    recs, _ = read(TextKvReader, b"".join(lines + second + lines))
    assert [r.step for r in recs] == [
        1600.0, 3200.0, 4800.0, 287417 + 1600.0, 287417 + 3200.0, 287417 + 4800.0, 1600.0, 3200.0, 4800.0
    ]  # fmt: skip
    assert all(r.epoch is None for r in recs) and recs[3].values == recs[0].values


# ---------------------------------------------------------------- robustness, every reader


@pytest.mark.parametrize("cls", READERS, ids=lambda c: c.format_id)
@given(data=st.binary(max_size=3000), chunks=CHUNKS)
@settings(max_examples=40, deadline=None)
def test_junk_never_raises(cls: type[Reader], data: bytes, chunks: list[int]) -> None:
    read(cls, data, chunks)
    cls.sniff("junk.txt", data.decode("utf-8", errors="replace"))


@pytest.mark.parametrize("cls", READERS, ids=lambda c: c.format_id)
def test_huge_line_and_invalid_utf8(cls: type[Reader]) -> None:
    junk = b"\xff\xfe\xc3(" + b"{'loss': 0.5, - loss: 1 epoch 3 " * (10_000_000 // 30) + b"\n"
    recs, reader = read(cls, junk + b"\x80\x81 epoch 1 loss: \xff\n" + junk)
    assert len(recs) <= 1
    assert len(reader.problems) <= 3


PATHOLOGICAL = {
    "unclosed parens": b"{'loss': (" * 100_000,
    "unclosed quotes": b"{'loss': '" * 100_000,
    "repeated name": b"epoch 1 " + b"loss" * 4000,
    "slashes": b"epoch 1 " + b"a/" * 8000,
    "wrapped rest": b"Epoch 1/2\n4/4 [==] - 1s 2ms/step - val_x: 0\n" + b"1 - a:b" * 100_000,
    "backspaces": b"Epoch 1/2\n" + b"\x08loss: 1" * 100_000,
    "many dicts": b"{'loss': 1, 'epoch': 1.0}" * 30_000,
    "huge numbers": (  # int() refuses strings of more than 4300 digits
        b"Epoch {N}/{N}\n{N}/{N} - 1s - val_loss: 0.5\nepoch 3 acc: 5/{N}\n"
        b"epoch train_loss\n{N} 0.5\n{'loss': {N}, 'epoch': {N}}"
    ).replace(b"{N}", b"9" * 5000),
}


@pytest.mark.parametrize("cls", READERS, ids=lambda c: c.format_id)
@pytest.mark.parametrize("data", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_pathological_lines_never_raise(cls: type[Reader], data: bytes) -> None:
    """(Their cost is measured in benchmarks/bench_pathological_lines.py, against a reference.)"""
    read(cls, data + b"\n")


def test_keras_fit_called_once_per_epoch_in_a_loop_counts_epochs() -> None:
    from lossacc_tui.readers.keras_stdout import KerasStdoutReader

    text = "".join(
        f"Epoch 1/1\n10/10 [==============================] - 0s 2ms/step - loss: {1 / (k + 1):.4f}"
        f" - accuracy: 0.{50 + k}00 - val_loss: {1 / (k + 2):.4f} - val_accuracy: 0.{40 + k}00\n"
        for k in range(5)
    ).encode()
    r = KerasStdoutReader()
    batches = r.feed(text) + r.finish()
    epochs = [e for b in batches for e in b.epoch]
    assert epochs == [1, 2, 3, 4, 5] and not any(b.starts for b in batches)


# ---------------------------------------------------------------- catboost-console

CATBOOST = Path(__file__).resolve().parent / "data" / "catboost_console" / "catboost_console.txt"


def test_catboost_console_is_read_per_fit_with_learn_as_training_and_test_as_validation() -> None:
    """The real console of two CatBoostClassifier fits (make_catboost_console.py): each fit is a run
    on the iteration axis; `best`, timings and the `bestTest =` summary are not series."""
    from conftest import read_runs

    first, second = read_runs(CATBOOST)
    assert first.format == second.format == "catboost-console" and first.x_axis == "step"
    assert {n: s.role for n, s in first.series.items() if len(s)} == {
        "learn": "train_loss",
        "test": "val_loss",
    }
    assert {n: s.role for n, s in second.series.items()} == {
        "learn": "train_loss",
        "test": "val_loss",
        "test1": "other",
    }
    assert list(first.series["learn"].steps) == [*range(0, 200, 10), 199]
    assert list(second.series["test1"].steps) == [0, 25, 50, 75, 99]
    lines = CATBOOST.read_text().splitlines()
    assert first.series["test"].values[0] == 0.6578005 and lines[0].startswith(
        "0:\tlearn: 0.6594896\ttest: 0.6578005"
    )
    assert second.series["test1"].values[-1] == 0.4477431
    assert not first.problems and not second.problems


@given(chunks=CHUNKS)
@SLOW
def test_catboost_console_chunking_gives_same_records(chunks: list[int]) -> None:
    from lossacc_tui.readers.catboost_console import CatBoostConsoleReader

    data = CATBOOST.read_bytes()
    whole = read(CatBoostConsoleReader, data)[0]
    assert canon(read(CatBoostConsoleReader, data, chunks)[0]) == canon(whole) and len(whole) == 26


def _printed_by_a_loop(fmt: str) -> bytes:
    """What a hand-written loop prints with `fmt` over a real numpy training (accuracy in percent)."""
    from numpy_training import softmax_regression

    rows = softmax_regression(epochs=6)
    return "".join(
        fmt.format(e=e, tl=r["train_loss"], vl=r["val_loss"], va=100 * r["val_acc"]) + "\n"
        for e, r in enumerate(rows)
    ).encode()


@pytest.mark.parametrize(
    ("fmt", "name"),
    [
        ("epoch {e}, train_loss={tl:.4f}, val_loss={vl:.4f}, val_acc@1={va:.2f}", "val_acc@1"),
        ("epoch {e} | train_loss {tl:.4f} | val_loss {vl:.4f} | val_acc(%) {va:.2f}", "val_acc(%)"),
        ("epoch {e} | train_loss {tl:.4f} | val_loss {vl:.4f} | val_acc[top1] {va:.2f}", "val_acc[top1]"),
    ],
)
def test_text_kv_accuracy_names_with_qualifiers_are_read_as_the_validation_accuracy(
    fmt: str, name: str
) -> None:
    """`acc@1`, `acc(%)` and `acc[top1]` were dropped silently: the run lost its accuracy."""
    from lossacc_tui.roles import assign_roles

    recs, reader = read(TextKvReader, _printed_by_a_loop(fmt))
    assert len(recs) == 6 and not reader.problems
    assert all(name in r.values for r in recs)
    assert assign_roles(list(recs[0].values))[name] == "val_acc"


def test_text_kv_a_name_it_cannot_take_apart_is_a_problem_not_a_silent_drop() -> None:
    data = _printed_by_a_loop(
        "epoch {e} | train_loss {tl:.4f} | val_loss {vl:.4f} | [bold]val_acc[/bold] {va:.2f}"
    )
    recs, reader = read(TextKvReader, data)
    assert len(recs) == 6 and all("val_loss" in r.values for r in recs)
    assert len(reader.problems) == 6
    assert "[bold]val_acc[/bold]" in reader.problems[0].message


def test_text_kv_reads_the_microsoft_c_runtime_nan_and_inf() -> None:
    """`1.#QNAN`, `-1.#IND`, `1.#INF` were read as 1, -1 and 1, silently (a NaN loss became 1)."""
    data = _printed_by_a_loop(
        "epoch {e} | train_loss {tl:.4f} | val_loss {vl:.4f} | val_acc {va:.2f}"
    ).decode()
    lines = data.splitlines(keepends=True)
    lines[2] = lines[2].replace(lines[2].split("val_loss ")[1].split(" ")[0], "1.#QNAN")
    lines[3] = lines[3].replace(lines[3].split("train_loss ")[1].split(" ")[0], "-1.#IND")
    lines[4] = lines[4].replace(lines[4].split("val_loss ")[1].split(" ")[0], "1.#INF")
    recs, reader = read(TextKvReader, "".join(lines).encode())
    assert len(recs) == 6 and not reader.problems
    assert math.isnan(recs[2].values["val_loss"]) and math.isnan(recs[3].values["train_loss"])
    assert recs[4].values["val_loss"] == math.inf


def test_text_kv_a_qualifier_after_a_space_keeps_the_metric() -> None:
    """`val_loss (ema): 0.5` lost the validation loss, silently: no loss analysis at all."""
    from lossacc_tui.roles import assign_roles

    data = _printed_by_a_loop("Epoch {e}: train_loss={tl:.4f} | val_loss (ema): {vl:.4f} | val_acc={va:.2f}")
    recs, reader = read(TextKvReader, data)
    assert len(recs) == 6 and not reader.problems
    roles = assign_roles(list(recs[0].values))
    assert [n for n, r in roles.items() if r == "val_loss"] == ["val_loss_(ema)"]


@pytest.mark.parametrize(
    "fmt",
    [
        "Epoch {e} Loss {tl:.4f} Val Loss {vl:.4f} Val Acc {va:.2f}",
        "Epoch {e} - Train Loss {tl:.4f} - Validation Loss {vl:.4f} - Validation Acc {va:.2f}",
    ],
)
def test_text_kv_a_split_word_before_a_name_without_a_colon_names_the_validation_series(fmt: str) -> None:
    """`Val Loss 0.8` without `:` was read as a second `Loss`, kept only as the first one: the
    validation loss and accuracy were dropped silently and the run showed its training loss only."""
    from lossacc_tui.roles import assign_roles

    rows = softmax_regression_rows()
    recs, reader = read(TextKvReader, _printed_by_a_loop(fmt))
    assert len(recs) == 6 and not reader.problems
    roles = assign_roles(list(recs[0].values))
    assert sorted(roles.values()) == ["train_loss", "val_acc", "val_loss"]
    val_loss = next(n for n, r in roles.items() if r == "val_loss")
    assert [r.values[val_loss] for r in recs] == [round(r["val_loss"], 4) for r in rows]


def test_text_kv_a_name_given_twice_with_different_values_is_a_problem() -> None:
    recs, reader = read(
        TextKvReader, _printed_by_a_loop("epoch {e} loss {tl:.4f} acc {va:.2f} loss {vl:.4f}")
    )
    assert len(recs) == 6 and len(reader.problems) == 6
    assert "'loss' is given twice with different values" in reader.problems[0].message


def softmax_regression_rows() -> list[dict[str, float]]:
    from numpy_training import softmax_regression

    return softmax_regression(epochs=6)


def test_a_loop_log_in_the_readme_format_is_found_in_its_folder_from_its_second_epoch(
    tmp_path: Path,
) -> None:
    """`epoch N | train_loss X | val_loss Y | val_acc Z` as a loop prints it: its first line alone
    was taken for a CSV header with `|` as separator (then followed as a CSV that never had a
    record), and its folder was "no training logs found" until the tenth epoch."""
    from lossacc_tui.source import discover

    fmt = "epoch {e} | train_loss {tl:.4f} | val_loss {vl:.4f} | val_acc {va:.2f}"
    lines = _printed_by_a_loop(fmt).splitlines(keepends=True)
    log = tmp_path / "train.log"
    log.write_bytes(lines[0])
    assert CsvReader.sniff(log.name, lines[0].decode()) == 0.0
    log.write_bytes(b"".join(lines[:2]))
    (src,) = discover(tmp_path)
    src.read_all()
    (run,) = src.runs
    assert run.format == "text-kv" and run.points == 2 * 3
