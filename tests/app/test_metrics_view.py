"""The metrics view (`m`): one small plot per series of the run with its latest value, paged to the
screen and filtered by name with `/`."""

from __future__ import annotations

import json

from app_helpers import REPO, settled, strips_text, sync, wait_for, watch_app

from lossacc_tui.app.screens.metrics import MetricsScreen
from lossacc_tui.app.view import fmt_num
from lossacc_tui.app.widgets.metric_plot import MetricPlot

LOG = REPO / "demo_logs" / "imbalanced" / "training_log.jsonl"


def _shown(screen: MetricsScreen) -> dict[str, str]:
    """Plot title -> its legend line, for the plots on screen."""
    return {
        p.data.title: strips_text(p).splitlines()[0] for p in screen.query(MetricPlot) if p.display and p.data
    }


@sync
async def test_every_metric_has_a_plot_with_its_latest_value_paged_and_filtered() -> None:
    last = json.loads(LOG.read_text().splitlines()[-1])
    names = [k for k in last if k != "epoch"]  # train_loss, train_acc, val_loss, val_acc, val_f1
    app = watch_app(LOG)
    async with app.run_test(size=(80, 24)) as pilot:  # 2 x 2 plots a page
        await settled(pilot, app, 5 * 30)
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, MetricsScreen), what="metrics view")
        screen = app.screen
        await wait_for(pilot, lambda: len(_shown(screen)) == 4, what="the first page")
        await pilot.press("pagedown")
        await wait_for(pilot, lambda: len(_shown(screen)) == 1, what="the second page")
        await pilot.press("pageup")
        await wait_for(pilot, lambda: len(_shown(screen)) == 4, what="the first page again")
        seen = dict(_shown(screen))
        await pilot.press("pagedown")
        await wait_for(pilot, lambda: len(_shown(screen)) == 1, what="the second page")
        seen.update(_shown(screen))
        assert sorted(seen) == sorted(names)
        for name, legend in seen.items():
            assert fmt_num(float(last[name])) in legend, (name, legend)  # its latest value
            assert legend.count(name) == 1, legend  # named once: the title (room for the number)
        await pilot.press("slash")
        await pilot.pause(0.2)
        await pilot.press(*"f1")
        await wait_for(pilot, lambda: list(_shown(screen)) == ["val_f1"], what="filtered to val_f1")
        assert screen.total == 1
        await pilot.press("enter", "escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, MetricsScreen), what="back")
