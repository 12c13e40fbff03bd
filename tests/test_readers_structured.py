"""Structured-format readers: HF trainer_state.json, Keras history JSON, MLflow metric files and
TensorBoard event files, against real logs (../shared/realworld_logs) and synthetic edge cases.

Expected numbers were read by hand from the files (see MANIFEST.tsv beside them).
"""

from __future__ import annotations

import csv
import importlib.util
import io
import itertools
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lossacc_tui.model import Batch, Run
from lossacc_tui.readers.base import Reader
from lossacc_tui.readers.hf_trainer_state import HFTrainerStateReader
from lossacc_tui.readers.keras_history import KerasHistoryReader
from lossacc_tui.readers.mlflow import (
    MlflowMetricReader,
    find_mlflow_runs,
    is_mlflow_run,
    mlflow_run_files,
    mlflow_run_name,
)
from lossacc_tui.readers.registry import READERS
from lossacc_tui.readers.tensorboard import EXTRA_MESSAGE, MissingExtra, TensorBoardReader, masked_crc32c
from lossacc_tui.source import detect

REAL = Path(__file__).resolve().parents[2] / "shared" / "realworld_logs"
real = pytest.mark.skipif(not REAL.is_dir(), reason=f"real-world logs not found at {REAL}")
HAVE_TB = importlib.util.find_spec("tensorboard") is not None
tb = pytest.mark.skipif(not HAVE_TB, reason="the tensorboard extra is not installed")
HF = REAL / "hf_trainer_state"
TB = REAL / "tensorboard"
ML = REAL / "mlflow"
TB_CV = TB / (
    "cv-image-classification__mnist_cnn_version_1__events.out.tfevents.1785443425.squirrels-iMac.local.1798.6"
)
TB_NAN = TB / "Brain_tumor_disease__version_3__events.out.tfevents.1737344201.LAPTOP-15GQC47K.9232.0"
TB_SW = TB / "Swahili-Speech-To-Text__train__events.out.tfevents.1628697775.DESKTOP-V1DB051.21044.31250.v2"
SW_RUN = ML / "Swahili-Speech-To-Text__mlruns" / "1" / "ed05f9cd599442fe9a0c9222184710b8"
SENTENCES = ML / "keras-mlflow-sentences-classification__mlruns"
FINANCIAL = HF / "Financial-News-Sentiment-Analysis__trainer_state.json"
DOGBREED = REAL / "keras_history_pandas" / "dogbreedai__history.json"
SW_LOSS = [332.6841735839844, 297.6000061035156, 270.32366943359375, 248.3108367919922, 239.03318786621094,
           238.0267791748047, 235.6751708984375, 235.4126739501953, 235.13304138183594,
           234.7978057861328]  # fmt: skip


# ---------------------------------------------------------------- helpers


def read(reader: Reader, data: bytes, cuts: list[int] | None = None) -> list[Batch]:
    """Feed `data` cut at the given offsets, then finish."""
    bounds = [0, *sorted(set(c for c in cuts or [] if 0 < c < len(data))), len(data)]
    chunks = [data[a:b] for a, b in itertools.pairwise(bounds)]
    return [b for c in chunks for b in reader.feed(c)] + reader.finish()


def series(batches: list[Batch]) -> dict[str, dict[str, np.ndarray]]:
    """Per metric: the step, epoch, time and value of every row that carries it, across batches."""
    out: dict[str, dict[str, list[float]]] = {}
    for b in batches:
        for name, vals in b.values.items():
            s = out.setdefault(name, {"step": [], "epoch": [], "time": [], "value": []})
            rows = np.flatnonzero(b.mask(name))
            for key, col in (("step", b.step), ("epoch", b.epoch), ("time", b.time)):
                s[key].extend(np.full(len(rows), np.nan) if col is None else col[rows])
            s["value"].extend(vals[rows])
    return {n: {k: np.asarray(v, dtype=float) for k, v in s.items()} for n, s in out.items()}


def starts(batches: list[Batch]) -> list[int]:
    out, offset = [], 0
    for b in batches:
        out += [offset + s for s in b.starts]
        offset += b.n
    return out


def assert_same(a: list[Batch], b: list[Batch]) -> None:
    sa, sb = series(a), series(b)
    assert list(sa) == list(sb)
    for name in sa:
        for key in ("step", "epoch", "time", "value"):
            np.testing.assert_array_equal(sa[name][key], sb[name][key], err_msg=f"{name}.{key}")
    assert sum(x.n for x in a) == sum(x.n for x in b)
    assert starts(a) == starts(b)


def head(path: Path) -> str:
    return path.read_bytes()[:65536].decode("utf-8", errors="replace")


def as_run(batches: list[Batch]) -> Run:
    run = Run(name="r", path="p", format="f")
    for b in batches:
        run.add_batch(b)
    return run


def frame(payload: bytes) -> bytes:
    """One TFRecord, written by tensorboard's own RecordWriter (an independent implementation)."""
    from tensorboard.summary.writer.record_writer import RecordWriter

    buf = io.BytesIO()
    RecordWriter(buf).write(payload)
    return buf.getvalue()


def event(step: int, wall_time: float = 1000.0, **kw: Any) -> bytes:
    from tensorboard.compat.proto import event_pb2

    return frame(event_pb2.Event(step=step, wall_time=wall_time, **kw).SerializeToString())


def simple(step: int, **tags: float) -> bytes:
    from tensorboard.compat.proto import summary_pb2

    values = [summary_pb2.Summary.Value(tag=t, simple_value=v) for t, v in tags.items()]
    return event(step, 1000.0 + step, summary=summary_pb2.Summary(value=values))


def tensor_scalar(step: int, tag: str, value: float, with_metadata: bool) -> bytes:
    """A TF2 scalar: a float32 tensor; TF2 sends the `scalars` plugin metadata only the first time."""
    from tensorboard.plugins.scalar.summary_v2 import scalar_pb

    summary = scalar_pb(tag, value)
    if not with_metadata:
        summary.value[0].ClearField("metadata")
    return event(step, 2000.0 + step, summary=summary)


def file_version() -> bytes:
    return event(0, 999.0, file_version="brain.Event:2")


# ---------------------------------------------------------------- registry and sniffing


def test_registered() -> None:
    for fid, cls in (("hf-trainer-state", HFTrainerStateReader), ("keras-history", KerasHistoryReader),
                     ("mlflow", MlflowMetricReader), ("tensorboard", TensorBoardReader)):  # fmt: skip
        assert cls in READERS[fid]


MINE: tuple[type[Reader], ...] = (
    HFTrainerStateReader, KerasHistoryReader, MlflowMetricReader, TensorBoardReader)  # fmt: skip


@tb
@real
def test_sniff_each_real_file_is_claimed_by_its_reader_only() -> None:
    cases: list[tuple[Path, type[Reader]]] = [(p, HFTrainerStateReader) for p in HF.iterdir()]
    cases += [(DOGBREED, KerasHistoryReader)]
    cases += [(p, TensorBoardReader) for p in TB.iterdir()]
    for run in find_mlflow_runs(SENTENCES):
        cases += [(p, MlflowMetricReader) for p, _ in mlflow_run_files(run)]
    for path, cls in cases:
        scores = {c: c.sniff(str(path), head(path)) for c in MINE}
        assert scores[cls] >= 0.9, (path.name, scores)
        assert all(s == 0.0 for c, s in scores.items() if c is not cls), (path.name, scores)
        found = detect(path)  # against every registered reader, by file name only
        assert found is not None and found[0] is cls, (path.name, found)
    for other in (
        "keras_history_pandas/dogbreedai__history.csv",
        "jsonl/music-genre-classification__training_log.jsonl",
        "keras_csvlogger/Car-Prediction-CNN-Model__training.log",
        "lightning_csv/asl_project__version_0__hparams.yaml",
        "keras_stdout/Road-Surface-Condition-CNN__training_log.txt",
        "MANIFEST.tsv",
    ):
        path = REAL / other
        assert all(c.sniff(str(path), head(path)) == 0.0 for c in MINE), other


def test_sniff_synthetic() -> None:
    assert MlflowMetricReader.sniff("loss", "1628697792090 332.68 0\n1628697795789 297.6 1\n") == 0.6
    assert MlflowMetricReader.sniff("mlruns/1/abc/metrics/loss", "1628697792090 332.68 0\n") == 0.95
    assert MlflowMetricReader.sniff("mlruns/1/abc/metrics/loss", "1628697792090 nan 0\n16286977") == 0.95
    assert MlflowMetricReader.sniff("x.txt", "epoch loss\n1 0.5\n") == 0.0
    assert KerasHistoryReader.sniff("h.json", '[{"loss": 0.5, "val_loss": 0.7}]') >= 0.6
    assert KerasHistoryReader.sniff("h.json", '{"loss": [0.5], "val_loss": [0.6]}') >= 0.85
    assert KerasHistoryReader.sniff("h.json", '{"name": "x", "layers": []}') == 0.0
    assert HFTrainerStateReader.sniff("trainer_state.json", '{"best_metric": null, "log_history": [') >= 0.9
    assert HFTrainerStateReader.sniff("config.json", '{"hidden_size": 768}') == 0.0
    assert TensorBoardReader.sniff("events.out.tfevents.1.host", "") >= 0.9
    renamed_head = "\x18\x00\x00\x00\x00\x00\x00\x00xxxx\t\x00\x1a\rbrain.Event:2"
    assert TensorBoardReader.sniff("renamed.bin", renamed_head) >= 0.9
    assert TensorBoardReader.sniff("notes.txt", "hello") == 0.0


# ---------------------------------------------------------------- HuggingFace trainer_state.json

HF_CASES = {
    # file: (rows, train entries, eval entries, eval metric names, first and last train loss)
    "Financial-News-Sentiment-Analysis__trainer_state.json": (
        30, 20, 10, {"eval_accuracy", "eval_loss", "eval_macro_f1"}, (1.497, 1.1573)),
    "Sentiment-Analysis-for-Customer-Feedback__trainer_state.json": (
        51, 48, 3, {"eval_accuracy", "eval_f1_macro", "eval_loss"},
        (0.9918614959716797, 0.13515027046203612)),
    "image_classification_irrigation_systems__trainer_state.json": (
        69, 63, 6, {"eval_f1", "eval_loss"}, (0.2579, 0.0033)),
}  # fmt: skip


@real
@pytest.mark.parametrize("name", sorted(HF_CASES))
def test_hf_real(name: str) -> None:
    rows, n_train, n_eval, eval_names, (first, last) = HF_CASES[name]
    r = HFTrainerStateReader()
    batches = read(r, (HF / name).read_bytes())
    assert r.problems == [] and len(batches) == 1 and batches[0].n == rows
    s = series(batches)
    assert len(s["loss"]["value"]) == n_train and len(s["learning_rate"]["value"]) == n_train
    assert s["loss"]["value"][0] == first and s["loss"]["value"][-1] == last
    assert {n for n in s if n.startswith("eval_")} == eval_names
    assert all(len(s[n]["value"]) == n_eval for n in eval_names)
    # the summary entry and throughput counters are not series
    skipped = {"train_loss", "train_runtime", "total_flos", "eval_runtime", "eval_samples_per_second"}
    assert not skipped & set(s)
    assert not np.isnan(s["loss"]["step"]).any() and not np.isnan(s["loss"]["epoch"]).any()


@real
def test_hf_financial_values() -> None:
    batches = read(HFTrainerStateReader(), FINANCIAL.read_bytes())
    s = series(batches)
    ev = s["eval_loss"]
    i = int(np.argmin(ev["value"]))
    assert ev["value"][i] == pytest.approx(1.3262380361557007)
    assert ev["epoch"][i] == 3.0 and ev["step"][i] == 3105
    acc = s["eval_accuracy"]
    assert acc["value"][0] == pytest.approx(0.9021207177814029) and acc["epoch"][0] == 1.0
    assert acc["value"][-1] == pytest.approx(0.7786840674279499) and acc["step"][-1] == 10350
    assert s["grad_norm"]["value"][0] == pytest.approx(8.390610694885254)
    assert s["loss"]["epoch"][0] == pytest.approx(0.4830917874396135) and s["loss"]["step"][0] == 500
    run = as_run(batches)
    roles = {n: run.series[n].role for n in ("loss", "eval_loss", "eval_accuracy", "learning_rate")}
    assert roles == {
        "loss": "train_loss", "eval_loss": "val_loss", "eval_accuracy": "val_acc", "learning_rate": "lr"
    }  # fmt: skip


@real
def test_hf_image_classification_f1_and_no_accuracy() -> None:
    path = HF / "image_classification_irrigation_systems__trainer_state.json"
    s = series(read(HFTrainerStateReader(), path.read_bytes()))
    assert "eval_accuracy" not in s and "grad_norm" not in s
    assert s["eval_f1"]["value"][0] == pytest.approx(0.8742, abs=1e-4)
    assert list(s["eval_loss"]["step"]) == [100, 200, 300, 400, 500, 600]
    assert s["eval_loss"]["step"][int(np.argmin(s["eval_loss"]["value"]))] == 500
    assert s["eval_loss"]["epoch"][0] == 0.48  # older transformers rounded epochs to 2 decimals


def hf_doc(n: int, start: float = 1.0) -> bytes:
    hist = [{"epoch": i / 10, "loss": start / (i + 1), "step": 10 * i} for i in range(1, n + 1)]
    return json.dumps({"global_step": 10 * n, "log_history": hist}, indent=2).encode()


def test_hf_truncated_then_rewritten() -> None:
    """Mid-rewrite documents: a problem only while nothing was ever parsed, and only new rows after."""
    r = HFTrainerStateReader()
    full = hf_doc(6)
    assert read(r, full[: len(full) // 2]) == []
    assert [p.message for p in r.problems] == ["incomplete JSON document"]
    assert read(r, full[: len(full) // 3]) == [] and len(r.problems) == 1  # said once
    first = read(r, hf_doc(4))
    assert sum(b.n for b in first) == 4 and starts(first) == []
    assert read(r, hf_doc(6)[:100]) == [] and len(r.problems) == 1  # mid-rewrite after a parse: quiet
    more = read(r, hf_doc(6))
    assert list(series(more)["loss"]["step"]) == [50, 60]
    assert read(r, hf_doc(6)) == []  # unchanged
    again = read(r, hf_doc(2, start=5.0))  # a new run in the same output dir
    assert sum(b.n for b in again) == 2 and starts(again) == [0]


def test_hf_bad_inputs_never_raise() -> None:
    for data, message in (
        (b"", None),
        (b"  \n", None),
        (bytes(range(256)) * 4, "invalid"),
        (b"[1, 2, 3]", "no log_history"),
        (b'{"log_history": [1, {"loss": "x", "step": 1}]}', "other than objects"),
    ):
        r = HFTrainerStateReader()
        assert sum(b.n for b in read(r, data)) == 0
        assert (message is None) == (r.problems == [])
        assert message is None or message in r.problems[0].message


def test_hf_nan_bom_and_invalid_utf8() -> None:
    doc = {"log_history": [{"loss": float("nan"), "step": 1, "epoch": 0.1}, {"loss": 0.5, "step": 2}],
           "note": "caf\u00e9"}  # fmt: skip
    text = json.dumps(doc, ensure_ascii=False)  # Python writes NaN, which is not JSON
    s = series(read(HFTrainerStateReader(), text.encode()))
    assert np.isnan(s["loss"]["value"][0]) and s["loss"]["value"][1] == 0.5
    assert np.isnan(s["loss"]["epoch"][1])  # no epoch in that entry
    for data in (b"\xef\xbb\xbf" + text.encode(), text.encode("utf-16")):
        assert series(read(HFTrainerStateReader(), data))["loss"]["step"].tolist() == [1, 2]
    r = HFTrainerStateReader()
    s = series(read(r, text.encode().replace(b"caf\xc3\xa9", b"caf\xe9")))
    assert len(s["loss"]["value"]) == 2 and "invalid UTF-8" in r.problems[0].message


# ---------------------------------------------------------------- Keras history JSON


@real
def test_keras_history_pandas_json_equals_csv_twin() -> None:
    folder = REAL / "keras_history_pandas"
    r = KerasHistoryReader()
    batches = read(r, DOGBREED.read_bytes())
    s = series(batches)
    assert r.problems == [] and list(s) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    with (folder / "dogbreedai__history.csv").open(newline="") as f:
        table = list(csv.DictReader(f))
    assert len(table) == 20
    for name in s:
        assert s[name]["epoch"].tolist() == list(range(20))
        np.testing.assert_allclose(s[name]["value"], [float(row[name]) for row in table], rtol=0, atol=1e-9)
    assert s["loss"]["value"][0] == 2.1746535301 and s["val_loss"]["value"][17] == 3.6600561142
    run = as_run(batches)
    assert run.by_role("val_acc").name == "val_accuracy" and run.x_axis == "epoch"


def test_keras_shapes() -> None:
    pd = pytest.importorskip("pandas")
    h = {"loss": [0.9, 0.7, float("nan")], "accuracy": [0.5, 0.6, 0.7], "val_loss": [1.0, 0.8, 0.85]}
    df = pd.DataFrame(h)
    orients = ("columns", "records", "index", "split")
    docs = [json.dumps(h).encode()] + [df.to_json(orient=o).encode() for o in orients]
    for doc in docs:
        r = KerasHistoryReader()
        s = series(read(r, doc))
        assert r.problems == [], doc
        assert set(s) == set(h), doc
        for name, values in h.items():
            np.testing.assert_array_equal(s[name]["value"], values)
            assert s[name]["epoch"].tolist() == [0, 1, 2]


def test_keras_validation_freq_and_epoch_column() -> None:
    r = KerasHistoryReader()
    s = series(read(r, json.dumps({"loss": [4, 3, 2, 1], "val_loss": [3.5, 1.5]}).encode()))
    assert s["val_loss"]["epoch"].tolist() == [1, 3] and s["loss"]["epoch"].tolist() == [0, 1, 2, 3]
    s = series(read(r2 := KerasHistoryReader(), json.dumps({"loss": [3, 2, 1], "val_loss": [2, 1]}).encode()))
    assert s["val_loss"]["epoch"].tolist() == [0, 1] and "first 2" in r2.problems[0].message
    s = series(read(KerasHistoryReader(), b'[{"epoch": 5, "loss": 1}, {"epoch": 6, "loss": 0.5}]'))
    assert s["loss"]["epoch"].tolist() == [5, 6] and "epoch" not in s


def test_keras_bad_inputs_never_raise() -> None:
    for data, message in (
        (b"", None),
        (b'{"loss": [1.0, 0.9', "incomplete JSON document"),
        (b"\x00\xff\xfe junk", "invalid"),
        (b'{"loss": 1.5}', "not a Keras history"),
        (b'{"loss": [1.0, "oops", 0.8]}', "loss: values that are not numbers"),
    ):
        r = KerasHistoryReader()
        read(r, data)
        assert (message is None) == (r.problems == []), data
        assert message is None or message in r.problems[0].message, (data, r.problems)


# ---------------------------------------------------------------- MLflow


@real
def test_mlflow_swahili() -> None:
    root = ML / "Swahili-Speech-To-Text__mlruns"
    runs = find_mlflow_runs(root)
    assert runs == [SW_RUN] and find_mlflow_runs(root / "1") == runs and find_mlflow_runs(SW_RUN) == runs
    assert is_mlflow_run(SW_RUN) and not is_mlflow_run(root / "1") and not is_mlflow_run(root)
    assert mlflow_run_files(SW_RUN) == [(SW_RUN / "metrics" / "loss", "loss")]
    r = MlflowMetricReader("loss")
    s = series(read(r, (SW_RUN / "metrics" / "loss").read_bytes()))["loss"]
    assert r.problems == [] and s["value"].tolist() == SW_LOSS and s["step"].tolist() == list(range(10))
    assert s["time"][0] == 1628697792.090 and s["time"][-1] == 1628697827.236


@real
def test_mlflow_sentences_five_runs() -> None:
    runs = find_mlflow_runs(SENTENCES)
    assert len(runs) == 5 and find_mlflow_runs(SENTENCES / "0") == runs
    assert find_mlflow_runs(ML) == [SW_RUN, *runs]  # a folder holding both mlruns trees
    assert runs[0].name == "b703b7db9a7a4e158519346e2f5c5190"  # ordered by start time
    training, evaluation = [], []
    for run in runs:
        assert mlflow_run_name(run) == run.name  # no runName tag, `name: ''`
        data = {}
        for path, name in mlflow_run_files(run):
            r = MlflowMetricReader(name)
            data[name] = series(read(r, path.read_bytes()))[name]
            assert r.problems == []
        (training if "loss" in data else evaluation).append(data)
    assert len(training) == 3 and len(evaluation) == 2
    for data in training:
        assert set(data) == {"accuracy", "auc", "loss", "precision", "recall"}
        assert all(d["step"].tolist() == [0, 1] for d in data.values())
    for data in evaluation:
        assert set(data) == {"accuracy", "precision", "recall", "roc-auc"}
        assert all(d["step"].tolist() == [0] for d in data.values())
        assert 0.44 < data["accuracy"]["value"][0] < 0.46
    b703 = training[0]
    assert b703["accuracy"]["value"].tolist() == [0.7551556825637817, 0.8639169931411743]
    assert b703["loss"]["value"].tolist() == [0.5052379965782166, 0.3362653851509094]
    assert b703["recall"]["value"].tolist() == [0.5683277249336243, 0.7896667718887329]


def test_mlflow_tree_rules(tmp_path: Path) -> None:
    def make_run(exp: Path, run_id: str, stage: str = "active", start: int = 0) -> Path:
        run = exp / run_id
        (run / "metrics" / "val").mkdir(parents=True)
        (run / "meta.yaml").write_text(f"run_id: {run_id}\nlifecycle_stage: {stage}\nstart_time: {start}\n")
        (run / "metrics" / "loss").write_text("1000 0.5 0\n")
        (run / "metrics" / "val" / "loss").write_text("1000 0.6 0\n")
        return run

    root = tmp_path / "proj" / "mlruns"
    for exp_id, stage in (("0", "active"), ("1", "deleted")):
        (root / exp_id).mkdir(parents=True)
        (root / exp_id / "meta.yaml").write_text(f"experiment_id: '{exp_id}'\nlifecycle_stage: {stage}\n")
    late = make_run(root / "0", "aaa", start=20)
    early = make_run(root / "0", "bbb", start=10)
    make_run(root / "0", "ccc", stage="deleted")
    make_run(root / "1", "ddd")
    make_run(root / ".trash", "eee")
    assert find_mlflow_runs(root) == [early, late]
    assert find_mlflow_runs(tmp_path / "proj") == [early, late]  # a folder holding mlruns/
    other = tmp_path / "proj" / "sub" / "copy__mlruns" / "3"
    other.mkdir(parents=True)
    third = make_run(other, "fff")
    assert find_mlflow_runs(tmp_path) == [early, late, third]  # trees anywhere below, in order
    assert find_mlflow_runs(tmp_path, depth=2) == []
    assert find_mlflow_runs(root / "0" / "ccc") == []
    assert find_mlflow_runs(tmp_path / "nothing") == []
    assert [n for _, n in mlflow_run_files(late)] == ["loss", "val/loss"]
    (late / "tags").mkdir()
    (late / "tags" / "mlflow.runName").write_text("bold-fox-42")
    assert mlflow_run_name(late) == "bold-fox-42"


def test_mlflow_lines() -> None:
    r = MlflowMetricReader("val/loss")
    data = b"1000 0.5 0\n2000 0.25\n\nnot a line\n3000 \xff\xfe 2\n4000 nan 3\n5000 1e-3 4"
    s = series(read(r, data, cuts=[3, 11, 12, 30]))["val/loss"]
    assert s["step"].tolist() == [0, 0, 3, 4] and s["time"].tolist() == [1, 2, 4, 5]
    assert np.isnan(s["value"][2]) and s["value"][3] == 0.001
    assert [p.line for p in r.problems] == [4, 5]
    assert read(MlflowMetricReader(), b"") == []
    junk = MlflowMetricReader()
    assert read(junk, bytes(range(256)) * 8) == [] and junk.problems


# ---------------------------------------------------------------- TensorBoard


@tb
@real
def test_tensorboard_lightning_cv() -> None:
    r = TensorBoardReader()
    s = series(read(r, TB_CV.read_bytes()))
    # no hp_metric; Lightning's `epoch` scalar is each record's epoch (readers/tb_epochs.py), no metric
    assert r.problems == [] and set(s) == {"train_loss", "val_loss", "val_accuracy"}
    steps = [1718, 3437, 5156, 6875, 8594]
    for name in s:
        assert s[name]["step"].tolist() == steps, name
        assert s[name]["epoch"].tolist() == [0, 1, 2, 3, 4], name
    acc = s["val_accuracy"]["value"]
    assert acc[0] == pytest.approx(0.9828, abs=1e-6) and acc[-1] == pytest.approx(0.988, abs=1e-6)
    assert s["val_loss"]["value"][0] == pytest.approx(0.05586250498890877)
    assert s["train_loss"]["value"][-1] == pytest.approx(0.020222758874297142)
    assert s["val_loss"]["time"][0] == pytest.approx(1785443457.8, abs=0.1)


@tb
@real
def test_tensorboard_nan_run() -> None:
    s = series(read(TensorBoardReader(), TB_NAN.read_bytes()))
    assert s["train_loss"]["step"].tolist() == list(range(49, 500, 50))
    assert np.isnan(s["train_loss"]["value"]).all()
    assert (s["train_accuracy"]["value"] == 1.0).all() and (s["train_f1_score"]["value"] == 0.0).all()


@tb
@real
def test_tensorboard_keras_v2_equals_mlflow() -> None:
    r = TensorBoardReader()
    s = series(read(r, TB_SW.read_bytes()))
    assert r.problems == [] and list(s) == ["epoch_loss"]  # graph, keras model config, run metadata skipped
    assert s["epoch_loss"]["step"].tolist() == list(range(10))
    assert s["epoch_loss"]["value"].tolist() == SW_LOSS  # float32 values, the same in both stores


@real
@tb
@pytest.mark.parametrize("path", sorted(TB.iterdir()) if TB.is_dir() else [], ids=lambda p: p.name[:40])
def test_tensorboard_every_real_file(path: Path) -> None:
    r = TensorBoardReader(verify_crc=path.stat().st_size < 100_000)
    batches = read(r, path.read_bytes())
    assert r.problems == [] and sum(b.n for b in batches) > 0
    assert all(b.time is not None and not np.isnan(b.time).any() for b in batches)


@tb
def test_crc32c_known_value() -> None:
    from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c as reference

    for data in (b"", b"123456789", bytes(range(256)), b"\x18" + b"\x00" * 7):
        assert masked_crc32c(data) == reference(data)


@tb
def test_tensorboard_tensor_scalars_and_skipped_plugins() -> None:
    from tensorboard.compat.proto import summary_pb2
    from tensorboard.util import tensor_util

    hist = summary_pb2.Summary.Value(tag="weights", tensor=tensor_util.make_tensor_proto(np.zeros((3, 3))))
    hist.metadata.plugin_data.plugin_name = "histograms"
    text = summary_pb2.Summary.Value(tag="note", tensor=tensor_util.make_tensor_proto(np.array(b"hi")))
    hparams = summary_pb2.Summary.Value(tag="_hparams_/experiment")
    hparams.metadata.plugin_data.plugin_name = "hparams"
    data = (
        file_version()
        + tensor_scalar(0, "epoch_loss", 0.75, with_metadata=True)
        + event(0, summary=summary_pb2.Summary(value=[hist, text, hparams]))
        + tensor_scalar(1, "epoch_loss", 0.5, with_metadata=False)
        + event(1, graph_def=b"\x0a\x03abc")
        + simple(0, hp_metric=-1.0)
        + simple(2, hp_metric=0.9)
    )
    r = TensorBoardReader(prefix="val_")
    s = series(read(r, data))
    assert r.problems == [] and set(s) == {"val_epoch_loss", "val_hp_metric"}
    loss = s["val_epoch_loss"]
    assert loss["value"].tolist() == [0.75, 0.5] and loss["step"].tolist() == [0, 1]
    assert loss["time"].tolist() == [2000.0, 2001.0]
    assert s["val_hp_metric"]["step"].tolist() == [2]


@tb
def test_tensorboard_record_split_across_chunks() -> None:
    data = file_version() + simple(1, loss=0.5) + simple(2, loss=0.25, acc=0.9)
    r = TensorBoardReader()
    batches = read(r, data, cuts=list(range(1, len(data))))  # one byte at a time
    assert r.problems == [] and sum(b.n for b in batches) == 2
    assert series(batches)["loss"]["value"].tolist() == [0.5, 0.25]


@tb
def test_tensorboard_damage() -> None:
    good = file_version() + simple(1, loss=0.5)
    tail = simple(2, loss=0.25)
    r = TensorBoardReader()  # junk in the middle: skipped, and reading picks up again
    s = series(read(r, good + b"\x01garbage bytes\x00\x00\x00\x00\x07" + tail))
    assert s["loss"]["step"].tolist() == [1, 2]
    assert len(r.problems) == 1 and f"skipped 19 bytes that are not TFRecord data at byte {len(good)}" == (
        r.problems[0].message
    )
    r = TensorBoardReader()  # truncated in the middle of a record
    assert series(read(r, good + tail[:-3]))["loss"]["step"].tolist() == [1]
    assert "truncated record" in r.problems[0].message
    bad = bytearray(tail)
    bad[-6] ^= 0xFF  # a byte of the payload: the framing is intact, the data checksum is not
    r = TensorBoardReader(verify_crc=True)
    assert series(read(r, good + bytes(bad)))["loss"]["step"].tolist() == [1]
    assert "checksum mismatch" in r.problems[0].message
    many = b"".join(simple(s, loss=0.5 / s) for s in range(3, 43))  # 40 records of one length
    bad = bytearray(many)
    bad[len(simple(3, loss=0.5 / 3)) * 20 + 20] ^= 0xFF  # the 21st record's payload
    r = TensorBoardReader(verify_crc=True)  # (checked together, not one by one)
    assert len(series(read(r, good + bytes(bad)))["loss"]["step"]) == 1 + 39
    assert len(r.problems) == 1 and "checksum mismatch" in r.problems[0].message
    r = TensorBoardReader()  # framing fine, payload not an Event
    assert series(read(r, good + frame(b"\xff\xff\xff")))["loss"]["step"].tolist() == [1]
    assert "not a TensorBoard event" in r.problems[0].message
    for junk in (b"", b"\x00" * 5, bytes(range(256)) * 64, b"\x00" * 4096, "héllo wörld\n".encode() * 100):
        r = TensorBoardReader()
        assert read(r, junk) == []
        assert (junk == b"") == (r.problems == [])


def test_tensorboard_missing_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("tensorboard", "tensorboard.compat.proto", "tensorboard.compat.proto.event_pb2",
                 "tensorboard.util", "tensorboard.util.tensor_util"):  # fmt: skip
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(MissingExtra) as info:
        TensorBoardReader()
    assert str(info.value) == EXTRA_MESSAGE and "\n" not in str(info.value)
    assert EXTRA_MESSAGE == (
        "reading TensorBoard event files needs the tensorboard extra: pip install 'lossacc-tui[tensorboard]'"
    )


@tb
def test_a_broken_tensorboard_install_says_its_own_import_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """tensorboard installed but failing to import (a half-upgraded install) is not "needs the
    extra", which an install command would not cure: the import's own error is the message."""
    import tensorboard.compat.proto as proto

    monkeypatch.setitem(sys.modules, "tensorboard.compat.proto.event_pb2", None)
    monkeypatch.delattr(proto, "event_pb2", raising=False)  # (an earlier import set it on the package)
    with pytest.raises(MissingExtra) as info:
        TensorBoardReader()
    said = str(info.value)
    assert said.startswith("tensorboard is installed but could not be imported: ")
    assert "event_pb2" in said and "\n" not in said


# ---------------------------------------------------------------- any chunking gives the same result


def _synthetic_tb() -> bytes:
    return (
        file_version()
        + simple(1, loss=0.5)
        + b"\x05junk\x00\x00\x00\x00\x00"
        + simple(2, loss=0.25, acc=0.5)
        + tensor_scalar(3, "epoch_loss", 0.125, with_metadata=True)
        + simple(4, loss=0.1)[:-5]
    )


CHUNK_CASES: list[tuple[str, Any, Any]] = [
    ("mlflow-synthetic", lambda: MlflowMetricReader("m"), lambda: b"1 0.5 0\r\n2 x 1\n3 0.25 2\n4 0.125"),
    ("hf-synthetic", HFTrainerStateReader, lambda: hf_doc(5)),
]
if HAVE_TB:
    CHUNK_CASES.append(("tb-synthetic", TensorBoardReader, _synthetic_tb))
if HAVE_TB and REAL.is_dir():
    CHUNK_CASES += [
        ("tb-cv", TensorBoardReader, TB_CV.read_bytes),
        ("tb-nan", TensorBoardReader, TB_NAN.read_bytes),
    ]
if REAL.is_dir():
    CHUNK_CASES += [
        ("mlflow-swahili", lambda: MlflowMetricReader("loss"), (SW_RUN / "metrics" / "loss").read_bytes),
        ("hf-financial", HFTrainerStateReader, FINANCIAL.read_bytes),
        ("keras-dogbreed", KerasHistoryReader, DOGBREED.read_bytes),
    ]  # fmt: skip


@pytest.mark.parametrize(("make", "data"), [c[1:] for c in CHUNK_CASES], ids=[c[0] for c in CHUNK_CASES])
@settings(max_examples=25, deadline=None)
@given(fractions=st.lists(st.floats(0, 1), max_size=40))
def test_chunking_does_not_matter(make: Any, data: Any, fractions: list[float]) -> None:
    raw: bytes = data()
    whole_reader, chunked_reader = make(), make()
    whole = read(whole_reader, raw)
    chunked = read(chunked_reader, raw, cuts=[int(f * len(raw)) for f in fractions])
    assert_same(whole, chunked)
    assert [p.to_dict() for p in whole_reader.problems] == [p.to_dict() for p in chunked_reader.problems]


@tb
def test_synthetic_tb_case_reads_what_it_should() -> None:
    r = TensorBoardReader()
    s = series(read(r, _synthetic_tb()))
    assert s["loss"]["step"].tolist() == [1, 2] and s["epoch_loss"]["value"].tolist() == [0.125]
    assert [p.message.split(" ")[0] for p in r.problems] == ["skipped", "truncated"]


@real
def test_deleted_run_in_a_copy_of_real_mlruns(tmp_path: Path) -> None:
    dst = tmp_path / "mlruns"
    shutil.copytree(SENTENCES, dst)
    run = dst / "0" / "e1147646c9194aeb9b9d16ab348d67c2"
    meta = run / "meta.yaml"
    meta.write_text(meta.read_text().replace("lifecycle_stage: active", "lifecycle_stage: deleted"))
    assert len(find_mlflow_runs(dst)) == 4 and run not in find_mlflow_runs(dst)


# ---------------------------------------------------------------- never an exception

FUZZ_READERS: list[Any] = [
    HFTrainerStateReader,
    KerasHistoryReader,
    lambda: MlflowMetricReader("m"),
]
if HAVE_TB:
    FUZZ_READERS += [TensorBoardReader, lambda: TensorBoardReader(verify_crc=True)]


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=3000), cuts=st.lists(st.integers(0, 3000), max_size=8))
def test_random_bytes_never_raise(data: bytes, cuts: list[int]) -> None:
    for make in FUZZ_READERS:
        reader = make()
        batches = read(reader, data, cuts)
        assert all(isinstance(b, Batch) for b in batches)


def _valid_inputs() -> list[bytes]:
    out = [hf_doc(3), b"1 0.5 0\n2 0.25 1\n", b'{"loss": [1, 0.5], "val_loss": [2, 1]}']
    if HAVE_TB:
        out.append(_synthetic_tb())
    if REAL.is_dir():
        out += [FINANCIAL.read_bytes(), DOGBREED.read_bytes()] + ([TB_CV.read_bytes()] if HAVE_TB else [])
    return out


@settings(max_examples=60, deadline=None)
@given(
    which=st.integers(0, 6),
    flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), min_size=1, max_size=6),
    cut=st.floats(0.5, 1),
)
def test_damaged_files_never_raise(which: int, flips: list[tuple[float, int]], cut: float) -> None:
    inputs = _valid_inputs()
    data = bytearray(inputs[which % len(inputs)])
    for where, byte in flips:
        data[min(int(where * len(data)), len(data) - 1)] = byte
    damaged = bytes(data[: max(1, int(cut * len(data)))])
    for make in FUZZ_READERS:
        read(make(), damaged, [len(damaged) // 3])
