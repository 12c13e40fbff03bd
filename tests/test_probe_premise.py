"""With a probe beside the log whose loss is the logged validation loss at every evaluation
(tester 25, F8), the number of classes is the probe's `k`, not "unknown (pass --classes K)", and the
mean-cross-entropy premise of the explanations is confirmed by it, not "the log cannot confirm"."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from test_probe_align import check, train

from lossacc_tui.app import make_app
from lossacc_tui.app.widgets.explanation import Explanation
from lossacc_tui.monitor import Monitor


def _run(tmp_path: Path) -> Path:
    # the probe numbers its evaluations as the console does (epoch=ep+1 beside "Epoch ep+1/40")
    train(tmp_path, probe_epoch=lambda ep: ep + 1, head=lambda ep: f"Epoch {ep + 1}/40:")
    return tmp_path / "train.log"


def test_k_comes_from_the_probe_and_it_confirms_the_mean_cross_entropy(tmp_path: Path) -> None:
    log = _run(tmp_path)
    flat = " ".join(check(log).split())
    assert "K = 4 classes (from the probe: k = 4 at every evaluation) (follows" in flat
    assert "the log cannot confirm either" not in flat
    assert (
        "with val_loss a mean cross-entropy over the evaluated samples, one decision each (as the probe"
        in flat
    )
    run = json.loads(check(log, "--json"))["runs"][0]
    classes = {c["strength"] for a in run["alerts"] for c in a["claims"] if c["id"] == "classes"}
    assert classes == {"follows"}
    # --classes given still wins
    assert "K = 4 classes (given)" in " ".join(check(log, "--classes", "4").split())


async def _summary(log: Path) -> str:
    feed = Monitor([log], poll=0.1)
    app = make_app(feed, str(log), clock=lambda: 0.0)
    feed.start()
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            box = app.query_one(Explanation)
            end = time.monotonic() + 30  # (a bound on a wait for the analysis, not a timing)
            while "K = 4 classes (from the probe" not in box.text:  # (the sidecar may be read second)
                assert time.monotonic() < end, box.text
                await pilot.pause(0.05)
            return box.text
    finally:
        feed.stop()


def test_the_summary_pane_takes_k_from_the_probe(tmp_path: Path) -> None:
    text = asyncio.run(_summary(_run(tmp_path)))
    assert "K = 4 classes (from the probe" in text
    assert "the number of classes is unknown" not in text
