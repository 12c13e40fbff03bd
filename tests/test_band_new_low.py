"""The state band never reads "both worse" at a loss's new low (tester h19t 2b, tests/data/h19t_no_softmax:
a real Keras run with the softmax missing, val_loss 4.55 -> 1.18 while val_accuracy fell 0.270 ->
0.143). The loss trend at the last two epochs is flat in the band's noise (pooled over the steep first
epochs), and a flat loss beside a falling accuracy had read both-worse, although the loss reached its
lowest there; read up to epoch 8 the same stretch was loss-better-acc-worse."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from conftest import read_runs

from lossacc_tui.analysis import Analyzer
from lossacc_tui.analysis.states import BOTH_WORSE, FLAT, LOSS_BETTER_ACC_WORSE, NewLows

LOG = Path(__file__).parent / "data" / "h19t_no_softmax" / "training.log"


def _band(path: Path) -> list[tuple[str, float, float]]:
    (run,) = read_runs(path)
    a = Analyzer(run)
    a.update()
    return [(s.state, s.start, s.end) for s in a.states]


def test_a_loss_at_its_lowest_never_reads_both_worse(tmp_path: Path) -> None:
    rows = LOG.read_text().splitlines()
    loss = [float(r.split(",")[4]) for r in rows[1:]]
    assert loss[-1] == min(loss) and loss[-2] == min(loss[:-1])  # (new lows at epochs 8 and 9)
    band = _band(LOG)
    assert all(s != "both-worse" for s, _, _ in band), band
    assert band[-1] == ("loss-better-acc-worse", 2.0, 9.0), band
    short = tmp_path / "training.log"  # the same run read up to epoch 8: the same state there
    short.write_text("\n".join(rows[:-1]) + "\n")
    assert _band(short)[-1] == ("loss-better-acc-worse", 2.0, 8.0)


def test_new_lows_only_turn_a_flat_loss_at_a_new_low() -> None:
    lows = NewLows()
    codes = np.array([BOTH_WORSE, BOTH_WORSE, BOTH_WORSE, FLAT], dtype=np.int8)
    lows.feed(codes, np.array([0, 0, 1, 0]), np.array([2.0, 2.5, 1.0, 0.5]))
    # the first is a low (nothing before), the second is not, the third's loss rose in trend
    assert codes.tolist() == [LOSS_BETTER_ACC_WORSE, BOTH_WORSE, BOTH_WORSE, FLAT]
    codes = np.array([BOTH_WORSE, BOTH_WORSE], dtype=np.int8)
    lows.feed(codes, np.array([0, 0]), np.array([0.7, 0.4]))  # (the low carried across chunks: 0.5)
    assert codes.tolist() == [BOTH_WORSE, LOSS_BETTER_ACC_WORSE]
