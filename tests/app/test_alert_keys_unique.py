"""Two alerts of one kind about one metric with the same start (an overfitting alert that closed and
another dated back to the same best epoch) get rows with different keys, and the alert list shows
both; the view crashed on such a pair with Textual's DuplicateID (tester 27 T1, a real torch run:
tests/data/overfit_reopened/README.md; that run's two alerts are one now, analysis/merging.py, and
the keys stay unique whatever the analysis gives)."""

from __future__ import annotations

from app_helpers import REPO, sync
from textual.app import App, ComposeResult

from lossacc_tui.analysis import Analyzer
from lossacc_tui.app import present
from lossacc_tui.app.view import AlertRow
from lossacc_tui.app.widgets.alert_list import AlertList
from lossacc_tui.source import discover


class Pane(App[None]):
    def compose(self) -> ComposeResult:
        yield AlertList(id="alerts")


@sync
async def test_two_alerts_with_one_start_are_two_rows_of_the_alert_list() -> None:
    (src,) = discover(REPO / "tests" / "data" / "overfit_reopened" / "log.jsonl")
    src.read_all()
    (run,) = src.runs
    analyzer = Analyzer(run)
    analyzer.update()
    (over,) = [a for a in analyzer.alerts if a.kind == "overfitting"]
    closed = over.snapshot()
    closed.active, closed.end = False, 40.0
    pair = [closed, over]
    keys = present.alert_keys(pair)
    assert present.alert_key(closed) == present.alert_key(over) and keys[id(closed)] != keys[id(over)]
    rows = [AlertRow(keys[id(a)], a.kind, a.severity, a.title, "epoch 36–", a.active) for a in pair]
    app = Pane()
    async with app.run_test(size=(80, 20)) as pilot:
        alerts = app.query_one(AlertList)
        alerts.set_rows(rows, rows[1].key)
        await pilot.pause()
        assert alerts.option_count == 2
        assert alerts.get_option_at_index(alerts.highlighted or 0).id == rows[1].key
