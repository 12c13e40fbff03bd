"""Two alerts of one kind about one metric with the same start (an overfitting alert that closed and
opened again from the same best epoch) are two rows of the alert list, each showing its own
explanation; the view crashed on them with Textual's DuplicateID (tester 27 T1, a real torch run:
tests/app/data/overfit_reopened/README.md)."""

from __future__ import annotations

import shutil
from pathlib import Path

from app_helpers import DATA, settled, sync, wait_for, watch_app

from lossacc_tui.app import present
from lossacc_tui.app.widgets.alert_list import AlertList
from lossacc_tui.app.widgets.explanation import Explanation


@sync
async def test_two_overfitting_alerts_from_one_best_epoch_are_two_rows_each_with_its_text(
    tmp_path: Path,
) -> None:
    log = tmp_path / "log.jsonl"
    shutil.copy(DATA / "overfit_reopened" / "log.jsonl", log)
    app = watch_app(log)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, app, 240)
        alerts = app.query_one(AlertList)
        await wait_for(
            pilot,
            lambda: sum(r.kind == "overfitting" for r in alerts.rows) == 2,
            what="both overfitting alerts listed",
        )
        rows = [r for r in alerts.rows if r.kind == "overfitting"]
        assert len({r.key for r in alerts.rows}) == len(alerts.rows)
        assert {r.active for r in rows} == {True, False}
        box = app.query_one(Explanation)
        alerts.focus()
        shown = []
        for r in rows:
            for _ in range(len(alerts.rows) + 1):
                if app.selected_alert == r.key:
                    break
                await pilot.press("down")
                await wait_for(pilot, lambda: app.selected_alert is not None, what="an alert highlighted")
            assert app.selected_alert == r.key
            with app.tracker.lock:
                written = present.explanation(app.tracker.runs[app.selected_run or 0], r.key)
            assert written
            await wait_for(
                pilot,
                lambda w=written: (
                    box.border_title == "explanation · overfitting" and box.text.split()[0] in w
                ),
                what=f"the explanation of {r.key}",
            )
            shown.append(written)
        assert shown[0] != shown[1]
