"""A plot's legend line: its title, each curve's name and value (latest, or at the cursor), the best
value's marker, and the state of the plot (log scale, smoothing, cursor), fitted to the plot's width
by `fit.fit_line` (fields give way whole, so a number is never cut mid-digit). Textual-free."""

from __future__ import annotations

from rich.text import Text

from lossacc_tui.app.fit import KEEP, Field, fit_line
from lossacc_tui.app.names import fit_told, told_apart
from lossacc_tui.app.view import Curve, PlotData, fmt_num
from lossacc_tui.app.widgets.plot_cells import cell_style

#: plotext colour of each role, and whether its line is drawn thick (told apart without colour)
LOOK = {
    "train_loss": ("cyan", False),
    "train_acc": ("cyan", False),
    "val_loss": ("magenta+", True),
    "val_acc": ("magenta+", True),
}
OVERLAY = ("cyan", "magenta+", "green", "yellow", "blue+", "red", "white", "cyan+", "magenta", "green+")
ROLE_WORD = {"train_loss": "train", "train_acc": "train", "val_loss": "val", "val_acc": "val"}
SEVERITY_COLOR = {"critical": "red+", "warning": "yellow", "info": "blue+"}
MARK = "◆"
#: the rank at which " (log)" gives way in a legend that does not fit: after the values and the best
#: marker (a log axis read as linear misreads every tick; the compare view's values filled its line)
LOG_RANK = 89
#: the rank at which a legend's curve names ("train", "val") give way to their glyphs alone: after the
#: best value's number (60), so what tells the curves apart outlasts a number the plot also marks
NAMES_RANK = 70
#: compare's titles, shortened before any run's name gives way
SHORT_TITLES = {"validation loss": "val loss", "validation accuracy": "val acc"}
#: compare: before a title whose values are each run's last (the table beside it holds best values)
LAST_WORD = "last "
CURSOR = "╎"  # the value cursor's line, in cells no curve uses (the frame uses │)
CURSOR_STYLE = "bold yellow"


def run_look(key: int) -> tuple[str, bool]:
    """A run's colour wherever runs are drawn together (the run list, compare): one of OVERLAY by
    its key, then the same colours drawn thick for the next ones.

    >>> run_look(1), run_look(len(OVERLAY) + 1)
    (('magenta+', False), ('magenta+', True))
    """
    return OVERLAY[key % len(OVERLAY)], (key // len(OVERLAY)) % 2 == 1


def look(role: str, i: int, overlay: bool, no_color: bool) -> tuple[str, bool]:
    """A curve's plotext colour and whether it is drawn thick: by its role, or in the compare
    view's overlay by its run (`i`: the run's key); without colour (NO_COLOR) the terminal's own
    colour, train and val told apart by weight."""
    if no_color:
        return "default", LOOK.get(role, ("", False))[1]
    if overlay:
        return run_look(i)
    return LOOK.get(role, ("white", False))


def legend_lines(d: PlotData | None, width: int, overlay: bool = False, no_color: bool = False) -> list[Text]:
    """The legend's lines: one (`legend_line`), or in the compare view's overlay two
    (`overlay_lines`)."""
    if overlay and d is not None and d.curves:
        return overlay_lines(d, width, no_color)
    return [legend_line(d, width, overlay, no_color)]


def legend_line(d: PlotData | None, width: int, overlay: bool = False, no_color: bool = False) -> Text:
    """Title, each curve with its value (latest, or at the cursor), then what fits of the rest:
    fields give way whole (to a shorter form, then out), so a number is never cut mid-digit;
    the best marker's meaning (◆ best) and the smoothing indicator stay longest."""
    if d is None:
        return Text(no_wrap=True)
    if overlay and d.curves:  # (compare: its first line)
        return overlay_lines(d, width, no_color)[0]
    fields = [Field.of((Text(d.title, "bold"), KEEP))]
    if d.log:
        fields.append(Field.of((Text(" (log)", "dim"), LOG_RANK)))
    if d.smoothing:
        fields.append(
            Field.of(
                (Text(f" (smoothed {d.smoothing:g})", "dim"), 36),
                (Text(f" (sm {d.smoothing:g})", "dim"), 90),
            )
        )
    if d.cursor is not None:
        fields.append(Field.of((Text(f" @ {d.axis[:2]} {fmt_num(d.cursor)}", CURSOR_STYLE), 95)))
    fields.extend(curve_fields(d, overlay, no_color))
    if d.cursor is not None and d.cursor_alerts is not None:
        if d.cursor_state:
            fields.append(Field.of((Text(f"  · {d.cursor_state}", CURSOR_STYLE), 25)))
        n = len(d.cursor_alerts)
        alerts = f"  · alerts: {', '.join(d.cursor_alerts)}" if n else "  · no alert"
        count = Text(f"  · {n} alert{'s' * (n != 1)}", CURSOR_STYLE)
        fields.append(Field.of((Text(alerts, CURSOR_STYLE), 15), (count, 35)))
    for m in d.marks:  # '◆ best' explains the marker on the plot: it goes last of all but the values
        value = m.label.partition(" @")[0]
        fields.append(
            Field.of(
                (Text(f"  {MARK} best {m.label}", "green"), 32),
                (Text(f"  {MARK} best {value}", "green"), 60),
                (Text(f" {MARK} best {value}", "green"), 65),
                (Text(f" {MARK} best", "green"), 88),
            )
        )
    return fit_line(fields, width)


def curve_fields(d: PlotData, overlay: bool = False, no_color: bool = False) -> list[Field]:
    """The curves' part of the legend, as one field: every curve in the same form (names, short
    names, then the glyph alone, whose colour and weight name it), so one curve never keeps its
    name while another has lost it (tester 19); the names give way after the best value's number
    (tester 20: 'accuracy ─ 0.9513 ━ 0.8445' at 80x24 once the numbers grew); then the
    validation values alone. (The compare view's overlay: `overlay_lines`.)
    """
    if not d.curves:
        return []
    levels: list[list[Text]] = [[], [], []]
    for i, c in enumerate(d.curves):
        glyph, number = glyph_number(d, c, look(c.role, i, False, no_color))
        alone = Text.assemble(" ", glyph, number)
        if len(d.curves) == 1 and c.label == d.title:  # (the metrics view: the title names it)
            full = short = alone
        else:
            full = Text.assemble("  ", glyph, f" {c.label}", number)
            role = ROLE_WORD.get(c.role, c.label)
            # (val_accuracy: val; Keras' training loss "loss" under the title "loss": train)
            label = role if len(role) < len(c.label) or c.label == d.title else c.label
            short = Text.assemble(" ", glyph, f" {label}", number)
        for level, form in zip(levels, (full, short, alone), strict=True):
            level.append(form)
    join = Text("").join
    pairs: list[tuple[Text | str, int]] = [(join(levels[0]), 10), (join(levels[1]), NAMES_RANK)]
    bare = levels[2]
    pairs.append((join(bare), 85))
    vals = [f for f, c in zip(bare, d.curves, strict=True) if c.role.startswith("val")]
    if 0 < len(vals) < len(bare):  # (the validation value gives way last)
        pairs.append((join(vals), 86))
    return [Field.of(*pairs)]


#: compare: the widths a run's name is cut to (`names.fit_names`) while the legend's two lines
#: cannot name every run, widest first (None: as the run is named)
NAME_WIDTHS = (None, 24, 20, 16, 12, 10, 8, 6)
#: compare: what ends the legend when not every run drawn is named (n: how many are not), longest
#: first: the table beside the plots lists every run in its colour
MORE = (" +{n} more: see the table", " +{n} more: see table", " +{n}: see table", " +{n}")
#: compare: a legend that cannot name every run names as many as fit cut to this width at the least
PARTIAL_WIDTH = 8


def overlay_lines(d: PlotData, width: int, no_color: bool = False) -> list[Text]:
    """Compare: the legend on two lines, the title then each run's name (cut to what tells the
    runs apart, `names.fit_names`) and its value (its last, or at the cursor), glyph in its colour,
    every run when they fit at some cut of the names, else as many as fit and how many more are
    drawn, named in the table (tester 22: 'aux_wd 1.091 +3' named one run of four at 80x24)."""
    heads = []  # the title's forms, longest first, with what the plot's state adds
    smoothed = [f" (smoothed {d.smoothing:g})", f" (sm {d.smoothing:g})"] if d.smoothing else [""]
    short = SHORT_TITLES.get(d.title, d.title)
    titles = [d.title, short] if d.cursor is not None else [d.title, short, short.split()[-1]]
    for t in dict.fromkeys(titles):
        for sm in smoothed:
            head = Text(t if d.cursor is not None else LAST_WORD + t, "bold")
            if d.log:
                head.append(" (log)", "dim")
            head.append(sm, "dim")
            if d.cursor is not None:
                head.append(f" @ {d.axis[:2]} {fmt_num(d.cursor)}", CURSOR_STYLE)
            heads.append(head)
    told = told_apart(tuple(c.label for c in d.curves))
    # (no more entries than two lines can hold, each ' ─ x 1' at least: the others are counted)
    room = min(len(d.curves), (2 * width) // 6 + 1)
    looks = [
        glyph_number(d, c, look(c.role, i if c.run_key is None else c.run_key, True, no_color))
        for i, c in enumerate(d.curves[:room])
    ]
    fixed = [1 + g.cell_len + 1 + v.cell_len for g, v in looks]  # (an entry's cells but its name's)
    n = len(d.curves)
    names: dict[int | None, list[str]] = {}

    def sizes(cut: int | None) -> list[int]:
        """Each entry's cells with its name cut to `cut` (placeholders past `room`: never fit)."""
        got = names[cut] = [
            c.label if cut is None else fit_told(t, cut)
            for c, t in zip(d.curves[:room], told[:room], strict=True)
        ]
        return [f + len(m) for f, m in zip(fixed, got, strict=True)] + [width + 1] * (n - room)

    def pack(head: int, items: list[int], note: int = 0) -> int | None:
        """Where line 2 starts when the head and all `items` fit on two lines (None: they do not)."""
        line, left, second = 1, width - head, len(items)
        for i, it in enumerate(items):
            if it > left:
                if line == 2 or it > width:
                    return None
                line, left, second = 2, width, i
            left -= it
        return second if left >= note else None

    def lines(head: Text, cut: int | None, k: int, second: int, note: str = "") -> list[Text]:
        out = [head.copy(), Text("")]
        for i, ((g, v), m) in enumerate(zip(looks[:k], names[cut][:k], strict=True)):
            out[1 if i >= second else 0].append_text(Text.assemble(" ", g, f" {m}", v))
        if note:
            out[1 if out[1].plain or k else 0].append(note, "dim")
        return out

    for cut in NAME_WIDTHS:
        items = sizes(cut)
        for head in heads:
            second = pack(head.cell_len, items)
            if second is not None:
                return lines(head, cut, n, second)
    # as many runs as fit (their names cut to PARTIAL_WIDTH at the least), then how many more there
    # are and where they are named: the most runs, then the fullest note, then the widest names
    head = heads[-1]
    best: tuple[tuple[int, int, int], list[Text]] = ((-1, 0, 0), [head[:width], Text("")])
    for rank, cut in enumerate([c for c in NAME_WIDTHS if c is None or c >= PARTIAL_WIDTH]):
        items = sizes(cut)
        for k in range(max(0, best[0][0]), min(n, room + 1)):
            found = [
                (j, note, second)
                for j, more in enumerate(MORE)
                if (second := pack(head.cell_len, items[:k], len(note := more.format(n=n - k)))) is not None
            ]
            if not found:
                break
            j, note, second = found[0]
            if (k, -j, -rank) > best[0]:
                best = ((k, -j, -rank), lines(head, cut, k, second, note))
    return best[1]


def glyph_number(d: PlotData, c: Curve, looks: tuple[str, bool]) -> tuple[Text, Text]:
    """A curve's glyph in its look (colour, thick) and its value (latest, or at the cursor)."""
    color, thick = looks
    glyph = Text("━" if thick else "─", cell_style(color, "default", "default"))
    value = c.at if d.cursor is not None else c.last
    number = Text(" –", "dim")
    if value is not None:
        number = Text(f" {fmt_num(value)}", "bold" if d.cursor is not None else "dim")
        if d.cursor is not None and c.at_x is not None:  # (logged at an earlier x: said where)
            number.append(f"@{fmt_num(c.at_x)}", CURSOR_STYLE)
    return glyph, number
