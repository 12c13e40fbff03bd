"""The keys that had cost the most under load (#12): the first `?`, `c` and `m` find their view laid
out and rendered ahead (it had been laid out 3-4 times at the key), a view shown again keeps its
styles and lines (Textual had re-applied the stylesheet to all of it at every push, which also threw
its rendered lines away), and `w` finds the next weight smoothed ahead (it had smoothed the whole
history at the key, in a worker, before its frame). On a real Keras run's CSV (tests/app/data)."""

from __future__ import annotations

import gc
from typing import Any

import pytest
from app_helpers import DATA, settled, sync, wait_for, watch_app
from textual.dom import DOMNode
from textual.screen import Screen

from lossacc_tui.app.screens.compare import CompareScreen
from lossacc_tui.app.screens.help import HelpScreen
from lossacc_tui.app.screens.metrics import MetricsScreen
from lossacc_tui.app.widgets.metric_plot import MetricPlot

VIEWS = [("question_mark", HelpScreen), ("c", CompareScreen), ("m", MetricsScreen)]


@sync
async def test_the_first_and_later_views_are_neither_laid_out_nor_restyled_at_their_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    laid_out: list[str] = []
    restyled: list[str] = []
    layout, styles = Screen._refresh_layout, DOMNode.update_node_styles

    def counted_layout(self: Screen[Any], *args: Any, **kwargs: Any) -> None:
        laid_out.append(type(self).__name__)
        layout(self, *args, **kwargs)

    def counted_styles(self: DOMNode, *args: Any, **kwargs: Any) -> None:
        restyled.append(type(self).__name__)
        styles(self, *args, **kwargs)

    monkeypatch.setattr(Screen, "_refresh_layout", counted_layout)
    monkeypatch.setattr(DOMNode, "update_node_styles", counted_styles)
    app = watch_app(DATA / "training.log")
    app.warm = True  # (as `lossacc-tui watch` runs it)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settled(pilot, app, 600)
            await wait_for(pilot, lambda: app._frozen, timeout=30, what="views built ahead")
            for shown in range(2):  # the first showing of each view, then a later one
                for key, cls in VIEWS:
                    laid_out.clear()
                    restyled.clear()
                    await pilot.press(key)
                    await wait_for(pilot, lambda c=cls: isinstance(app.screen, c), what=cls.__name__)
                    await pilot.pause()
                    assert cls.__name__ not in laid_out, (shown, laid_out)  # (laid out ahead)
                    if shown:  # (the first push styles the view, as Textual does)
                        assert cls.__name__ not in restyled, restyled
                    if cls is not HelpScreen:  # its plots show the data drawn ahead, at once
                        plots = [p for p in app.screen.query(MetricPlot) if p.display]
                        assert plots and all(p.data is not None and p._strips for p in plots)
                    await pilot.press("escape")
                    await wait_for(pilot, lambda c=cls: not isinstance(app.screen, c), what="closed")
    finally:
        gc.unfreeze()  # (this process goes on to other tests)


@sync
async def test_w_finds_the_next_weight_smoothed_ahead_and_draws_it_with_its_key() -> None:
    app = watch_app(DATA / "training.log")
    workers: list[str] = []
    run_worker = app.run_worker

    def counted(*args: Any, **kwargs: Any) -> Any:
        workers.append(str(kwargs.get("group")))
        return run_worker(*args, **kwargs)

    app.run_worker = counted  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, app, 600)
        loss = app.query_one("#loss-plot", MetricPlot)
        await pilot.press("s")
        await wait_for(pilot, lambda: "(smoothed 0.6)" in loss._legend().plain, what="smoothing 0.6")
        following = 0.8  # (the weight `w` picks after 0.6)
        with app.tracker.lock:  # every series' curve: the next weight ready beside the shown one
            ahead = lambda: app.tracker.smoothing_is_kept(following)  # noqa: E731
        await wait_for(pilot, lambda: not any(w.is_running for w in app.workers), what="workers done")
        with app.tracker.lock:
            assert ahead(), "the next weight was not smoothed ahead"
        workers.clear()
        await pilot.press("w")
        await pilot.pause()
        assert "smooth" not in workers, workers  # (drawn with its key: no smoothing at the key)
        assert app.tracker.smoothing == following
        await wait_for(pilot, lambda: "(smoothed 0.8)" in loss._legend().plain, what="smoothing 0.8")
        with app.tracker.lock:
            for rs in app.tracker.runs:
                for c in rs.caches.values():  # the curve drawn is the whole series smoothed with 0.8
                    assert c.weight == following and c.smooth is not None and len(c.smooth) == len(c.series)
