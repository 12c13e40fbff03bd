"""While a steady writer's points keep coming, the live analysis waits for a quiet spell (or for its
budget) on one timer's thread, not on a new thread at each check: at 10 lines a second a check
came three times a second, and each new thread cost more CPU than the check (the view's whole
process is held to 2 % of a core at that rate: benchmarks/bench_keys.py). The pass still comes once
the points stop, and `close` ends a wait at once."""

from __future__ import annotations

import threading
import time

import pytest
from conftest import read_runs
from test_follow_writers import CSV

from lossacc_tui import feed_passes
from lossacc_tui.feed import Feed

Fed = tuple[Feed, list[threading.Timer], threading.Event]


def _feed(monkeypatch: pytest.MonkeyPatch, checks: int) -> Fed:
    """A feed with a run waiting whose points "keep coming" for `checks` quiet-spell checks (each
    check sees a point read just now), then stop; the timers it starts, and an event set by its pass."""
    timers: list[threading.Timer] = []

    class Counted(threading.Timer):
        def __init__(self, *a: object, **k: object) -> None:
            super().__init__(*a, **k)  # type: ignore[arg-type]
            timers.append(self)

    monkeypatch.setattr(feed_passes.threading, "Timer", Counted)
    fd = Feed()
    run = read_runs(CSV)[0]
    passed = threading.Event()
    seen = [0]

    def quiet() -> float:
        """The quiet spell the check asks for: 20 ms past now while points "keep coming"."""
        seen[0] += 1
        if seen[0] <= checks:
            return time.monotonic() - fd._last_points + 0.02
        return 0.0

    def one_pass() -> list[object]:
        passed.set()
        return []

    fd._quiet = quiet  # type: ignore[method-assign]
    fd._pass = one_pass  # type: ignore[method-assign]
    with fd.lock:
        fd._waiting = {id(run): run}
        fd._next_analysis = time.monotonic() + 3600.0  # (the budget never runs out here)
        fd._last_points = time.monotonic()
    return fd, timers, passed


def test_quiet_spell_checks_of_a_steady_writer_wait_on_one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    fd, timers, passed = _feed(monkeypatch, checks=6)
    with fd.lock:
        fd._start_timer(0.0)
    assert passed.wait(30.0), "the pass never came after the points stopped"
    fd.close()
    assert len(timers) == 1, f"{len(timers)} timer threads for one pass"
    assert fd._analysis_timer is None


def test_close_ends_a_wait_for_a_quiet_spell(monkeypatch: pytest.MonkeyPatch) -> None:
    fd, timers, passed = _feed(monkeypatch, checks=10**9)  # (points never stop)
    with fd.lock:
        fd._start_timer(0.0)
    timer = timers[0]
    fd.close()
    timer.join(30.0)
    assert not timer.is_alive()
    assert not passed.is_set()
