"""The same training written by different loggers raises the same alert kinds, severities and claims
(#9's "Done when"; tester 15 fault 5): what a format does not carry (a training accuracy, digits)
must not change the reading, and the per-sample facts decide which reading is right."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from lossacc_tui.feed import read_finished
from lossacc_tui.source import discover
from tests.numpy_formats import write_formats
from tests.numpy_smoothing import smoothed_run

Reading = list[tuple[str, str, tuple[tuple[str, str], ...]]]


def _reading(path: Path) -> Reading:
    """Every alert of the log's runs as (kind, severity, sorted (claim id, strength))."""
    feed = read_finished(list(discover(path)))
    return sorted(
        (a.kind, a.severity, tuple(sorted((c.id, c.strength) for c in a.claims)))
        for run in feed.runs
        for a in feed.alerts(run)
    )


def test_a_one_class_model_reads_alike_with_and_without_a_training_accuracy(tmp_path: Path) -> None:
    # a 94/6 split whose inputs carry little signal: Adam drives the model to predict the majority
    # class for every validation sample from epoch 3 on, while its confidence still follows the inputs
    # (the training loss ends below the entropy of the training split's shares)
    paths, facts = write_formats(tmp_path, signal=0.1, lr=1e-2)
    assert all(share == 1.0 for share in facts.pred_major[2:])
    assert facts.acc[-1] == facts.majority[-1]
    readings = {fmt: _reading(paths[fmt]) for fmt in ("jsonl", "hf", "print")}
    # JSONL and the printed log carry the training accuracy (frozen at the training split's majority
    # share), the Trainer's state does not: it was a warning with `likely` claims there and an info
    # with `possible` ones in the other two
    assert readings["jsonl"] == readings["hf"] == readings["print"], readings
    stuck = [r for r in readings["jsonl"] if r[0] == "acc-stuck"]
    assert stuck and stuck[0][1] == "warning"
    assert ("one-class-predictor", "likely") in stuck[0][2] and ("at-majority-rate", "likely") in stuck[0][2]


def test_a_one_class_model_reads_alike_when_its_training_accuracy_is_logged_per_batch(tmp_path: Path) -> None:
    # the same 94/6 collapse, with Lightning's CSVLogger beside the epoch rows: `train_acc_step` is each
    # 64-sample batch's accuracy, which swings by points around the split's majority share (a batch
    # of majority samples only scores 1.0), where an epoch's mean holds it to the digit
    paths, facts = write_formats(tmp_path, signal=0.1, lr=1e-2)
    assert all(share == 1.0 for share in facts.pred_major[2:])
    steps = [row.split(",") for row in paths["lightning"].read_text().splitlines()[1:]]
    batch_acc = [float(r[3]) for r in steps if r[3]]
    assert max(batch_acc[200:]) - min(batch_acc[200:]) > 0.1
    lightning, jsonl = _reading(paths["lightning"]), _reading(paths["jsonl"])
    # read batch by batch, the one-class reading was only `possible` there and acc-stuck an info
    assert lightning == jsonl, (lightning, jsonl)
    stuck = [r for r in lightning if r[0] == "acc-stuck"]
    assert stuck and stuck[0][1] == "warning" and ("one-class-predictor", "likely") in stuck[0][2]


def test_a_short_fine_tune_reads_alike_when_training_records_carry_the_epoch_index(tmp_path: Path) -> None:
    # five epochs of a 50-feature model on 60 training samples: it overfits from the first epochs on
    paths, facts = write_formats(
        tmp_path, k=3, imb=0.0, signal=1.0, n_train=60, d=50, epochs=5, lr=0.05, batch=20, epoch_index=True
    )
    rows = [json.loads(line) for line in paths["jsonl"].read_text().splitlines()]
    val = [r["val_loss"] for r in rows]
    assert val[-1] > 1.05 * min(val) and rows[-1]["loss"] < rows[0]["loss"] and facts.acc[-1] < max(facts.acc)
    readings = {fmt: _reading(paths[fmt]) for fmt in ("jsonl", "hf", "print")}
    # the trainer_state labels its training records with the epoch under way (0-4) and its evaluations
    # with the epochs completed (1-5): read by epoch, each evaluation met the next epoch's training loss
    # and the last one none, and the overfitting the other two formats show was never judged there
    assert readings["hf"] == readings["jsonl"] == readings["print"], readings
    assert "overfitting" in {kind for kind, _, _ in readings["hf"]}


DATA = Path(__file__).parent / "data" / "tester15_perstep"


def test_a_rise_printed_at_4_decimals_reads_as_the_same_rise_at_full_precision() -> None:
    facts = [json.loads(line) for line in (DATA / "facts.jsonl").read_text().splitlines()]
    best = min(range(len(facts)), key=lambda j: facts[j]["val_loss"])
    after = facts[best:]
    # the premise: from its best on, the validation loss grows at every evaluation, by 1.5 % in all,
    # while the same 6 of 300 samples stay wrong and not one prediction changes class
    assert all(b["val_loss"] > a["val_loss"] for a, b in itertools.pairwise(after))
    assert after[-1]["val_loss"] < 1.02 * after[0]["val_loss"]
    assert {f["wrong"] for f in after} == {6} and all(f["changed_preds"] == 0 for f in after[1:])
    full, printed = _reading(DATA / "metrics.jsonl"), _reading(DATA / "train.log")
    # the printed log (0.0587 0.0587 0.0588 ...) had only a plateau; the JSONL two warnings
    assert full == printed, (full, printed)
    rises = [r for r in full if r[0] in ("overfitting", "loss-up-acc-up")]
    assert rises and all(sev == "info" for _, sev, _ in rises)


def test_a_no_signal_run_names_its_class_count_in_lightning_as_elsewhere(tmp_path: Path) -> None:
    # 5 classes, inputs carrying nothing: accuracy stays at about 1/5 and the loss at about ln 5
    paths, facts = write_formats(
        tmp_path, k=5, imb=0.0, signal=0.0, n_train=1000, n_val=2000, epochs=20, lr=1e-4
    )
    assert all(abs(a - 0.2) < 0.03 for a in facts.acc)
    readings = {fmt: _reading(p) for fmt, p in paths.items()}
    # Lightning's first training accuracy is one batch's, its first training loss an epoch's mean: that
    # pair named no K, so its acc-at-chance alone lacked the `classes` claim the other formats carry
    assert readings["lightning"] == readings["jsonl"] == readings["hf"] == readings["print"], readings
    chance = [r for r in readings["lightning"] if r[0] == "acc-at-chance"]
    assert chance and ("classes", "likely") in chance[0][2]


def test_a_label_smoothed_run_reads_as_right_answers_carrying_the_loss_without_a_training_accuracy(
    tmp_path: Path,
) -> None:
    # label smoothing 0.1 on 10 classes: 2 of 600 validation samples wrong, carrying under 5 % of
    # a validation loss that the right answers, held near 0.9, carry
    rows = smoothed_run(classes=10, eps=0.1, epochs=40, n_train=2000, n_val=600, sep=2.0)
    assert rows[-1]["n_wrong"] <= 3 and rows[-1]["mistake_share"] < 0.1
    history: list[dict[str, float]] = []
    for e, r in enumerate(rows, 1):  # (the Trainer logs no training accuracy)
        history.append({"epoch": float(e), "step": 10 * e, "loss": round(r["train_loss"], 4)})
        history.append(
            {"epoch": float(e), "step": 10 * e, "eval_loss": r["val_loss"], "eval_accuracy": r["val_acc"]}
        )
    (tmp_path / "trainer_state.json").write_text(json.dumps({"log_history": history}))
    keys = ("train_loss", "train_acc", "val_loss", "val_acc")
    named = ("loss", "accuracy", "val_loss", "val_accuracy")
    (tmp_path / "metrics.jsonl").write_text(
        "".join(
            json.dumps({"epoch": e} | {n: r[k] for n, k in zip(named, keys, strict=True)}) + "\n"
            for e, r in enumerate(rows, 1)
        )
    )
    hf, jsonl = _reading(tmp_path / "trainer_state.json"), _reading(tmp_path / "metrics.jsonl")
    # the same kinds; the trainer_state had an acc-stuck "one-class predictor" and named the mistakes as
    # what may carry the loss. Without a training accuracy the smoothing reading stays `possible` (a
    # noisy-label training split logs the same gap): the one difference left, and said so
    assert [r[:2] for r in hf] == [r[:2] for r in jsonl], (hf, jsonl)
    high = {r[0]: set(r[2]) for r in hf}["high-loss-good-acc"]
    assert ("right-answers-carry-loss", "possible") in high and ("label-smoothing", "possible") in high
    assert not any(c == "mistakes-carry-loss" for c, _ in high)
