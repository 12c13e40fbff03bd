"""One feed: the same log read live by the Monitor (a writer process appending it, or a folder of
runs already there), played by the Replay, and read once by `check` gives the same runs, the same
values, the same alerts and the same comparison across runs; and each feed tells every run once
and every record once. Waits on state, never on time."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from conftest import DEMO, REPO, snapshot

from lossacc_tui.events import AlertChanged, Event, PointsAdded, RunAdded
from lossacc_tui.feed import Feed, read_finished
from lossacc_tui.monitor import Monitor
from lossacc_tui.readers.probe_sidecar import SIDECAR
from lossacc_tui.replay import Replay
from lossacc_tui.source import discover

HERE = Path(__file__).parent


class Events:
    """Subscriber keeping every event."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.lock = threading.Lock()

    def __call__(self, events: list[Event]) -> None:
        with self.lock:
            self.events += events

    def added(self) -> Counter[str]:
        return Counter(e.run.name for e in self.events if isinstance(e, RunAdded))

    def rows(self) -> Counter[str]:
        out: Counter[str] = Counter()
        for e in self.events:
            if isinstance(e, PointsAdded):
                out[e.run.name] += e.batch.n
        return out


def state(feed: Feed, renamed: tuple[str, str] = ("", "")) -> dict[str, Any]:
    """Everything a user sees of a feed: runs and their values, alerts, cross-run alerts (as JSON
    would carry them, with the path `renamed[0]` written as `renamed[1]`)."""
    with feed.lock:
        runs = sorted(feed.runs, key=lambda r: r.name)
        doc = {
            "runs": snapshot(runs),
            "alerts": {r.name: [a.to_dict() for a in feed.alerts(r)] for r in runs},
            "comparisons": [a.to_dict() for a in feed.comparisons],
        }
    text = orjson.dumps(doc, option=orjson.OPT_SERIALIZE_NUMPY).decode()
    return orjson.loads(text.replace(*renamed) if renamed[0] else text)


def settle(
    feed: Feed, want: dict[str, Any], renamed: tuple[str, str] = ("", ""), timeout: float = 90.0
) -> dict[str, Any]:
    """The feed's state once it equals `want`, or its last state after `timeout` s (to assert)."""
    deadline = time.monotonic() + timeout
    got = state(feed, renamed)
    while got != want and time.monotonic() < deadline:
        time.sleep(0.05)
        got = state(feed, renamed)
    return got


def once(path: Path) -> tuple[Feed, Events]:
    """`check`'s one-shot reading."""
    ev = Events()
    feed = Feed()
    feed.subscribe(ev)
    for src in discover(path):
        feed.read_source(src)
    feed.analyse_all()
    return feed, ev


def started(make: Callable[[], Feed]) -> tuple[Feed, Events]:
    feed, ev = make(), Events()
    feed.subscribe(ev)
    feed.start()  # type: ignore[attr-defined]
    return feed, ev


CASES = {
    "csv, alerts": DEMO / "loss_up_acc_up" / "training.log",
    "csv, non-finite": DEMO / "nan_run",
    "jsonl": DEMO / "imbalanced" / "training_log.jsonl",
    "8 lightning runs, compared": DEMO / "eight_runs",
}


@pytest.mark.parametrize("case", list(CASES))
def test_monitor_replay_and_check_read_the_same(tmp_path: Path, case: str) -> None:
    given = CASES[case]
    ref, ref_ev = once(given)
    want = state(ref)
    assert want["runs"] and any(want["alerts"].values())  # cases with alerts to agree on
    live_path = tmp_path / given.name
    if given.is_dir():
        shutil.copytree(given, live_path)  # a folder of finished runs: read as the follower finds it
    else:  # a writer process appends the log line by line while the Monitor follows it
        live_path.write_text("")
    mon, mon_ev = started(lambda: Monitor([live_path]))
    rep, rep_ev = started(lambda: Replay([given], speed=1e9))
    try:
        if not given.is_dir():
            cmd = [sys.executable, str(HERE / "writers.py"), "append", str(live_path), str(given), "0.002"]
            subprocess.run(cmd, check=True, timeout=120)
        rep.loaded.wait(60)  # type: ignore[attr-defined]
        rep.to_end()  # type: ignore[attr-defined]
        got_live, got_replay = settle(mon, want, (str(live_path), str(given))), settle(rep, want)
    finally:
        mon.stop()  # type: ignore[attr-defined]
        rep.stop()  # type: ignore[attr-defined]
    assert got_live == want  # (the live run is named after its own path: compared as the given one)
    assert got_replay == want
    # nothing doubled: each feed told each run once and each record once, the same records
    runs = {name for name, _ in want["runs"]}
    for ev in (ref_ev, rep_ev):
        assert ev.added() == Counter(dict.fromkeys(runs, 1))
        assert ev.rows() == ref_ev.rows()
    assert sorted(mon_ev.rows().values()) == sorted(ref_ev.rows().values())
    assert sorted(mon_ev.added().values()) == [1] * len(runs)


def test_check_json_agrees_with_the_live_feed(tmp_path: Path) -> None:
    """The command itself: `check --json` reports the alerts and comparisons a Monitor ends with."""
    folder = DEMO / "eight_runs"
    out = subprocess.run(
        [sys.executable, "-m", "lossacc_tui", "check", "--json", str(folder)],
        capture_output=True,
        check=False,
        cwd=REPO,
        timeout=120,
    )
    doc = orjson.loads(out.stdout)
    mon, _ = started(lambda: Monitor([folder]))
    try:
        want = {r["name"]: r["alerts"] for r in doc["runs"]}

        def live() -> tuple[dict[str, Any], list[Any]]:
            with mon.lock:
                alerts = {r.name: [a.to_dict() for a in mon.alerts(r)] for r in mon.runs}
                return orjson.loads(orjson.dumps(alerts)), orjson.loads(
                    orjson.dumps([a.to_dict() for a in mon.comparisons])
                )

        deadline = time.monotonic() + 90
        while live() != (want, doc["comparisons"]) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert live() == (orjson.loads(orjson.dumps(want)), doc["comparisons"])
        assert doc["comparisons"]  # the runs of this case disagree: there is something to agree on
    finally:
        mon.stop()


def test_replay_looks_facts_up_in_the_probe_sidecar(tmp_path: Path) -> None:
    """A played run has its log's probe sidecar, as the live run and `check` do."""
    from test_probe_sidecar import train  # a real numpy training that logs with the probe

    train(tmp_path / "exp1")
    log = tmp_path / "exp1" / "log.csv"
    assert (log.parent / SIDECAR).is_file()
    ref = read_finished(discover(log))
    rep, _ = started(lambda: Replay([log], speed=1e9))
    try:
        rep.loaded.wait(60)  # type: ignore[attr-defined]
        rep.to_end()  # type: ignore[attr-defined]
        settle(rep, state(ref))
        with rep.lock:
            assert rep.runs and all(r.probe is not None and r.probe.splits for r in rep.runs)
            assert [r.probe.to_dict() for r in rep.runs] == [r.probe.to_dict() for r in ref.runs]  # type: ignore[union-attr]
    finally:
        rep.stop()  # type: ignore[attr-defined]


def test_no_alert_event_is_told_twice(tmp_path: Path) -> None:
    """Alerts opened and closed as told add up to the alerts the analyzers end with."""
    mon, ev = started(lambda: Replay([CASES["csv, alerts"]], speed=1e9))
    try:
        mon.loaded.wait(60)  # type: ignore[attr-defined]
        mon.to_end()  # type: ignore[attr-defined]
        settle(mon, state(once(CASES["csv, alerts"])[0]))
        with mon.lock:
            opened = Counter(
                (e.alert.kind, e.alert.title, e.alert.start)
                for e in ev.events
                if isinstance(e, AlertChanged) and e.change == "opened" and e.run is not None
            )
            final = Counter((a.kind, a.title, a.start) for r in mon.runs for a in mon.alerts(r))
        assert opened == final
    finally:
        mon.stop()  # type: ignore[attr-defined]
