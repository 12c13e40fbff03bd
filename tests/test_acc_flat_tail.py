"""`acc-flat-loss-down` closes once the loss has stopped falling (tester 18, fault N8; issue #9).

A torch run whose learning rate is warmed up and then decayed by a cosine to 0 (tests/data/
tester18_warmup/README.md) holds val_loss within 0.1 % over its last epochs. The alert stayed
"active ... val_loss level fell 0.1805 -> 0.1328" to the end, as if the loss still fell, while the
state band read `flat`. It now closes where the fall stopped within the loss's own noise, and its
closed text quotes the numbers of its own span. Seed 1 is a run nothing was tuned on."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import read_runs

from lossacc_tui.analysis import Analyzer

DATA = Path(__file__).parent / "data" / "tester18_warmup"


@pytest.mark.parametrize("seed", [0, 1])
def test_acc_flat_loss_down_closes_where_the_loss_stops_falling(seed: int) -> None:
    truth = [json.loads(line) for line in (DATA / f"seed{seed}_truth.jsonl").read_text().splitlines()]
    loss = np.array([t["loss"] for t in truth])
    # the premise, from the per-sample facts: over the last 5 evaluations the loss moves by less than
    # 0.5 % of its value (the learning rate has decayed to about 0)
    assert np.ptp(loss[-5:]) < 0.005 * loss[-1]
    (run,) = read_runs(DATA / f"seed{seed}.jsonl")
    a = Analyzer(run)
    a.update()
    flat = [al for al in a.alerts if al.kind == "acc-flat-loss-down"]
    assert flat, [al.kind for al in a.alerts]
    al = flat[-1]
    assert not al.active and al.end is not None and al.end < len(loss) - 1, (al.title, al.end)
    # from its end on, the loss no longer falls beyond a fraction of a percent: the span it claims
    # a fall over ends where the fall did
    assert loss[int(al.end) :].max() - loss[-1] < 0.01 * loss[-1]
    # its numbers are its own span's: the level it quotes last is the mean of the 3 values up to its
    # end (the detector's level), not the run's latest
    e = al.evidence
    assert e["now_x"] == al.end
    assert e["now_level"] == pytest.approx(float(np.mean(loss[int(al.end) - 2 : int(al.end) + 1])), rel=1e-4)
