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

Textual-free; numpy and the readers are imported (the reader is numpy-based).
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import IO, Any

READ_BUDGET = 0.1  # seconds of reading before the first frame (the rest is read by the view)
CHUNK = 1 << 18  # bytes per read while the budget lasts
MIN_SIZE = (40, 12)  # smallest terminal (columns, rows) the quick frame is drawn in
LOSS_ROLES = ("train_loss", "val_loss")  # (as app/present.py: the loss plot's curves, then accuracy's)
ACC_ROLES = ("train_acc", "val_acc")
LABEL_W = 6  # the view's tick label width (app/view.py LABEL_W; not imported: see _draw)
#: (SGR colour, thick) of each role: the view's colours (widgets/metric_plot.py LOOK: cyan, magenta+)
LOOK = {
    "train_loss": ("36", False),
    "train_acc": ("36", False),
    "val_loss": ("95", True),
    "val_acc": ("95", True),
}
MARK = "◆"
KEEP_RANK = 1000  # a legend field that never gives way (the title)
ENTER = "\x1b[?1049h\x1b[?25l"  # alternate screen, cursor hidden
LEAVE = "\x1b[?25h\x1b[?1049l"


def side_width(cols: int) -> int:
    """Width of the view's side column (app.tcss: 30 below 100 columns, 56 from 160, else 42)."""
    return 30 if cols < 100 else 56 if cols >= 160 else 42


def plot_heights(rows: int) -> tuple[int, int, int]:
    """(loss plot, accuracy plot, state band) heights in a terminal `rows` high, as the view lays
    them out: status line and key bar at the bottom, band 2 rows below 30 rows, else 3; the plots
    share the rest, the accuracy plot taking the odd row."""
    band = 2 if rows < 30 else 3
    plots = rows - 2 - band
    return plots // 2, plots - plots // 2, band


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
        if not (os.isatty(0) and os.isatty(1)) or not Path(args.paths[0]).is_file():
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
            f"\x1b[{i + 1};1H{line}\x1b[0m" + ("\x1b[K" if _visible(line) < cols else "")
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


def read_head(
    path: Path,
    fmt: str | None,
    role_map: Any,
    budget: float = READ_BUDGET,
    clock: Callable[[], float] = time.monotonic,
    chunk: int = CHUNK,
) -> tuple[Any, float] | None:
    """The first run of the log at `path` as read within `budget` seconds, and the fraction of the
    file read (1.0: all of it). None when the path is not one log file read by bytes."""
    from lossacc_tui.files import open_regular
    from lossacc_tui.source import discover

    start = clock()
    sources = discover(path, fmt, role_map)
    if len(sources) != 1 or len(sources[0].files) != 1:
        return None
    src = sources[0]
    if getattr(src.files[0].reader, "reads_itself", False):
        return None
    with open_regular(src.files[0].path) as fh:
        size = os.fstat(fh.fileno()).st_size
        done = 0
        while data := fh.read(chunk):
            src.feed(0, data)
            done += len(data)
            if clock() - start > budget:
                break
        else:
            src.finish(0)
            done = size
    if not src.runs:
        return None
    return src.runs[0], (done / size if size else 1.0)


def _sgr(code: str, text: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color and code else text


def _cell(x: float, x0: float, x1: float, cells: int) -> int:
    """The cell plotext puts x in (as widgets/metric_plot.py `_cell`: ticks)."""
    return math.floor(round(0.5 + (cells - 1) * (x - x0) / ((x1 - x0) or 1.0), 8))


ROLE_WORD = {"train_loss": "train", "train_acc": "train", "val_loss": "val", "val_acc": "val"}


def _legend(d: Any, width: int, color: bool) -> str:
    """The plot's title, each curve's name and latest value, and the best mark, each field in the
    longest form that lets the line fit, fields giving way in the view's order (widgets/metric_plot.py
    `_legend` and app/fit.py `fit_line`: full names first, then the best mark's x, then the
    train/val words, ...; the validation value last)."""
    from lossacc_tui.app.view import fmt_num

    Form = tuple[int, list[tuple[str, str]]]  # (rank: lower gives way first, (SGR, text) pieces)
    fields: list[list[Form]] = [[(KEEP_RANK, [("1", d.title)])]]
    for c in d.curves:
        code, thick = LOOK.get(c.role, ("", False))
        glyph, later = ("━" if thick else "─"), (2 if c.role.startswith("val") else 0)
        number = f" {fmt_num(c.last)}" if c.last is not None else " –"
        word = ROLE_WORD.get(c.role, c.label)
        word = word if len(word) < len(c.label) else c.label
        fields.append(
            [
                (10 + later, [("", "  "), (code, glyph), ("", f" {c.label}{number}")]),
                (50 + later, [("", " "), (code, glyph), ("", f" {word}{number}")]),
                (85 + later, [("", " "), (code, glyph), ("", number)]),
            ]
        )
    for m in d.marks:
        value = m.label.partition(" @")[0]
        fields.append(
            [
                (32, [("32", f"  {MARK} best {m.label}")]),
                (60, [("32", f"  {MARK} best {value}")]),
                (88, [("32", f" {MARK} best")]),
            ]
        )
    at = [0] * len(fields)  # each field's form; len(forms): dropped

    def cells() -> int:
        return sum(sum(len(t) for _, t in f[i][1]) for f, i in zip(fields, at, strict=True) if i < len(f))

    steps: list[int] = []
    while cells() > width:
        live = [(f[i][0], -k) for k, (f, i) in enumerate(zip(fields, at, strict=True)) if i < len(f)]
        rank, neg = min(live, default=(KEEP_RANK, 0))
        if rank >= KEEP_RANK:
            break
        at[-neg] += 1
        steps.append(-neg)
    for k in reversed(steps[:-1]):  # a step the later ones made needless is taken back
        at[k] -= 1
        if cells() > width:
            at[k] += 1
    out, n = "", 0
    for f, i in zip(fields, at, strict=True):
        for code, text in f[i][1] if i < len(f) else []:
            text = text[: max(0, width - n)]
            out += _sgr(code, text, color)
            n += len(text)
    return out


def draw_plot(d: Any, width: int, height: int, color: bool) -> list[str]:
    """A plot (`view.PlotData`) in `height` lines of `width` cells: the legend, then the frame with
    its ticks, the curves in braille and the best mark, laid out as the view's plot widget does."""
    from lossacc_tui.app.braille import rasterize
    from lossacc_tui.app.view import fmt_num, nice_ticks

    lines = [_legend(d, width, color)]
    cols, rows = max(1, width - LABEL_W - 2), height - 4
    if d.note or rows < 1:
        return lines + [_sgr("2", d.note or "waiting for data…", color)] + [""] * (height - 2)
    grid = [[" "] * cols for _ in range(rows)]
    paint: list[list[str]] = [[""] * cols for _ in range(rows)]
    for c in d.curves:
        code, thick = LOOK.get(c.role, ("", False))
        xs, ys, chars = rasterize(c.xs, c.ys, (d.x0, d.x1), (d.y0, d.y1), cols, rows, thick)
        for x, y, ch in zip(xs.tolist(), ys.tolist(), chars, strict=True):
            r = rows - 1 - y
            old = grid[r][x]
            grid[r][x] = chr(ord(old) | ord(ch)) if 0x2800 <= ord(old) <= 0x28FF else ch
            paint[r][x] = code
    for m in d.marks:
        x, y = _cell(m.x, d.x0, d.x1, cols), _cell(m.y, d.y0, d.y1, rows)
        if 0 <= x < cols and 0 <= y < rows:
            grid[rows - 1 - y][x], paint[rows - 1 - y][x] = MARK, "92"
    yticks = {}
    for t in nice_ticks(d.y0, d.y1, max(3, (height - 4) // 3)):
        r = rows - 1 - _cell(t, d.y0, d.y1, rows)
        if 0 <= r < rows:
            yticks[r] = (fmt_num(10**t) if d.log else fmt_num(t)).rjust(LABEL_W)
    lines.append(" " * LABEL_W + "┌" + "─" * cols + "┐")
    for r in range(rows):
        cells, run_code, row = [], "", grid[r]
        for x in range(cols):
            code = paint[r][x] if color else ""
            if code != run_code:
                cells.append("\x1b[0m" + (f"\x1b[{code}m" if code else ""))
                run_code = code
            cells.append(row[x])
        if run_code:
            cells.append("\x1b[0m")
        tick = yticks.get(r)
        lines.append((tick + "┤" if tick else " " * LABEL_W + "│") + "".join(cells) + "│")
    whole = all(float(x).is_integer() for c in d.curves for x in c.xs)
    xt = nice_ticks(d.x0, d.x1, max(2, width // 14))
    if whole and d.curves:
        xt = [t for t in xt if float(t).is_integer()] or nice_ticks(d.x0, d.x1, 1)
    bottom, labels = ["─"] * cols, [" "] * (width + 8)
    for t in xt:
        x = _cell(t, d.x0, d.x1, cols)
        if 0 <= x < cols:
            bottom[x] = "┬"
            text = fmt_num(t)
            at = LABEL_W + 1 + x - len(text) // 2  # (plotext centres a label on its tick so)
            labels[at : at + len(text)] = list(text)
    lines.append(" " * LABEL_W + "└" + "".join(bottom) + "┘")
    lines.append("".join(labels)[:width].rstrip())
    return lines


def _box(title: str, body: list[str], width: int, height: int) -> list[str]:
    """A rounded pane `width` x `height` with a title, as the view's side panes."""
    inner = width - 2
    top = f"╭─ {title} " + "─" * max(0, inner - len(title) - 3) + "╮"
    out = [top[:width]]
    for i in range(height - 2):
        text = body[i] if i < len(body) else ""
        out.append("│" + (" " + text)[:inner].ljust(inner) + "│")
    return [*out, "╰" + "─" * inner + "╯"]


def frame_lines(run: Any, label: str, fraction: float, cols: int, rows: int, color: bool) -> list[str]:
    """The quick frame's `rows` lines for a terminal `cols` wide: plots on the left, the run and
    "loading…" on the right, the status line (with the last epoch read) and the key bar."""
    from lossacc_tui.app.status import short_label
    from lossacc_tui.app.tracker import RunState
    from lossacc_tui.app.view import PlotOptions, axis_for, build_plot, x_range
    from lossacc_tui.clean import clean

    rs = RunState(run)
    opts = PlotOptions()
    side = side_width(cols)
    left = cols - side
    loss_h, acc_h, band_h = plot_heights(rows)
    axis = axis_for(rs, opts.axis)
    xr = x_range([rs], axis, LOSS_ROLES + ACC_ROLES)
    names = {r: clean(s.name) for r in LOSS_ROLES + ACC_ROLES if (s := run.by_role(r))}
    plots = []
    for title, roles, mark, h in (
        ("loss", LOSS_ROLES, "val_loss", loss_h),
        ("accuracy", ACC_ROLES, "val_acc", acc_h),
    ):
        entries = [(rs, r, names[r]) for r in roles if r in names]
        marks = tuple((rs, r, names[r]) for r in (mark,) if r in names)
        d = build_plot(
            title, entries, axis, xr, (max(1, left - LABEL_W - 2), max(1, h - 4)), opts, marks=marks
        )
        plots += draw_plot(d, left, h, color)
    plots += [" state", "alerts"][:band_h] + [""] * (band_h - 2)  # (the band: drawn once analysed)
    last = [float(s.x(axis)[-1]) for r in names if (s := run.by_role(r)) is not None and len(s)]
    where = f"{axis} {_count(max(last))}" if last else "no points yet"
    read = "all read" if fraction >= 1 else f"{fraction:.0%} read"
    name = clean(run.name)
    side_lines = _box("runs", [name, f"{clean(run.format)} · {where}"], side, 4)
    side_lines += _box(
        "summary",
        ["loading… (" + read + ")", "", "alerts come when the", "analysis has run"],
        side,
        rows - 2 - 4,
    )
    # (what was read first: a long path may be cut at the right edge, never the last epoch)
    status = f" loading… {read} · last {where} · watching {short_label(clean(label))}"
    keys = " q Quit  ? Help  (starting…)"
    out = []
    for i in range(rows - 2):
        p = plots[i] if i < len(plots) else ""
        out.append(_pad(p, left) + (side_lines[i] if i < len(side_lines) else ""))
    out.append(_sgr("7", status[:cols].ljust(cols), color))
    out.append(keys[:cols])
    return out


def _count(v: float) -> str:
    """An epoch or step as the view's run list writes it: 99,999; 12.5 (a fraction of an epoch)."""
    return f"{int(v):,}" if float(v).is_integer() else f"{v:,.6g}"


def _visible(s: str) -> int:
    """Width of a line of single-cell characters and SGR sequences."""
    n, i = 0, 0
    while i < len(s):
        if s[i] == "\x1b":
            i = s.index("m", i) + 1
            continue
        n, i = n + 1, i + 1
    return n


def _pad(s: str, width: int) -> str:
    return s + " " * max(0, width - _visible(s))


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
