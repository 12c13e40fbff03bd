"""Frames written to the terminal by the main thread itself, in one write each, instead of through
Textual's output thread.

Textual's Linux driver hands every piece of output (the start of a synchronized update, the frame,
its end) to a thread of its own, which takes the interpreter's lock (GIL) again for each: waking
on its queue, each write, each flush. While another thread of the view runs Python (the live
analysis' pass, 0.1-0.3 s of CPU every few seconds; the follower parsing 2,000 lines a second)
each of those takes waits for that thread to be given a core again: on a loaded machine (load 15 on
two cores) a key's frame, already built, reached the terminal 100-320 ms after the main thread had
handed it over (`bench_keys --trace`). Written here, a frame costs the main thread, which holds the
lock already, one write call (tens of microseconds into a pseudo-terminal).
"""

from __future__ import annotations

import threading
from typing import IO, Any

SYNC_START, SYNC_END = "\x1b[?2026h", "\x1b[?2026l"  # a synchronized update (Textual's App._display)


class DirectOut:
    """File-like stand-in for Textual's `WriterThread`: what is written between the start and the end
    of a synchronized update is kept and written at its end, in one call; anything else at once. A
    terminal that has gone away (the write fails) is not written to again: the app ends on its
    hang-up signal."""

    def __init__(self, file: IO[str]) -> None:
        self._file = file
        self._parts: list[str] = []
        self._open = False  # inside a synchronized update
        self._lock = threading.Lock()  # (writes come from the main thread; a stray one from another)
        self._gone = False

    def write(self, text: str) -> None:
        with self._lock:
            self._parts.append(text)
            if text == SYNC_START:
                self._open = True
            elif text == SYNC_END or not self._open:
                self._open = False
                self._write_out()

    def _write_out(self) -> None:
        data, self._parts = "".join(self._parts), []
        if self._gone or not data:
            return
        try:
            self._file.write(data)
            self._file.flush()
        except (OSError, ValueError):  # (the terminal closed, or its file)
            self._gone = True

    def flush(self) -> None:
        with self._lock:
            self._write_out()

    def stop(self) -> None:
        """What is kept is written (the driver calls this when it gives the terminal back)."""
        self.flush()

    def isatty(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._file.fileno()


def write_directly(driver: Any) -> bool:
    """Make `driver` (Textual's Linux driver, in application mode) write from the calling thread:
    its output thread is stopped once it has written what it holds. False (nothing changed) for a
    driver without that thread (headless, Windows, web) or a Textual that names it otherwise."""
    from textual.drivers._writer_thread import WriterThread

    writer = getattr(driver, "_writer_thread", None)
    if not isinstance(writer, WriterThread) or not writer.is_alive():
        return False
    file = getattr(writer, "_file", None)
    if file is None:
        return False
    writer.stop()  # (joins it: what it holds is written first, in order)
    driver._writer_thread = DirectOut(file)
    return True
