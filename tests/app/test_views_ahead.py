"""The command line's app builds the help, compare and metrics views ahead of their first key (their
first opening used to build them: 100-300 ms of the main thread), renders the help's tables at the
width the help's box gets, then freezes the garbage collector's view of what it holds."""

from __future__ import annotations

import gc

import pytest
from app_helpers import DATA, settled, sync, wait_for, watch_app

from lossacc_tui.app.screens.compare import CompareScreen
from lossacc_tui.app.screens.help import HelpScreen, Section
from lossacc_tui.app.screens.metrics import MetricsScreen
from lossacc_tui.app.view import fmt_num
from lossacc_tui.app.widgets.metric_plot import MetricPlot


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


@sync
async def test_the_metrics_view_shows_at_the_first_m_the_plots_drawn_ahead() -> None:
    """The first `m` used to mount and draw a plot per series at the key (up to 0.84 s on a loaded
    machine); they are built, laid out and drawn unseen at idle, and `m` shows those."""
    app = watch_app(DATA / "training.log")
    app.warm = True
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settled(pilot, app, 600)
            await wait_for(pilot, lambda: app._frozen, timeout=30, what="views built ahead")
            metrics = app.get_screen("metrics")
            ahead = [p for p in metrics.query(MetricPlot) if p.display]
            assert len(ahead) == 4 and all(p.size.area and p._strips for p in ahead)
            await pilot.press("m")
            await wait_for(pilot, lambda: isinstance(app.screen, MetricsScreen), what="metrics view")
            await pilot.pause()
            assert app.screen is metrics
            shown = [p for p in metrics.query(MetricPlot) if p.display]
            assert [id(p) for p in shown] == [id(p) for p in ahead]  # (not new ones)
            with app.tracker.lock:
                run = app.tracker.runs[0].run
                last = {name: float(s.values[-1]) for name, s in run.series.items() if len(s)}
            legends = {p.data.title: p._strips[0].text for p in shown if p.data is not None}
            assert set(legends) == set(last)
            for name, value in last.items():  # each series named, with its latest value
                assert legends[name].startswith(name) and fmt_num(value) in legends[name], legends[name]
    finally:
        gc.unfreeze()
