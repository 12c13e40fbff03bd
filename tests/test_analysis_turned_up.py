"""`acc-flat-loss-down` speaks of a falling loss: it does not open once the loss has turned up
(risen twice in a row above its best), where the rise alerts speak for it, so the two never
describe the same evaluations in opposite words."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from test_analysis_agreement import run_of  # noqa: E402


def _turned_at(val: np.ndarray) -> int:
    """The first index where the loss has risen twice in a row above its running best."""
    for i in range(2, len(val)):
        if val[i] > val[i - 1] > val[i - 2] and val[i] > val[: i - 1].min():
            return i
    return len(val)


def test_acc_flat_loss_down_does_not_open_after_the_loss_turned_up(tmp_path: Path) -> None:
    # validation loss falling 0.05 an epoch to its best at epoch 10 (numpy), then rising 0.005 an
    # epoch (0.0125 an epoch for the second run) while accuracy holds on 60 samples; before, the
    # info alert opened at epoch 11-12 and stayed beside `loss-up-acc-up`/`overfitting` warnings
    for slope in (0.005, 0.0125):
        e = np.arange(31)
        val = np.where(e <= 10, 0.9 - 0.05 * e, 0.40 + slope * (e - 10))
        right = np.concatenate([[40, 42, 43, 45, 44, 46, 47, 46, 48, 47, 48], np.full(20, 48)])
        rows = ["epoch,loss,val_loss,val_acc"] + [
            f"{k},{1 / (k + 1):.4f},{v:.4f},{r / 60:.4f}" for k, v, r in zip(e, val, right, strict=True)
        ]
        path = tmp_path / f"turn_{slope}.csv"
        path.write_text("\n".join(rows) + "\n")
        run = run_of(path)
        turned = _turned_at(val)
        late = [
            (a["start"], a["end"])
            for a in run["alerts"]
            if a["kind"] == "acc-flat-loss-down" and (a["end"] is None or a["end"] >= turned)
        ]
        assert not late, (slope, turned, late)
        assert {"loss-up-acc-up", "overfitting"} & {a["kind"] for a in run["alerts"]}, slope
