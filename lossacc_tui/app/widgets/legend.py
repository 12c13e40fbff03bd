"""A plot's legend line: its title, each curve's name and value (latest, or at the cursor), the best
value's marker, and the state of the plot (log scale, smoothing, cursor), fitted to the plot's width
by `fit.fit_line` (fields give way whole, so a number is never cut mid-digit). Textual-free."""

from __future__ import annotations

from rich.text import Text

from lossacc_tui.app.fit import KEEP, Field, fit_line
from lossacc_tui.app.names import apart_names
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
TITLE_RANK = 45
#: compare: before a title whose values are each run's last (the table beside it holds best values)
LAST_WORD = "last "
#: where "last val loss" gives way to "last loss": before a run's name and value would
LAST_RANK = 84
#: compare: where even one run's name does not fit whole, it is cut to this many cells (its end kept)
NAME_CUT = 16
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


def legend_line(d: PlotData | None, width: int, overlay: bool = False, no_color: bool = False) -> Text:
    """Title, each curve with its value (latest, or at the cursor), then what fits of the rest:
    fields give way whole (to a shorter form, then out), so a number is never cut mid-digit;
    the best marker's meaning (◆ best) and the smoothing indicator stay longest."""
    if d is None:
        return Text(no_wrap=True)
    short_title = SHORT_TITLES.get(d.title) if overlay else None
    if short_title:  # (compare: "val loss" before a run's name gives way)
        # (the values are each run's last, or at the cursor: "last" said whole beside the table's
        # best values, the same run's 1.091 beside 1.076 read as one kind: tester 22)
        if d.cursor is None:  # ("last loss" at 80x24: the room of one run's name and value)
            forms = (d.title, TITLE_RANK), (short_title, LAST_RANK), (short_title.split()[-1], KEEP)
            fields = [Field.of(*((Text(LAST_WORD + t, "bold"), r) for t, r in forms))]
        else:
            fields = [Field.of((Text(d.title, "bold"), TITLE_RANK), (Text(short_title, "bold"), KEEP))]
    else:
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
    validation values alone. In the compare view's overlay every value keeps its run's name
    (the part of the names that tells the runs apart: `apart_names`): as many runs as fit, and
    how many more there are (tester 20: values without names, tied to runs only by colour, and
    not at all without it), then that the table has them.
    """
    if not d.curves:
        return []
    if overlay:
        return overlay_fields(d, no_color)
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


def overlay_fields(d: PlotData, no_color: bool = False) -> list[Field]:
    """Compare: each run's value after its name (as given, then cut to what tells the runs
    apart), as many runs as fit and '+n' for the others, then '(see table)'."""
    named: list[list[Text]] = [[], [], []]
    short = apart_names([c.label for c in d.curves])
    for i, (c, cut) in enumerate(zip(d.curves, short, strict=True)):
        key = i if c.run_key is None else c.run_key
        glyph, number = glyph_number(d, c, look(c.role, key, True, no_color))
        named[0].append(Text.assemble("  ", glyph, f" {c.label}", number))
        named[1].append(Text.assemble(" ", glyph, f" {cut}", number))
        if len(cut) > NAME_CUT:  # (its end: a run's own folder or file is at the end of its name)
            cut = "…" + cut[len(cut) - NAME_CUT + 1 :]
        named[2].append(Text.assemble(" ", glyph, f" {cut}", number))
    join = Text("").join
    pairs: list[tuple[Text | str, int]] = [(join(named[0]), 10), (join(named[1]), 50)]
    n = len(named[1])
    for runs, rank, most in ((named[1], 85, n - 1), (named[2], 86, n)):
        for k in range(most, 0, -1):  # as many as fit, and how many more there are
            more = Text(f" +{n - k}", "dim") if k < n else Text("")
            pairs.append((join([*runs[:k], more]), rank))
    pairs.append((Text(" (see table)", "dim"), 87))
    return [Field.of(*pairs)]


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
