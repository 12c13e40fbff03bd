"""An update's fixed cost (issue #12): work that an update, or `check` over many run folders, asked
for again with the same inputs is done once. A plateau alert's severity, title and evidence each
read whether every logged value repeats (`no_update.still_since`, a walk back over the run reading
every other series at each point): one walk for one state of the run, a fresh one once a record is
appended. A metric name's role (`roles.classify`) is read once per name, not once per run folder.
Runs: a real numpy MLP trained with Adam at learning rate 0 (`tests/numpy_adam.py`: every logged
value repeats)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import read_runs
from numpy_adam import adam_mlp_run, write_keras_csv

from lossacc_tui import roles
from lossacc_tui.analysis import Analyzer
from lossacc_tui.analysis.detectors import no_update
from lossacc_tui.analysis.detectors.plateau import Plateau
from lossacc_tui.model import Batch


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
