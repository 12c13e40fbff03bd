"""The files practitioners have on disk (../shared/cases/formats/): each is detected with no flags
and read to the right roles, x axis, counts and values (see each folder's source.md)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO, feed_in_chunks, read_runs, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy_training import softmax_regression

from lossacc_tui.model import Run
from lossacc_tui.source import discover

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


#: YOLOv5's own headers (`utils/loggers/__init__.py` keys, `classify/train.py`), padded to 20 as it
#: writes them; the cells are a real numpy training's numbers
YOLOV5_DETECT = (
    "epoch,train/box_loss,train/obj_loss,train/cls_loss,metrics/precision,metrics/recall,"
    "metrics/mAP_0.5,metrics/mAP_0.5:0.95,val/box_loss,val/obj_loss,val/cls_loss,x/lr0,x/lr1,x/lr2"
)
YOLOV5_CLASSIFY = "epoch,train/loss,test/loss,metrics/accuracy_top1,metrics/accuracy_top5,lr/0"


@pytest.mark.parametrize("header", [YOLOV5_CLASSIFY, YOLOV5_DETECT])
def test_yolov5_results_csv_is_read_as_ultralytics_with_its_splits(tmp_path: Path, header: str) -> None:
    """YOLOv5 was read as a generic CSV: `metrics/accuracy_top1` became the training accuracy and a
    detection loss was its box term alone."""
    names = header.split(",")
    rows = softmax_regression(epochs=6)
    lines = [",".join(f"{n:>20}" for n in names)]
    for e, r in enumerate(rows):
        cells = {"epoch": e, "metrics/accuracy_top1": r["val_acc"], "metrics/mAP_0.5:0.95": r["val_acc"] / 2}
        for n in names[1:]:
            split = "val" if n.startswith(("val/", "test/")) else "train"
            loss = r[f"{split}_loss"] / (30 if n.endswith("_loss") else 1)  # a detection term is small
            cells.setdefault(n, loss if "loss" in n else r["train_acc"] if "metrics" in n else 1e-3)
        lines.append(",".join(f"{cells[n]:>20.5g}" for n in names))
    d = tmp_path / "exp"
    d.mkdir()
    (d / "results.csv").write_text("\n".join(lines) + "\n")
    (run,) = read_runs(d)
    got = roles(run)
    assert run.format == "ultralytics" and got["train/loss"] == "train_loss"
    val_loss = "test/loss" if "test/loss" in names else "val/loss"
    acc = "metrics/accuracy_top1" if "metrics/accuracy_top1" in names else "metrics/mAP_0.5:0.95"
    assert got[val_loss] == "val_loss" and got[acc] == "val_acc"
    assert got["x/lr0" if "x/lr0" in names else "lr/0"] == "lr"
    if "val/obj_loss" in names:  # the detection loss is the sum of its three terms
        assert run.series["val/loss"].values[0] == pytest.approx(rows[0]["val_loss"] / 10, rel=1e-4)
        assert run.loss_kind == "sum-of-terms"
        from lossacc_tui.analysis.analyzer import Analyzer

        an = Analyzer(run)
        an.update()  # a summed detection loss below the cross-entropy floor of its mAP: no floor check
        assert "not-cross-entropy" not in {a.kind for a in an.alerts}


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
def test_a_followed_lightning_console_shows_its_last_epoch_when_fit_stops() -> None:
    """A follower never sees the end of a file (no `finish`): the last epoch's bar is said at
    Lightning's "`Trainer.fit` stopped" line. Before, it waited for an epoch that never came (11
    of 12 epochs, while `check` read 12)."""
    path = fmt("fmt-11-lightning/progress-bar/generated/console.log")
    (src,) = discover(path)
    data = path.read_bytes()
    for pos in range(0, len(data), 4096):
        src.feed(0, data[pos : pos + 4096])
    (run,) = src.runs
    assert list(run.series["val_loss"].epochs) == list(range(12))


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
    # top-5 is shown in top-1's unit (it was 94.87 in percent beside top-1's 0.807)
    top5 = run.series["val/accuracy/top5"]
    assert top5.values[0] == pytest.approx(0.948723, abs=1e-6) and (top5.values >= top1.values).all()


def test_timm_top5_in_the_unit_of_top1_in_both_of_its_logs() -> None:
    for run in read_runs(fmt("fmt-02-timm")):  # summary.csv and the console: percent in both
        top1, top5 = (s for s in run.series.values() if s.name.endswith(("top1", "top5")))
        assert top1.values.max() <= 1 and top5.values.max() == pytest.approx(1.0)


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


# -- consoles ----------------------------------------------------------------------------------------
def test_lightning_progress_bar_keeps_only_each_epochs_final_state() -> None:
    (run,) = read_runs(fmt("fmt-11-lightning/progress-bar/generated/console.log"))
    assert run.format == "lightning-console" and run.x_axis == "epoch"
    assert roles(run) == {
        "train_loss": "train_loss",
        "train_acc_epoch": "train_acc",
        "val_loss": "val_loss",
        "val_acc": "val_acc",
    }
    assert "v_num" not in run.series
    (csv_run,) = read_runs(
        fmt("fmt-11-lightning/progress-bar/generated/lightning_logs/version_0/metrics.csv")
    )
    for name in ("val_loss", "val_acc", "train_acc_epoch", "train_loss"):
        bar, csv = run.series[name], csv_run.series[name]
        assert list(bar.epochs) == list(range(12))
        # the bar shows 3 significant digits of what the CSVLogger wrote for the same epoch
        np.testing.assert_allclose(bar.values, csv.values, rtol=6e-3)


def test_timm_console_train_steps_and_final_evaluation_of_each_epoch() -> None:
    (run,) = read_runs(fmt("fmt-02-timm/generated/train_stdout.txt"))
    assert run.format == "timm-console" and run.x_axis == "epoch"
    assert roles(run) == {
        "train/loss": "train_loss",
        "val/loss": "val_loss",
        "val/top1": "val_acc",
        "lr": "lr",
    }
    (summary,) = read_runs(fmt("fmt-02-timm/generated/output/train/20261129-122649-resnet10t-32/summary.csv"))
    val = run.series["val/loss"]
    # timm's own (0-based) epoch numbers, as its summary.csv and checkpoint names have them
    assert list(val.epochs) == [0, 1, 2, 3, 4, 5] == list(summary.series["eval_loss"].epochs)
    np.testing.assert_allclose(val.values, summary.series["eval_loss"].values, atol=5e-4)
    np.testing.assert_allclose(run.series["val/top1"].values, summary.series["eval_top1"].values, atol=5e-5)
    train = run.series["train/loss"]
    assert len(train) == 36 and train.values[0] == 1.19 and train.epochs[0] == pytest.approx(1 / 11 - 1)
    assert train.epochs[5] == pytest.approx(0)  # epoch 0's last batch, beside its evaluation


def test_swin_style_console_under_a_logging_prefix_with_colours() -> None:
    (run,) = read_runs(fmt("fmt-06-wandb/wandb/latest-run/files/output.log"))
    assert run.format == "timm-console" and run.x_axis == "epoch"
    assert roles(run) == {
        "train/loss_epoch": "train_loss",
        "train/top1": "train_acc",
        "val/loss_epoch": "val_loss",
        "val/top1": "val_acc",
    }
    assert all(len(s) == 50 for s in run.series.values())
    assert run.series["val/top1"].values[0] == pytest.approx(0.5227)  # `* Val Acc 52.270`
    assert run.series["val/loss_epoch"].values[0] == pytest.approx(1.296)
    assert not any("main.py" in n for n in run.series)


def test_sklearn_mlp_iterations_with_validation_score() -> None:
    (run,) = read_runs(fmt("fmt-07-sklearn/generated/mlpclassifier_verbose_stdout.txt"))
    assert run.format == "sklearn-mlp" and run.x_axis == "epoch"
    assert roles(run) == {"loss": "train_loss", "validation score": "val_acc"}
    loss, score = run.series["loss"], run.series["validation score"]
    assert len(loss) == len(score) == 60 and list(loss.epochs) == list(range(1, 61))
    assert loss.values[0] == 1.97350088 and score.values[0] == 0.758333 and score.values[1] == 0.908333


def test_nanogpt_eval_lines_and_iter_lines(tmp_path: Path) -> None:
    rows = softmax_regression(epochs=8)
    lines = []
    for k, r in enumerate(rows):  # nanoGPT's own print formats, with a real training's numbers
        step = k * 100
        lines.append(f"step {step}: train loss {r['train_loss']:.4f}, val loss {r['val_loss']:.4f}")
        for j in range(0, 100, 25):
            lines.append(
                f"iter {step + j}: loss {r['train_loss'] * (1 + j / 1000):.4f}, time 12.50ms, mfu 3.10%"
            )
    p = tmp_path / "train.log"
    p.write_text("Overriding config with config/train_shakespeare_char.py:\n" + "\n".join(lines) + "\n")
    (run,) = read_runs(p)
    assert run.format == "nanogpt" and run.x_axis == "step"
    assert roles(run) == {"train/loss": "train_loss", "val/loss": "val_loss"}
    assert list(run.series["val/loss"].steps) == [k * 100 for k in range(8)]
    np.testing.assert_allclose(run.series["val/loss"].values, [r["val_loss"] for r in rows], atol=5e-5)
    assert len(run.series["iter/loss"]) == 32 and "time" not in run.series and "mfu" not in run.series


@pytest.mark.parametrize(
    "fmt_string",
    [
        "%(levelname)s:%(name)s:%(message)s",  # logging's default
        "%(asctime)s - %(name)s - %(levelname)s - %(message)s",
        "[%(asctime)s][%(levelname)s] %(message)s",
        "[%(asctime)s %(name)s](%(filename)s %(lineno)d): %(levelname)s %(message)s",
    ],
    ids=["default", "basicConfig-dashes", "bracketed", "swin"],
)
def test_logging_prefixes_never_become_series(tmp_path: Path, fmt_string: str) -> None:
    import logging

    p = tmp_path / "train.log"
    log = logging.getLogger(f"train{abs(hash(fmt_string))}")
    handler = logging.FileHandler(p)
    handler.setFormatter(logging.Formatter(fmt_string))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    rows = softmax_regression(epochs=5)
    for e, r in enumerate(rows):
        log.info(
            "epoch %d train_loss %.4f val_loss %.4f val_acc %.4f",
            e,
            r["train_loss"],
            r["val_loss"],
            r["val_acc"],
        )
    handler.close()
    log.removeHandler(handler)
    (run,) = read_runs(p)
    assert sorted(run.series) == ["train_loss", "val_acc", "val_loss"]
    assert list(run.series["val_loss"].epochs) == list(range(5))


@pytest.mark.parametrize(
    "rel",
    [
        "fmt-11-lightning/progress-bar/generated/console.log",
        "fmt-02-timm/generated/train_stdout.txt",
        "fmt-06-wandb/wandb/latest-run/files/output.log",
        "fmt-07-sklearn/generated/mlpclassifier_verbose_stdout.txt",
        "fmt-08-gbdt/generated/lightgbm_sklearn_stdout.txt",
        "fmt-01-ultralytics/det-v8-padded/train/results.csv",
        f"{MMENGINE}/vis_data/scalars.json",
        f"{MMENGINE}/20230801_110349.log",
    ],
)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sizes=st.lists(st.integers(min_value=1, max_value=5000), min_size=1, max_size=8))
def test_random_chunking_gives_the_same_runs_as_reading_whole(rel: str, sizes: list[int]) -> None:
    path = fmt(rel)
    assert snapshot(feed_in_chunks(path, sizes)) == snapshot(read_runs(path))


# -- Weights & Biases ----------------------------------------------------------------------------------
def test_wandb_panel_export_gives_one_run_per_wandb_run_without_min_max_bands() -> None:
    import csv

    path = fmt("fmt-06-wandb/panel-export/wandb_export.csv")
    with open(path, newline="") as f:
        table = list(csv.reader(f))
    header, body = table[0], table[1:]
    expected: dict[str, list[tuple[float, float]]] = {}
    for j, col in enumerate(header[1:], start=1):
        if col.endswith(("__MIN", "__MAX")):
            continue
        run = col.split(" - ", 1)[0]
        expected[run] = [(float(r[0]), float(r[j])) for r in body if r[j] != ""]
    for target in (path, path.parent):
        runs = read_runs(target)
        assert len(runs) == 8 == len(expected)
        for run in runs:
            wandb_run = run.name.rsplit(":", 1)[-1]
            assert run.format == "wandb-export" and run.x_axis == "step"
            assert list(run.series) == ["train/loss"] and run.series["train/loss"].role == "train_loss"
            s = run.series["train/loss"]
            assert list(zip(s.steps, s.values, strict=True)) == expected[wandb_run]


# -- Keras fit lines pasted without their progress bars -------------------------------------------------
KERAS_BAR = re.compile(r"^\d+/\d+ - \d+s - \d+ms/step - ")


def test_keras_fit_lines_pasted_without_bars_or_timings(tmp_path: Path) -> None:
    real = fmt("fmt-12-tensorboard/keras/generated/fit_verbose2_stdout.txt")
    pasted = [KERAS_BAR.sub("", ln) for ln in real.read_text().splitlines() if ln.strip()]
    p = tmp_path / "pasted.txt"
    p.write_text("\n".join(pasted) + "\n")
    (run,) = read_runs(p)
    (with_bars,) = read_runs(real)
    assert run.format == "keras-stdout" and run.x_axis == "epoch"
    assert (
        roles(run)
        == roles(with_bars)
        == {
            "loss": "train_loss",
            "accuracy": "train_acc",
            "val_loss": "val_loss",
            "val_accuracy": "val_acc",
        }
    )
    for name, s in run.series.items():
        np.testing.assert_array_equal(s.values, with_bars.series[name].values)
        assert list(s.epochs) == list(range(1, 16))


def test_keras_style_abbreviated_names_and_batch_counters(tmp_path: Path) -> None:
    rows = softmax_regression(epochs=4)
    lines = []
    for e, r in enumerate(rows, start=1):  # a hand-written loop printing Keras-style lines
        lines.append(f"Epoch {e}/4")
        lines += [f"Batch {b}/15 - loss: {r['train_loss'] * (1 + 0.01 * (15 - b)):.4f}" for b in (5, 10, 15)]
        lines.append(
            f"Training Loss: {r['train_loss']:.4f} - Training Acc.: {r['train_acc']:.4f} - "
            f"Validation Loss: {r['val_loss']:.4f} - Validation Acc.: {r['val_acc']:.4f}"
        )
    p = tmp_path / "train.out"
    p.write_text("\n".join(lines) + "\n")
    (run,) = read_runs(p)
    assert run.format == "keras-stdout" and run.x_axis == "epoch"
    assert roles(run) == {
        "Training Loss": "train_loss",
        "Training Acc.": "train_acc",
        "Validation Loss": "val_loss",
        "Validation Acc.": "val_acc",
    }
    assert "Batch" not in " ".join(run.series)
    np.testing.assert_allclose(run.series["Validation Acc."].values, [r["val_acc"] for r in rows], atol=5e-5)
    assert list(run.series["Validation Acc."].epochs) == [1, 2, 3, 4]


def test_fastai_v1_table_rows_ending_in_their_duration(tmp_path: Path) -> None:
    rows = softmax_regression(epochs=5)
    # fastai v1's printed table: `Total time:` first, epochs from 1, each row ends with `(mm:ss)`
    lines = ["Total time: 00:52", "epoch  train_loss  valid_loss  error_rate"]
    lines += [
        f"{e:<7d}{r['train_loss']:<12.6f}{r['val_loss']:<12.6f}{1 - r['val_acc']:<12.6f}(00:1{e})"
        for e, r in enumerate(rows, start=1)
    ]
    p = tmp_path / "notebook_output.txt"
    p.write_text("\n".join(lines) + "\n")
    (src,) = __import__("conftest").read_sources(p)
    (run,) = src.runs
    assert run.format == "fastai-table" and run.x_axis == "epoch" and not src.problems(run)
    assert roles(run) == {"train_loss": "train_loss", "valid_loss": "val_loss", "1-error_rate": "val_acc"}
    assert list(run.series["valid_loss"].epochs) == [1, 2, 3, 4, 5]
    np.testing.assert_allclose(run.series["1-error_rate"].values, [r["val_acc"] for r in rows], atol=2e-6)
