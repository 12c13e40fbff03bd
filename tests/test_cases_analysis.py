"""The real runs in ../shared/cases/analysis/ (each folder's source.md gives the right reading):
the right kinds open, the wrong ones do not, and the explanations make only the claims the
numbers allow. Cases whose file a reader cannot read yet are marked with the reason."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from conftest import read_runs

from lossacc_tui.analysis import Analyzer, compare_runs
from lossacc_tui.model import Run

CASES = Path(__file__).resolve().parents[2] / "shared" / "cases" / "analysis"
DEMO = Path(__file__).resolve().parents[1] / "demo_logs"
REAL = Path(__file__).resolve().parents[2] / "shared" / "realworld_logs"

pytestmark = pytest.mark.skipif(
    not CASES.is_dir(), reason=f"analysis cases not found at {CASES} (the shared folder beside the repo)"
)

WARN = ("warning", "critical")


def runs_of(path: Path) -> list[Run]:
    return [r for r in read_runs(path) if r.points]


def analysed(path: Path) -> list[Analyzer]:
    out = []
    for run in runs_of(path):
        a = Analyzer(run)
        a.update()
        out.append(a)
    return out


def kinds(path: Path, severities: tuple[str, ...] = WARN) -> set[str]:
    return {al.kind for a in analysed(path) for al in a.alerts if al.severity in severities}


def claims(path: Path, kind: str) -> list[dict]:
    return [c.to_dict() for a in analysed(path) for al in a.alerts if al.kind == kind for c in al.claims]


# (file, kinds that must open at warning or above, kinds that must not open at all)
EXPECT = [
    ("rw-02-keras4298-valsplit-acc0/stdout.txt", {"val-unlike-train"}, set()),
    ("rw-05-so-valloss-epsilon/stdout.txt", {"not-cross-entropy"}, set()),
    (
        "rw-05-so-valloss-epsilon/minimal_synthetic_9ep.txt",
        {"not-cross-entropy"},
        {"loss-up-acc-up", "overfitting", "plateau"},
    ),
    ("rw-01-tf62460-sparse-acc/sparse_labels_stdout.txt", {"not-cross-entropy"}, {"loss-down-acc-down"}),
    ("rw-01-tf62460-sparse-acc/onehot_labels_stdout.txt", set(), {"not-cross-entropy"}),
    ("rw-09-gstarx3-acc-stuck-textkv/train_output.txt", {"acc-stuck"}, set()),
    ("rw-10-textgcn130-valloss-nan/train_output.txt", {"eval-non-finite", "acc-stuck"}, {"non-finite"}),
    ("rw-13-distenc6-collapse-glog/train_output.log", {"acc-stuck"}, set()),
    ("rw-14-keras2937-cifar10-healthy/stdout.txt", set(), set()),
    ("nc-own-overfit-run/run1.log", {"overfitting", "loss-up-acc-up"}, {"acc-stuck"}),
    ("nc-own-overfit-run/min/stuck.log", {"overfitting"}, {"acc-stuck"}),
    ("nc-own-overfit-run/min/stuck2.log", {"overfitting"}, {"acc-stuck"}),
]
HEALTHY = {"rw-14-keras2937-cifar10-healthy/stdout.txt"}
READER_PENDING = {
    # logs that were once read wrong (issue 11): each must be one run with loss and accuracy
    "rw-07-dsse47720-overfit-5ep/stdout.txt": ({"overfitting"}, {"acc-stuck"}),
    "rw-15-hf566-fp16-stuck-at-chance/train_output.txt": ({"acc-at-chance"}, {"loss-explosion"}),
}


@pytest.mark.parametrize(("case", "must", "never"), EXPECT, ids=[c for c, _, _ in EXPECT])
def test_case_raises_the_right_kinds(case: str, must: set[str], never: set[str]) -> None:
    path = CASES / case
    got = kinds(path)
    every = kinds(path, ("info", "warning", "critical"))
    assert must <= got, f"{case}: missing {must - got} (got {sorted(every)})"
    assert not (never & every), f"{case}: must not raise {never & every}"
    if case in HEALTHY:
        assert not got, f"{case}: a healthy run raised {sorted(got)}"


@pytest.mark.parametrize("case", sorted(READER_PENDING))
def test_case_once_read(case: str) -> None:
    path = CASES / case
    runs = runs_of(path)
    assert len(runs) == 1 and len(runs[0].series) >= 2, f"{case}: not read as one run with loss and accuracy"
    must, never = READER_PENDING[case]
    assert must <= kinds(path)
    assert not (never & kinds(path, ("info", "warning", "critical")))


def test_glitched_evaluation_is_not_the_best_checkpoint() -> None:
    """rw-05: the float32-epsilon val_loss at epoch 2 is said to be impossible and is kept out of
    the best value (no plateau or overfitting measured from it)."""
    (a,) = analysed(CASES / "rw-05-so-valloss-epsilon/minimal_synthetic_9ep.txt")
    (nce,) = [x for x in a.alerts if x.kind == "not-cross-entropy"]
    assert nce.start == 2
    (claim,) = [c for c in nce.claims if c.id == "not-cross-entropy"]
    assert claim.strength == "follows"
    assert "1.19e-07" in nce.explanation and "0.119" in nce.explanation


def test_sparse_accuracy_is_a_metric_fault_not_a_prior_shift() -> None:
    cl = claims(CASES / "rw-01-tf62460-sparse-acc/sparse_labels_stdout.txt", "not-cross-entropy")
    assert any(c["id"] == "not-cross-entropy" and c["strength"] == "likely" for c in cl)
    text = " ".join(
        al.explanation
        for a in analysed(CASES / "rw-01-tf62460-sparse-acc/sparse_labels_stdout.txt")
        for al in a.alerts
    )
    assert "prior" not in text and "assuming 2" not in text


def test_fewer_mistakes_only_when_accuracy_rose() -> None:
    """nc-own min/fewer.log: accuracy drifts 0.670 -> 0.665 while the loss rises; the alert must
    not claim fewer mistakes."""
    cl = claims(CASES / "nc-own-overfit-run/min/fewer.log", "loss-up-acc-up")
    ids = {c["id"] for c in cl}
    assert "fewer-mistakes" not in ids
    assert "more-mistakes" in ids
    up = claims(CASES / "nc-own-overfit-run/run1.log", "loss-up-acc-up")
    assert "fewer-mistakes" not in {c["id"] for c in up if c["strength"] == "follows"}


def test_eval_only_nan_is_a_broken_evaluation_without_placeholders() -> None:
    (a,) = analysed(CASES / "rw-10-textgcn130-valloss-nan/train_output.txt")
    (ev,) = [x for x in a.alerts if x.kind == "eval-non-finite"]
    assert {c.id for c in ev.claims} == {"evaluation-broken"}
    assert "learning rate" not in ev.explanation and "not diverging" in ev.explanation
    assert not PLACEHOLDER.search(ev.explanation), ev.explanation


def test_runs_disagree_does_not_call_different_losses_equal() -> None:
    runs = runs_of(CASES / "nc-own-overfit-run/cmp/a/training.log") + runs_of(
        CASES / "nc-own-overfit-run/cmp/b/training.log"
    )
    (alert,) = compare_runs(runs)
    assert "equal loss" not in alert.explanation
    assert "far beyond luck" in alert.explanation  # 10 points against ~1.7 points of noise


def test_classes_are_never_assumed() -> None:
    """With no --classes, no config and no first evaluation at chance on both metrics, nothing
    says 'assuming 2 classes' or quotes ln 2 as the chance loss."""
    for a in analysed(DEMO / "high_loss_good_acc"):
        for al in a.alerts:
            assert "assuming" not in al.explanation
            assert not [c for c in al.claims if c.id == "classes"]


# a number's place taken by nan, inf or '?'
# (the logged value itself may be named: "val_loss is nan from epoch 61")
_TOKEN = re.compile(r"(?<![\w-])(nan|-?inf|\?)(?![\w-])(?=[\s,.;:)x%]|$)")


class _Placeholder:
    @staticmethod
    def search(text: str) -> re.Match[str] | None:
        for m in _TOKEN.finditer(text):
            if text[max(0, m.start() - 3) : m.start()] == "is " and text[m.end() : m.end() + 5] == " from":
                continue
            return m
        return None


PLACEHOLDER = _Placeholder()


def _all_logs() -> list[Path]:
    out = sorted(p for p in CASES.glob("*/*") if p.is_file() and p.suffix in (".txt", ".log"))
    out += [DEMO / d for d in ("nan_run", "high_loss_good_acc", "val_loss_unstable", "loss_up_acc_up")]
    return out


@pytest.mark.parametrize("path", _all_logs(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_placeholder_where_a_number_belongs(path: Path) -> None:
    """No nan, inf or ? where a number belongs, and no count of evaluations the run does not have."""
    for a in analysed(path):
        for al in a.alerts:
            text = al.title + "\n" + al.explanation
            m = PLACEHOLDER.search(text.replace("(mislabelled?", "").replace("labels?)", ""))
            assert m is None, f"{al.kind}: {text[max(0, m.start() - 80) : m.end() + 40]!r}"
            for c in al.claims:
                d = c.to_dict()
                assert d["strength"] in ("follows", "likely", "possible", "confirmed", "refuted")
            _counts_are_the_runs(a, text + "".join(c.text for c in al.claims))


#: "over the 10 evaluations up to epoch 2", "and over the 4 up to epoch 3"
_OVER = re.compile(r"over the (\d+)(?: evaluations)? up to (epoch|step) (\d+(?:\.\d+)?)")


def _counts_are_the_runs(a: Analyzer, text: str) -> None:
    """A count of evaluations a sentence quotes "up to epoch X" is at most the evaluations any series
    of the run has up to X (tester h19t: "the 10 evaluations up to epoch 2" of a 5-epoch run)."""
    from lossacc_tui.analysis.track import x_column

    for m in _OVER.finditer(text):
        n, unit, x = int(m.group(1)), m.group(2), float(m.group(3))
        cols = [x_column(s, unit) for s in a.run.series.values()]
        have = max((int((c <= x + 1e-9).sum()) for c in cols if c is not None), default=0)
        assert n <= have, f"{m.group(0)!r}: the run has {have} evaluations up to {unit} {x:g}"


#: the same training run written by two writers (Keras' console and its CSVLogger)
SAME_RUN = [(DEMO / "healthy_keras" / "stdout.txt", DEMO / "healthy_keras" / "training.log")]


@pytest.mark.parametrize(("a", "b"), SAME_RUN, ids=lambda p: p.parent.name + "/" + p.name)
def test_same_run_in_two_formats_says_the_same(a: Path, b: Path) -> None:
    def said(path: Path) -> set[tuple[str, str, tuple[tuple[str, str], ...]]]:
        return {
            (al.kind, al.severity, tuple(sorted((c.id, c.strength) for c in al.claims)))
            for an in analysed(path)
            for al in an.alerts
        }

    assert said(a) == said(b)


def test_per_batch_chance_run_names_ten_classes_from_its_loss() -> None:
    """rw-15: the first print (accuracy 0.106, loss 2.296) fits 9 classes as well as 10, so K is not
    inferred from it (it was "9", quoting ln 9 = 2.197 beside a loss of 2.31); the chance alert takes
    K = 10 from the level the loss sits at for the whole run and says so."""
    cl = claims(CASES / "rw-15-hf566-fp16-stuck-at-chance/train_output.txt", "acc-at-chance")
    assert not [c for c in cl if c["id"] == "classes" and c.get("value") != 10]
    (chance,) = [c for c in cl if c["id"] == "at-chance"]
    assert chance["evidence"]["k"] == 10 and "ln 10 = 2.3026" in chance["text"]


def test_sparse_accuracy_claim_does_its_arithmetic_right() -> None:
    """rw-01: the not-cross-entropy claim says what a mistake would cost on average and compares it
    with ln 2 the right way round (it said 0.97 nats was "just under" 0.6931), and does not name a
    class count from 1/accuracy as if it were known (CIFAR-10 read as "1/12")."""
    cl = claims(CASES / "rw-01-tf62460-sparse-acc/sparse_labels_stdout.txt", "not-cross-entropy")
    (c,) = [c for c in cl if c["id"] == "not-cross-entropy" and c["strength"] == "likely"]
    loss, acc = c["evidence"]["loss"], c["evidence"]["acc"]
    per_mistake = loss / (1 - acc)
    assert per_mistake > math.log(2) and f"at most {per_mistake:.3g} nats" in c["text"]
    assert "barely above the ln 2" in c["text"] and "just under" not in c["text"]
    assert "class count is not known" in c["text"]


def test_collapse_with_the_training_loss_above_ln2_is_read_as_divergence() -> None:
    """rw-13: after 0.89 accuracy, train/val/test accuracy sit at 0.5000 while the training loss
    rises to 1.386, above the ln 2 a 50/50 guess costs: divergence, not class imbalance."""
    cl = claims(CASES / "rw-13-distenc6-collapse-glog/train_output.log", "acc-stuck")
    (div,) = [c for c in cl if c["id"] == "diverging"]
    assert div["strength"] == "likely"
    assert "1.3862" in div["text"] and "ln 2 = 0.6931" in div["text"] and "0.3856" in div["text"], div["text"]
    assert "imbalanced" in div["text"]


def test_right_answers_are_never_given_more_nats_than_a_right_answer_can_cost() -> None:
    """rw-02 (val_acc 0.0136 at val_loss 4.66): 'right answers could carry the rest (up to 342.9
    nats each, probability 1.2e-149)' - a right answer's class is the most probable one, so that
    needs more classes than exist. The reading is named as impossible, not offered as one of two."""
    texts = [
        a.explanation
        for an in analysed(CASES / "rw-02-keras4298-valsplit-acc0" / "stdout.txt")
        for a in an.alerts
    ]
    found = [
        float(m)
        for t in texts
        for m in re.findall(r"right answers could carry the rest \(up to ([\d.]+) nats", t)
    ]
    assert all(v < math.log(1e6) for v in found), found
    assert any("only at" in t and "classes: mistakes carry nearly all of it" in t for t in texts)


LEUKEMIA = REAL / "keras_stdout" / "Leukemia-Detection__training_log.txt"


@pytest.mark.skipif(not LEUKEMIA.is_file(), reason=f"real log not found at {LEUKEMIA}")
def test_validation_that_never_tracked_training_is_not_plain_overfitting() -> None:
    """tester 20 T2 (a Keras 3 console log, UTF-16): training accuracy 0.85-0.99 from epoch 1 while
    val_accuracy stays 0.06-0.44 (0.0629 at epoch 2, below chance for up to 15 classes). The split
    is flagged as unlike training, only `possible` with the class count unknown, and the overfitting
    alert no longer sends the user to early stopping."""
    (a,) = analysed(LEUKEMIA)
    (vu,) = [x for x in a.alerts if x.kind == "val-unlike-train"]
    assert vu.severity == "warning" and vu.active
    (claim,) = [c for c in vu.claims if c.id == "split-unlike-training"]
    assert claim.strength == "possible"
    assert "0.0629" in claim.text and "up to 15" in claim.text and "class count decides" in claim.others
    (over,) = [x for x in a.alerts if x.kind == "overfitting"]
    assert "Early-stop" not in over.explanation and "val-unlike-train" in over.explanation
