"""A plot's legend line: its title, each curve's name and value (latest, or at the cursor), the best
value's marker, and the state of the plot (log scale, smoothing, cursor), fitted to the plot's width
by `fit.fit_line` (fields give way whole, so a number is never cut mid-digit). Textual-free."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text

from lossacc_tui.app.fit import KEEP, Field, fit_line
from lossacc_tui.app.names import fit_names
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
    labels = [c.label for c in d.curves]
    looks = [
        glyph_number(d, c, look(c.role, i if c.run_key is None else c.run_key, True, no_color))
        for i, c in enumerate(d.curves)
    ]

    def entries(cut: int | None) -> list[Text]:
        names = labels if cut is None else fit_names(labels, cut)
        return [Text.assemble(" ", g, f" {n}", v) for (g, v), n in zip(looks, names, strict=True)]

    def pack(head: Text, items: list[Text], note: int = 0) -> list[Text] | None:
        """The head and all `items` on two lines (None when they do not fit)."""
        lines, room = [head.copy()], width - head.cell_len
        for it in items:
            if it.cell_len > room:
                if len(lines) == 2:
                    return None
                lines.append(Text(""))
                room = width
                if it.cell_len > room:
                    return None
            lines[-1].append_text(it)
            room -= it.cell_len
        return lines if room >= note else None

    for cut in NAME_WIDTHS:
        items = entries(cut)
        for head in heads:
            lines = pack(head, items)
            if lines is not None:
                return [*lines, Text("")][:2]
    # as many runs as fit (their names cut to PARTIAL_WIDTH at the least), then how many more there
    # are and where they are named: the most runs, then the fullest note, then the widest names
    best: tuple[tuple[int, int, int], list[Text]] = ((-1, 0, 0), [heads[-1][:width], Text("")])
    cuts = [c for c in NAME_WIDTHS if c is None or c >= PARTIAL_WIDTH]
    for rank, cut in enumerate(cuts):
        items = entries(cut)
        for k in range(max(0, best[0][0]), len(items)):
            found = [
                (j, g)
                for j, more in enumerate(MORE)
                if (g := _with_note(pack, heads[-1], items, k, more)) is not None
            ]
            if not found:
                break
            j, got = found[0]
            score = (k, -j, -rank)
            if score > best[0]:
                best = (score, got)
    return best[1]


def _with_note(
    pack: Callable[..., list[Text] | None], head: Text, items: list[Text], k: int, more: str
) -> list[Text] | None:
    """The head, the first `k` items and the note of the others (`more`) on two lines, or None."""
    note = Text(more.format(n=len(items) - k), "dim")
    lines = pack(head, items[:k], note.cell_len)
    if lines is None:
        return None
    lines = [*lines, Text("")][:2]
    (lines[1] if lines[1].plain or k else lines[0]).append_text(note)
    return lines


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
