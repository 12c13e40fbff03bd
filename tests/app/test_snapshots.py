"""The main screen on a fixed log at 80x24, 160x48 and 200x60, the value cursor and the help
(pytest-textual-snapshot; update with
`pytest tests/app/test_snapshots.py --snapshot-update` after checking the new SVGs by eye).

Deterministic: a copy of one finished log read from a relative path, a fixed clock (the status line
says "0 s ago"), and the screen taken only once every point is read, analysed and drawn."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from app_helpers import DATA, settled, wait_for, watch_app


@pytest.fixture
def in_data(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(DATA)
    return Path("training.log")


@pytest.mark.parametrize("size", [(80, 24), (160, 48), (200, 60)], ids=["80x24", "160x48", "200x60"])
def test_main_screen(snap_compare: Any, in_data: Path, size: tuple[int, int]) -> None:
    app = watch_app(in_data)

    async def loaded(pilot: Any) -> None:
        await settled(pilot, app, 600)

    assert snap_compare(app, terminal_size=size, run_before=loaded)


def test_alert_selected(snap_compare: Any, in_data: Path) -> None:
    app = watch_app(in_data)

    async def select(pilot: Any) -> None:
        await settled(pilot, app, 600)
        app.query_one("#alerts").focus()
        await pilot.press("down")
        await pilot.pause(0.3)
        app.redraw()
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=(120, 40), run_before=select)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_value_cursor(snap_compare: Any, in_data: Path, size: tuple[int, int]) -> None:
    app = watch_app(in_data)

    async def cursor(pilot: Any) -> None:
        await settled(pilot, app, 600)
        await pilot.press("left", "home", *["right"] * 60)  # epoch 60: inside the alerts' stretches
        await wait_for(pilot, lambda: app.cursor == 60.0, what="cursor at epoch 60")
        app.redraw()
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=size, run_before=cursor)


def test_help_screen(snap_compare: Any, in_data: Path) -> None:
    app = watch_app(in_data)

    async def help_open(pilot: Any) -> None:
        await settled(pilot, app, 600)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "HelpScreen", what="help")
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=(100, 30), run_before=help_open)
