"""`lossacc-tui demo`: the live writer reproduces a real run, and an alert opens while it is written."""

from __future__ import annotations

from pathlib import Path

from conftest import DEMO
from test_follow import Collector

from lossacc_tui.demo import LIVE_CASE, LiveWriter, find_demo_logs
from lossacc_tui.events import AlertChanged
from lossacc_tui.monitor import Monitor


def test_demo_logs_are_found_from_the_repository() -> None:
    assert find_demo_logs() == DEMO


def test_live_demo_run_opens_its_alert_while_being_written(tmp_path: Path) -> None:
    dest = tmp_path / "training.log"
    writer = LiveWriter(DEMO / LIVE_CASE, dest, head_start=40, pace=0.01)
    writer.start()
    m = Monitor([dest])
    c = Collector()
    m.subscribe(c)
    m.start()
    try:
        c.wait(
            lambda: any(
                isinstance(e, AlertChanged) and e.change == "opened" and e.alert.kind == "loss-up-acc-up"
                for e in c.events
            ),
            timeout=30,
        )
        writer.join(timeout=30)
        assert dest.read_bytes() == (DEMO / LIVE_CASE).read_bytes()  # the whole real run, unchanged
    finally:
        writer.stop()
        m.stop()
