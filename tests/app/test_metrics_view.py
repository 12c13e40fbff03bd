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


@sync
async def test_a_constant_learning_rate_is_drawn_at_its_value_not_on_the_zero_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A learning rate held at 0.001 had an axis of ±0.05 and its line on the 0 gridline, which reads
    as lr = 0, a cause the tool itself names for a stuck run (tester 18 N4)."""
    log = tmp_path / "log.jsonl"
    lines = [json.loads(x) for x in LOG.read_text().splitlines()]
    log.write_text("".join(json.dumps({**r, "lr": 0.001}) + "\n" for r in lines))
    app = watch_app(log)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot, app, 6 * 30)
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, MetricsScreen), what="metrics view")
        screen = app.screen
        await wait_for(pilot, lambda: "lr" in _shown(screen), what="the lr plot")
        lr = next(p.data for p in screen.query(MetricPlot) if p.display and p.data and p.data.title == "lr")
        assert 0 < lr.y0 < 0.001 < lr.y1 < 0.002, (lr.y0, lr.y1)
