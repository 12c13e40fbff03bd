"""The command line's app builds the help, compare and metrics views ahead of their first key (their
first opening used to build them: 100-300 ms of the main thread), renders the help's tables at the
width the help's box gets, then freezes the garbage collector's view of what it holds."""

from __future__ import annotations

import gc

import pytest
from app_helpers import DATA, settled, sync, wait_for, watch_app

from lossacc_tui.app.screens.compare import CompareScreen
from lossacc_tui.app.screens.help import HelpScreen, Section


@pytest.mark.parametrize("size", [(80, 24)])
@sync
async def test_views_are_built_ahead_and_the_first_help_renders_no_table(size: tuple[int, int]) -> None:
    app = watch_app(DATA / "training.log")
    app.warm = True  # (as `lossacc-tui watch` runs it)
    try:
        async with app.run_test(size=size) as pilot:
            await settled(pilot, app, 600)
            await wait_for(pilot, lambda: app._frozen, timeout=30, what="views built ahead")
            assert gc.get_freeze_count() > 0
            help_screen = app.get_screen("help")
            assert help_screen.is_mounted and app.get_screen("compare").is_mounted
            sections = list(help_screen.query(Section))
            assert len(sections) == 4
            ahead = [dict(s._kept) for s in sections]  # the lines rendered before any key
            assert all(ahead)
            await pilot.press("question_mark")
            await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
            assert app.screen is help_screen  # (the view built ahead, not a new one)
            await pilot.pause(0.2)
            for section, before in zip(sections, ahead, strict=True):
                width = section.size.width
                assert width > 0
                got = section.lines(width)
                # drawn from the lines rendered ahead: the same strips, no table rendered at the key
                assert any(got is kept for kept in before.values()), (width, list(before))
            text = "\n".join(strip.text for s in sections for strip in s.lines(s.size.width))
            assert "Glyphs" in text and "Compare runs" in text
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen), what="help closed")
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen), what="compare")
            assert app.screen is app.get_screen("compare")
    finally:
        gc.unfreeze()  # (this process goes on to other tests)


@sync
async def test_an_app_closed_while_its_views_are_built_ahead_closes_cleanly() -> None:
    app = watch_app(DATA / "training.log")
    app.warm = True
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app._views_imported.is_set(), what="views imported")
        await wait_for(pilot, lambda: app.is_screen_installed("help"), what="the first view built")
    # (leaving the block closed the app with views half built: no exception was raised)
    gc.unfreeze()
    assert app.return_code in (None, 0)
