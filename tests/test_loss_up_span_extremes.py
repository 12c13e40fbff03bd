"""A loss-up-acc-up alert's text quotes its span's own numbers: "highest while this alert is open"
is the highest validation accuracy over the span it is dated to, not only from the evaluation it was
confirmed at (tester 20: "highest ... 0.7744 at epoch 10" over a span holding 0.8044 at epoch 8)."""

from __future__ import annotations

import math
import re
from pathlib import Path

from conftest import read_runs

from lossacc_tui.analysis import Analyzer

LOG = Path(__file__).parent / "data" / "tester19_skimb4" / "train.log"


def test_the_highest_accuracy_quoted_is_the_spans_own() -> None:
    (run,) = read_runs(LOG)
    a = Analyzer(run)
    a.update()
    ups = [al for al in a.alerts if al.kind == "loss-up-acc-up"]
    assert ups
    acc = run.by_role("val_acc")
    assert acc is not None
    xs, ys = acc.x("epoch"), acc.values
    for al in ups:
        end = al.end if al.end is not None else math.inf
        inside = [float(y) for x, y in zip(xs, ys, strict=True) if al.start <= x <= end]
        text = " ".join(al.explanation.split())
        m = re.search(r"highest while this alert is open ([0-9.]+) at epoch ([0-9]+)", text)
        assert m, text
        assert float(m.group(1)) == round(max(inside), 4), (m.group(0), inside)
