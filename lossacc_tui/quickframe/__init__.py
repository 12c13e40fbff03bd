"""The first frame of `lossacc-tui watch FILE`, painted before the terminal view (Textual) is imported.

Importing Textual, Rich and the view takes about a second (0.6 s for `textual.app` alone on a quiet
machine), more than a whole numpy+plotext script needs to draw a 1,000-row log. So `watch` on one
log file in a real terminal first reads what it can of the file within READ_BUDGET seconds (with the
project's own reader: `source.discover`, the same detection, reader and roles the view uses), and
paints the view's layout in the alternate screen: the loss and accuracy plots (the view's own
ranges, ticks and braille: `app.view.build_plot`, `app.braille.rasterize`), the run with its last
epoch, and "loading…" with how much of the file was read. Then Textual is imported and takes the
screen over in place (it enters the same alternate screen and draws the same plots at the same
places).

From the first frame the terminal is in non-canonical mode without echo: keys typed before Textual
is up stay queued in the terminal and Textual reads them (a `q` quits as soon as the view runs).
`QuickFrame.close` gives the terminal back as it was (always: an error, Ctrl-C, a failure message);
nothing is drawn when the input or output is not a terminal, TERM is unset or "dumb", or the log
cannot be read quickly (a folder, a database, a path that does not exist yet): then the view starts
as before. Strings from the log (names, paths) are cleaned (`clean.clean`); NO_COLOR drops colours
(train and validation then differ by line weight, as in the view).

Textual-free; numpy and the readers are imported (the reader is numpy-based). One module per concept:
`terminal` (whether to draw, the terminal's modes, the alternate screen, painting, giving it back),
`head` (the data: the start of the log read within the budget), `draw` (the frame's lines: plots,
panes, status line).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import IO, Any

from lossacc_tui.quickframe.draw import LABEL_W, frame_lines, plot_heights, side_width
from lossacc_tui.quickframe.head import read_head
from lossacc_tui.quickframe.terminal import MIN_SIZE, QuickFrame, eligible

__all__ = [
    "LABEL_W",
    "QuickFrame",
    "eligible",
    "frame_lines",
    "plot_heights",
    "read_head",
    "show",
    "side_width",
]


def show(args: Any, out: IO[str] | None = None, fd: int = 0) -> QuickFrame | None:
    """Paint the quick frame for `args` (a parsed `watch`); the QuickFrame to hand over and close,
    or None when none was drawn (the terminal is then as it was). Never raises for a bad log: the
    view reports it."""
    if not eligible(args):
        return None
    out = sys.stdout if out is None else out
    cols, rows = shutil.get_terminal_size()  # (what Textual lays out for: COLUMNS/LINES first)
    if cols < MIN_SIZE[0] or rows < MIN_SIZE[1]:
        return None
    qf = QuickFrame(out, fd)
    try:
        from lossacc_tui.options import parse_map

        got = read_head(Path(args.paths[0]), args.format, parse_map(args.map))
        if got is None:
            qf.close()
            return None
        run, fraction = got
        color = not os.environ.get("NO_COLOR")
        qf.paint(frame_lines(run, " ".join(args.paths), fraction, cols, rows, color), cols)
    except BaseException as e:  # (the view starts as before and says what is wrong with the log)
        qf.close()
        if isinstance(e, (KeyboardInterrupt, SystemExit)):
            raise
        return None
    return qf
