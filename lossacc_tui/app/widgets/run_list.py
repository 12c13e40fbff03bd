"""The runs pane: every run found, its format, where it is (last epoch/step), and a badge with the
severity of its worst active alert. Moving the highlight selects the run everywhere else."""

from __future__ import annotations

import math
import re
from typing import ClassVar

from rich.text import Text
from textual.actions import SkipAction
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from lossacc_tui.app.messages import Resized, RunChosen, RunMarked
from lossacc_tui.app.names import Told, fit_told, middle, told_apart
from lossacc_tui.app.view import RunRow
from lossacc_tui.app.widgets.cached_lines import KeptLines
from lossacc_tui.app.widgets.metric_plot import run_look
from lossacc_tui.app.widgets.option_rows import rekey, replace_prompts
from lossacc_tui.app.widgets.plot_cells import cell_style

BADGE = {"critical": ("✖", "bold bright_red"), "warning": ("▲", "bold yellow"), "info": ("●", "bright_blue")}
#: the badge of a run whose loss and accuracy are not analysed (`present.not_analysed`): no alert can
#: open on it, so its quiet row is no sign of health
UNREAD = ("?", "bold")
#: its words in a one-line row
SHORT_UNREAD = {"no loss/acc named": "unnamed", "no accuracy": "no acc", "too few evals": "few evals"}


def fit(s: str, width: int) -> str:
    """`s` cut in the middle to `width` characters (`names.middle`).

    >>> fit("eight_runs/run_1/metrics.csv", 16)
    'eight_ru…ics.csv'
    """
    return middle(s, width)


def natural(s: str) -> list[object]:
    """Sort key: run_2 before run_10."""
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", s)]


class SteadyWidth:
    """Mixin for a list whose rows are cut to its width: the width the rows are cut to, stable when
    a vertical scrollbar comes and goes. (Cut to the room a scrollbar leaves, the rows may fit
    without one; cut to the whole width, they need one again: every frame rebuilt the list and laid
    the screen out.) Once the list has needed a scrollbar with k rows at this width, k rows or more
    are cut to the room it leaves."""

    _bar_from: float = math.inf  # rows from which a scrollbar is reserved
    _bar_width: int = -1  # the widget width `_bar_from` was found at

    def steady_width(self, shown: int, wanted: int) -> int:
        """The width to cut `wanted` rows to (`shown`: rows the list shows now). A scrollbar seen
        while an auto-height list can still grow is not counted (`_can_grow`)."""
        width = self.size.width  # type: ignore[attr-defined]
        if width != self._bar_width:
            self._bar_from, self._bar_width = math.inf, width
        if self.show_vertical_scrollbar and not self._can_grow():  # type: ignore[attr-defined]
            self._bar_from = min(self._bar_from, shown)
        bar = self.styles.scrollbar_size_vertical if wanted >= self._bar_from else 0  # type: ignore[attr-defined]
        return width - bar

    def _can_grow(self) -> bool:
        """An auto-height list below its max-height shows a scrollbar only until the layout gives it
        the height of new rows (taller rows in a list still sized for the old ones): not a need."""
        styles = self.styles  # type: ignore[attr-defined]
        parent = self.parent  # type: ignore[attr-defined]
        if not styles.height or not styles.height.is_auto or styles.max_height is None or parent is None:
            return False
        cap = int(styles.max_height.resolve(parent.size, self.app.size))  # type: ignore[attr-defined]
        return self.outer_size.height < cap  # type: ignore[attr-defined]


def row_tolds(rows: list[RunRow], width: int | None = None) -> list[Told]:
    """Each row's name as `names.told_apart` reads it beside the other rows' (what tells it apart);
    when every name fits its row at `width` (the usual case), each name whole without reading the
    others (`told_apart` is O(rows x depth): a folder walk changes the rows at every frame)."""
    if width is not None and all(len(r.name) <= name_room(r, width) for r in rows):
        return [(0, ((r.name, 0, 0, 0, 0, 0, len(r.name)),)) for r in rows]
    return list(told_apart(tuple(r.name for r in rows), tuple(r.path or r.name for r in rows)))


def name_room(row: RunRow, width: int) -> int:
    """The cells of a row `width` cells wide left for its run's name (`prompt`)."""
    if width - 1 < 36:
        return max(4, width - 1 - 3 - len(short_where(row.where)))
    return width - 1 - 2


def short_where(where: str) -> str:
    """Where a run is, in a one-line row: `ep 12`, `st 600`."""
    return where.replace("epoch ", "ep ").replace("step ", "st ")


def prompt(row: RunRow, width: int, told: Told | None = None) -> Text:
    """A run's row in `width` cells: its colour's square (■ selected, ▣ pinned), the badge of its
    worst alert, its name cut to what tells it from the other rows (`told`: `names.fit_told`),
    where it is (last epoch or step), on one line in a narrow list, else with its format and its
    alert count on a second line."""
    glyph, style = BADGE.get(row.worst or "", UNREAD if row.unread and not row.active else ("·", "dim"))
    t = Text(no_wrap=True, overflow="ellipsis")
    told = told if told is not None else row_tolds([row])[0]
    color, _ = run_look(row.key)
    t.append("▣" if row.pinned else "■" if row.marked else "□", cell_style(color, "default", "default"))
    t.append(f"{glyph} ", style)
    width -= 1
    where = row.where
    alerts = f" · {row.active} alert{'s' if row.active > 1 else ''}" if row.active else ""
    if row.unread and not row.active:  # (silence is no health: why nothing is analysed)
        alerts = f" · {row.unread}"
    if width < 36:  # one line: badge, name, position (and why it is not analysed, where it fits whole)
        room = name_room(row, width + 1)
        why = SHORT_UNREAD.get(row.unread, "") if row.unread and not row.active else ""
        if why and len(row.name) + len(why) + 1 <= room:
            room -= len(why) + 1
        else:
            why = ""
        t.append(fit_told(told, room), "bold")
        t.append(f" {short_where(where)}", "dim")
        if why:
            t.append(f" {why}", UNREAD[1])
    else:
        t.append(fit_told(told, name_room(row, width + 1)), "bold")
        line, alerts = second_line(row.format, where, alerts, width - 2)
        t.append(f"\n  {line}", "dim")
        t.append(alerts, style)
    return t


def second_line(fmt: str, where: str, alerts: str, room: int) -> tuple[str, str]:
    """(format · where, alert count) in `room` characters: whole fields are dropped (the format,
    then the count), never part of a number.

    >>> second_line("keras-csv", "epoch 99,999", " · 3 alerts", 30)
    ('epoch 99,999', ' · 3 alerts')
    >>> second_line("keras-csv", "epoch 99,999", " · 3 alerts", 20)
    ('epoch 99,999', '')
    """
    for line, extra in ((f"{fmt} · {where}", alerts), (where, alerts), (f"{fmt} · {where}", ""), (where, "")):
        if len(line) + len(extra) <= room:
            return line, extra
    return fit(where, room), ""


class RunList(KeptLines, SteadyWidth, OptionList):
    """Runs, sorted by name (digits as numbers), the pinned one first."""

    HELP = (
        "Runs found, each with its colour. ↑/↓ or click: show that run; enter: its summary; "
        "space: select it for the compare view (■); p: pin it (▣, listed first, always compared)."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "mark", "Select", show=False),
        Binding("p", "pin", "Pin", show=False),
    ]

    def _key_here(self) -> int:
        if getattr(self.app, "replay", None) is not None:  # (a replay's space and p are its own)
            raise SkipAction()
        if self.highlighted is None or self.highlighted >= len(self.rows):
            raise SkipAction()
        return self.rows[self.highlighted].key

    def action_mark(self) -> None:
        self.post_message(RunMarked(self._key_here(), "mark"))

    def action_pin(self) -> None:
        self.post_message(RunMarked(self._key_here(), "pin"))

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[RunRow] = []
        self._moved_to: int | None = None  # (the run the user moved to, until the app shows it)
        self._given: int | None = None  # the run the app showed at the last frame
        self._passed: set[int | None] = set()  # runs moved away from since (a frame showing one is older)
        self._width = 0
        self._tolds: list[Told] = []  # (`row_tolds` of the rows shown: a name's cut depends on the others')
        self.border_title = "runs"

    def set_rows(self, rows: list[RunRow], selected: int | None) -> None:
        rows = sorted(rows, key=lambda r: (not r.pinned, natural(r.name)))
        width = max(8, self.steady_width(len(self.rows), len(rows)))
        tolds = row_tolds(rows, width)
        if rows == self.rows and width == self._width and tolds == self._tolds:
            # (a frame built before a move in the list was handled may have put the highlight back
            # on the run then shown; the list follows the shown run at every frame, not only when
            # its rows change, so the two never stay apart)
            self._follow(selected)
            return
        same_keys = [r.key for r in rows[: len(self.rows)]] == [r.key for r in self.rows]
        with self.prevent(OptionList.OptionHighlighted):
            if same_keys and width == self._width:
                old, was = self.rows, self._tolds
                changed = [i for i, r in enumerate(rows[: len(old)]) if r != old[i] or tolds[i] != was[i]]
                replace_prompts(self, [(i, prompt(rows[i], width, tolds[i])) for i in changed])
                for row, told in zip(rows[len(self.rows) :], tolds[len(self.rows) :], strict=True):
                    self.add_option(Option(prompt(row, width, told), id=str(row.key)))
            elif not (width == self._width and self._grown_in_place(rows, tolds, width)):
                self.set_options(
                    Option(prompt(r, width, t), id=str(r.key)) for r, t in zip(rows, tolds, strict=True)
                )
            self.rows, self._tolds, self._width = list(rows), tolds, width
        self._follow(selected)
        if self.border_subtitle != f"{len(rows)}":  # (setting it repaints the list, even to the same)
            self.border_subtitle = f"{len(rows)}"

    def _follow(self, selected: int | None) -> None:
        """Highlight the shown run's row (without telling the app: it is already shown)."""
        if self._moved_to is not None:  # (a move the app has not handled yet: a frame older than it)
            if selected != self._moved_to and selected in self._passed:
                return
            # (the moved-to run shown, or another the app chose since, say the live run: followed)
            self._moved_to = None
        self._given = selected
        keys = [r.key for r in self.rows]
        if selected in keys and self.highlighted != keys.index(selected):
            with self.prevent(OptionList.OptionHighlighted):
                self.highlighted = keys.index(selected)

    def _grown_in_place(self, rows: list[RunRow], tolds: list[Told], width: int) -> bool:
        """Runs found while a folder is walked come in no name order: the list grows in its middle.
        Setting every option again renders every row, O(runs) per frame, and thousands of runs kept
        the view (and `q`) waiting seconds. Instead the new rows are added at the end and the
        options from the first changed row on are given their rows' ids and prompts, repainted in
        place (`rekey`). False when that cannot be done here: the caller then sets every option."""
        old = self.rows
        if len(rows) < len(old) or {r.key for r in old} - {r.key for r in rows}:
            return False  # (a run gone: the whole list is set again)
        was = self._tolds
        differ = (i for i, (a, b) in enumerate(zip(old, rows, strict=False)) if a != b or tolds[i] != was[i])
        first = next(differ, len(old))
        prompts = [prompt(r, width, t) for r, t in zip(rows[first:], tolds[first:], strict=True)]
        if rows[first:] and any(p.plain.count("\n") != prompts[0].plain.count("\n") for p in prompts):
            return False
        self.add_options(Option(p) for p in prompts[len(old) - first :])  # (the new rows' prompts)
        head = [(str(r.key), self.options[i].prompt) for i, r in enumerate(rows[:first])]
        ids = head + [(str(r.key), p) for r, p in zip(rows[first:], prompts, strict=True)]
        return rekey(self, ids)  # type: ignore[arg-type]

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """The rows' lines, counted from the prompts: each is a Text cut to the width, never wrapped,
        so its height is its line count. (Textual renders every option to measure it, O(runs) at
        every layout of the screen.)"""
        options = self.options
        if all(isinstance(o.prompt, Text) and o.prompt.no_wrap and not o._divider for o in options):
            return sum(o.prompt.plain.count("\n") + 1 for o in options)
        return super().get_content_height(container, viewport, width)

    def on_resize(self) -> None:
        self.post_message(Resized())

    def watch_show_vertical_scrollbar(self, shown: bool) -> None:
        """A scrollbar that came after the rows were cut to the whole width leaves them 2 cells too
        long for the room, until the next frame: with a finished log there may be none (a name ran
        past the row's end). The rows are cut again to the room it leaves."""
        if shown and self.rows and self._width > self.size.width - self.styles.scrollbar_size_vertical:
            self.call_after_refresh(lambda: self.set_rows(list(self.rows), self._given))

    @property
    def first_key(self) -> int | None:
        return self.rows[0].key if self.rows else None

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option.id is not None:
            if self._moved_to is None:
                self._passed = {self._given}
            else:
                self._passed.add(self._moved_to)
            self._moved_to = int(event.option.id)
            self.post_message(RunChosen(self._moved_to))
