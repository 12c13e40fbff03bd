"""An accuracy computed as `correct / len(loader)` (the share times the batch size, values 28-50)
is read in percent; the loss beside it then sits below the least a mean cross-entropy can be with
that share wrong, which a problem line says, naming the readings that remain (tester h19t, 5c:
taken silently before). A real (numpy) softmax regression, its accuracies multiplied by a batch of 50."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from numpy_training import softmax_regression  # noqa: E402

from benchmarks.truth.score import check_json  # noqa: E402


def _log(path: Path, times: float) -> Path:
    rows = softmax_regression(epochs=10, classes=5, spread=3.0)
    path.write_text(
        "epoch,train_loss,train_acc,val_loss,val_acc\n"
        + "".join(
            f"{e},{r['train_loss']!r},{r['train_acc'] * times!r},{r['val_loss']!r},{r['val_acc'] * times!r}\n"
            for e, r in enumerate(rows)
        )
    )
    return path


def _problems(path: Path) -> list[str]:
    (run,) = check_json([path])["runs"]
    return [p["message"] if isinstance(p, dict) else str(p) for p in run["problems"]]


def test_an_accuracy_times_the_batch_size_is_said_to_be_no_percentage(tmp_path: Path) -> None:
    said = [p for p in _problems(_log(tmp_path / "m.csv", 50.0)) if "is read in percent" in p]
    assert [p.split()[0] for p in said] == ["train_acc", "val_acc"], said
    assert "an accuracy scaled by a batch size" in said[0] and "not a mean cross-entropy" in said[0]


def test_the_same_run_in_fractions_and_in_percent_says_nothing(tmp_path: Path) -> None:
    for times in (1.0, 100.0):
        problems = _problems(_log(tmp_path / f"m{times:g}.csv", times))
        assert not any("is read in percent" in p for p in problems), problems
