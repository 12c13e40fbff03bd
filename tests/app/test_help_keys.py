"""Help and keys through Pilot: `?` opens the help (a doubled `?` keeps it open), which explains the
glyphs and says whether smoothing is on; `enter` on a run or an alert focuses its explanation; the
smoothing indicator stays in the plot legends while smoothing is on."""

from __future__ import annotations

import re
from pathlib import Path

from app_helpers import DATA, settled, strips_text, sync, wait_for, watch_app
from textual import events
from textual.containers import VerticalScroll
from textual.geometry import Region
from textual.widgets._toast import Toast

from lossacc_tui.app.screens.help import HelpScreen
from lossacc_tui.app.widgets.alert_list import AlertList
from lossacc_tui.app.widgets.explanation import Explanation
from lossacc_tui.app.widgets.metric_plot import CURSOR, MARK, MetricPlot


def _help_text(app: object) -> str:
    """What the help's texts draw, line by line (all of it, scrolled out of view or not)."""
    screen = app.screen  # type: ignore[attr-defined]
    out = []
    for s in screen.query("Static"):
        out += ["".join(seg.text for seg in strip) for strip in s.render_lines(Region(0, 0, *s.size))]
    return "\n".join(out)


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
        await wait_for(
            pilot,
            lambda: bool(re.search(r"\((smoothed|sm) 0\.6\)", strips_text(loss))),
            what="smoothing indicator",
        )
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


@sync
async def test_help_opens_at_its_top_wraps_beside_each_key_and_no_toast_covers_it(tmp_path: Path) -> None:
    lines = (DATA / "training.log").read_text().splitlines(keepends=True)
    log = tmp_path / "training.log"
    log.write_text("".join(lines[:21]))  # epochs 0-19: no alert yet
    now = [1000.0]
    app = watch_app(log, clock=lambda: now[0])
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settled(pilot, app, 80)
        now[0] += 60  # the history read at start is over: new alerts are told as toasts
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        box = app.screen.query_one(VerticalScroll)
        await pilot.press("pagedown", "pagedown")
        await wait_for(pilot, lambda: box.scroll_y > 0, what="scrolled")
        await pilot.press("escape", "question_mark")  # opened again: at its top, not where it was left
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help again")
        await pilot.pause(0.2)
        assert box.scroll_y == 0 and box.border_title == "help"
        first = app.screen.query("Static").first()
        # the keys come first, a new user's first question (tester 25: it opened at "Smoothing")
        assert first.region.y == box.region.y + 1 and _help_text(app).splitlines()[0].strip() == "Keys"
        assert _help_text(app).index("Smoothing is off") > _help_text(app).index("Command palette")
        text = _help_text(app)
        assert re.search(r"^c +Compare runs: .*\n {10}\S", text, re.M), text  # wrapped beside its key
        with log.open("a") as f:  # alerts open while the help is shown
            f.write("".join(lines[21:]))
        await wait_for(pilot, lambda: bool(app._notifications), what="an alert told")
        await pilot.pause(0.3)
        assert isinstance(app.screen, HelpScreen)
        assert app.screen.query(Toast)  # told (it shows once the help is closed)...
        for toast in app.screen.query(Toast):  # ...but nothing of it is drawn over the help
            r = toast.region
            for x in range(r.x, r.right):
                for y in range(r.y, r.bottom):
                    top, _ = app.screen.get_widget_at(x, y)
                    assert not isinstance(top, Toast) and not isinstance(top.parent, Toast), (x, y, top)
