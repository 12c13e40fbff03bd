"""A kind keeps back the chunks where nothing can open (`detectors.holdback`, `Detector.holds`): a
finished small run's analysis never runs the rules of the kinds that cannot open on it, and a log
read line by line, whose kinds keep back its quiet stretches and judge them with the first chunk
that can open, ends with the alerts, texts, band and summary of every chunk judged as it came
(`detectors.base.QUIET_CHUNKS` off). Logs: real numpy trainings and real Keras / Lightning / Keras
console logs of runs that opened the kinds that keep chunks back (non-finite, acc-at-chance,
loss-above-chance; overfitting and loss-up-acc-up on an overfitting numpy run fed point by point:
`tests/test_analysis_short_paths.py`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import DEMO

from lossacc_tui.analysis import Analyzer
from lossacc_tui.analysis.detectors import base
from lossacc_tui.model import Batch, Run
from lossacc_tui.source import discover
from tests.numpy_training import softmax_regression

DATA = Path(__file__).parent / "data" / "tester17_broken"

#: kinds whose rules cannot open on a healthy run's falling losses: no value above its best, all
#: finite, nowhere near chance, no level far above ln(1 / accuracy)
QUIET_KINDS = {
    "overfitting",
    "val-degrading",
    "loss-up-acc-up",
    "non-finite",
    "acc-at-chance",
    "loss-above-chance",
}


def _judged(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The kinds whose `conditions` run from now on (one entry a call)."""
    calls: list[str] = []
    for cls in {type(d) for d in _all_detectors()}:
        rules = cls.conditions

        def spy(self: base.Detector, main: object, other: object, rules=rules) -> object:
            calls.append(self.kind)
            return rules(self, main, other)

        monkeypatch.setattr(cls, "conditions", spy)
    return calls


def _all_detectors() -> list[base.Detector]:
    run = _softmax_run(12)
    a = Analyzer(run)
    a.update()
    return a._detectors


def _softmax_run(epochs: int) -> Run:
    rows = softmax_regression(epochs=epochs, seed=2)
    run = Run("r", "-", "csv")
    cols = {k: np.array([r[k] for r in rows]) for k in ("train_loss", "train_acc", "val_loss", "val_acc")}
    run.add_batch(Batch(epochs, cols, {}, epoch=np.arange(float(epochs))))
    return run


def test_a_finished_small_run_never_runs_the_rules_of_kinds_that_cannot_open(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run = _softmax_run(10)
    val = run.series["val_loss"].raw
    assert (np.diff(val) < 0).all()  # (the premise: the validation loss falls at every epoch)
    calls = _judged(monkeypatch)
    a = Analyzer(run)
    a.update()
    judged = set(calls)
    assert judged, "no kind judged the run"
    assert not judged & QUIET_KINDS, judged & QUIET_KINDS  # (on main: every kind ran its rules)
    with monkeypatch.context() as m:
        m.setattr(base, "QUIET_CHUNKS", False)
        general = Analyzer(run)
        general.update()
    assert [x.to_dict() for x in a.alerts] == [x.to_dict() for x in general.alerts]
    assert a.summary() == general.summary()


def _line_by_line(path: Path) -> tuple[list[tuple], list[tuple], list[str]]:
    """Alerts (with their texts) and band of each run of `path` read one line at a time, with an
    update after each line; and the alerts' kinds."""
    (src,) = discover(path)
    analyzers: dict[int, Analyzer] = {}
    for line in path.read_bytes().splitlines(keepends=True):
        src.feed(0, line)
        for run in src.runs:
            analyzers.setdefault(id(run), Analyzer(run)).update()
    src.finish(0)
    alerts, states, kinds = [], [], []
    for run in src.runs:
        a = analyzers.setdefault(id(run), Analyzer(run))
        a.update()
        alerts += [
            (x.kind, x.severity, x.start, x.end, x.title, x.explanation, str(x.evidence)) for x in a.alerts
        ]
        states += [(s.state, s.start, s.end) for s in a.states]
        kinds += [x.kind for x in a.alerts]
        alerts.append(a.summary())
    return alerts, states, kinds


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        (DEMO / "nan_run" / "stdout.txt", "non-finite"),
        (DATA / "keras_lr3_training.log", "acc-at-chance"),
        (DATA / "lightning_lr50_metrics.csv", "loss-above-chance"),
        (DATA / "keras_lr1e5_training.log", "loss-above-chance"),
        (Path(__file__).parent / "data" / "tester21_slow_climb" / "train.jsonl", "acc-flat-loss-down"),
    ],
    ids=["nan", "chance", "above-lightning", "above-keras", "flat"],
)
def test_kept_back_chunks_judged_later_give_the_alerts_of_every_chunk_judged(
    path: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept_alerts, kept_states, kinds = _line_by_line(path)
    assert kind in kinds  # (the premise: a kind that keeps chunks back opens on this log)
    with monkeypatch.context() as m:
        m.setattr(base, "QUIET_CHUNKS", False)
        all_alerts, all_states, _ = _line_by_line(path)
    assert kept_alerts == all_alerts
    assert kept_states == all_states


def test_a_folder_of_runs_reads_each_folders_configuration_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`check` of a sweep folder: every run looks for configuration files beside its log and up to two
    folders above (the class count K, label smoothing); the parent folders they share are read once
    for all of them, and every run still reads K from the file two folders above its log."""
    from collections import Counter

    from lossacc_tui import feed, source
    from lossacc_tui.analysis import Params, classes
    from tests.numpy_training import keras_csv

    (tmp_path / "hparams.yaml").write_text("lr: 0.1\nnum_classes: 3\n")
    root = tmp_path / "sweep"
    for i in range(5):
        (root / f"run_{i}").mkdir(parents=True)
        keras_csv(root / f"run_{i}" / "metrics.csv", softmax_regression(epochs=6, seed=i))
    looked: Counter[str] = Counter()
    read = classes._read

    def counted(path: str) -> str | None:
        looked[str(Path(path).parent)] += 1
        return read(path)

    monkeypatch.setattr(classes, "_read", counted)
    classes.classes_from_files.cache_clear()
    f = feed.Feed(Params())
    for s in source.discover(root, None, {}, []):
        f.read_source(s)
    f.analyse_all()
    ks = [a.ctx.classes.k for a in f.analyzers.values() if a.ctx is not None]
    assert ks == [3] * 5
    names = len(classes.CONFIG_NAMES)
    # (on main: each of the nine names looked for twice a run in each folder, K's and smoothing's)
    assert looked[str(tmp_path)] == looked[str(root)] == names
    assert all(looked[str(root / f"run_{i}")] == names for i in range(5))
