"""acc-flat-loss-down opened on a slow, steady accuracy climb: "val_acc flat at 0.58-0.65 ... (epoch
68-77)" and "flat at 0.647-0.69 (83-85)" while the right answers went 174 -> 195 -> 207 of 300 and on
to 262, with the advice that more epochs buy calibration, not accuracy (tester 22 F3). About 1.3
samples an epoch stays within the accuracy's band (2.8 points) in every 8-evaluation window, so the
windowed test alone never saw it. A real torch run (tests/data/tester22_slow_adam/README.md)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import live_analysis, read_runs

from lossacc_tui.analysis.analyzer import Analyzer

LOG = Path(__file__).parent / "data" / "tester22_slow_adam" / "metrics.jsonl"


def _flat_spans(alerts: list) -> list[tuple[float, float | None]]:
    return [(a.start, a.end) for a in alerts if a.kind == "acc-flat-loss-down"]


def test_a_climb_slower_than_the_band_per_window_is_never_called_flat() -> None:
    [run] = read_runs(LOG)
    an = Analyzer(run)
    an.update()
    acc = {int(r["epoch"]): r["val_acc"] for r in map(json.loads, LOG.read_text().splitlines())}
    for a in an.alerts:
        if a.kind != "acc-flat-loss-down":
            continue
        end = max(acc) if a.end is None else int(a.end)
        # the truth climbs from epoch 40 to the end (152 -> 262 of 300): no span there is flat
        assert end < 40, (a.title, a.start, a.end)
    # fed one record at a time, as a live log is, it says the same
    live = live_analysis(LOG)
    assert _flat_spans(live.alerts) == _flat_spans(an.alerts)
