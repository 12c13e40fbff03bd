"""The PyTorch MNIST example's console (pytorch/examples mnist/main.py and the scripts copied from
it), detected with no flags and read as one run: the per-batch training loss on an epochs-completed
x, the `Test set:` evaluation as validation loss and accuracy k/N. The logs are printed by a real
numpy training (tests/numpy_mnist.py); the tester's two files are read when present."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO, ctrl_c, feed_in_chunks, popen_ctrl_c, read_runs, read_sources, snapshot
from numpy_mnist import MnistRun, keras_csv_of, mnist_log
from test_follow import watch

from lossacc_tui.analysis import Analyzer
from lossacc_tui.analysis.compare import eval_size
from lossacc_tui.model import Problem, Run

TESTER = Path("/work/tester11")
ROLES = {"loss": "train_loss", "test_loss": "val_loss", "test_acc": "val_acc"}
OVERFIT = {"lr": 0.1}  # 240 samples, 100 features (96 of them noise): the held-out loss turns up
HEALTHY = {"features": 10, "n_train": 2000, "epochs": 12, "batch_size": 64}


def read_one(path: Path) -> tuple[Run, list[Problem]]:
    """The one run a file holds, and the problem lines told about it (the reader's and the run's)."""
    (src,) = read_sources(path)
    (run,) = src.runs
    return run, src.problems(run)


def roles(run: Run) -> dict[str, str]:
    return {name: s.role for name, s in run.series.items() if s.role != "other"}


def kinds(run: Run, severities: tuple[str, ...] = ("info", "warning", "critical")) -> set[str]:
    a = Analyzer(run)
    a.update()
    return {al.kind for al in a.alerts if al.severity in severities}


def assert_read_as_trained(run: Run, truth: MnistRun) -> None:
    assert run.format == "pytorch-mnist" and run.x_axis == "epoch"
    assert roles(run) == ROLES
    loss, test_loss, test_acc = run.series["loss"], run.series["test_loss"], run.series["test_acc"]
    # every printed batch, at epoch - 1 + (samples before the batch) / N: epoch 1 starts at 0
    np.testing.assert_allclose(loss.values, [round(v, 6) for _, _, v in truth.logged], atol=1e-12)
    np.testing.assert_allclose(loss.epochs, [e - 1 + s / truth.n_train for e, s, _ in truth.logged])
    # each evaluation at the end of its epoch
    assert list(test_loss.epochs) == list(test_acc.epochs) == [e for e, _ in truth.eval_at]
    np.testing.assert_allclose(test_loss.values, [round(v, 4) for v in truth.test_loss], atol=1e-12)
    # k/N exactly, not the rounded percent beside it
    assert list(test_acc.values) == [c / truth.n_test for c in truth.test_correct]


@pytest.mark.parametrize(
    "style",
    [
        {},  # the example's own print: a tab, whole percents
        {"sep": "  "},  # spaces in place of the tab
        {"pct": "{:.2f}"},  # `(98.46%)`
        {"noise_lines": True},  # a warning, and a tqdm bar redrawn in front of each print
    ],
    ids=["template", "spaces", "percent-decimals", "inside-a-console"],
)
def test_one_run_with_the_roles_x_and_values_the_training_printed(tmp_path: Path, style: dict) -> None:  # type: ignore[type-arg]
    path = tmp_path / "train.log"
    truth = mnist_log(path, epochs=6, **style)
    run, problems = read_one(path)
    assert_read_as_trained(run, truth)
    assert problems == []


def test_cut_into_any_pieces_it_reads_the_same(tmp_path: Path) -> None:
    path = tmp_path / "train.log"
    mnist_log(path, epochs=4, noise_lines=True)
    whole = snapshot(read_runs(path))
    for sizes in ([1], [7, 3], [61], [4096]):
        assert snapshot(feed_in_chunks(path, sizes)) == whole


def test_an_overfitting_run_gets_overfitting_and_a_healthy_one_does_not(tmp_path: Path) -> None:
    bad, good = tmp_path / "overfit.log", tmp_path / "healthy.log"
    truth = mnist_log(bad, epochs=30, **OVERFIT)
    assert min(truth.test_loss) < truth.test_loss[-1] * 0.85  # the training itself overfits
    mnist_log(good, **HEALTHY)
    ((over,), (fine,)) = read_runs(bad), read_runs(good)
    assert "overfitting" in kinds(over, ("warning", "critical"))
    assert not kinds(fine, ("warning", "critical"))


@pytest.mark.parametrize(
    "setting",
    [OVERFIT, HEALTHY, {"label_noise": 0.3, "lr": 0.2}],
    ids=["overfit", "healthy", "label-noise"],
)
def test_the_same_kinds_as_a_keras_csv_of_the_same_training(tmp_path: Path, setting: dict) -> None:  # type: ignore[type-arg]
    log = tmp_path / "train.log"
    truth = mnist_log(log, **setting)
    csv = keras_csv_of(tmp_path / "training.csv", truth)
    ((as_log,), (as_csv,)) = read_runs(log), read_runs(csv)
    assert as_csv.format == "keras-csv"
    assert kinds(as_log) == kinds(as_csv)


def test_validation_set_wording_and_a_percent_only_accuracy(tmp_path: Path) -> None:
    path = tmp_path / "train.log"
    truth = mnist_log(path, epochs=3)
    text = path.read_text().replace("Test set: Average loss", "Validation set: Avg. loss")
    lines = text.split("\n")
    for i, line in enumerate(lines):  # `Accuracy: 151/200 (76%)` -> `Accuracy: 75.50%`
        if "Accuracy:" in line:
            head, _, rest = line.partition("Accuracy: ")
            k, n = rest.split(" ")[0].split("/")
            lines[i] = f"{head}Accuracy: {100 * int(k) / int(n):.2f}%"
    path.write_text("\n".join(lines))
    (run,) = read_runs(path)
    assert roles(run) == {"loss": "train_loss", "val_loss": "val_loss", "val_acc": "val_acc"}
    np.testing.assert_allclose(run.series["val_acc"].values, [c / truth.n_test for c in truth.test_correct])


def test_epochs_counted_from_zero(tmp_path: Path) -> None:
    path = tmp_path / "train.log"
    truth = mnist_log(path, epochs=3, first_epoch=0)
    run, problems = read_one(path)
    assert problems == [] and roles(run) == ROLES
    np.testing.assert_allclose(run.series["loss"].epochs, [e + s / truth.n_train for e, s, _ in truth.logged])
    assert list(run.series["test_loss"].epochs) == [1, 2, 3]


def test_evaluations_inside_an_epoch_keep_every_point_in_order(tmp_path: Path) -> None:
    path = tmp_path / "train.log"
    truth = mnist_log(path, epochs=3, eval_every=5)  # 15 batches: after the 5th, the 10th and the last
    run, problems = read_one(path)
    assert problems == []
    loss, test_loss = run.series["loss"], run.series["test_loss"]
    assert len(loss) == len(truth.logged)
    np.testing.assert_allclose(test_loss.values, [round(v, 4) for v in truth.test_loss], atol=1e-12)
    # each evaluation after the last batch printed before it, at or before the next one printed
    xs, ev = loss.epochs, test_loss.epochs
    for (epoch, done), x in zip(truth.eval_at, ev, strict=True):
        before = xs[xs <= epoch - 1 + (done - 1) / truth.n_train]
        after = xs[xs > epoch - 1 + (done - 1) / truth.n_train]
        assert before.max() < x <= (after.min() if len(after) else epoch)
    assert list(ev[2::3]) == [1, 2, 3]  # the end-of-epoch ones at the end of their epoch


def test_a_second_set_printed_alike_is_a_series_of_its_own(tmp_path: Path) -> None:
    path = tmp_path / "train.log"
    truth = mnist_log(path, epochs=3, second_set=True)
    run, problems = read_one(path)
    assert problems == [] and roles(run) == ROLES
    assert list(run.series["test_acc"].values) == [c / truth.n_test for c in truth.test_correct]
    assert list(run.series["test2_acc"].values) == [c / truth.n_test for c in truth.test2_correct]
    assert list(run.series["test2_loss"].epochs) == [1, 2, 3]


def test_two_trainings_appended_to_one_file_are_two_runs(tmp_path: Path) -> None:
    a, b, both = tmp_path / "a.log", tmp_path / "b.log", tmp_path / "train.log"
    mnist_log(a, epochs=3, seed=1)
    mnist_log(b, epochs=4, seed=2)
    both.write_text(a.read_text() + b.read_text())
    runs = read_runs(both)
    assert [len(r.series["test_loss"]) for r in runs] == [3, 4]
    assert snapshot(runs)[1][1] == snapshot(read_runs(b))[0][1]


def test_a_line_it_cannot_read_is_a_problem_not_a_silent_drop(tmp_path: Path) -> None:
    path = tmp_path / "train.log"
    mnist_log(path, epochs=2)
    lines = path.read_text().split("\n")
    lines[1] = lines[1].split("Loss:")[0] + "Loss: tensor(1.2345, grad_fn=<NllLossBackward0>)"
    path.write_text("\n".join(lines))
    run, problems = read_one(path)
    assert [p.line for p in problems] == [2] and "could not read" in problems[0].message
    assert len(run.series["loss"]) == 10 - 1  # the other lines are read


def test_other_printed_logs_are_not_claimed(tmp_path: Path) -> None:
    path = tmp_path / "train.log"
    path.write_text(
        "".join(f"epoch {e} | train_loss {1 / e:.4f} | val_loss {1.1 / e:.4f}\n" for e in range(1, 9))
    )
    (run,) = read_runs(path)
    assert run.format == "text-kv"


def test_followed_while_written_in_pieces_from_its_first_byte(tmp_path: Path, stop_all) -> None:  # type: ignore[no-untyped-def]
    """A growing file, first seen empty, then written in 37-byte pieces (lines cut anywhere, the
    first one too): detected, and every record read once, none early with half a number."""
    src = tmp_path / "src.log"
    truth = mnist_log(src, epochs=3)
    data = src.read_bytes()
    path = tmp_path / "train.log"
    path.write_bytes(b"")
    m, c = watch(path)
    stop_all(m)
    cut = data.rindex(b"Test set") + 30  # inside the last `Average loss: 1.2345`
    name = str(path)
    with open(path, "ab") as f:
        for i in range(0, cut, 37):
            f.write(data[i : min(i + 37, cut)])
            f.flush()
        c.wait(lambda: len(c.values(name, "loss")) == len(truth.logged), timeout=60)
        c.wait(lambda: len(c.values(name, "test_loss")) == 2, timeout=60)
        f.write(data[cut:])
        f.flush()
    c.wait(lambda: len(c.values(name, "test_acc")) == 3, timeout=60)
    assert c.values(name, "test_loss") == [round(v, 4) for v in truth.test_loss]
    assert c.values(name, "loss") == [round(v, 6) for _, _, v in truth.logged]


def test_check_follow_streams_the_records_of_a_growing_log(tmp_path: Path) -> None:
    """`check --follow --json` on a log the training is still writing: the first epoch, then the
    rest with the last evaluation line written in two pieces; every record once, none early."""
    src = tmp_path / "src.log"
    truth = mnist_log(src, epochs=3)
    data = src.read_bytes()
    first = data.index(b"Test set")
    first = data.index(b"\n", first) + 1
    cut = data.rindex(b"Test set") + 30  # inside the last `Average loss: 1.2345`
    path = tmp_path / "train.log"
    path.write_bytes(data[:first])
    proc = popen_ctrl_c(
        [sys.executable, "-m", "lossacc_tui", "check", "--follow", "--json", str(path)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    guard = threading.Timer(120, proc.kill)  # a hung follower fails the test instead of hanging it
    guard.start()
    evals: list[dict] = []  # type: ignore[type-arg]
    losses = 0
    try:
        assert proc.stdout is not None

        def until(n: int) -> None:
            nonlocal losses
            while len(evals) < n:
                ev = json.loads(proc.stdout.readline())  # type: ignore[union-attr]
                if ev["event"] == "record" and "test_loss" in ev["values"]:
                    evals.append(ev)
                elif ev["event"] == "record":
                    losses += 1

        until(1)
        with open(path, "ab") as f:
            f.write(data[first:cut])
            f.flush()
            until(2)
            f.write(data[cut:])
            f.flush()
        until(3)
    finally:
        guard.cancel()
        _out, err = ctrl_c(proc, timeout=30)
    assert [e["epoch"] for e in evals] == [1, 2, 3]
    assert [e["values"]["test_loss"] for e in evals] == [round(v, 4) for v in truth.test_loss]
    assert losses == len(truth.logged) and "Traceback" not in err


# -- the tester's files (tester 11, fault 2) -------------------------------------------------------
def at_tester(rel: str) -> Path:
    p = TESTER / rel
    if not p.exists():
        pytest.skip(f"tester 11's file not found at {p}")
    return p


def test_tester_realistic_mnist_log_is_one_run_of_eight_epochs() -> None:
    run, problems = read_one(at_tester("prints/mnist_real.log"))
    assert roles(run) == ROLES and problems == []
    assert len(run.series["loss"]) == 8 * 94  # 938 batches, one line every 10
    assert run.series["loss"].epochs[1] == pytest.approx(640 / 60000)
    assert list(run.series["test_acc"].values[:2]) == [0.9846, 0.9889]
    assert run.series["test_loss"].values[0] == 0.0473


def test_tester_overfitting_example_matches_its_csv_and_warns() -> None:
    log = at_tester("prints/mnist_example.log")
    (run,) = read_runs(log)
    (csv,) = read_runs(at_tester("runs/noise/training.log"))
    assert roles(run) == ROLES
    np.testing.assert_allclose(run.series["test_loss"].values, csv.series["val_loss"].values, atol=5e-5)
    np.testing.assert_allclose(run.series["test_acc"].values, csv.series["val_accuracy"].values)
    # the run's per-sample truth: each evaluation's mistakes out of its 500 samples, and its mean loss
    truth = json.loads(at_tester("runs/noise/truth.json").read_text())
    assert list(run.series["test_acc"].values) == [(500 - t["n_wrong"]) / 500 for t in truth]
    np.testing.assert_allclose(run.series["test_loss"].values, [t["loss"] for t in truth], atol=5e-5)
    assert "overfitting" in kinds(run, ("warning", "critical"))


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Train Epoch: ", "Epoch: "),  # the `Train` left out
        ("Test set: ", "Test: "),  # the `set` left out
    ],
    ids=["epoch-without-train", "test-without-set"],
)
def test_copies_that_drop_a_word_read_the_same(tmp_path: Path, old: str, new: str) -> None:
    # tester 12: `Epoch: 1 [0/600 (0%)] Loss:` broke into 100 one-point evaluation series with no
    # training loss, and `Test: Average loss:` lost every evaluation, both silently
    path = tmp_path / "train.log"
    truth = mnist_log(path, epochs=6)
    path.write_text(path.read_text().replace(old, new))
    run, problems = read_one(path)
    assert_read_as_trained(run, truth)
    assert problems == []


def test_the_epoch_count_printed_beside_the_epoch_reads_the_same(tmp_path: Path) -> None:
    # `Train Epoch: 3/50 [...]`: the total after a slash is no part of x
    path = tmp_path / "train.log"
    truth = mnist_log(path, epochs=6)
    text = path.read_text()
    for e in range(1, 7):
        text = text.replace(f"Train Epoch: {e} [", f"Train Epoch: {e}/6 [")
    path.write_text(text)
    run, problems = read_one(path)
    assert_read_as_trained(run, truth)
    assert problems == []


@pytest.mark.parametrize(
    ("fmt", "ndigits"),
    [("\tAcc: {:.2f}%", 4), (", Accuracy: {:.1f}%", 3), ("  Acc: {:.2f}", 4)],
    ids=["tab-percent", "comma-accuracy", "bare-percent-number"],
)
def test_a_training_accuracy_printed_after_the_loss_is_read_as_train_accuracy(
    tmp_path: Path, fmt: str, ndigits: int
) -> None:
    # tester 12: `Train Epoch: 1 [0/600 (0%)]\tLoss: 1.41\tAcc: 55.00%` lost the accuracy, silently
    path = tmp_path / "train.log"
    truth = mnist_log(path, epochs=6, train_acc=fmt)
    run, problems = read_one(path)
    assert problems == []
    assert run.series["acc"].role == "train_acc"
    acc = run.series["acc"]
    assert list(acc.epochs) == list(run.series["loss"].epochs)
    np.testing.assert_allclose(
        acc.values, [round(100 * a, ndigits - 2) / 100 for a in truth.logged_acc], atol=1e-9
    )


def test_a_training_accuracy_it_cannot_read_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "train.log"
    mnist_log(path, epochs=2, train_acc="\tAcc: {:.2f}%")
    text = path.read_text().replace("Acc: ", "Acc: tensor(", 1)
    path.write_text(text)
    run, problems = read_one(path)
    assert [p.line for p in problems] == [1] and "training accuracy not read" in problems[0].message
    assert len(run.series["acc"]) == 10 - 1 and len(run.series["loss"]) == 10


def test_the_printed_evaluation_set_size_reaches_the_analysis(tmp_path: Path) -> None:
    """`Accuracy: k/N` prints N exactly: the evaluation's series carry it (`Series.eval_size`), and
    the analysis takes it where it otherwise reads N off the accuracy values (which reveal less at
    the first evaluations: 0.85 = 17/20); the same run as a Keras CSV has no size to carry."""
    log = tmp_path / "train.log"
    truth = mnist_log(log, **HEALTHY)
    (run,) = read_runs(log)
    assert run.series["test_acc"].eval_size == run.series["test_loss"].eval_size == truth.n_test
    assert run.series["loss"].eval_size is None  # (a batch's size is not printed)
    a = Analyzer(run)
    a.update()
    assert a.ctx.acc_n_likely is not None and a.ctx.acc_n_likely(0) == truth.n_test  # type: ignore[union-attr]
    assert eval_size(run.series["test_acc"]) == truth.n_test
    (csv,) = read_runs(keras_csv_of(tmp_path / "training.csv", truth))
    assert csv.series["val_accuracy"].eval_size is None


def test_two_set_sizes_for_one_evaluation_are_said_and_none_is_carried(tmp_path: Path) -> None:
    path = tmp_path / "train.log"
    truth = mnist_log(path, epochs=4)
    n = truth.n_test
    text = path.read_text().split("Test set:")
    text[-1] = text[-1].replace(f"/{n} (", f"/{2 * n} (", 1)  # the last evaluation on twice the samples
    path.write_text("Test set:".join(text))
    run, problems = read_one(path)
    assert run.series["test_acc"].eval_size is None
    assert [p.message for p in problems] == [
        f"test evaluated on {2 * n} samples here, on {n} before: no one set size"
    ]
