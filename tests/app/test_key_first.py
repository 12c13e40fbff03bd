"""A key's frame goes first: from the moment the terminal hands the view a key until its frame is
drawn, the follower does not read on (`input_gate`: Python runs one thread at a time, and on a
loaded machine a frame that shares it with parsing waits for every hand-over); then it reads
every line written meanwhile, each once. A key whose frame never comes holds nothing for long.
The hold's bound is set long (or short) here so the test controls the order. Waits on state."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_helpers import DATA, settled, sync, wait_for, watch_app
from textual import events

from lossacc_tui import input_gate
from lossacc_tui.input_gate import GATE

LINES = (DATA / "training.log").read_text().splitlines(keepends=True)  # a real Keras CSVLogger log


def points(app) -> int:  # type: ignore[no-untyped-def]
    with app.tracker.lock:
        return sum(rs.run.points for rs in app.tracker.runs)


@sync
async def test_the_follower_reads_on_once_the_keys_frame_is_drawn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "training.log"
    log.write_text("".join(LINES[:61]))
    app = watch_app(log)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, app, 60 * 4)
        monkeypatch.setattr(input_gate, "HOLD", 120.0)  # (past any wait of the test)
        try:
            app.note_input(events.Key("l", "l"))  # the terminal's input thread hands the key over
            with log.open("a") as f:
                f.write("".join(LINES[61:101]))
            await wait_for(pilot, lambda: GATE.waiting > 0, what="the follower waiting for the key")
            assert points(app) == 60 * 4  # (not read while the key's frame is on its way)
            was = app.drawn_log
            await pilot.press("l")
            await wait_for(pilot, lambda: app.drawn_log != was, what="the log scale toggled")
            await wait_for(pilot, lambda: points(app) == 100 * 4, what="every line written meanwhile")
        finally:
            GATE.release()
        with app.tracker.lock:
            (rs,) = app.tracker.runs
            val = rs.run.by_role("val_loss")
            assert val is not None and list(val.epochs) == list(range(100))


@sync
async def test_a_key_whose_frame_never_comes_holds_the_follower_only_briefly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "training.log"
    log.write_text("".join(LINES[:61]))
    app = watch_app(log)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, app, 60 * 4)
        monkeypatch.setattr(input_gate, "HOLD", 0.2)
        app.note_input(events.Key("question_mark", "?"))  # (its frame is never drawn here)
        with log.open("a") as f:
            f.write("".join(LINES[61:101]))
        await wait_for(pilot, lambda: points(app) == 100 * 4, what="the lines read all the same")
        assert not GATE.held
