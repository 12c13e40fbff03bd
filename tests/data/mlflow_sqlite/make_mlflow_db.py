"""Writes mlflow.db beside this script with the real MLflow client (a SQLite tracking store, the
default since MLflow 3.7): two runs of a numpy softmax-regression training (tests/numpy_training.py)
in one experiment, and a third run that is deleted. Run: python make_mlflow_db.py (needs mlflow),
then gzip -9 mlflow.db (the schema alone is ~1 MB of mostly empty pages; tests unpack it)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

import mlflow  # noqa: E402
from numpy_training import softmax_regression  # noqa: E402


def main() -> None:
    db = HERE / "mlflow.db"
    db.unlink(missing_ok=True)
    mlflow.set_tracking_uri(f"sqlite:///{db}")
    mlflow.set_experiment("softmax")
    for seed, name in ((0, "seed-0"), (1, "seed-1"), (2, "deleted")):
        with mlflow.start_run(run_name=name) as run:
            mlflow.log_params({"lr": 0.1, "seed": seed})
            for epoch, row in enumerate(softmax_regression(epochs=8, seed=seed)):
                mlflow.log_metrics(
                    {"train_loss": row["train_loss"], "val_loss": row["val_loss"], "val_acc": row["val_acc"]},
                    step=epoch,
                )
        if name == "deleted":
            mlflow.delete_run(run.info.run_id)


if __name__ == "__main__":
    main()
