"""The status line says when the followed log is deleted (what was read stays on screen)."""

from __future__ import annotations

from pathlib import Path

from app_helpers import DATA, settled, sync, wait_for, watch_app

from lossacc_tui.app.widgets.status_line import StatusLine

LINES = (DATA / "training.log").read_text().splitlines(keepends=True)  # a real Keras CSVLogger log


@sync
async def test_the_status_line_says_when_the_followed_log_is_deleted(tmp_path: Path) -> None:
    """Tester 9's fault 5: the view said "live · last point 14 s ago" after the log was deleted."""
    log = tmp_path / "training.log"
    log.write_text("".join(LINES))
    app = watch_app(log)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, app, 150 * 4)
        status = app.query_one(StatusLine)
        assert "live" in status.plain and "deleted" not in status.plain
        log.unlink()
        await wait_for(pilot, lambda: "training.log deleted" in status.plain, what="the deletion told")
        assert "· live" not in status.plain
        with app.tracker.lock:
            assert app.tracker.runs[0].run.points == 150 * 4  # what was read stays on screen
