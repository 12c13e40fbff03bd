"""The app's summary pane shows the probe's latest facts, and new ones as the sidecar grows."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from test_probe_sidecar import train

from lossacc_tui.app import make_app
from lossacc_tui.app.widgets.explanation import Explanation
from lossacc_tui.monitor import Monitor
from lossacc_tui.probe import FILENAME


async def _until(pilot, pred, what: str, bound: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + bound
    while not pred():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


async def _summary_follows_the_sidecar(tmp_path: Path) -> None:
    src = tmp_path / "src"
    records = train(src, epochs=5)
    live = tmp_path / "live"
    live.mkdir()
    (live / "log.csv").write_text((src / "log.csv").read_text())
    side = (src / FILENAME).read_text().splitlines(keepends=True)
    (live / FILENAME).write_text("".join(side[:3]))  # the probe is behind the log
    feed = Monitor([live], poll=0.1)
    app = make_app(feed, str(live), clock=lambda: 0.0)
    feed.start()
    async with app.run_test(size=(120, 40)) as pilot:
        box = app.query_one(Explanation)
        await _until(pilot, lambda: "probe (val, epoch 2)" in box.text, "the probe's facts in the summary")
        assert box.border_title == "summary"
        assert f"{records[2]['n_wrong']} wrong carry" in box.text
        with open(live / FILENAME, "a") as f:
            f.write("".join(side[3:]))
        await _until(pilot, lambda: "probe (val, epoch 4)" in box.text, "the newer facts")
    feed.stop()


def test_summary_pane_shows_the_latest_probe_facts(tmp_path: Path) -> None:
    asyncio.run(_summary_follows_the_sidecar(tmp_path))
