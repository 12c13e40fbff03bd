"""An update's fixed cost (issue #12): work that an update, or `check` over many run folders, asked
for again with the same inputs is done once. A plateau alert's severity, title and evidence each
read whether every logged value repeats (`no_update.still_since`, a walk back over the run reading
every other series at each point): one walk for one state of the run, a fresh one once a record is
appended, and the walk reads the points not folded away as arrays, with the same answer as a point
at a time (compared on every point of every real run of `demo_logs` and the truth corpus, folded
or not). The state band's last segment, cut into pieces by the alerts' bounds inside it, is agreed
with them a new piece at a time (`agreed.AgreedStates`). A metric name's role (`roles.classify`)
is read once per name, not once per run folder.
Runs: a real numpy MLP trained with Adam at learning rate 0 (`tests/numpy_adam.py`: every logged
value repeats), a numpy logistic regression by minibatch SGD (`benchmarks.bench_analysis.train`),
and the real runs named."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import read_runs
from numpy_adam import adam_mlp_run, write_keras_csv

from benchmarks.bench_analysis import feed, rows, train
from lossacc_tui import roles
from lossacc_tui.analysis import Analyzer, agreed
from lossacc_tui.analysis.detectors import no_update
from lossacc_tui.analysis.detectors.base import Ctx
from lossacc_tui.analysis.detectors.no_update import same, value, value_at_x
from lossacc_tui.analysis.detectors.plateau import Plateau
from lossacc_tui.analysis.states import AGREE_KINDS, SpanJudge
from lossacc_tui.model import Batch, Run, Series
from lossacc_tui.source import discover

REPO = Path(__file__).resolve().parents[1]


def _frozen(tmp_path: Path) -> Analyzer:
    rows, _ = adam_mlp_run(
        seed=1, classes=2, majority=0.8, lr=0.0, n_train=192, epochs=14, label_noise=0.0, wd=0.0
    )
    (run,) = read_runs(write_keras_csv(tmp_path / "frozen.csv", rows))
    a = Analyzer(run)
    a.update()
    return a


def test_a_plateau_alert_reads_whether_its_values_repeat_once_a_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = _frozen(tmp_path)
    (det,) = [d for d in a._detectors if isinstance(d, Plateau)]
    alert = det.current
    assert alert is not None and alert.severity == "warning"  # (the premise: open, every value repeats)
    reads = [0]
    real = no_update.value_at_x

    def counted(*args: Any, **kwargs: Any) -> Any:
        reads[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(no_update, "value_at_x", counted)
    i = alert.data["at_idx"]
    first = (det.severity(alert), det.title(alert), det.evidence(alert, i))
    walked = reads[0]
    again = (det.severity(alert), det.title(alert), det.evidence(alert, i))
    assert again == first
    assert reads[0] == walked  # (on main: a walk back over the 14 epochs at each call)

    # a record appended: the answer is read afresh, and it is what the walk itself gives
    run = a.run
    last = {name: s.raw[-1:] for name, s in run.series.items()}
    last["val_loss"] = last["val_loss"] * 1.5  # (the validation loss moves: not frozen there any more)
    epoch = float(run.series["val_loss"].x_or_none("epoch")[-1]) + 1  # type: ignore[index]
    run.add_batch(Batch(1, last, {}, epoch=np.array([epoch])))
    ctx = det.ctx
    for s in run.series.values():
        for j in range(len(s)):
            assert no_update.still_since(ctx, s, j) == no_update._still_since(ctx, s, j), (s.name, j)
    loss = ctx.loss
    assert loss is not None
    assert no_update.still_since(ctx, loss, len(loss) - 1) == len(loss) - 1  # (it moved at the last)
    assert no_update.still_since(ctx, loss, len(loss) - 2) == 0  # (frozen up to the one before)


def test_a_metric_name_is_classified_once_across_runs(tmp_path: Path) -> None:
    for i in range(3):
        rows, _ = adam_mlp_run(seed=i, classes=2, majority=0.8, lr=0.003, n_train=64, epochs=4)
        (tmp_path / f"run{i}").mkdir()
        write_keras_csv(tmp_path / f"run{i}" / "metrics.csv", rows)
    roles.classify.cache_clear()
    runs = read_runs(tmp_path)
    assert len(runs) == 3
    info = roles.classify.cache_info()
    names = {n for r in runs for n in r.series}
    assert info.misses <= len(names) + 8  # (the names of one run, and a few forms of them)
    assert info.hits >= 2 * len(names)  # (on main: no memory, each run's names classified again)
    assert [r.series["val_loss"].role for r in runs] == ["val_loss"] * 3  # (the roles as before)


def _walked(ctx: Ctx, series: Series, i: int) -> int | None:
    """`no_update.still_since` as it was written, a point at a time (the reference)."""
    if i < 0 or i >= len(series):
        return None
    v = value(series, i)
    if not math.isfinite(v):
        return None
    others = [
        s
        for s in (ctx.loss, ctx.acc, ctx.train, ctx.train_acc)
        if s is not None and s is not series and len(s)
    ]
    if not others:
        return None
    xi = ctx.x(series, i)
    ref = [value_at_x(s, ctx.axis, xi) for s in others]
    if not all(math.isfinite(r) for r in ref):
        return None
    j = i
    lo = max(0, i - no_update.MAX_BACK)
    while j - 1 >= lo and same(value(series, j - 1), v):
        xj = ctx.x(series, j - 1)
        if not all(same(value_at_x(s, ctx.axis, xj), r) for s, r in zip(others, ref, strict=True)):
            break
        j -= 1
    return j


@pytest.fixture(scope="module")
def analysed() -> list[Analyzer]:
    """Every real run of `demo_logs` and the truth corpus, analysed whole."""
    runs: list[Run] = []
    for root in (REPO / "demo_logs", REPO / "benchmarks" / "truth" / "corpus"):
        for src in discover(root):
            src.read_all()
            runs += src.runs
    out = []
    for run in runs:
        a = Analyzer(run)
        a.update()
        out.append(a)
    return out


def _agree(a: Analyzer) -> int:
    """Compare the walk with the reference at every point of the series it reads; the points where
    some value repeated (the walk went back at least one point)."""
    ctx = a.ctx
    assert ctx is not None
    walked = 0
    for s in {id(s): s for s in (ctx.loss, ctx.acc, ctx.train, ctx.train_acc) if s is not None}.values():
        for i in range(len(s)):
            got, want = no_update._still_since(ctx, s, i), _walked(ctx, s, i)
            assert got == want, (a.run.name, s.name, i)
            walked += want is not None and want < i
    return walked


@pytest.mark.parametrize("max_back", [no_update.MAX_BACK, 5])
def test_the_walk_as_arrays_gives_the_walk_point_by_point_on_real_runs(
    max_back: int, analysed: list[Analyzer], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(no_update, "MAX_BACK", max_back)  # (5: the walk stops at its bound too)
    assert len(analysed) >= 300
    walked = sum(_agree(a) for a in analysed if a.ctx is not None)
    assert walked >= 100  # (the premise: many points where values repeat, so walks go back)


def test_the_walk_over_points_folded_away_gives_the_same(tmp_path: Path) -> None:
    rows, _ = adam_mlp_run(
        seed=1, classes=2, majority=0.8, lr=0.0, n_train=192, epochs=40, label_noise=0.0, wd=0.0
    )
    (run,) = read_runs(write_keras_csv(tmp_path / "frozen.csv", rows))
    a = Analyzer(run)
    a.update()
    assert run.fold(4)  # (the oldest points folded: each series keeps a few of them, then its newest)
    a.update()
    assert a.ctx is not None and a.ctx.loss is not None and a.ctx.loss.base > 0
    assert _agree(a) >= 10
    # the walk reads the other series' values at the points' x in arrays: value_at_x only for the
    # reference values at the latest point (on main: once a series at every point walked, 12 here)
    reads = [0]
    real = no_update.value_at_x

    def counted(*args: Any, **kwargs: Any) -> Any:
        reads[0] += 1
        return real(*args, **kwargs)

    loss = a.ctx.loss
    with pytest.MonkeyPatch.context() as m:
        m.setattr(no_update, "value_at_x", counted)
        j = no_update.still_since(a.ctx, loss, len(loss) - 1)
    # (every value repeats: the walk reaches the points folded away, whose values are gone)
    assert j == loss.base == _walked(a.ctx, loss, len(loss) - 1)
    assert reads[0] == 3  # (the reference values of the three other series)


def test_reading_the_band_agrees_the_last_segment_s_new_piece_only() -> None:
    """A long run's last band segment holds many alert bounds (pieces); a read after a 10-row update
    agrees only its last piece, and says what agreeing the whole band afresh says (every read
    compared), and a band handed out earlier stays as it was."""
    n = 20_000
    cols = rows(n, train(n, val_batch=64, lr=0.05))
    run = Run("sgd", "-", "csv")
    feed(run, cols, 0, n - 300)
    live = Analyzer(run)
    live.update()
    _ = live.states
    reads, pieces, handed = [0], [0], []
    real = agreed.AgreedStates.get

    def compared(
        self: agreed.AgreedStates, segments: Any, spans: Any, prev: Any, nxt: Any, token: Any
    ) -> Any:
        got = real(self, segments, spans, prev, nxt, token)
        fresh = real(agreed.AgreedStates(), segments, spans, prev, nxt, token)
        assert [(s.state, s.start, s.end) for s in got] == [(s.state, s.start, s.end) for s in fresh]
        reads[0] += 1
        relevant = [s for s in spans if s[0] in AGREE_KINDS]
        pieces[0] += len(SpanJudge(relevant).pieces(segments[-1])) - 1
        return got

    before = live._agreed.pieces_agreed
    with pytest.MonkeyPatch.context() as m:
        m.setattr(agreed.AgreedStates, "get", compared)
        for k in range(30):  # a log growing 10 rows at a time, the band read twice after each update
            feed(run, cols, n - 300 + 10 * k, n - 290 + 10 * k)
            live.update()
            band = live.states
            handed.append((band, [(s.state, s.start, s.end) for s in band]))
            _ = live.summary()
    assert reads[0] == 60 and pieces[0] >= 4 * reads[0]  # (the premise: a last segment of 4 pieces or more)
    assert live._agreed.pieces_agreed - before <= reads[0] + 10  # (on main: every piece at every read)
    for band, said in handed:
        assert [(s.state, s.start, s.end) for s in band] == said
