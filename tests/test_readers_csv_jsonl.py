"""The CSV family and JSONL read real logs to the right runs, roles, counts and values."""

from __future__ import annotations

import math

import pytest
from conftest import read_runs, realworld


def one(runs, name=None):  # type: ignore[no-untyped-def]
    assert len(runs) == 1, [r.name for r in runs]
    return runs[0]


def test_keras_csvlogger_long_run_values_and_roles() -> None:
    run = one(read_runs(realworld("keras_csvlogger/Car-Prediction-CNN-Model__training.log")))
    assert run.format == "keras-csv" and run.x_axis == "epoch"
    roles = {s.role: n for n, s in run.series.items()}
    assert roles == {
        "train_acc": "accuracy",
        "train_loss": "loss",
        "val_acc": "val_accuracy",
        "val_loss": "val_loss",
    }
    vl = run.series["val_loss"]
    assert len(vl) == 100 and vl.epochs[0] == 0 and vl.epochs[-1] == 99
    best = int(vl.values.argmin())
    assert vl.epochs[best] == 42 and vl.values[best] == pytest.approx(0.7170122265815735, abs=1e-15)
    assert run.series["val_accuracy"].values[-1] == pytest.approx(0.7564377784729004, abs=1e-15)


def test_keras_csvlogger_append_mode_restart_is_split_into_two_runs() -> None:
    runs = read_runs(realworld("keras_csvlogger/CatClassifier__training.log"))
    assert [r.name.rsplit("/", 1)[-1] for r in runs] == [
        "CatClassifier__training.log",
        "CatClassifier__training.log#2",
    ]
    first, second = runs
    assert len(first.series["loss"]) == 2 and len(second.series["loss"]) == 48
    assert second.series["loss"].values[0] == pytest.approx(5.92240047454834)
    assert second.series["val_loss"].values[-1] == pytest.approx(0.739019513130188)
    # a custom F1 column above 1.0 is not taken for an accuracy
    assert second.series["F1_score"].role == "other"


def test_keras_csvlogger_constant_epoch_uses_row_order() -> None:
    run = one(read_runs(realworld("keras_csvlogger/digit-recognizer__history.csv")))
    acc = run.series["val_categorical_accuracy"]
    assert acc.role == "val_acc"
    assert list(acc.epochs) == list(range(8))
    assert acc.values[0] == pytest.approx(0.8696428537368774) and acc.values[-1] == pytest.approx(
        0.9760714173316956
    )


def test_keras_csvlogger_cr_cr_line_ends_and_old_names() -> None:
    run = one(read_runs(realworld("keras_csvlogger/dissertation_deep_learning__train.log")))
    assert {s.role for s in run.series.values()} == {"train_acc", "train_loss", "lr", "val_acc", "val_loss"}
    vl = run.series["val_loss"]
    assert len(vl) == 22
    assert vl.values.argmin() == 1 and vl.values[20] == pytest.approx(1.3430245190353718)
    lr = run.series["lr"].values
    assert lr[12] == pytest.approx(1e-4) and lr[13] == pytest.approx(8e-5)


def test_keras3_csvlogger_learning_rate_column() -> None:
    run = one(read_runs(realworld("keras_csvlogger/Plant-disease-detection__training_log.csv")))
    assert run.series["learning_rate"].role == "lr"
    assert len(run.series["val_loss"]) == 9 and run.series["val_loss"].values.argmin() == 5


@pytest.mark.parametrize(
    ("rel", "epochs", "last_val_acc"),
    [
        ("keras_history_pandas/Cat_Dog__history.csv", 10, 0.7325000166893005),
        ("keras_history_pandas/dogbreedai__history.csv", 20, None),
        ("keras_history_pandas/testeimgbirds__history.csv", 10, None),
    ],
    ids=["unnamed-index", "continued", "no-index"],
)
def test_pandas_history_csv(rel: str, epochs: int, last_val_acc: float | None) -> None:
    run = one(read_runs(realworld(rel)))
    assert run.format == "keras-history"
    va = run.by_role("val_acc")
    assert va is not None and len(va) == epochs
    assert list(va.epochs) == list(range(epochs))
    assert run.by_role("val_loss") is not None and run.by_role("train_loss") is not None
    if last_val_acc is not None:
        assert va.values[-1] == pytest.approx(last_val_acc)


def test_lightning_sparse_rows_step_and_epoch_suffixes() -> None:
    run = one(read_runs(realworld("lightning_csv/asl_project__version_0__metrics.csv")))
    assert run.format == "lightning-csv"
    assert run.series["train_loss_epoch"].role == "train_loss"
    assert run.series["train_loss_step"].role == "other"
    va, vl = run.series["val_acc"], run.series["val_loss"]
    assert len(va) == len(vl) == 10
    assert vl.steps[0] == 1087 and vl.epochs[0] == 0
    best = int(vl.values.argmin())
    assert vl.epochs[best] == 8 and vl.values[best] == pytest.approx(0.007815664634108543)
    assert len(run.series["train_loss_step"]) == 217


def test_lightning_duplicate_lr_rows_with_empty_epoch_are_dropped() -> None:
    run = one(read_runs(realworld("lightning_csv/trash-project__version_0__metrics.csv")))
    assert len(run.series["lr-AdamW"]) == 388  # 776 rows: every lr row is written twice
    assert run.series["lr-AdamW"].role == "lr"
    assert len(run.series["train_loss"]) == 388 and len(run.series["val_acc"]) == 10
    assert run.x_axis == "step"  # the lr rows have no epoch
    assert run.series["val_acc"].values[-1] == pytest.approx(0.983818769454956)


def test_lightning_extra_validate_row_and_test_loss() -> None:
    run = one(read_runs(realworld("lightning_csv/cv-image-classification__version_0__metrics.csv")))
    assert len(run.series["val_loss"]) == 6
    assert run.series["val_loss"].steps[-1] == 8595 and run.series["val_accuracy"].values[
        -1
    ] == pytest.approx(0.9964)
    assert run.series["test_loss"].role == "other" and len(run.series["test_loss"]) == 1


def test_fastai_csvlogger_metrics_are_validation_metrics() -> None:
    run = one(read_runs(realworld("fastai/fastai-sportsball-classifier__history.csv")))
    assert run.format == "fastai-csv"
    assert run.series["accuracy"].role == "val_acc" and run.series["valid_loss"].role == "val_loss"
    assert "time" not in run.series  # mm:ss durations are not a metric
    vl = run.series["valid_loss"]
    assert len(vl) == 19 and vl.epochs[int(vl.values.argmin())] == 6
    assert not run.series["accuracy"].values.max() > 0.93


def test_jsonl_per_epoch_objects() -> None:
    run = one(read_runs(realworld("jsonl/music-genre-classification__training_log.jsonl")))
    assert run.format == "jsonl"
    va, vl = run.by_role("val_acc"), run.by_role("val_loss")
    assert va is not None and vl is not None and len(va) == 33
    assert vl.epochs[int(vl.values.argmax())] == 8 and vl.values.max() == pytest.approx(2.83, abs=0.01)
    assert va.epochs[int(va.values.argmax())] == 23 and va.values.max() == pytest.approx(0.75, abs=0.005)


def test_jsonl_deit_log_percent_accuracy_and_test_as_validation() -> None:
    run = one(read_runs(realworld("jsonl/CF-ViT__output_log.txt")))
    va = run.by_role("val_acc")
    assert va is not None and va.source_name.startswith("test_") and va.source_name.endswith("acc1")
    assert len(va) == 300 and va.values.max() <= 1.0  # percent became a fraction
    assert run.by_role("train_loss") is not None and run.by_role("lr") is not None
    tl = run.series["train_loss"]
    assert tl.values[201] - tl.values[200] == pytest.approx(5.31 - 4.50, abs=0.05)


def test_jsonl_two_writers_are_split_into_clean_runs_not_a_zigzag() -> None:
    runs = read_runs(realworld("jsonl/SFT-Training-LLM__trainer_log.jsonl"))
    assert len(runs) >= 2
    for run in runs:
        steps = run.series["loss"].steps
        assert (steps[1:] > steps[:-1]).all()  # every run is one monotone curve
    assert runs[0].series["loss"].values[0] == pytest.approx(0.8548)
    # one run spans the whole training (the writers resumed from a checkpoint near step 5000)
    assert any(r.series["loss"].steps[0] == 10 and r.series["loss"].steps[-1] == 6560 for r in runs)
    assert not any(math.isnan(v) for r in runs for v in r.series["loss"].values)
    # 1,358 records with a loss; the copies identical to the other writer's are dropped
    assert sum(len(r.series["loss"]) for r in runs) < 1358


def test_jsonl_nan_and_infinity_as_python_writes_them(tmp_path) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "log.jsonl"
    p.write_text('{"epoch": 1, "loss": 0.5}\n{"epoch": 2, "loss": NaN}\n{"epoch": 3, "loss": Infinity}\n')
    run = one(read_runs(p))
    loss = run.series["loss"].values
    assert len(loss) == 3 and math.isnan(loss[1]) and loss[2] == math.inf


def test_keras_stdout_four_models_back_to_back_are_four_runs_of_50_epochs() -> None:
    runs = read_runs(realworld("keras_stdout/ki-keras-belgian-traffic-sign__training_log.txt"))
    assert len(runs) == 4
    for run in runs:  # never an epoch of the next model glued onto the previous one
        assert list(run.series["val_loss"].epochs) == list(range(1, 51))
