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

import gc
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
#: seconds after a key or a click during which frames of new data are drawn pane by pane (`frame`);
#: otherwise in one piece (pane by pane cost 0.3 % of a core more at 10 lines a second)
AT_THE_KEYS = 5.0
INPUT = frozenset({"Key", "MouseDown", "MouseUp", "Click"})  # the messages a data frame lets go first
#: of those, what the terminal sends (the driver's thread notes each; the app takes each in `on_event`)
SENT = frozenset({"Key", "MouseDown", "MouseUp"})
GC_HOLD_MAX = 1.0  # seconds the cyclic collector may be held off for a key whose frame never comes


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
        self._inputs_noted = 0  # keys and clicks come from the terminal (`note_input`, input thread)
        self._inputs_taken = 0  # ... of those, the ones the app has begun to handle (`on_event`)
        self._gc_held_at: float | None = None  # monotonic time a key held off the cyclic collector
        self._key_taken_at = -1.0  # monotonic time the app last began to handle a key or a click
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
        at `since` or later (monotonic; `note_input` on the driver's thread), or came from it and has
        not been handled yet: such a key waits in the event loop's own queue (Textual posts it from
        the input thread with `call_soon_threadsafe`) until the main thread's callback in hand ends,
        which on a loaded machine took 50-150 ms (the data frame then went first: bench_keys' trace)."""
        if since is not None and self._input_at >= since:
            return True
        if self._inputs_noted > self._inputs_taken:
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
        if type(message).__name__ in SENT:
            self._inputs_noted += 1
            if self._gc_held_at is None and gc.isenabled():
                # the cyclic collector waits until the key's frame is written (`post_display_hook`):
                # a collection that another allocation set off meanwhile, on any thread, held the GIL
                # while the key waited (a full one 40-80 ms on a loaded machine: bench_keys' trace)
                gc.disable()
                self._gc_held_at = time.monotonic()

    def post_display_hook(self) -> None:
        """After each frame written to the terminal (main thread): once every key that came has been
        taken, the collector held off for them runs again (the allocations it waited for set off
        a collection at once, after the key's frame)."""
        held = self._gc_held_at
        if held is not None and (
            self._inputs_taken >= self._inputs_noted or time.monotonic() - held > GC_HOLD_MAX
        ):
            self.release_collector()

    def release_collector(self) -> None:
        """The collector held off for a key runs again (also each second and when the app ends)."""
        if self._gc_held_at is not None:
            self._gc_held_at = None
            gc.enable()

    async def on_event(self, event: Any) -> None:
        """Every event the app handles (main thread): a key or a click from the terminal is taken."""
        if type(event).__name__ in SENT:
            self._key_taken_at = time.monotonic()
            if self._inputs_taken < self._inputs_noted:
                self._inputs_taken += 1
        await super().on_event(event)  # type: ignore[misc]

    def at_the_keys(self) -> bool:
        """A key or a click came within AT_THE_KEYS s: the user is at the keys, and more may come."""
        return time.monotonic() - max(self._input_at, self._key_taken_at) < AT_THE_KEYS

    def key_in_hand(self) -> bool:
        """A key or a click is on its way to the app, or was taken within KEY_FIRST s and may still be
        on its way to its action (Textual hands a key to the focused widget and up its parents before
        the app's bindings: several turns of the event loop)."""
        now = time.monotonic()
        return self._input_waiting(since=now - KEY_FIRST) or now - self._key_taken_at < KEY_FIRST

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
        if wait <= 0.005 and waiting and now - max(self._frame_at, self._last_redraw) < 2 * MAX_DATA_WAIT:
            # a key (or a click) is waiting behind this frame: it goes first (its frame draws the
            # new points too), unless no frame drew them for 2 s (keys that draw none, held down)
            wait = KEY_FIRST
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
