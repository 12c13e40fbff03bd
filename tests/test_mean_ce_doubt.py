"""The cross-entropy arithmetic of the explanations (a mistake costs at least ln 2, a right answer at
most ln K, "a mistake costs 0.693 to 2.45 nats") holds only for a mean cross-entropy (issue #9,
tester 21 faults 5 and 6). Runs trained here in numpy (`numpy_objectives`) with a loss summed over
each batch (torch `reduction='sum'`), with focal loss, and with plain mean cross-entropy:

- the summed loss's own numbers contradict a mean cross-entropy (val_loss 53 at accuracy 0.64 at the
  first evaluation, 32 at its lowest): the explanations say it is likely not one and name the usual
  causes, give no cost per mistake ("46.4 nats each, probability 7.3e-21" before), and no claim that
  rests on the arithmetic is `follows` or `likely`, even with K given;
- focal loss with a configuration file that names it: the same;
- focal loss and plain cross-entropy without one: the arithmetic is said as conditional on the loss
  being a mean cross-entropy, and nothing says it is not one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import read_runs
from numpy_diverge import diverging_run, write_jsonl
from numpy_objectives import objective_run

from lossacc_tui.analysis import Analyzer
from lossacc_tui.analysis.mean_ce import named_objective
from lossacc_tui.analysis.params import Params

CE = ("mistakes-carry-loss", "right-answers-carry-loss", "confident-mistakes")
DOUBT = "likely not a mean cross-entropy"


def _alerts(path: Path, params: Params | None = None) -> list:  # type: ignore[type-arg]
    (run,) = read_runs(path)
    a = Analyzer(run, params or Params())
    a.update()
    return [al for al in a.alerts if any(c.id in CE for c in al.claims)]


@pytest.mark.parametrize("k", [None, 10])
def test_a_summed_loss_is_not_read_as_a_mean_cross_entropy(tmp_path: Path, k: int | None) -> None:
    path = objective_run(tmp_path / "train.jsonl", "sum", lr=0.1 / 32)
    first = json.loads(path.read_text().splitlines()[0])
    assert first["val_loss"] > 30 and first["val_acc"] > 0.5  # (the premise: 32x a mean)
    found = _alerts(path, Params(n_classes=k) if k else None)
    assert found
    for al in found:
        text = al.explanation
        assert DOUBT in text and "reduction='sum'" in text, text
        assert "A mistake costs" not in text and "nats each on average" not in text
        for c in al.claims:
            if c.id in CE:
                assert c.strength == "possible", (al.kind, c.id, c.strength)
                assert "nats each" not in c.text and "needs K >=" not in c.others, c.text


def test_a_named_focal_loss_hedges_the_arithmetic(tmp_path: Path) -> None:
    path = objective_run(tmp_path / "train.jsonl", "focal", lr=0.5)
    (tmp_path / "config.json").write_text(json.dumps({"loss": {"name": "focal", "gamma": 2.0}}))
    found = _alerts(path)
    assert found
    for al in found:
        assert DOUBT in al.explanation and "focal loss (named in config.json)" in al.explanation
        assert all(c.strength == "possible" for c in al.claims if c.id in CE)


@pytest.mark.parametrize("objective, lr", [("focal", 0.5), ("mean", 0.1)])
def test_the_arithmetic_is_conditional_where_nothing_doubts_it(
    tmp_path: Path, objective: str, lr: float
) -> None:
    found = _alerts(objective_run(tmp_path / "train.jsonl", objective, lr=lr))
    assert found
    for al in found:
        text = al.explanation
        assert DOUBT not in text
        if "each costs at least ln 2" in text:
            assert "if val_loss is a mean cross-entropy over the evaluated samples" in text, text
            assert "focal loss, distillation" in text


def test_confident_mistakes_need_two_classes(tmp_path: Path) -> None:
    # tester 21 fault 7: a large loss says mistakes put little on their TRUE class; with K > 2 that
    # mass can be spread over the other classes, none above 0.9. A real 4-class MLP diverging under a
    # growing learning rate: under half of its mistakes are confident where the swing peaks
    rows, facts = diverging_run(epochs=25, growth=1.5, seed=0, act="relu", hidden=(64, 64), lr=0.02)
    path = write_jsonl(tmp_path / "train.jsonl", rows)
    (run,) = read_runs(path)
    for k, said in ((4, False), (None, True)):
        a = Analyzer(run, Params(n_classes=k))
        a.update()
        (swing,) = [al for al in a.alerts if al.kind == "val-loss-unstable"]
        claims = [c for c in swing.claims if c.id == "confident-mistakes"]
        assert bool(claims) is said, (k, claims)
        for c in claims:  # K unknown: the reading names what it needs
            assert facts["conf_wrong_09"][int(c.end) - 1] < 0.5  # (the per-sample truth: not most)
            assert "if there are 2 classes" in c.text, c.text


def test_unsure_right_answers_name_a_weighted_loss() -> None:
    # tester 21 fault 2: on a pos_weight BCE run one up-weighted mistake carried 62 % of the loss
    # beside `right-answers-carry-loss (likely)`; the reading must name that case
    (run,) = read_runs(Path(__file__).parent / "data" / "tester17_finetune" / "training.log")
    a = Analyzer(run)
    a.update()
    right = [c for al in a.alerts for c in al.claims if c.id == "right-answers-carry-loss"]
    assert right
    for c in right:
        assert "pos_weight" in c.others and "focal loss" in c.others, c.others


def test_a_sum_is_told_from_a_mean_cross_entropy_blowing_up() -> None:
    # tester 21's real torch runs (tests/data/tester21_objectives/README.md): a per-batch sum of a
    # 10-class cross-entropy, and a plain BCE whose logits blew up. Both have losses of hundreds of
    # nats a mistake; only the sum classified well at its first evaluation at such a loss
    data = Path(__file__).parent / "data" / "tester21_objectives"
    summed = _alerts(data / "sum.jsonl")
    assert summed and all(DOUBT in al.explanation for al in summed)
    assert all(c.strength == "possible" for al in summed for c in al.claims if c.id in CE)
    blown = _alerts(data / "bce_lr.jsonl")
    assert blown and not any(DOUBT in al.explanation for al in blown)
    # (truth: mistakes carry 100 % of its loss, all of them confident: the readings stand)
    assert any(c.id == "mistakes-carry-loss" and c.strength == "likely" for al in blown for c in al.claims)


def test_only_an_objective_in_use_is_named() -> None:
    # a configuration that names a model or turns an objective off names no other objective
    off = [
        ("config.json", '{"model_type": "distilbert", "pos_weight": null, "focal": false}'),
        ("hparams.yaml", "class_weight: none\nreduction: mean\n"),
    ]
    assert named_objective(off, ["val_loss", "val_acc"]) == ""
    on = [("hparams.yaml", "distillation:\n  temperature: 4\n")]
    assert named_objective(on, ["val_loss"]) == "distillation (named in hparams.yaml)"
    assert named_objective([], ["val_kd_loss"]) == "distillation (metric val_kd_loss)"


class _CountingNumpy:
    """numpy for `mean_ce`, noting how many values each `isfinite` call reads."""

    def __init__(self) -> None:
        import numpy

        self.np, self.read = numpy, []

    def isfinite(self, a: object) -> object:
        self.read.append(self.np.size(a))
        return self.np.isfinite(a)

    def __getattr__(self, name: str) -> object:
        return getattr(self.np, name)


def test_a_live_summary_reads_each_new_evaluation_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The view writes the run's summary again at every frame of a growing run (its latest values),
    and with it the doubt sentence: that had scanned every evaluation of the run each time (1 ms a
    frame at 100,000 points, growing with the run). Between two analyses, each frame reads only the
    evaluations logged since the last, and says what a scan of the whole run says."""
    import lossacc_tui.analysis.mean_ce as mean_ce
    from lossacc_tui.feed import Feed, read_finished
    from lossacc_tui.model import Batch, Run
    from lossacc_tui.source import discover

    path = objective_run(tmp_path / "train.jsonl", "sum", lr=0.1 / 32, epochs=60)
    (whole,) = read_finished(discover(path)).runs
    cols = {name: s.values for name, s in whole.series.items()}
    epoch = whole.series["val_loss"].epochs
    n = len(epoch)
    feed = Feed()
    feed.publishing = True
    run = Run(whole.name, whole.path, whole.format)

    def append(a: int, b: int) -> None:  # as the follower does, the feed's lock held
        batch = Batch(b - a, {k: v[a:b].copy() for k, v in cols.items()}, {}, epoch=epoch[a:b].copy())
        run.add_batch(batch)
        feed.appended([(run, batch)])

    with feed.lock:
        append(0, n // 2)
    deadline = __import__("time").monotonic() + 60
    while feed.analysis_pending:
        assert __import__("time").monotonic() < deadline, "the first analysis never ended"
        __import__("time").sleep(0.01)
    counting = _CountingNumpy()
    monkeypatch.setattr(mean_ce, "np", counting)
    with feed.lock:
        published = feed.published[id(run)]
        first = published.summary_of(run)
        assert "likely not a mean cross-entropy" in first  # (the premise: a summed loss)
        for k in range(n // 2, n // 2 + 10):  # ten frames, an evaluation each, no analysis between
            feed._waiting.clear()  # (the analysis pass they would start is not the point here)
            run.add_batch(
                Batch(
                    1,
                    {key: v[k : k + 1].copy() for key, v in cols.items()},
                    {},
                    epoch=epoch[k : k + 1].copy(),
                )
            )
            counting.read.clear()
            text = published.summary_of(run)
            assert counting.read and max(counting.read) <= 1, counting.read  # the new pair only
        published._parts[0].shared.clear()  # a whole scan of the same points
        assert published.summary_of(run) == text
    feed.close()
