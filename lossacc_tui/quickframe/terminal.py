"""The terminal while the quick frame is up: whether to draw one at all, its modes (non-canonical, no
echo: keys queue for Textual), the alternate screen, painting lines, and giving the terminal back."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path
from types import FrameType
from typing import IO, Any

MIN_SIZE = (40, 12)  # smallest terminal (columns, rows) the quick frame is drawn in
ENTER = "\x1b[?1049h\x1b[?25l"  # alternate screen, cursor hidden
LEAVE = "\x1b[?25h\x1b[?1049l"


def eligible(args: Any, env: dict[str, str] | None = None) -> bool:
    """Whether `watch` should paint a quick frame: one existing log file, both ends a terminal,
    a terminal that draws (TERM set and not "dumb"), not the browser driver."""
    env = dict(os.environ) if env is None else env
    if getattr(args, "command", None) != "watch" or len(getattr(args, "paths", [])) != 1:
        return False
    if env.get("TERM", "dumb") in ("", "dumb") or "web_driver" in env.get("TEXTUAL_DRIVER", ""):
        return False
    if env.get("LOSSACC_QUICK_FRAME", "1") == "0":  # (benchmarks: the view alone)
        return False
    try:
        if not (os.isatty(0) and os.isatty(1) and os.isatty(2)) or not Path(args.paths[0]).is_file():
            return False
    except OSError:
        return False
    return True


class QuickFrame:
    """The terminal as the quick frame left it: alternate screen, no echo. `handover()` when
    Textual takes the screen; `close()` (idempotent) gives back the terminal's own settings, and the
    main screen unless Textual has it."""

    def __init__(self, out: IO[str], fd: int) -> None:
        import termios

        self.out, self.fd = out, fd
        self.saved: list[Any] | None = None
        self.shown = False
        self.handed = False
        self.closed = False
        self._old_term: Any = None
        try:
            self.saved = termios.tcgetattr(fd)
            quiet = termios.tcgetattr(fd)
            quiet[3] &= ~(termios.ICANON | termios.ECHO)  # keys queue, unseen, for Textual to read
            quiet[6][termios.VMIN], quiet[6][termios.VTIME] = 1, 0
            termios.tcsetattr(fd, termios.TCSANOW, quiet)  # (TCSANOW: keys typed so far are kept)
        except termios.error:
            self.saved = None
        self._old_term = signal.signal(signal.SIGTERM, self._on_term)

    def _on_term(self, signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)  # (unwinds through close: the terminal is given back)

    def paint(self, lines: list[str], cols: int) -> None:
        """Draw the frame's lines from the top left; a short line's rest is erased (a full one's is
        not: after the last column, an erase would take that column's cell in some terminals)."""
        body = "".join(
            f"\x1b[{i + 1};1H{line}\x1b[0m" + ("\x1b[K" if visible(line) < cols else "")
            for i, line in enumerate(lines)
        )
        self.shown = True  # (first: a Ctrl-C during the write still leaves the alternate screen)
        self.out.write(ENTER + "\x1b[H\x1b[2J" + body)
        self.out.flush()

    def handover(self) -> None:
        """Textual is about to take the screen (it enters the same alternate screen and leaves it)."""
        self.handed = True
        if self._old_term is not None:
            signal.signal(signal.SIGTERM, self._old_term)
            self._old_term = None

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self.shown and not self.handed:
            try:
                self.out.write(LEAVE)
                self.out.flush()
            except OSError:
                pass
        if self.saved is not None:
            import termios

            with contextlib.suppress(termios.error):
                termios.tcsetattr(self.fd, termios.TCSANOW, self.saved)
        if self._old_term is not None:
            signal.signal(signal.SIGTERM, self._old_term)
            self._old_term = None


def visible(s: str) -> int:
    """Width of a line of single-cell characters and SGR sequences."""
    n, i = 0, 0
    while i < len(s):
        if s[i] == "\x1b":
            i = s.index("m", i) + 1
            continue
        n, i = n + 1, i + 1
    return n
