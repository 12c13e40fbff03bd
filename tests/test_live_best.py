"""A live view shows each new point at once, while the analysis reads it a few seconds later: the
best shown beside the value (the summary's "best ... at epoch N", the loss legend's "◆ best") must
count the points not analysed yet, or a new best reads "val_loss 0.8612 ... best 1.012 @1"
(tester 11). The feed's passes are driven here, so no test depends on the scheduler."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from conftest import DEMO, REPO

from lossacc_tui.analysis.quantities import fmt, fmt_x
from lossacc_tui.app.tracker import RunState
from lossacc_tui.app.view import analysis_best
from lossacc_tui.feed import Feed, read_finished
from lossacc_tui.model import Batch, Run
from lossacc_tui.source import discover

GLITCH = REPO.parent / "shared" / "cases" / "analysis" / "rw-05-so-valloss-epsilon" / "stdout.txt"
BEST = re.compile(r"^- (\S+): .*; best (\S+) at (?:epoch|step) (\S+)", re.M)


def _rows(path: Path, most: int = 32) -> tuple[Run, list[Batch]]:
    """A real log's run, and its first `most` records again one evaluation at a time."""
    (whole,) = read_finished(discover(path), analyze=False).runs
    cols = {name: s.values for name, s in whole.series.items()}
    (n,) = {len(v) for v in cols.values()}
    epoch = whole.series[next(iter(cols))].epochs
    rows = [
        Batch(1, {k: v[i : i + 1].copy() for k, v in cols.items()}, {}, epoch=epoch[i : i + 1])
        for i in range(min(n, most))
    ]
    return whole, rows


class Live:
    """A run appended to one evaluation at a time, analysed only when `analyse()` says so."""

    def __init__(self, whole: Run) -> None:
        self.feed = Feed()
        self.feed.publishing = True
        self.feed._start_timer = lambda wait: None  # type: ignore[method-assign]  # (passes driven here)
        self.run = Run(whole.name, whole.path, whole.format)

    def append(self, batch: Batch) -> None:
        with self.feed.lock:  # (as the follower does)
            self.run.add_batch(batch)
            self.feed.appended([(self.run, batch)])

    def analyse(self) -> None:
        self.feed._pass()

    def shown(self) -> tuple[list[tuple[str, str, str]], float | None]:
        """What a view shows now: the summary's (name, best, at x) lines and the loss legend's best."""
        with self.feed.lock:
            pub = self.feed.published[id(self.run)]
            text = pub.summary_of(self.run)
            rs = RunState(self.run, result=pub)
            s = self.run.by_role("val_loss")
            i = analysis_best(rs, s) if s is not None else None
            return BEST.findall(text), (float(s.values[i]) if s is not None and i is not None else None)


@pytest.mark.parametrize(
    "path", [DEMO / "healthy_keras" / "training.log", DEMO / "loss_up_acc_up" / "training.log"]
)
def test_a_best_not_analysed_yet_is_shown_as_the_best_at_once(path: Path) -> None:
    """Analysed every 4th evaluation, after every append the summary's bests and the loss legend's
    are the best values of all the rows so far (as a finished file of those rows reads: these real
    runs hold no glitched evaluation), so the best loss is never worse than the latest beside it."""
    whole, rows = _rows(path)
    late = Live(whole)
    late.append(rows[0])
    late.analyse()
    new_bests = 0
    for i, row in enumerate(rows):
        if i:
            late.append(row)
            if i % 4 == 0:
                late.analyse()
        (loss_line, acc_line), legend = late.shown()
        loss, acc = late.run.by_role("val_loss"), late.run.by_role("val_acc")
        assert loss is not None and acc is not None
        lo, hi = int(np.argmin(loss.values)), int(np.argmax(acc.values))  # (first on ties)
        assert legend == loss.values[lo], f"after row {i}"
        assert loss_line == (loss.name, fmt(loss.values[lo]), fmt_x(loss.epochs[lo])), f"after row {i}"
        assert acc_line == (acc.name, fmt(acc.values[hi], 4), fmt_x(acc.epochs[hi])), f"after row {i}"
        assert loss.values[lo] <= loss.values[-1]
        new_bests += lo == i and i % 4 != 0  # (a best the late analysis had not read)
    assert new_bests >= 1  # (the lag was exercised: at least one new best arrived between analyses)


def test_a_glitched_evaluation_not_analysed_yet_is_not_the_best() -> None:
    """rw-05: val_loss 1.19e-07 at val_acc 0.119 (impossible for a cross-entropy) arrives between
    analyses: it is not shown as the best meanwhile, as the analysis does not take it either."""
    whole, rows = _rows(GLITCH)
    late, ref = Live(whole), Live(whole)
    for i, row in enumerate(rows):
        late.append(row)
        if i == 0:
            late.analyse()
        ref.append(row)
        ref.analyse()
        (lines, legend), want = late.shown(), ref.shown()
        assert legend is not None and legend > 1e-3
        assert all("e-07" not in best for _, best, _ in lines)
        assert (lines, legend) == want, f"after row {i}"
