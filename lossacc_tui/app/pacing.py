"""When new data is drawn: at most REDRAW_HZ times a second and, while data keeps coming, only as
often as keeps the main thread within DATA_BUDGET of a core. The budget is measured, not guessed:
each data frame's cost on the main thread (copying, building lines, and Textual compositing it, up
to the screen's refresh) sets when the next may come, so the frames of a long run with many alerts,
which cost more, come less often instead of costing more. Keys do not wait for this: they redraw
at once."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

REDRAW_HZ = 10.0
DATA_BUDGET = 0.01  # share of a core the main thread may spend drawing new data (keys are not counted)
MAX_DATA_WAIT = 2.0  # seconds: new data is on screen within this, whatever a frame costs
KEY_WAIT, DATA_WAIT = 0.3, 0.02  # seconds a redraw waits for the feed's lock: for a key, for new data


class DataPacing:
    """Mixin for the app: `on_feed_changed` schedules data frames; the app provides `redraw`."""

    _timer: Any
    _last_redraw: float
    set_timer: Callable[..., Any]
    call_after_refresh: Callable[..., Any]
    redraw: Callable[[float], None]

    def pacing_init(self) -> None:
        self._next_data = 0.0  # monotonic time before which new data waits
        self._dirty = False  # new data not drawn yet
        self._measuring: float | None = None  # since when a data frame's cost is being measured

    def on_feed_changed(self, _: object) -> None:
        self._posted = False
        self._dirty = True
        self._schedule_data()

    def _schedule_data(self) -> None:
        now = time.monotonic()
        if self._measuring is not None and now - self._measuring > MAX_DATA_WAIT:
            self._measuring = None  # (the refresh that measures it never came: do not stall)
        if self._timer is not None or self._measuring is not None or not self._dirty:
            return  # a frame is due (it draws these points too), or the last one's cost is unknown yet
        wait = max(self._next_data, self._last_redraw + 1.0 / REDRAW_HZ) - now
        if wait <= 0:
            self._data_frame()
        else:
            self._timer = self.set_timer(wait, self._data_frame)

    def _data_frame(self) -> None:
        """A frame for new data; its cost sets when the next may come: cost / DATA_BUDGET later,
        between 1 / REDRAW_HZ and MAX_DATA_WAIT."""
        self._timer = None
        now, cpu = time.monotonic(), time.thread_time()
        self._dirty, self._measuring = False, now
        self.redraw(DATA_WAIT)
        self.call_after_refresh(self._data_drawn, now, cpu)

    def _data_drawn(self, started: float, cpu: float) -> None:
        cost = time.thread_time() - cpu
        self._next_data = started + min(MAX_DATA_WAIT, max(1.0 / REDRAW_HZ, cost / DATA_BUDGET))
        self._measuring = None
        self._schedule_data()
