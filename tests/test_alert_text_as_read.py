"""An alert that opens within an analysis pass which reads on past it (a followed log's pass reads
every record since the last one) is told, and printed by `check --follow`, with its text as of the
pass's last point: the stream prints it after the lines of those records, so "its best val_loss was
X at epoch 2" under a line that shows a lower val_loss at epoch 7 reads as the current state and is
stale. (Tester 19 F7: the alert printed after the epoch-6 line said "best val_loss was 0.8497 at
epoch 3" below lines showing 0.6469, 0.5279, 0.4342.) A real run from numpy training."""

from __future__ import annotations

import io
import json
from pathlib import Path

from numpy_training import softmax_regression

from lossacc_tui.analysis.analyzer import Analyzer
from lossacc_tui.events import AlertChanged
from lossacc_tui.feed import read_finished
from lossacc_tui.source import discover
from lossacc_tui.stream import Printer


def test_an_alert_opened_mid_pass_is_told_as_of_the_pass_s_last_point(tmp_path: Path) -> None:
    # a 10-class softmax regression still converging: accuracy high early, its loss far above
    # the least that accuracy allows (high-loss-good-acc opens at its third evaluation)
    rows = softmax_regression(classes=10, lr=0.02, epochs=8, features=20, spread=1.0)
    lines = [(json.dumps({"epoch": e, **r}) + "\n").encode() for e, r in enumerate(rows)]
    log = tmp_path / "log.jsonl"
    log.write_bytes(b"".join(lines[:2]))
    [src] = discover(log)
    read_finished([src], analyze=False)
    [run] = src.runs
    analyzer = Analyzer(run)
    assert analyzer.update() == []  # (a live pass over the first two records: nothing opens yet)
    with log.open("ab") as f:  # the writer's next six records, read before the next live pass
        f.write(b"".join(lines[2:]))
    src.feed(0, b"".join(lines[2:]))
    events = analyzer.update()
    [(change, alert)] = [(w, a) for w, a in events if a.kind == "high-loss-good-acc"]
    assert change == "opened" and alert.active
    assert alert.data["open_idx"] < len(rows) - 1  # (it opened before the last record read)

    out = io.StringIO()
    Printer(out, as_json=False)([AlertChanged(run, change, alert)])
    text = " ".join(out.getvalue().split())
    last = rows[-1]["val_loss"]
    assert f"At epoch {len(rows) - 1}" in text
    assert f"best val_loss was {last:.4f} at epoch {len(rows) - 1}" in text
    opened_at = rows[alert.data["open_idx"]]["val_loss"]  # (the loss when it opened: stale by now)
    assert f"{opened_at:.4f}" not in text
