"""A key's frame goes first: while the view has a key in hand (from the moment the terminal hands
it over until its frame is drawn, at most HOLD seconds), the background work of the same process
that the frame does not need waits at its next pause point: the follower before its next read of
the files, a live analysis pass between two detectors.

Why waiting helps: Python runs one thread at a time. A thread that wants the interpreter while
another runs asks it back after the switch interval, and the other asks again just as soon: a key's
frame of 3-4 ms of CPU that shares the interpreter with an analysis pass hands it over every
millisecond, and on a loaded machine each hand-over waits for the other thread to be given a core
(tens of ms at load 15). The work that waits is only delayed: nothing is skipped, and a hold ends
at its deadline whatever happens (a key whose effect is drawn by a screen of its own, a key held
down), so the follower and the analysis go on at least every HOLD seconds.

Textual-free: the view holds and releases `GATE`; the follower and the live analysis call
`pause_point` (or `GATE.wait`); a thread pauses only inside `pausable()` (never where it holds a
lock a frame takes: `check` and an analysis run with the feed's lock never wait).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

HOLD = 0.25  # seconds a key holds the background work at most (its frame is usually drawn sooner)


class Gate:
    """Held while a key's frame is on its way; `wait` returns at once when it is not."""

    def __init__(self) -> None:
        self._open = threading.Event()
        self._open.set()
        self._until = 0.0  # monotonic time the hold ends by itself
        self.waited = 0.0  # seconds background work has waited on it, in all (for benchmarks)
        self.waiting = 0  # threads waiting on it now

    @property
    def held(self) -> bool:
        return not self._open.is_set() and time.monotonic() < self._until

    def hold(self, seconds: float | None = None) -> None:
        """A key came (any thread): background work pauses until `release`, at most `seconds`
        (None: HOLD)."""
        self._until = time.monotonic() + (HOLD if seconds is None else seconds)
        self._open.clear()

    def release(self) -> None:
        """The key's frame is drawn (any thread)."""
        self._open.set()

    def wait(self) -> float:
        """Wait while the gate is held (not past the hold's deadline); the seconds waited."""
        if self._open.is_set():
            return 0.0
        t = time.monotonic()
        left = self._until - t
        if left > 0:
            self.waiting += 1
            try:
                self._open.wait(left)
            finally:
                self.waiting -= 1
        waited = time.monotonic() - t
        self.waited += waited
        return waited


GATE = Gate()
_local = threading.local()


@contextmanager
def pausable() -> Iterator[None]:
    """Within it, the calling thread's `pause_point` calls wait on `GATE` (it must hold no lock a
    frame takes meanwhile)."""
    was = getattr(_local, "on", False)
    _local.on = True
    try:
        yield
    finally:
        _local.on = was


def pause_point() -> None:
    """Where background work may wait for a key's frame: a no-op outside `pausable`."""
    if getattr(_local, "on", False) and not GATE._open.is_set():
        GATE.wait()


__all__ = ["GATE", "HOLD", "Gate", "pausable", "pause_point"]
