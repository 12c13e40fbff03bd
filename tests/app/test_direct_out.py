"""Frames reach the terminal from the view's main thread, each in one write (app/direct_out.py): a
terminal never shows half a frame, and a frame does not wait for another thread to get the GIL."""

from __future__ import annotations

import io
import os

from textual.drivers._writer_thread import WriterThread

from lossacc_tui.app.direct_out import SYNC_END, SYNC_START, DirectOut, write_directly


class Terminal(io.StringIO):
    """What a terminal was sent, write call by write call."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def write(self, s: str) -> int:
        self.calls.append(s)
        return super().write(s)


def test_a_frame_is_written_in_one_call_and_other_output_at_once() -> None:
    term = Terminal()
    out = DirectOut(term)
    out.write("\x1b[?1000h")  # (mouse on: outside a frame, sent at once)
    assert term.calls == ["\x1b[?1000h"]
    out.write(SYNC_START)
    out.write("\x1b[1;1Hloss (log)")
    assert len(term.calls) == 1  # (half a frame is not sent)
    out.write(SYNC_END)
    assert term.calls[1] == SYNC_START + "\x1b[1;1Hloss (log)" + SYNC_END


def test_a_closed_terminal_is_not_an_error() -> None:
    term = Terminal()
    out = DirectOut(term)
    term.close()
    out.write("frame")  # (the app ends on the hang-up signal, not on a traceback from a write)
    out.stop()


def test_the_drivers_output_thread_hands_over_what_it_holds_in_order() -> None:
    read, write = os.pipe()
    with os.fdopen(write, "w") as file:
        writer = WriterThread(file)
        writer.start()

        class Driver:
            _writer_thread = writer

        writer.write("first ")
        assert write_directly(Driver)
        Driver._writer_thread.write("second")
        assert not writer.is_alive()  # (stopped once it had written "first ")
    with os.fdopen(read) as got:
        assert got.read() == "first second"
