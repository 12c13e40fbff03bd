"""When new data is drawn: at most REDRAW_HZ times a second and, while data keeps coming, only as
often as keeps the main thread within DATA_BUDGET of a core. The budget is measured, not guessed:
the main thread's CPU time since the last data frame began (the frame itself, Textual compositing
and writing it, and whatever else ran meanwhile) sets when the next may come, so the frames of a
long run with many alerts, which cost more, come less often instead of costing more, but new data
are on screen within MAX_DATA_WAIT: each new evaluation (a validation value), alert change or new
run within a second. Points of training alone (no evaluation among them) are drawn within the
smaller TRAIN_BUDGET, at least every TRAIN_WAIT seconds while they keep coming: a step-level log
at 10 lines a second is drawn every 3 s, not every second (an evaluation that comes meanwhile is
drawn within a second, with them). The feed's thread wakes
the main thread once per data frame, not once per block of records it reads. Keys do not wait for
this: they redraw at once, and a data frame that is due while a key waits in the app's queue steps
back for it, as does one that is copying its data when a key comes (it is not drawn: the key's
frame draws the same points)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

REDRAW_HZ = 10.0
DATA_BUDGET = 0.006  # share of a core the main thread may spend while data stream in (keys: at once)
MAX_DATA_WAIT = 1.0  # seconds: a new evaluation is on screen within this, whatever a frame costs
TRAIN_BUDGET = 0.002  # share of a core for frames of training points alone (no new evaluation)
TRAIN_WAIT = 3.0  # seconds: training points alone are on screen within this
KEY_WAIT, DATA_WAIT = 0.3, 0.02  # seconds a redraw waits for the feed's lock: for a key, for new data
KEY_FIRST = 0.05  # seconds a data frame steps back for a key or click queued behind it
INPUT = frozenset({"Key", "MouseDown", "MouseUp", "Click"})  # the messages a data frame lets go first


class DataPacing:
    """Mixin for the app: `feed_changed` (feed's thread) and `on_feed_changed` schedule data frames;
    the app provides `redraw` and `post_message`."""

    _timer: Any
    _last_redraw: float
    tracker: Any
    set_timer: Callable[..., Any]
    post_message: Callable[..., Any]
    redraw: Callable[..., bool]

    def pacing_init(self) -> None:
        self._dirty = False  # new data not drawn yet
        self._posted = False  # a FeedChanged is on its way, or a data frame is due: no more wake-ups
        self._frame_at = -1.0  # monotonic time the last data frame began
        self._frame_cpu = 0.0  # the main thread's CPU time then
        self._input_at = -1.0  # monotonic time a key or a click last came from the terminal
        self._posted_evaluation = False  # the wake-up on its way is for an evaluation
        self._train_timer: Any = None  # the pending data frame's timer, when it waits for training points

    def feed_changed(self, message: Any) -> None:
        """On the feed's thread: mark new data; wake the main thread only if nothing is due yet, or
        if what is due waits for training points and an evaluation came (drawn within a second)."""
        self._dirty = True
        evaluated = bool(getattr(self.tracker, "evaluated", True))
        if not self._posted or (evaluated and not self._posted_evaluation):
            self._posted, self._posted_evaluation = True, evaluated
            self.post_message(message)

    def on_feed_changed(self, _: object) -> None:
        self._schedule_data()

    def _due(self) -> float:
        """Monotonic time the next data frame may begin."""
        spent = time.thread_time() - self._frame_cpu  # (called on the main thread)
        if getattr(self.tracker, "evaluated", True):
            gap = min(MAX_DATA_WAIT, max(1.0 / REDRAW_HZ, spent / DATA_BUDGET))
            return max(self._frame_at + gap, self._last_redraw + 1.0 / REDRAW_HZ)
        # training points alone: counted from the last frame of any kind (a key's drew every point)
        gap = min(TRAIN_WAIT, max(1.0 / REDRAW_HZ, spent / TRAIN_BUDGET))
        return max(self._frame_at, self._last_redraw) + gap

    def _input_waiting(self, since: float | None = None) -> bool:
        """A key press or a click is queued for the app (Textual's queue), or came from the terminal
        at `since` or later (monotonic; `note_input` on the driver's thread): such a key is on its
        way to the queue while the main thread is busy."""
        if since is not None and self._input_at >= since:
            return True
        queue = getattr(self, "_message_queue", None)
        items = getattr(queue, "values", None)  # (Textual 8's queue: a deque; asyncio's: `_queue`)
        if items is None:
            items = getattr(queue, "_queue", None)
        try:
            return any(type(m).__name__ in INPUT for m in list(items or ()))
        except RuntimeError:  # (changed while read: the next frame asks again)
            return False

    def note_input(self, message: object) -> None:
        """On the driver's (input) thread, for every event from the terminal: when input last came."""
        if type(message).__name__ in INPUT:
            self._input_at = time.monotonic()

    def _schedule_data(self) -> None:
        if not self._dirty:
            return  # nothing new
        if self._timer is not None:
            if self._timer is not self._train_timer or not getattr(self.tracker, "evaluated", True):
                return  # a frame is due (it draws these points too)
            self._timer.stop()  # (it waited for training points: an evaluation came, sooner)
            self._timer = None
        wait = self._due() - time.monotonic()
        if wait <= 0:
            self._data_frame()
        else:
            self._wait_data(wait)

    def _wait_data(self, wait: float) -> None:
        """The next data frame in `wait` seconds (a wait for training points alone is noted: an
        evaluation that comes meanwhile is drawn sooner)."""
        self._timer = self.set_timer(wait, self._data_frame)
        self._train_timer = None if getattr(self.tracker, "evaluated", True) else self._timer

    def _data_frame(self) -> None:
        """A frame for new data, unless the main thread has spent its budget since the last one
        (then it waits until it has not)."""
        self._timer = self._train_timer = None
        now = time.monotonic()
        if not self._dirty:
            self._posted = self._posted_evaluation = False
            return
        wait = self._due() - now
        waiting = self._input_waiting(since=now - KEY_FIRST)
        if wait <= 0.005 and waiting and now - self._frame_at < 2 * MAX_DATA_WAIT:
            wait = KEY_FIRST  # a key (or a click) is waiting behind this frame: it goes first
        if wait > 0.005:  # (a key's frame, or compositing, spent CPU since this was scheduled)
            self._wait_data(wait)
            return
        before = self._frame_at, self._frame_cpu
        self._frame_at, self._frame_cpu = now, time.thread_time()
        if (
            self.redraw(DATA_WAIT, data=True) is False
        ):  # (it clears `_dirty` and `_posted` once it has the data)
            # a key came while it copied: the frame was not drawn, and does not count; the key's
            # frame draws these points, else this frame is tried again once the key is handled
            self._frame_at, self._frame_cpu = before
            self._timer = self.set_timer(KEY_FIRST, self._data_frame)
