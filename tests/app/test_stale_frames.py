"""A frame the app built before it handled the user's move in a list (a data frame of a live run,
on a busy machine) carries the selection from before the move: it must not leave the list
highlighting one thing while the view shows another."""

from __future__ import annotations

from app_helpers import DATA, settled, sync, wait_for, watch_app

from lossacc_tui.app.widgets.alert_list import AlertList
from lossacc_tui.app.widgets.explanation import Explanation


@sync
async def test_a_frame_older_than_escape_in_the_alert_list_does_not_leave_an_alert_highlighted() -> None:
    """`escape` on an alert (back to the run's summary) while a new alert opens: the frame with the
    new alert's row, built before the app handled the key, put the highlight back on the alert
    left, and no later frame (the same rows) took it off: the list said one alert while the pane
    below showed the summary, and ↓ went on from there."""
    app = watch_app(DATA / "training.log")  # a real Keras CSVLogger log with several alerts
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, app, 600)
        alerts, box = app.query_one(AlertList), app.query_one(Explanation)
        await wait_for(pilot, lambda: len(alerts.rows) >= 3, what="three alert rows")
        rows = list(alerts.rows)  # newest first
        left = rows[1].key
        alerts.highlighted = 1  # the user on the second alert
        await wait_for(pilot, lambda: box.border_title.startswith("explanation"), what="its explanation")
        alerts.set_rows(rows[1:], left)  # the list as it was before the newest alert opened
        alerts.action_unselect()  # escape, not yet handled by the app
        alerts.set_rows(rows, left)  # the frame with the new alert's row, built before the key
        await wait_for(pilot, lambda: box.border_title == "summary", what="the summary")
        app.redraw()
        await pilot.pause(0.3)
        assert alerts.rows == rows and alerts.highlighted is None
