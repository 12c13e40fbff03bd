"""A `Probe` made afresh at every evaluation (tester 25, fault 4: `Probe(run_dir).log(...)` inside an
evaluate() function or a callback, as such code is naturally written) counts flips like one Probe
kept across evaluations; a sidecar whose earlier lines another process wrote says so instead of
calling the evaluation the split's first."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from test_probe import read_lines, softmax_regression

from lossacc_tui.probe import Probe


def test_a_probe_made_at_every_evaluation_counts_flips(tmp_path: Path) -> None:
    evals = softmax_regression(1500, 4, seed=7, epochs=4)
    for e, (z, y) in enumerate(evals):
        Probe(tmp_path / "fresh").log(epoch=e, logits=z, labels=y)
    kept = Probe(tmp_path / "kept")
    for e, (z, y) in enumerate(evals):
        kept.log(epoch=e, logits=z, labels=y)
    fresh, same = read_lines(tmp_path / "fresh"), read_lines(tmp_path / "kept")
    assert [r["flips"] for r in fresh] == [r["flips"] for r in same]
    assert fresh[0]["flips"] is None and all(r["flips"] > 0 for r in fresh[1:])
    assert all(r["flips_note"] is None for r in fresh[1:])


def test_earlier_lines_of_another_process_are_named_as_such(tmp_path: Path) -> None:
    (z, y), (z2, _) = softmax_regression(800, 3, seed=3, epochs=2)
    np.savez(tmp_path / "first.npz", z=z, y=y)
    code = (
        "import sys, numpy as np; from lossacc_tui.probe import Probe; d = np.load(sys.argv[1]);"
        "Probe(sys.argv[2]).log(epoch=0, logits=d['z'], labels=d['y'])"
    )
    subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "first.npz"), str(tmp_path / "run")], check=True
    )
    rec = Probe(tmp_path / "run").log(epoch=1, logits=z2, labels=y)
    assert rec is not None and rec["flips"] is None
    assert "another process" in rec["flips_note"]
    # a split the earlier process never wrote is this one's first
    train = Probe(tmp_path / "run").log(epoch=1, logits=z2, labels=y, split="train")
    assert train is not None and train["flips_note"] == "first evaluation of this split"
    lines = [json.loads(s) for s in (tmp_path / "run" / "lossacc_probe.jsonl").read_text().splitlines()]
    assert [r["split"] for r in lines] == ["val", "val", "train"]
