"""The quick frame's lines: the view's layout (plots on the left, the run and "loading…" on the right,
status line and key bar), the plots drawn with the view's own ranges, ticks and braille."""

from __future__ import annotations

import math
from typing import Any

from lossacc_tui.quickframe.terminal import visible

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
    from lossacc_tui.app.view import fmt_num, nice_ticks, y_ticks

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
    for t in y_ticks(d.y0, d.y1, height - 4, d.log):
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


def _pad(s: str, width: int) -> str:
    return s + " " * max(0, width - visible(s))
