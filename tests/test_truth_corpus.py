"""The truth corpus (benchmarks/truth): its facts describe the same predictions the framework
logged, its labels follow its split rule, and claims are judged by the facts."""

from __future__ import annotations

import csv
import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.truth.claims import Truth, judge  # noqa: E402
from benchmarks.truth.facts import FactTracker  # noqa: E402

CORPUS = REPO / "benchmarks" / "truth" / "corpus"
LABELS = sorted(CORPUS.rglob("labels.json"))


def _rows(folder: Path, split: str = "val") -> list[dict]:
    rows = [json.loads(x) for x in (folder / "truth.jsonl").read_text().splitlines()]
    return [r for r in rows if r["split"] == split]


def test_facts_of_a_small_evaluation_follow_their_definitions() -> None:
    probs = np.array([[0.95, 0.05], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    labels = np.array([1, 1, 0, 0])
    t = FactTracker("val")
    f = t.facts(probs, labels, epoch=0, step=10)
    ce = -np.log([0.05, 0.8, 0.6, 0.3])
    assert f["accuracy"] == 0.5 and f["n_wrong"] == 2
    assert f["loss"] == pytest.approx(ce.mean(), rel=1e-5)
    assert f["wrong_loss_share"] == pytest.approx((ce[0] + ce[3]) / ce.sum(), rel=1e-5)
    assert f["confident_wrong"] == 1 and f["confident_wrong_share"] == 0.5  # 0.95 > 0.9; 0.7 is not
    assert f["p_true_wrong_hist"] == [1, 0, 0, 1, 0]  # p_true 0.05 and 0.3
    assert f["flips"] is None  # first evaluation
    # next evaluation: sample 0 becomes right, sample 2 becomes wrong
    g = t.facts(np.array([[0.1, 0.9], [0.2, 0.8], [0.4, 0.6], [0.3, 0.7]]), labels, epoch=1, step=20)
    assert (g["flips"], g["flips_to_right"], g["flips_to_wrong"]) == (2, 1, 1)
    assert g["pred_majority_share"] == 1.0 and g["majority_rate"] == 0.5


def test_corpus_has_every_family_on_both_splits() -> None:
    """Every family has tune and held-out runs, except the blind ones (benchmarks/truth/blind.py):
    held-out only, seeds 4-5 (session 16's binary families, binary16.py: seeds 6-9)."""
    if not LABELS:
        pytest.skip("no truth corpus generated")
    splits: dict[str, set[str]] = {}
    blind: set[str] = set()
    for p in LABELS:
        lab = json.loads(p.read_text())
        if lab.get("blind"):
            assert lab["split"] == "heldout" and lab["seed"] in (
                (6, 7, 8, 9) if "bce-" in lab["family"] else (4, 5)
            ), p
            blind.add(lab["family"])
        else:
            assert lab["split"] == ("tune" if lab["seed"] in (0, 1) else "heldout"), p
        assert set(lab["phenomena"]) <= set(lab["built"]), p
        for log in lab["logs"]:
            assert (p.parent / log["file"]).is_file(), p
        splits.setdefault(lab["family"], set()).add(lab["split"])
    assert all(s == ({"heldout"} if f in blind else {"tune", "heldout"}) for f, s in splits.items()), splits
    assert len(blind) >= 10


def _logged(folder: Path, lab: dict) -> list[tuple[float, float]]:
    """(val loss, val accuracy) per evaluation as the framework wrote them."""
    first = lab["logs"][0]
    path = folder / first["file"]
    if first["format"] == "keras-csv":
        with path.open() as f:
            return [(float(r["val_loss"]), float(r["val_accuracy"])) for r in csv.DictReader(f)]
    if first["format"] == "lightning-csv":
        with path.open() as f:
            return [(float(r["val_loss"]), float(r["val_acc"])) for r in csv.DictReader(f) if r["val_loss"]]
    if first["format"] == "text-kv":
        rows = [json.loads(x) for x in (folder / "train.jsonl").read_text().splitlines()]
        return [(r["val_loss"], r["val_acc"]) for r in rows if "val_loss" in r]  # (step-*: not every line)
    if first["format"] == "tensorboard":
        ea = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
        acc = ea.EventAccumulator(str(path))
        acc.Reload()
        losses, accs = acc.Scalars("val/loss"), acc.Scalars("val/acc")
        return [(a.value, b.value) for a, b in zip(losses, accs, strict=True)]
    pytest.skip(f"{first['format']} is not read here")


@pytest.mark.parametrize("path", LABELS, ids=[str(p.parent.relative_to(CORPUS)) for p in LABELS])
def test_facts_are_of_the_predictions_the_framework_logged(path: Path) -> None:
    lab = json.loads(path.read_text())
    logged = _logged(path.parent, lab)
    facts = _rows(path.parent)
    assert len(logged) == len(facts)
    for (loss, acc), f in zip(logged, facts, strict=True):
        if not math.isfinite(loss) or f["loss"] is None:
            continue
        if not lab["spec"]["sparse_metric_mismatch"]:
            assert acc == pytest.approx(f["accuracy"], abs=1e-4)
        # Keras clips probabilities at 1e-7 inside its loss, the facts at 1e-12: compare where no
        # mistake has p(true) below 0.1, so that no clipping can be involved
        if lab["loss_is_cross_entropy"] and f["p_true_wrong_hist"][0] == 0:
            assert loss == pytest.approx(f["loss"], rel=2e-3, abs=1e-4)


def test_a_smoothed_run_s_facts_carry_the_logged_smoothed_loss_and_its_carriers() -> None:
    """A loop trained and evaluated with label smoothing logs cross-entropy against the smoothed target:
    the facts' `smoothed_loss` is that logged value, and the loss-carrier claims (which speak of the
    logged loss) are judged on its share carried by mistakes, not on the plain cross-entropy's."""
    runs = sorted((CORPUS / "smoothed-overfit-torch").glob("s*/labels.json"))
    assert runs, "the smoothed-overfit-torch family (benchmarks/truth/misses.py) is committed"
    folder = runs[0].parent
    lab = json.loads(runs[0].read_text())
    logged = _logged(folder, lab)
    facts = _rows(folder)
    for (loss, _), f in zip(logged, facts, strict=True):
        if f["p_true_wrong_hist"][0] == 0:  # (no mistake near the 1e-12 clip)
            assert loss == pytest.approx(f["smoothed_loss"], rel=2e-3, abs=1e-4)
        assert loss > f["loss"]  # (smoothing adds to the plain cross-entropy of the same predictions)
    rows = [json.loads(x) for x in (folder / "truth.jsonl").read_text().splitlines()]
    last = facts[-1]
    assert last["smoothed_wrong_loss_share"] < 0.5 < last["wrong_loss_share"]
    truth = Truth(rows, lab, epoch_offset=0, x_axis="epoch")
    right = {"id": "right-answers-carry-loss", "strength": "possible", "start": 1, "end": last["epoch"]}
    assert judge(right, truth)[0] is True


def test_claims_are_judged_from_the_facts_at_their_own_x() -> None:
    runs = sorted((CORPUS / "overfit-keras").glob("s*/labels.json"))
    if not runs:
        pytest.skip("no overfit-keras runs generated")
    lab = json.loads(runs[0].read_text())
    rows = [json.loads(x) for x in (runs[0].parent / "truth.jsonl").read_text().splitlines()]
    val = [r for r in rows if r["split"] == "val"]
    csv_truth = Truth(rows, lab, epoch_offset=0, x_axis="epoch")
    console_truth = Truth(rows, lab, epoch_offset=1, x_axis="epoch")
    last = val[-1]["epoch"]
    fewer = {"id": "fewer-mistakes", "strength": "follows", "start": 0, "end": last}
    assert judge(fewer, csv_truth)[0] is (val[-1]["n_wrong"] < val[0]["n_wrong"])
    # the console counts epochs from 1: the same evaluation is x + 1 there
    assert console_truth.at(last + 1) is val[-1] and csv_truth.at(last) is val[-1]
    cw = {"id": "confident-mistakes", "strength": "likely", "start": last, "end": last}
    share = val[-1]["confident_wrong_share"]
    assert judge(cw, csv_truth)[0] is (share is not None and share >= 0.5)
    assert judge({"id": "classes", "strength": "follows", "start": 0, "end": 0, "value": 10}, csv_truth)[0]
    assert (
        judge({"id": "not-cross-entropy", "strength": "likely", "start": 0, "end": 0}, csv_truth)[0] is False
    )
    assert judge({"id": "made-up", "strength": "likely", "start": 0, "end": 0}, csv_truth)[0] is None


def test_claim_scoring_reports_true_false_and_unjudged_claims_and_no_claims_yet() -> None:
    from benchmarks.truth.score import LogResult, claim_tables

    runs = sorted((CORPUS / "healthy-keras").glob("s0/labels.json"))
    if not runs:
        pytest.skip("no healthy-keras runs generated")
    lab = json.loads(runs[0].read_text())
    val = _rows(runs[0].parent)
    assert val[-1]["n_wrong"] < val[0]["n_wrong"]  # it learned: fewer mistakes at the end
    last = val[-1]["epoch"]
    claims = [
        {"id": "fewer-mistakes", "strength": "follows", "start": 0, "end": last},
        {"id": "more-mistakes", "strength": "follows", "start": 0, "end": last},
        {"id": "classes", "strength": "likely", "start": 0, "end": 0, "value": 3},
        {"id": "no-such-claim", "strength": "possible", "start": 0, "end": 0},
    ]
    run = {"x_axis": "epoch", "alerts": [{"kind": "overfitting", "severity": "warning", "claims": claims}]}
    notes: list[str] = []
    text = claim_tables([LogResult(runs[0].parent, lab, lab["logs"][0], [run], run["alerts"])], notes)
    assert "| `follows` | 1 / 1 / 0 | 0.50 | 0 / 0 / 0 | - |" in text
    assert "| `classes` | 0 / 1 / 0 | 0.00 |" in text
    assert "| `no-such-claim` | 0 / 0 / 1 | - |" in text
    assert sum("false claim" in n for n in notes) == 2
    bare = {"x_axis": "epoch", "alerts": [{"kind": "overfitting", "severity": "warning"}]}
    quiet = claim_tables([LogResult(runs[0].parent, lab, lab["logs"][0], [bare], bare["alerts"])], [])
    assert "no claims yet" in quiet


def test_analyzer_claims_and_alerts_on_the_held_out_runs() -> None:
    """On the held-out half of the truth corpus (runs no threshold was tuned on), every claim the
    analyzer makes with strength `follows` or `likely` is true of the per-sample facts, at most a
    fifth of its `possible` claims are contradicted, and no healthy run raises a warning. The blind
    families (session 7) are left to `eval_alerts --truth`, which lists their faults: they were made
    to find them, and the detectors' owners work against that list."""
    from benchmarks.truth.score import _truth, load

    results, _ = load()
    held = [r for r in results if r.split == "heldout" and not r.labels.get("blind")]
    assert held
    tally = {"sure": [0, 0], "possible": [0, 0]}
    wrong = []
    for r in held:
        truth = _truth(r)
        for a in r.alerts:
            for c in a.get("claims") or []:
                verdict, why = judge(c, truth)
                if verdict is None:
                    continue
                slot = "sure" if c["strength"] in ("follows", "likely") else "possible"
                tally[slot][0 if verdict else 1] += 1
                if not verdict and slot == "sure":
                    wrong.append(f"{r.name}: {c['id']} ({c['strength']}) {why}")
    assert tally["sure"][0] >= 20 and not wrong, wrong
    assert tally["possible"][1] <= 0.2 * sum(tally["possible"])
    healthy = [r for r in held if r.labels.get("phenomena") == ["healthy"] and "sweep" not in r.name]
    noisy = [
        (r.name, a["kind"]) for r in healthy for a in r.alerts if a["severity"] in ("warning", "critical")
    ]
    assert healthy and not noisy, noisy


@pytest.mark.parametrize(
    "run", ["overfit-keras/s2", "label-noise-tensorboard/s2", "high-lr-torch/s2", "healthy-keras/s3"]
)
def test_a_probe_sidecar_confirms_or_refutes_claims_as_the_facts_say(run: str, tmp_path: Path) -> None:
    """With the per-sample facts beside the log as a probe sidecar (lossacc_probe.jsonl, the same
    schema), claims the facts decide become confirmed or refuted, and each verdict agrees with the
    facts; the explanation quotes them."""
    import shutil

    from lossacc_tui.analysis import Analyzer
    from lossacc_tui.analysis.confirm import truth
    from lossacc_tui.probe.writer import FILENAME
    from lossacc_tui.readers.probe_sidecar import attach_sidecars, facts_lookup
    from lossacc_tui.source import discover

    src_dir = CORPUS / run
    lab = json.loads((src_dir / "labels.json").read_text())
    log = lab["logs"][0]
    if int(log.get("epoch_offset", 0)) != 0:
        pytest.skip("this log's x is offset from the facts' epochs")
    for f in src_dir.iterdir():
        if f.name not in ("truth.jsonl", "labels.json"):
            if f.is_dir():
                shutil.copytree(f, tmp_path / f.name)
            else:
                shutil.copy(f, tmp_path / f.name)
    facts = [json.loads(x) for x in (src_dir / "truth.jsonl").read_text().splitlines() if x.strip()]
    (tmp_path / FILENAME).write_text("".join(json.dumps(r) + "\n" for r in facts if r["split"] == "val"))
    (src,) = discover(tmp_path / log["file"])
    src.read_all()
    attach_sidecars([src])
    (r,) = src.runs
    a = Analyzer(r)
    a.update()
    decided = [(al, c) for al in a.alerts for c in al.claims if c.strength in ("confirmed", "refuted")]
    assert decided, [c.to_dict() for al in a.alerts for c in al.claims]
    look = facts_lookup(r, "validation", exact=True)
    assert look is not None
    for al, c in decided:
        verdict = truth(c, look(c.end), look(c.start))
        assert verdict is (c.strength == "confirmed"), (al.kind, c.to_dict())
        assert "Per-sample facts (probe)" in al.explanation or al.kind in (
            "not-cross-entropy",
            "acc-at-chance",
            "val-unlike-train",
        )


def test_a_mid_epoch_spike_of_the_logged_training_loss_is_labelled_from_the_logged_values() -> None:
    # collapse-k2-torch s0: at epoch 7 the loop logs train_loss 3.676 (x12.5 its best 0.2945) while the
    # end-of-epoch facts see 0.44: the spike is real, so `loss-explosion` is an acceptable kind there
    from benchmarks.truth.labels import checks

    folder = CORPUS / "collapse-k2-torch" / "s0"
    if not (folder / "truth.jsonl").is_file():
        pytest.skip("no truth corpus generated")
    rows = [json.loads(x) for x in (folder / "truth.jsonl").read_text().splitlines()]
    logged = [json.loads(x)["train_loss"] for x in (folder / "train.jsonl").read_text().splitlines()]
    train = [r for r in rows if r["split"] == "train"]
    assert [r["logged_loss"] for r in train] == pytest.approx(logged, rel=1e-5)
    spike = checks(rows)["loss-spike"]
    assert spike["shown"] and spike["evidence"]["logged_train_evaluations"] == [6]  # (0-based: epoch 7)
    assert max(r["loss"] for r in train) < 5 * min(r["loss"] for r in train)  # facts alone miss it
    lab = json.loads((folder / "labels.json").read_text())
    assert "loss-spike" in lab["also_shown"] and "loss-explosion" in lab["acceptable"]
