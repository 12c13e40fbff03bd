"""The view's first frame is built before its first layout (at mount): it must already have the
plots' real drawing areas and the layout of the terminal's size, so that it takes over from the
quick first frame (quickframe.py) without a jump: no plot drawn for a 1-column canvas (a vertical
line), no wide layout at 80 columns, then moved."""

from __future__ import annotations

from typing import Any

import pytest
from app_helpers import DATA, sync, wait_for, watch_app

from lossacc_tui.app.widgets.metric_plot import MetricPlot


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (120, 40), (170, 50)])
@sync
async def test_the_first_frame_is_built_for_the_sizes_the_layout_gives(size: tuple[int, int]) -> None:
    app = watch_app(DATA / "training.log")
    first: list[tuple[int, Any, set[str]]] = []  # at the first redraw: plot width, canvases, classes
    redraw = app.redraw

    def spy(*args: Any, **kwargs: Any) -> bool:
        if not first:
            main = app.screen_stack[0]
            width = main.query_one("#loss-plot", MetricPlot).size.width
            first.append((width, app._canvas_sizes(main), set(app.screen.classes)))
        return redraw(*args, **kwargs)

    app.redraw = spy  # type: ignore[method-assign]
    async with app.run_test(size=size) as pilot:
        lp, ap = app.query_one("#loss-plot", MetricPlot), app.query_one("#acc-plot", MetricPlot)
        await wait_for(pilot, lambda: bool(first) and lp.size.width > 0, what="the first frame and layout")
        await pilot.pause(0.1)
        width, canvases, classes = first[0]
        assert width == 0  # (the first frame is built before the layout: what this test is about)
        assert canvases == (lp.canvas_size, ap.canvas_size)
        assert classes == set(app.screen.classes)  # the breakpoint classes were already right
        assert ("-narrow" in classes) == (size[0] < 100) and ("-short" in classes) == (size[1] < 30)
