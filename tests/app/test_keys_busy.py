"""Keys while the feed holds the runs for a long time (a large backlog being analysed): a key that
needs the runs waits for them without freezing the view, so the next key is handled meanwhile."""

from __future__ import annotations

import threading

from app_helpers import DATA, settled, sync, wait_for, watch_app

from lossacc_tui.app.screens.help import HelpScreen


@sync
async def test_a_key_is_handled_while_a_cursor_move_waits_for_a_long_analysis() -> None:
    app = watch_app(DATA / "training.log")
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, app, 600)
        held, done = threading.Event(), threading.Event()

        def long_analysis() -> None:  # the feed's thread holding the runs, as an analysis pass does
            with app.tracker.lock:
                held.set()
                done.wait(120)  # (a bound past any wait below: the runs stay held until the test lets go)

        busy = threading.Thread(target=long_analysis)
        busy.start()
        assert held.wait(60)
        try:
            await pilot.press("left")  # needs the runs: it waits for them
            await pilot.press("question_mark")  # does not: handled while the runs are still held
            await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help, the feed busy")
            assert busy.is_alive()
        finally:
            done.set()
            busy.join()
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen), what="help closed")
        await pilot.press("left")
        await wait_for(pilot, lambda: app.cursor == 149.0, what="the cursor at the last epoch")
