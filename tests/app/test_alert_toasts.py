"""Alert toasts never hide the summary: the alerts a log held when it was read are in the lists, not
toasts, however late its first analysis ends (a loaded machine); alerts opened while the view runs
share ONE one-line toast, on the summary pane's bottom border (testers 17 and 18: at 80x24 six toasts
covered the summary at the first paint of `lossacc-tui demo`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_helpers import DATA, REPO, sync, wait_for, watch_app
from textual.widgets._toast import Toast

from lossacc_tui.app.widgets.alert_list import AlertList

LINES = (DATA / "training.log").read_text().splitlines(keepends=True)  # header + 150 epochs
DEMO = REPO / "demo_logs"


def _toasts(app: object) -> list[Toast]:
    return [t for t in app.screen.query(Toast) if t.region.area]  # type: ignore[attr-defined]


@sync
async def test_the_alerts_a_log_held_are_not_toasts_however_late_its_analysis() -> None:
    size = (80, 24)  # (tester 17's and 18's terminal; the rule does not depend on the size)
    now = [1000.0]
    app = watch_app(
        DEMO / "nan_run", DEMO / "val_loss_unstable", DEMO / "high_loss_good_acc", clock=lambda: now[0]
    )
    now[0] += 60  # (the first analysis ends long after the start, as on a loaded machine)
    async with app.run_test(size=size, notifications=True) as pilot:

        def analysed() -> bool:
            with app.tracker.lock:
                runs = app.tracker.runs
                return len(runs) == 3 and all(rs.result is not None for rs in runs)

        await wait_for(pilot, analysed, what="the three runs analysed")
        await wait_for(pilot, lambda: not app.tracker.feed.analysis_pending, what="the analysis")
        app.redraw()
        await pilot.pause()
        await pilot.pause()
        alerts = app.query_one("#alerts", AlertList)
        await wait_for(pilot, lambda: alerts.option_count >= 1, what="the alert list")
        await pilot.pause()
        assert not _toasts(app), [str(t.render()) for t in _toasts(app)]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
@sync
async def test_alerts_opened_live_share_one_toast_off_the_summary_text(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    log = tmp_path / "training.log"
    log.write_text("".join(LINES[:21]))  # epochs 0-19: no alert yet
    now = [1000.0]
    app = watch_app(log, clock=lambda: now[0])
    async with app.run_test(size=size, notifications=True) as pilot:

        def read(points: int) -> bool:
            with app.tracker.lock:
                runs = app.tracker.runs
                return bool(runs) and runs[0].run.points >= points and runs[0].result is not None

        await wait_for(pilot, lambda: read(80) and not app.tracker.feed.analysis_pending, what="20 epochs")
        now[0] += 60  # the history read at start is over: new alerts are told
        with log.open("a") as f:
            f.write("".join(LINES[21:]))  # three warnings open
        summary = app.query_one("#explanation")
        seen: list[str] = []

        def check() -> bool:
            toasts = _toasts(app)
            assert len(toasts) <= 1, [str(t.render()) for t in toasts]
            for t in toasts:
                assert t.region.height == 1
                assert not t.region.overlaps(summary.content_region), (t.region, summary.content_region)
                seen.append(str(t.render()))
            return read(600) and not app.tracker.feed.analysis_pending and bool(toasts)

        await wait_for(pilot, check, what="a toast after the whole log is analysed")
        assert any("overfitting" in s or "alerts opened" in s for s in seen), seen
