"""A feed's comparison across runs (runs-disagree), brought up to date as they grow: at most once
every COMPARE_EVERY s (less often when comparing takes long), the last points of a quiet spell too."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from lossacc_tui.events import AlertChanged, Event
from lossacc_tui.model import Run

if TYPE_CHECKING:
    from lossacc_tui.analysis import Alert, Params
    from lossacc_tui.analysis.compare import Bests

COMPARE_EVERY = 1.0  # seconds between live comparisons across runs (each looks at every run)


class Comparing:
    """Mixin for `feed.Feed`: the cross-run alerts open now (`_compared`), kept up to date."""

    lock: threading.RLock
    params: Params | None
    _closed: bool
    _compared: dict[tuple[str, str], Alert]
    _bests: Bests
    _next_compare: float
    _compare_timer: threading.Timer | None

    if TYPE_CHECKING:  # (the feed's, `feed.Feed`)

        def emit(self, events: list[Event]) -> None: ...
        def runs_compared(self) -> list[Run]: ...

    def _compare_live(self) -> list[Event]:
        """Compare the runs now when due; otherwise once COMPARE_EVERY has passed (a timer)."""
        wait = self._next_compare - time.monotonic()
        if wait > 0:  # compared less than COMPARE_EVERY ago: again when that has passed
            if self._compare_timer is None and not self._closed:
                self._compare_timer = threading.Timer(wait, self._late_compare)
                self._compare_timer.daemon = True
                self._compare_timer.start()
            return []
        return self._compare()

    def _late_compare(self) -> None:
        """The comparison that new points asked for while comparing was not due (timer thread):
        so the last points of a quiet spell are compared too."""
        with self.lock:
            self._compare_timer = None
            if not self._closed:
                self.emit(self._compare())

    def _compare(self) -> list[Event]:
        """Compare the runs again; events for the cross-run alerts that opened or closed."""
        all_runs = self.runs_compared()
        if len(all_runs) < 2 and not self._compared:
            return []
        from lossacc_tui.analysis.cohorts import cohorts
        from lossacc_tui.analysis.compare import compare_runs

        began = time.monotonic()
        now = {
            (a.kind, a.title): a
            for cohort in cohorts(all_runs)  # a sweep's runs, not unrelated experiments
            if len(cohort) >= 2
            for a in compare_runs(cohort, self.params, self._bests)
        }
        # comparing thousands of runs takes a while: then less often (at most 5% of the time)
        self._next_compare = time.monotonic() + max(COMPARE_EVERY, 20 * (time.monotonic() - began))
        was, self._compared = self._compared, now
        return [AlertChanged(None, "closed", a.snapshot()) for k, a in was.items() if k not in now] + [
            AlertChanged(None, "opened", a.snapshot()) for k, a in now.items() if k not in was
        ]


__all__ = ["COMPARE_EVERY", "Comparing"]
