"""Lightning's default Rich progress bar captured from a terminal (`script`), its live display
redrawn in place (tester h19k item 4; real captures: tests/data/lightning_rich_live/make.py). The
frames ran together and were read as free-form prints: a dozen made-up runs of repeated values,
validation values at no x or one epoch off. Each epoch's last frame is its record, and every
evaluation lands at the epoch metrics.csv gives it, also when validation skips epochs (the bar
keeps showing the last evaluation's values) or runs inside an epoch (read at the epoch's end, said)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import REPO, feed_in_chunks, read_runs, read_sources, snapshot

DATA = REPO / "tests" / "data" / "lightning_rich_live"


@pytest.mark.parametrize("kind", ["plain", "every2", "vci"])
def test_each_evaluation_lands_at_its_epoch(kind: str) -> None:
    path = DATA / f"{kind}.log"
    (run,) = read_runs(path)
    assert run.format == "lightning-console" and run.x_axis == "epoch"
    (csv,) = read_runs(DATA / f"{kind}_metrics.csv")
    for name in ("val_loss", "val_acc"):
        got, want = run.series[name], csv.series[name]
        ends = [i for i, e in enumerate(want.epochs) if i + 1 == len(want) or want.epochs[i + 1] != e]
        assert list(got.epochs) == [want.epochs[i] for i in ends]  # (the epoch's last evaluation)
        assert np.allclose(got.values, want.values[ends], atol=5e-4)  # (the bar shows 3 decimals)
    assert list(run.series["train_loss"].epochs) == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert snapshot(feed_in_chunks(path, [1, 97, 4096])) == snapshot([run])


def test_evaluations_inside_an_epoch_are_said_to_be_read_at_its_end() -> None:
    (src,) = read_sources(DATA / "vci.log")
    said = [p.message for p in src.problems(src.runs[0])]
    assert any("read at the epoch's end only" in m for m in said), said
    (plain,) = read_sources(DATA / "plain.log")
    assert not plain.problems(plain.runs[0])
