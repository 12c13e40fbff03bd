"""A printed loop whose first line is its settings (`print("args:", args)` of argparse: `args:
Namespace(lr=0.1, epochs=12, ...)`, tester 26's N3): `epochs=12` is the run's total, not a current
epoch; it was read as a record at epoch 12 (lr and the other settings as one-point metrics), so the
epochs 0-11 that follow went backwards and the one run was shown as two."""

from __future__ import annotations

from pathlib import Path

from conftest import read_runs
from numpy_training import softmax_regression


def test_an_argparse_settings_line_is_no_record_and_the_run_stays_one(tmp_path: Path) -> None:
    rows = softmax_regression(epochs=12, seed=3)
    lines = ["args: Namespace(lr=0.1, epochs=12, batch_size=32, seed=3, noise=0.2)"]
    lines += [
        f"epoch {e} train_loss {r['train_loss']:.4f} train_acc {r['train_acc']:.4f} "
        f"val_loss {r['val_loss']:.4f} val_acc {r['val_acc']:.4f}"
        for e, r in enumerate(rows)
    ]
    log = tmp_path / "train.log"
    log.write_text("\n".join(lines) + "\n")
    (run,) = read_runs(log)
    assert set(run.series) == {"train_loss", "train_acc", "val_loss", "val_acc"}
    xs = run.series["val_loss"].x("epoch")
    assert list(xs) == list(range(12))


def test_a_line_counting_epochs_beside_a_loss_is_still_a_record(tmp_path: Path) -> None:
    rows = softmax_regression(epochs=5, seed=1)
    log = tmp_path / "train.log"
    log.write_text(
        "".join(
            f"epochs {e} loss {r['train_loss']:.4f} acc {r['train_acc']:.4f}\n" for e, r in enumerate(rows)
        )
    )
    (run,) = read_runs(log)
    assert list(run.series["loss"].x("epoch")) == list(range(5))
