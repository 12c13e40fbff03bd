"""`--map` with a metric name no followed run has is said once, in `check`'s words, as soon as every
followed source has its first records; a name that is there is not. Real writer process."""

from __future__ import annotations

from pathlib import Path

from test_follow import Collector
from test_follow_writers import CSV, write

from lossacc_tui.events import Status
from lossacc_tui.monitor import Monitor


def follow_with(tmp_path: Path, role_map: dict[str, str], says: bool = False) -> tuple[Monitor, Collector]:
    """Follow a real log written by a writer process until it is all read (and, with `says`, the
    `--map` line is said: it comes in the same read as the first records, just after them)."""
    log = tmp_path / "metrics.csv"
    log.write_text("")
    m = Monitor([log], role_map=role_map)
    c = Collector()
    m.subscribe(c)
    m.start()
    try:
        write("append", log, CSV, pause=0.0)
        want = sum(1 for _ in CSV.open()) - 1
        c.wait(lambda: bool(m.runs) and len(m.runs[0].series.get("loss", ())) == want, timeout=60)
        if says:
            c.wait(lambda: bool(said(c)))
    finally:
        m.stop()
    return m, c


def said(c: Collector) -> list[str]:
    return [e.message for e in c.events if isinstance(e, Status) and e.message.startswith("--map ")]


def test_a_mistyped_map_name_is_said_once(tmp_path: Path) -> None:
    _m, c = follow_with(tmp_path, {"val_acc": "val_acuracy"}, says=True)
    (msg,) = said(c)
    assert msg.startswith("--map val_acc=val_acuracy: no metric of that name (there are: ")
    assert "val_accuracy" in msg  # the names there are, to pick from
    assert [e.state for e in c.events if isinstance(e, Status) and e.message == msg] == ["error"]


def test_a_map_name_the_run_has_is_not_said(tmp_path: Path) -> None:
    m, c = follow_with(tmp_path, {"val_acc": "val_accuracy"})
    assert said(c) == []
    assert m.runs[0].series["val_accuracy"].role == "val_acc"
