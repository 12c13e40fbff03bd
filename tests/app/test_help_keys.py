"""Help and keys through Pilot: `?` opens the help (a doubled `?` keeps it open), which explains the
glyphs and says whether smoothing is on; `enter` on a run or an alert focuses its explanation; the
smoothing indicator stays in the plot legends while smoothing is on."""

from __future__ import annotations

from app_helpers import DATA, settled, strips_text, sync, wait_for, watch_app
from textual import events

from lossacc_tui.app.screens.help import HelpScreen
from lossacc_tui.app.widgets.alert_list import AlertList
from lossacc_tui.app.widgets.explanation import Explanation
from lossacc_tui.app.widgets.metric_plot import CURSOR, MARK, MetricPlot


def _help_text(app: object) -> str:
    screen = app.screen  # type: ignore[attr-defined]
    return "\n".join(str(s.render()) for s in screen.query("Static"))


@sync
async def test_help_opens_on_a_doubled_question_mark_and_explains_glyphs_and_smoothing() -> None:
    app = watch_app(DATA / "training.log")
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot, app, 600)
        for _ in range(2):  # a doubled press, both keys queued before the screen shows: still open
            app.post_message(events.Key("question_mark", "?"))
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        await pilot.pause(0.2)
        assert isinstance(app.screen, HelpScreen)
        assert sum(isinstance(s, HelpScreen) for s in app.screen_stack) == 1
        text = _help_text(app)
        for glyph in ("✖ ▲ ●", MARK, CURSOR, "ep st"):
            assert glyph in text
        assert "Smoothing is off" in text
        await pilot.pause(0.5)  # a later `?` is a new press: it closes the help
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen), what="help closed")
        await pilot.press("s")
        loss = app.query_one("#loss-plot", MetricPlot)
        await wait_for(pilot, lambda: "(smoothed 0.6)" in strips_text(loss), what="smoothing indicator")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help again")
        await wait_for(pilot, lambda: "Smoothing is on (weight 0.6)" in _help_text(app), what="on")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen), what="help closed")
        await pilot.press("s")
        await wait_for(pilot, lambda: "smoothed" not in strips_text(loss), what="indicator gone")


@sync
async def test_enter_on_a_run_or_an_alert_focuses_its_explanation() -> None:
    app = watch_app(DATA / "training.log")
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, app, 600)
        box = app.query_one(Explanation)
        await pilot.press("enter")  # the run list has the focus at start
        await wait_for(pilot, lambda: app.focused is box, what="summary focused")
        assert box.border_title == "summary"
        alerts = app.query_one(AlertList)
        alerts.focus()
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: app.focused is box, what="explanation focused")
        assert app.selected_alert == alerts.rows[alerts.highlighted].key
        assert box.border_title == f"explanation · {alerts.rows[alerts.highlighted].kind}"
