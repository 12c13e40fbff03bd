"""Live and one-shot agree: the same log fed to the analysis a few lines or bytes at a time (as
`check --follow` and the Monitor read a growing file) raises exactly the alerts `check` raises
reading it at once, with the same spans, severities and titles. Data: real minibatch-SGD training
in numpy (`numpy_sgd.sgd_run`, evaluated after every step: noisy), healthy and overfitting."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lossacc_tui.analysis import Analyzer, Params
from lossacc_tui.source import discover

sys.path.insert(0, str(Path(__file__).resolve().parent))

from numpy_sgd import sgd_run, write_csv


def _alerts(analyzer: Analyzer) -> list[tuple[Any, ...]]:
    return sorted((a.kind, a.severity, a.start, a.end, a.active, a.title) for a in analyzer.alerts)


def once(path: Path) -> list[tuple[Any, ...]]:
    (src,) = discover(path)
    src.read_all()
    (run,) = src.runs
    a = Analyzer(run, Params())
    a.update()
    return _alerts(a)


def live(path: Path, cuts: list[int]) -> list[tuple[Any, ...]]:
    """Feed the file's bytes split at `cuts` (byte offsets), analysing after every piece."""
    (src,) = discover(path)
    data = path.read_bytes()
    analyzers: dict[int, Analyzer] = {}
    edges = [0, *sorted(set(cuts)), len(data)]
    for lo, hi in itertools.pairwise(edges):
        if hi <= lo:
            continue
        src.feed(0, data[lo:hi])
        for run in src.runs:
            analyzers.setdefault(id(run), Analyzer(run, Params())).update()
    src.finish(0)
    for run in src.runs:
        analyzers.setdefault(id(run), Analyzer(run, Params())).update()
    (a,) = analyzers.values()
    return _alerts(a)


@pytest.mark.parametrize("overfit", [False, True])
def test_fed_in_any_chunking_the_alerts_equal_check(tmp_path: Path, overfit: bool) -> None:
    kw: dict[str, Any] = {"overfit": True, "features": 60} if overfit else {}
    path = write_csv(tmp_path / "run.csv", sgd_run(160, seed=3, **kw))
    want = once(path)
    kinds = {k[0] for k in want}
    if overfit:
        assert {"overfitting", "loss-up-acc-up"} <= kinds, want  # (the run must overfit to mean anything)
    data = path.read_bytes()
    lines = [i + 1 for i, b in enumerate(data) if b == ord("\n")]
    rng = np.random.default_rng(0)
    chunkings = {
        "line by line": lines,
        "random bytes": sorted(rng.integers(1, len(data), size=25).tolist()),
    }
    for name, cuts in chunkings.items():
        assert live(path, cuts) == want, name
