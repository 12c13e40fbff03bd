"""The band, the alerts and the numbers tell one story, on runs trained in numpy
(`numpy_training.softmax_regression`): a slowly overfitting run's band never says the loss
improves while it rises above its best, and an accuracy moving by less than its resolution (one
sample of the evaluation set) is not a trend."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from numpy_training import softmax_regression  # noqa: E402

from benchmarks.truth.score import check_json  # noqa: E402

#: a softmax regression on 30 features (most of them noise) from 80 training samples, evaluated on
#: 200 held-out samples: it fits the noise slowly, so the held-out loss turns up after its best
SLOW_OVERFIT = dict(epochs=60, classes=2, lr=0.03, features=30, n_train=80, n_val=200, spread=0.4)
IMPROVING = {"both-improving", "loss-better-acc-worse"}


def keras_csv(rows: list[dict[str, float]], path: Path) -> Path:
    path.write_text(
        "epoch,accuracy,loss,val_accuracy,val_loss\n"
        + "".join(
            f"{e},{r['train_acc']!r},{r['train_loss']!r},{r['val_acc']!r},{r['val_loss']!r}\n"
            for e, r in enumerate(rows)
        )
    )
    return path


def run_of(path: Path) -> dict[str, Any]:
    doc = check_json([path])
    assert doc["version"] == 1 and len(doc["runs"]) == 1
    return doc["runs"][0]


def test_band_never_says_the_loss_improves_while_it_rises_above_its_best(tmp_path: Path) -> None:
    for seed in (1, 2):
        rows = softmax_regression(seed=seed, **SLOW_OVERFIT)  # type: ignore[arg-type]
        val = np.array([r["val_loss"] for r in rows])
        best = int(np.argmin(val))
        falls = np.flatnonzero(np.diff(val[best:]) <= 0)
        rising = best + int(falls[0]) if len(falls) else len(val) - 1  # the last of the rise
        assert rising - best >= 21, "the run must overfit slowly for this test to mean anything"
        run = run_of(keras_csv(rows, tmp_path / f"s{seed}.csv"))
        for seg in run["states"]:
            if seg["start"] > best + 2 and seg["end"] <= rising:
                assert seg["state"] not in IMPROVING, (seed, best, seg, run["states"])
        # inside an alert saying the loss rose above its best, the band says the loss got worse
        for a in run["alerts"]:
            if a["kind"] in ("overfitting", "loss-up-acc-up"):
                end = a["end"] if a["end"] is not None else 59
                inside = [s for s in run["states"] if s["start"] <= end and s["end"] >= a["start"]]
                worse = ("loss-worse-acc-better", "both-worse")
                assert inside and all(s["state"] in worse for s in inside), (
                    a["kind"],
                    a["start"],
                    end,
                    run["states"],
                )


def test_an_accuracy_dip_within_its_resolution_is_not_a_fall(tmp_path: Path) -> None:
    # 200 held-out samples: accuracy 0.93 -> 0.915-0.92 is two to three samples, within the
    # binomial standard error (1.9 points) of a set that size, while the loss keeps improving
    rows = softmax_regression(epochs=30, classes=3, seed=2, lr=0.05, n_train=400, n_val=200)
    val = [r["val_acc"] for r in rows]
    assert max(val) - min(val[5:]) <= 0.0151 and max(val) == 0.93
    run = run_of(keras_csv(rows, tmp_path / "dip.csv"))
    assert "loss-down-acc-down" not in {a["kind"] for a in run["alerts"]}, [a["title"] for a in run["alerts"]]
    # and the band does not call the dip a falling accuracy
    assert not [s for s in run["states"] if s["state"] in ("loss-better-acc-worse", "both-worse")], run[
        "states"
    ]


def test_a_fall_beyond_its_resolution_opens_and_says_the_grid(tmp_path: Path) -> None:
    # the same 200 held-out samples, a fall of 7 samples (3.5 points) while the loss improves
    rows = softmax_regression(
        epochs=30, classes=2, seed=0, lr=0.1, features=8, n_train=200, n_val=200, spread=0.6
    )
    run = run_of(keras_csv(rows, tmp_path / "fall.csv"))
    found = [a for a in run["alerts"] if a["kind"] == "loss-down-acc-down"]
    assert found, [a["title"] for a in run["alerts"]]
    sure = found[0]["explanation"].split("**How sure.**")[1]
    assert "grid of 1/200" in sure and "one sample is 0.5 points" in sure, sure
    assert "more than" in sure and "its resolution (2.7 points)" in sure, sure


CORPUS = REPO / "benchmarks" / "truth" / "corpus"


def test_accuracy_moving_within_its_resolution_counts_as_flat_for_underconfidence() -> None:
    # a plain PyTorch loop whose model is underconfident (per-sample truth beside the log): 171
    # validation samples, accuracy 0.725-0.772 while the loss falls; one sample is 0.58 points and
    # the binomial standard error 3.3 points, so the accuracy is flat within what the set can show
    folder = CORPUS / "slow-underconfident-torch" / "s2"
    for name in ("train.jsonl", "train.log"):
        run = run_of(folder / name)
        flat = [a for a in run["alerts"] if a["kind"] == "acc-flat-loss-down"]
        assert flat, (name, [a["title"] for a in run["alerts"]])
        assert "underconfident" in {c["id"] for c in flat[0]["claims"]}
        assert "grid of 1/171" in flat[0]["explanation"], flat[0]["explanation"]


def test_a_model_at_chance_is_not_called_underconfident() -> None:
    # Keras, 4 classes the model cannot tell apart: accuracy ~ 1/4, loss ~ ln 4; its top class gets
    # at least 1/4 of the probability, about its accuracy, so underconfidence is no reading
    for name in ("training.csv", "console.txt"):
        run = run_of(CORPUS / "chance-keras" / "s1" / name)
        assert "acc-at-chance" in {a["kind"] for a in run["alerts"]}
        ids = {c["id"] for a in run["alerts"] for c in a["claims"]}
        assert not ids & {"underconfident", "right-answers-carry-loss"}, ids


#: a number printed beside itself across an arrow ("val_acc 0.98 -> 0.98") unless it says it did
#: not change
SAME_PAIR = re.compile(r"(?<![\w.])(-?\d+(?:\.\d+)?(?:e[+-]\d+)?) -> \1(?![\d.e])(?! \(unchanged\))")
#: a range whose two ends print alike ("flat at 0.981-0.981")
SAME_RANGE = re.compile(r"(?<![\w.])(\d+\.\d+)(?:-| to )\1(?![\d.e])")


def test_every_pair_of_numbers_shows_the_change_it_claims(tmp_path: Path) -> None:
    # real runs of every framework in the truth corpus and the slowly overfitting numpy run, whose
    # accuracies repeat at 3 decimals and whose losses move in the 4th
    logs = [
        CORPUS / "overfit-keras" / "s0" / "training.csv",
        CORPUS / "healthy-keras" / "s1" / "console.txt",
        CORPUS / "short-overfit-torch" / "s2" / "train.log",
        CORPUS / "slow-underconfident-torch" / "s2" / "train.jsonl",
        CORPUS / "majority-lightning" / "s0" / "version_0" / "metrics.csv",
        CORPUS / "val-shift-torch" / "s0" / "train.jsonl",
        CORPUS / "sweep-lightning" / "heldout" / "version_5" / "metrics.csv",
    ]
    rows = softmax_regression(seed=3, **(SLOW_OVERFIT | {"classes": 3, "lr": 0.05, "n_train": 100}))  # type: ignore[arg-type]
    logs.append(keras_csv(rows, tmp_path / "slow.csv"))
    seen = 0
    for path in logs:
        for a in run_of(path)["alerts"]:
            for text in [a["title"], a["explanation"], *(c["text"] for c in a["claims"])]:
                seen += text.count(" -> ")
                assert not SAME_PAIR.search(text), (path.name, a["kind"], SAME_PAIR.search(text), text)
                assert not SAME_RANGE.search(text), (path.name, a["kind"], SAME_RANGE.search(text), text)
    assert seen > 20
    # the same run's pair that did not change says so
    slow = [a for a in run_of(logs[-1])["alerts"] if a["kind"] == "loss-up-acc-up"]
    assert slow and "0.8 -> 0.8 (unchanged)" in slow[0]["title"], [a["title"] for a in slow]


def test_worked_example_gives_sizes_with_their_direction_in_words(tmp_path: Path) -> None:
    # the dip run: accuracy fell while the loss fell; no signed share beside a signed loss change
    rows = softmax_regression(
        epochs=30, classes=2, seed=0, lr=0.1, features=8, n_train=200, n_val=200, spread=0.6
    )
    run = run_of(keras_csv(rows, tmp_path / "fall.csv"))
    (alert,) = [a for a in run["alerts"] if a["kind"] == "loss-down-acc-down"]
    worked = alert["explanation"].split("**Worked example.**")[1]
    assert "accuracy fell 3.5 points: a share 0.0350 of the samples crossed to the wrong side" in worked, (
        worked
    )
    assert "the mean loss would rise by 0.0350 x 0.04" in worked and "It fell" in worked, worked
    assert not re.search(r"[+-]\d+\.\d+ (points|nats|x)", worked), worked


def test_the_grid_of_logged_accuracies_is_the_evaluation_set_or_nothing() -> None:
    # every log of the truth corpus (Keras CSV and console, Lightning CSV, TensorBoard, a plain loop's
    # text and JSONL), read as the product reads it: the n its logged validation accuracies reveal is
    # the size of the validation set the generator used (labels.json), or not revealed at all
    from conftest import read_runs

    from lossacc_tui.analysis.resolution import GridEstimate

    revealed = checked = 0
    for labels in sorted(CORPUS.glob("*/s*/labels.json")) + sorted(CORPUS.glob("*/s*/version_0/labels.json")):
        facts = json.loads(labels.read_text())
        if "n_val" not in facts:
            continue
        for log in facts["logs"]:
            for run in read_runs(labels.parent / log["file"]):
                for series in run.series.values():
                    if series.role != "val_acc":
                        continue
                    grid = GridEstimate()
                    for v in series.values.tolist():
                        grid.feed(v)
                    checked += 1
                    assert grid.n in (None, facts["n_val"]), (
                        labels.parent,
                        log["file"],
                        grid.n,
                        facts["n_val"],
                    )
                    revealed += grid.n is not None
    assert checked >= 60 and revealed >= checked // 2, (checked, revealed)


#: a logistic regression on 40 features (most of them noise) from 100 training samples, evaluated on
#: 300 held-out samples: its held-out loss has its minimum at epoch 30 and then rises a little at every
#: epoch (4.6 % by epoch 62) while accuracy stays within 0.807-0.827
STEADY_OVERFIT = dict(epochs=70, classes=2, seed=1, lr=0.02, features=40, n_train=100, n_val=300, spread=0.4)


def test_a_slow_steady_rise_is_seen_soon_after_it_is_beyond_noise(tmp_path: Path) -> None:
    rows = softmax_regression(**STEADY_OVERFIT)  # type: ignore[arg-type]
    val = np.array([r["val_loss"] for r in rows])
    best = int(np.argmin(val[:60]))
    one_pct = best + int(np.flatnonzero(val[best:] >= val[best] * 1.01)[0])
    assert best == 30 and np.all(np.diff(val[best:]) > 0) and val[62] / val[best] > 1.04
    # before: the alerts opened at epoch 64 (34 epochs after the minimum), when the rise reached 5 %,
    # and the band said `flat` from epoch 18 to 63; now a user following the log sees the alert within
    # a few evaluations of the rise reaching 1 %
    early = run_of(keras_csv(rows[: one_pct + 4], tmp_path / "early.csv"))
    over = [a for a in early["alerts"] if a["kind"] == "overfitting"]
    assert over and over[0]["end"] is None and over[0]["start"] <= one_pct, [
        (a["kind"], a["start"]) for a in early["alerts"]
    ]
    run = run_of(keras_csv(rows, tmp_path / "steady.csv"))
    (alert,) = [a for a in run["alerts"] if a["kind"] == "overfitting"]
    assert alert["start"] <= one_pct and alert["end"] is None
    # the band agrees: from the alert's start on it says the loss got worse, never flat or improving
    after = [s for s in run["states"] if s["end"] >= alert["start"]]
    assert after and all(s["state"] in ("loss-worse-acc-better", "both-worse") for s in after), run["states"]


def test_the_trend_grid_reveals_n_at_the_same_evaluation_in_both_formats_of_a_run() -> None:
    # a run's accuracy printed with 4 decimals (Keras' console, a loop's text) and stored in full (its
    # CSV, JSON lines): from full-precision values the grid was revealed one evaluation sooner (the
    # PyTorch loop of short-overfit-torch/s2: 0.840445 at epoch 3 against 0.8404), so the resolution
    # rule made loss-up-acc-up open from the JSON lines and not from the text. The trend rule reads
    # values at 4 decimals: every run of the truth corpus logged in two formats gets the same n at
    # every evaluation from both
    from conftest import read_runs

    from lossacc_tui.analysis.resolution import TREND_DIGITS, GridEstimate

    pairs = 0
    for labels in sorted(CORPUS.glob("*/s*/labels.json")):
        logs = json.loads(labels.read_text())["logs"]
        if len(logs) != 2:
            continue
        seqs = []
        for log in logs:
            (run,) = read_runs(labels.parent / log["file"])
            (acc,) = [s for s in run.series.values() if s.role == "val_acc"] or [None]
            if acc is None:
                break
            grid = GridEstimate(TREND_DIGITS)
            seqs.append([grid.feed(v) for v in acc.values.tolist()])
        if len(seqs) == 2:
            pairs += 1
            assert seqs[0] == seqs[1], (labels.parent, seqs)
    assert pairs >= 20
    kinds = [
        sorted({a["kind"] for a in run_of(CORPUS / "short-overfit-torch" / "s2" / name)["alerts"]})
        for name in ("train.log", "train.jsonl")
    ]
    assert kinds[0] == kinds[1], kinds


def test_the_steady_alerts_say_how_they_opened_and_what_they_held_accuracy_to(tmp_path: Path) -> None:
    # the steady run's accuracy went 0.823 -> 0.807 (5 of 300 samples), within its resolution (2.2
    # points): loss-up-acc-up says it held accuracy to that resolution, not to "1 point(s)"
    run = run_of(keras_csv(softmax_regression(**STEADY_OVERFIT), tmp_path / "steady.csv"))  # type: ignore[arg-type]
    by_kind = {a["kind"]: a for a in run["alerts"]}
    up = by_kind["loss-up-acc-up"]["explanation"].split("How sure.")[1]
    assert "within 2.2 points (the accuracy's resolution)" in up and "grid of 1/300" in up, up
    over = by_kind["overfitting"]["explanation"].split("How sure.")[1]
    assert "opened on a steady rise" in over and "Closes at a new best" in over, over
