"""When new data is drawn: at most REDRAW_HZ times a second and, while data keeps coming, only as
often as keeps the main thread within DATA_BUDGET of a core. The budget is measured, not guessed:
each data frame's cost on the main thread (copying, building lines, and Textual compositing it, up
to the screen's refresh) sets when the next may come, so the frames of a long run with many alerts,
which cost more, come less often instead of costing more. Keys do not wait for this: they redraw
at once, and while a key's effect is drawn the feed's thread waits (`KeyPriority`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

REDRAW_HZ = 10.0
DATA_BUDGET = 0.01  # share of a core the main thread may spend drawing new data (keys are not counted)
MAX_DATA_WAIT = 2.0  # seconds: new data is on screen within this, whatever a frame costs
KEY_WAIT, DATA_WAIT = 0.3, 0.02  # seconds a redraw waits for the feed's lock: for a key, for new data
PRIORITY_MAX = 0.5  # seconds a key may keep the feed waiting, at most
PRIORITY_GAP = 0.1  # seconds the feed is let run between two keys' priority (held-down keys)


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


class KeyPriority:
    """Mixin for the app: a key's frame has the interpreter to itself. The feed's thread parses and
    analyses in pure Python with the tracker's lock held, and two busy threads share one interpreter
    (each runs about half the time): a key's redraw and Textual's compositing would take twice as
    long. So on a key the UI takes the lock and keeps it until the key's effect is on the screen
    (the next refresh), PRIORITY_MAX at most; the feed's thread waits at its next lock, and reads
    what was written meanwhile afterwards (nothing is lost: the log is read on from where it was).
    Held-down keys leave the feed PRIORITY_GAP between two of them."""

    tracker: Any
    set_timer: Callable[..., Any]
    call_after_refresh: Callable[..., Any]

    def priority_init(self) -> None:
        self._priority_since: float | None = None  # monotonic time the UI took the lock for a key
        self._priority_end = -1.0

    def key_priority(self) -> None:
        """On a key (UI thread): take the feed's lock until the next refresh, if it is free within
        KEY_WAIT (the redraw would wait that long for it anyway)."""
        now = time.monotonic()
        if self._priority_since is not None or now - self._priority_end < PRIORITY_GAP:
            return
        if not self.tracker.lock.acquire(timeout=KEY_WAIT):
            return
        self._priority_since = now
        self.call_after_refresh(self.end_priority, now)
        self.set_timer(PRIORITY_MAX, lambda: self.end_priority(now))

    def end_priority(self, since: float | None = None) -> None:
        """Let the feed's thread go on (UI thread): the priority taken at `since` (any: None), once."""
        if self._priority_since is not None and since in (None, self._priority_since):
            self._priority_since = None
            self._priority_end = time.monotonic()
            self.tracker.lock.release()
