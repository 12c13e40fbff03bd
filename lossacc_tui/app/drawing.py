"""How a frame is drawn: requests coalesced to at most REDRAW_HZ a second; each frame copies what
it shows from the tracker with the feed's lock held (plain data, a few ms), then builds the
widgets' lines with the lock released (the feed goes on meanwhile). A mixin of `LossAccApp`; when
new data is drawn is `pacing.DataPacing`'s, what a frame shows `frame.MainFrame`'s."""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Callable
from typing import Any

from textual.timer import Timer

from lossacc_tui.app.messages import Resized
from lossacc_tui.app.pacing import DATA_WAIT, KEY_WAIT, REDRAW_HZ
from lossacc_tui.app.status import copy_status, next_change, status_parts
from lossacc_tui.app.widgets.status_line import StatusLine


class Drawing:
    """Mixin: `redraw` (a key's effect, or new data through `pacing`) and the status line's tick."""

    tracker: Any
    screen: Any
    screen_stack: list[Any]
    first_frame: threading.Event
    _timer: Timer | None
    _last_redraw: float
    _dirty: bool
    _posted: bool
    _posted_evaluation: bool
    set_timer: Callable[..., Any]
    call_after_refresh: Callable[..., Any]
    _frame: Callable[[], Any]
    _show: Callable[[Any], None]
    _first_painted: Callable[[], None]
    _notify_opened: Callable[[list[tuple[Any, Any]]], None]
    _input_waiting: Callable[..., bool]
    _schedule_data: Callable[[], None]

    def on_resized(self, _: Resized) -> None:
        self.request_redraw()

    def request_redraw(self) -> None:
        if self._timer is not None:
            return
        wait = self._last_redraw + 1.0 / REDRAW_HZ - time.monotonic()
        if wait <= 0:
            self.redraw()
        else:
            self._timer = self.set_timer(wait, self._timed_redraw)

    def _timed_redraw(self) -> None:
        self._timer = None
        self.redraw(DATA_WAIT)

    def redraw(self, wait: float = KEY_WAIT, data: bool = False) -> bool:
        """Copy what the screen shows from the tracker (lock held: plain data, a few ms), then
        build the widgets' lines from the copy with the lock released (the feed goes on meanwhile).
        `wait`: how long to wait for the feed to let go of the lock (a key's effect waits longer
        than new data, which is drawn at the next chance). A frame for new data (`data`) steps
        back when a key or a click came while it copied: its copy is not drawn (the key's frame
        draws the same points and its own effect); False then, else True."""
        if not self.screen_stack:  # shutting down
            return True
        began = time.monotonic()
        lock = self.tracker.lock
        if not lock.acquire(timeout=wait):  # the feed is busy: try again shortly, keys stay live
            self._timer = self.set_timer(0.05, self._timed_redraw)
            return True
        try:
            self._last_redraw = time.monotonic()
            self._dirty = self._posted = self._posted_evaluation = False  # (it draws every point so far)
            self.tracker.evaluated = False
            self.tracker.sync()  # (the plot caches take in the points since the last frame)
            if hasattr(self.screen, "redraw_from"):
                self.screen.redraw_from(self)  # the compare or metrics view
                frame = None
            else:
                frame = self._frame()
            opened = self.tracker.opened
            self.tracker.opened = []
            copy_status(self)
        finally:
            lock.release()
        stepped_back = (
            data and frame is not None and self.first_frame.is_set() and self._input_waiting(since=began)
        )
        if stepped_back:
            self._dirty = True  # (drawn by the key's frame, or by the next data frame)
        elif frame is not None:
            self._show(frame)
            if frame.loss is not None and not self.first_frame.is_set():
                self.call_after_refresh(self._first_painted)
        self._notify_opened(opened)
        self._tick(copied=True)
        return not stepped_back

    def _tick(self, copied: bool = False) -> None:
        """After each frame (`copied`: it copied the status with the lock held), and when the status
        line's words would change with no frame (`status.next_change`: "last point 4 s ago" each
        second, "3 min ago" each minute); a tick was once a second whatever the words, and each
        one that changed them cost a compositor pass (0.25 % of a core for a quiet log)."""
        if not self.screen_stack:
            return
        if self._dirty and self._timer is None:  # (new data whose frame was never scheduled)
            self._schedule_data()
        line = self.__dict__.get("_status_line")
        if line is None or not line.is_attached:
            found = self.screen_stack[0].query(StatusLine)  # (none while the app is closing)
            line = self.__dict__["_status_line"] = found.first() if found else None
        if line is not None:
            line.set_text(status_parts(self, copied))
        self._arm_tick(next_change(self))

    def _arm_tick(self, wait: float) -> None:
        """The next tick in `wait` seconds, unless one is due by then already: a callback of the
        event loop (a Textual timer is a task and a message each time; re-armed at every frame, it
        had cost the main thread more than the tick itself)."""
        due = time.monotonic() + wait
        pending = self.__dict__.get("_tick_handle")
        if pending is not None:
            if self.__dict__.get("_tick_due", math.inf) <= due:
                return
            pending.cancel()
        self.__dict__["_tick_due"] = due
        self.__dict__["_tick_handle"] = asyncio.get_running_loop().call_later(wait, self._timed_tick)

    def _timed_tick(self) -> None:
        self.__dict__["_tick_handle"] = None
        self._tick()
