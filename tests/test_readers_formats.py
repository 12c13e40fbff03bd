"""The files practitioners have on disk (../shared/cases/formats/): each is detected with no flags
and read to the right roles, x axis, counts and values (see each folder's source.md)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import REPO, read_runs
from numpy_training import softmax_regression

from lossacc_tui.model import Run

FORMATS = REPO.parent / "shared" / "cases" / "formats"


def fmt(rel: str) -> Path:
    p = FORMATS / rel
    if not FORMATS.is_dir():
        pytest.skip(f"format samples not found at {FORMATS}")
    assert p.exists(), f"missing sample {p}"
    return p


def roles(run: Run) -> dict[str, str]:
    return {name: s.role for name, s in run.series.items() if s.role != "other"}


# -- TensorBoard -----------------------------------------------------------------------------------
def write_events(path: Path, rows: list[dict[str, float]], tags: dict[str, str]) -> None:
    """An event file written by tensorboard's own writer: `tags[tag] = key of a training row`."""
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.compat.proto.summary_pb2 import Summary
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    path.mkdir(parents=True, exist_ok=True)
    writer = EventFileWriter(str(path))
    for epoch, row in enumerate(rows):
        for tag, key in tags.items():
            summary = Summary(value=[Summary.Value(tag=tag, simple_value=row[key])])
            writer.add_event(Event(wall_time=1.7e9 + epoch, step=epoch, summary=summary))
    writer.close()


@pytest.mark.parametrize(
    "tags",
    [
        {"Loss/train": "train_loss", "Loss/val": "val_loss", "Accuracy/train": "train_acc",
         "Accuracy/test": "val_acc"},
        {"loss/train": "train_loss", "loss/dev": "val_loss", "acc/train": "train_acc", "acc/dev": "val_acc"},
        {"train/loss": "train_loss", "validation/loss": "val_loss", "train/accuracy": "train_acc",
         "validation/accuracy": "val_acc"},
        {"Train Loss": "train_loss", "Valid Loss": "val_loss", "Train Accuracy": "train_acc",
         "Valid Accuracy": "val_acc"},
    ],
    ids=["pytorch-tutorial", "tensorboardX-dev", "split-first", "spaces"],
)  # fmt: skip
def test_tensorboard_split_before_or_after_the_metric_gets_its_role(tmp_path: Path, tags: dict) -> None:
    rows = softmax_regression(epochs=6)
    write_events(tmp_path / "runs" / "exp1", rows, tags)
    (run,) = read_runs(tmp_path / "runs")
    want = {tag: key for tag, key in tags.items()}
    assert roles(run) == want
    for tag, key in tags.items():
        np.testing.assert_allclose(run.series[tag].values, [r[key] for r in rows], rtol=1e-6)
        assert list(run.series[tag].steps) == list(range(6))


def test_keras_train_and_validation_event_folders_are_one_run_on_the_epoch_axis() -> None:
    (run,) = read_runs(fmt("fmt-12-tensorboard/keras/generated/logs"))
    assert run.name.endswith("20261129-123000")
    assert run.x_axis == "epoch"
    assert roles(run) == {
        "train/epoch_loss": "train_loss",
        "train/epoch_accuracy": "train_acc",
        "train/epoch_learning_rate": "lr",
        "validation/epoch_loss": "val_loss",
        "validation/epoch_accuracy": "val_acc",
    }
    val = run.series["validation/epoch_loss"]
    assert list(val.epochs) == list(range(15))
    # the same run's console says: val_loss lowest at epoch 4 of 15 (0.3152), last 0.6330
    assert int(np.argmin(val.values)) == 3 and val.values.min() == pytest.approx(0.3152, abs=1e-4)
    assert val.values[-1] == pytest.approx(0.6330, abs=1e-4)
    assert run.series["train/epoch_loss"].values[-1] == pytest.approx(0.0679, abs=1e-4)
    iters = run.series["validation/evaluation_loss_vs_iterations"]
    np.testing.assert_array_equal(iters.values, val.values)  # the same numbers, placed at their epoch
    np.testing.assert_array_equal(iters.epochs, val.epochs)


def test_keras_tensorboard_folder_given_directly_is_the_same_run() -> None:
    whole = read_runs(fmt("fmt-12-tensorboard/keras/generated/logs"))
    (run,) = read_runs(fmt("fmt-12-tensorboard/keras/generated/logs/fit/20261129-123000"))
    assert sorted(run.series) == sorted(whole[0].series)


# -- Ultralytics -----------------------------------------------------------------------------------
def test_ultralytics_classify_top1_is_validation_accuracy() -> None:
    (run,) = read_runs(fmt("fmt-01-ultralytics/cls-v8-padded/train"))
    assert run.format == "ultralytics" and run.x_axis == "epoch"
    assert roles(run) == {
        "train/loss": "train_loss",
        "val/loss": "val_loss",
        "metrics/accuracy_top1": "val_acc",
        "lr/pg0": "lr",
    }
    top1 = run.series["metrics/accuracy_top1"]
    assert len(top1) == 20 and list(top1.epochs) == list(range(1, 21))
    assert top1.values[0] == pytest.approx(0.77358) and run.series["train/loss"].values[0] == 1.1726
    assert run.loss_kind == "cross-entropy"


def test_ultralytics_detection_loss_is_the_sum_of_its_terms_and_map_is_its_score() -> None:
    (run,) = read_runs(fmt("fmt-01-ultralytics/det-v8-padded/train"))
    assert run.format == "ultralytics" and run.x_axis == "epoch"
    assert roles(run) == {
        "train/loss": "train_loss",
        "val/loss": "val_loss",
        "metrics/mAP50-95(B)": "val_acc",
        "lr/pg0": "lr",
    }
    s = run.series
    assert list(s["train/loss"].epochs) == list(range(25))
    terms = s["train/box_loss"].values + s["train/cls_loss"].values + s["train/dfl_loss"].values
    np.testing.assert_allclose(s["train/loss"].values, terms)
    assert s["train/loss"].values[0] == pytest.approx(1.6878 + 3.3859 + 2.143)
    assert s["train/loss"].source_name == "train/box_loss + train/cls_loss + train/dfl_loss"
    assert run.loss_kind == "sum-of-terms" and s["val/loss"].loss_kind == "sum-of-terms"
    assert s["metrics/mAP50-95(B)"].values[-1] == pytest.approx(0.45929, abs=1e-5)


# -- multi-file layouts ------------------------------------------------------------------------------
def test_dvclive_folder_is_one_run_with_eval_as_validation() -> None:
    (run,) = read_runs(fmt("fmt-05-dvclive"))  # metrics.json (the summary) is not a run of its own
    assert run.format == "dvclive" and run.name.endswith("dvclive")
    assert roles(run) == {
        "train/loss": "train_loss",
        "train/accuracy": "train_acc",
        "eval/loss": "val_loss",
        "eval/accuracy": "val_acc",
    }
    for s in run.series.values():
        assert len(s) == 10 and list(s.steps) == list(range(10))
    assert run.series["eval/loss"].values[0] == pytest.approx(0.3335598409175873)


def test_catboost_info_is_one_run_and_its_tensorboard_copy_is_not_read_again() -> None:
    (run,) = read_runs(fmt("fmt-08-gbdt/catboost_info"))
    assert run.format == "catboost"
    assert roles(run) == {"learn/Logloss": "train_loss", "test/Logloss": "val_loss"}
    assert sorted(run.series) == ["learn/Logloss", "test/AUC", "test/Logloss"]
    for s in run.series.values():
        assert len(s) == 3408 and s.steps[0] == 0 and s.steps[-1] == 3407
    assert run.series["test/Logloss"].values[0] == pytest.approx(0.6701706837)
    assert run.loss_kind == "cross-entropy"


# -- consoles ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("rel", "train", "val", "first_round", "val_err_last"),
    [
        ("xgboost_train_stdout.txt", "train-", "valid-", 0, 0.02339),
        ("lightgbm_sklearn_stdout.txt", "training/binary_", "valid_1/binary_", 1, 0.0175439),
    ],
    ids=["xgboost", "lightgbm"],
)
def test_gbdt_console_rounds_are_steps_and_error_gives_accuracy(
    rel: str, train: str, val: str, first_round: int, val_err_last: float
) -> None:
    (run,) = read_runs(fmt(f"fmt-08-gbdt/generated/{rel}"))
    assert run.format == "gbdt-console" and run.x_axis == "step"
    acc_train = train.replace("binary_", "") + "accuracy"
    acc_val = val.replace("binary_", "") + "accuracy"
    assert roles(run) == {
        train + "logloss": "train_loss",
        val + "logloss": "val_loss",
        acc_train: "train_acc",
        acc_val: "val_acc",
    }
    s = run.series[val + "logloss"]
    assert len(s) == 60 and s.steps[0] == first_round and s.steps[-1] == first_round + 59
    assert run.series[val + "error"].values[-1] == pytest.approx(val_err_last)
    assert run.series[acc_val].values[-1] == pytest.approx(1 - val_err_last)
    assert run.series[acc_val].source_name == "1 - " + val + "error"
    assert run.loss_kind == "cross-entropy"


# -- Hugging Face summaries ----------------------------------------------------------------------------
def test_hf_summary_file_given_directly_is_one_point_each_and_says_so() -> None:
    from conftest import read_sources

    (src,) = read_sources(fmt("fmt-10-hf/output_dir/all_results.json"))
    (run,) = src.runs
    assert run.format == "hf-summary"
    assert roles(run) == {"eval_loss": "val_loss", "eval_accuracy": "val_acc", "train_loss": "train_loss"}
    assert all(len(s) == 1 and s.epochs[0] == 4.99 for s in run.series.values())
    assert run.series["eval_accuracy"].values[0] == pytest.approx(0.9646761984861227)
    assert "train_runtime" not in run.series and "total_flos" not in run.series
    assert any("summary" in p.message for p in src.problems(run))


def test_hf_output_dir_reads_the_history_not_the_summaries() -> None:
    (run,) = read_runs(fmt("fmt-10-hf/output_dir"))
    assert run.format == "hf-trainer-state"
    assert len(run.series["eval_accuracy"]) == 5 and len(run.series["loss"]) == 41


# -- mmengine ----------------------------------------------------------------------------------------
MMENGINE = "fmt-03-mmengine/work_dir/20230801_110349"


@pytest.mark.parametrize(
    "rel", ["fmt-03-mmengine", f"{MMENGINE}/vis_data", f"{MMENGINE}/vis_data/scalars.json"]
)
def test_mmengine_scalars_put_validation_on_the_training_axis_and_read_once(rel: str) -> None:
    (run,) = read_runs(fmt(rel))  # scalars.json, its identical copy and the text log: one run
    assert run.format == "mmengine" and run.x_axis == "step"
    assert roles(run) == {"loss": "train_loss", "lr": "lr", "val/accuracy/top1": "val_acc"}
    loss, top1 = run.series["loss"], run.series["val/accuracy/top1"]
    assert len(loss) == 270 and loss.steps[0] == 100 and loss.values[0] == pytest.approx(3.9025115251541136)
    assert len(top1) == 10 and top1.values[0] == pytest.approx(0.8070109558105469)  # percent -> fraction
    assert top1.steps[0] == 2700  # after epoch 1's last logged iteration, not at "step 1"
    assert (np.diff(top1.steps) > 0).all()


def test_mmengine_text_log_after_its_config_preamble() -> None:
    (run,) = read_runs(fmt(f"{MMENGINE}/20230801_110349.log"))
    assert run.format == "mmengine" and run.x_axis == "epoch"
    assert roles(run) == {"loss": "train_loss", "lr": "lr", "val/accuracy/top1": "val_acc"}
    loss, top1 = run.series["loss"], run.series["val/accuracy/top1"]
    assert len(loss) == 270 and loss.values[0] == pytest.approx(3.9025)
    assert loss.steps[0] == 100 and loss.epochs[0] == pytest.approx(100 / 2731)
    assert len(top1) == 10 and list(top1.epochs) == list(range(1, 11))  # progress lines are not results
    assert top1.values[0] == pytest.approx(0.807011)
    assert "eta" not in run.series


# -- the same data twice in one folder -----------------------------------------------------------------
def test_detectron2_metrics_json_and_its_event_file_are_read_once() -> None:
    runs = read_runs(fmt("fmt-04-detectron2"))
    # metrics.json was appended to by two trainings (iteration 19 twice): two runs, no third from
    # the TensorBoard copy of the same numbers
    assert [r.name.rsplit("/", 1)[-1] for r in runs] == ["output", "output#2"]
    assert all(r.format == "jsonl" for r in runs)
    assert len(runs[1].series["total_loss"]) == 15 and runs[1].series["total_loss"].steps[-1] == 299
    assert runs[1].series["total_loss"].role == "train_loss"


def test_follower_joins_a_new_metric_file_of_a_dvclive_folder(tmp_path: Path) -> None:
    from test_follow import watch

    rows = softmax_regression(epochs=6)
    metrics = tmp_path / "dvclive" / "plots" / "metrics"
    (metrics / "train").mkdir(parents=True)
    (metrics / "train" / "loss.tsv").write_text(
        "step\tloss\n" + "".join(f"{i}\t{r['train_loss']}\n" for i, r in enumerate(rows[:3]))
    )
    m, c = watch(tmp_path)
    try:
        c.wait(lambda: bool(m.runs) and len(c.values(m.runs[0].name, "train/loss")) == 3)
        (metrics / "eval").mkdir()
        (metrics / "eval" / "loss.tsv").write_text(
            "step\tloss\n" + "".join(f"{i}\t{r['val_loss']}\n" for i, r in enumerate(rows))
        )
        c.wait(lambda: len(c.values(m.runs[0].name, "eval/loss")) == 6)
        with m.lock:
            (run,) = m.runs
            assert run.series["eval/loss"].role == "val_loss"
            assert run.series["train/loss"].role == "train_loss"
    finally:
        m.stop()
