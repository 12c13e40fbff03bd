"""The alerts pane: active and closed alerts of the selected run, newest first, with severity.
Highlighting one shows its explanation; `escape` goes back to the run's summary."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from lossacc_tui.app.messages import AlertChosen, Resized
from lossacc_tui.app.view import AlertRow
from lossacc_tui.app.widgets.cached_lines import KeptLines
from lossacc_tui.app.widgets.option_rows import rekey, replace_prompts
from lossacc_tui.app.widgets.run_list import BADGE, SteadyWidth, fit


def prompt(row: AlertRow, width: int) -> Text:
    """Two lines cut to the width (the list keeps its height while the numbers change): the kind
    and severity, then where, how often (merged closings) and the title."""
    glyph, style = BADGE.get(row.severity, ("●", ""))
    t = Text()
    t.append(f"{glyph} ", style)
    t.append(fit(row.kind, width - 2), "bold" if row.active else "")
    sev = f"  {row.severity}" + ("" if row.active else ", closed")
    if 2 + len(row.kind) + len(sev) <= width:
        t.append(sev, style if row.active else "dim")
    t.append(f"\n  {detail(row, width - 2)}", "" if row.active else "dim")
    return t


def detail(row: AlertRow, room: int) -> str:
    """Where, how often, and as many whole words of the title as fit: a field that does not fit is
    dropped (the count first), a title loses its last words, a number is never cut.

    >>> r = AlertRow("k", "plateau", "info", "val_loss 0.0609 -> 0.0977 since", "epoch 28,800–59,712",
    ...              False, times="35 times since 1,200")
    >>> detail(r, 60)
    'epoch 28,800–59,712 · 35 times since 1,200 val_loss 0.0609…'
    >>> detail(r, 38)
    'epoch 28,800–59,712 val_loss 0.0609…'
    >>> detail(r, 30)
    'epoch 28,800–59,712 val_loss…'
    """
    where = row.where if len(row.where) <= room else fit(row.where, room)
    times = f" · {row.times}" if row.times else ""
    if len(where) + len(times) > room:
        times = ""
    head = where + times
    words, title = row.title.split(), ""
    for n in range(len(words), 0, -1):
        cand = " ".join(words[:n]) + ("" if n == len(words) else "…")
        if len(head) + 1 + len(cand) <= room:
            title = cand
            break
    if not title and times and words:  # the title says more than the count: keep its start
        return detail(AlertRow(row.key, row.kind, row.severity, row.title, row.where, row.active), room)
    return f"{head} {title}" if title else head


#: rows a list that got shorter keeps blank (up to this many), so that an alert that comes and goes
#: at every analysis does not change the list's height, and lay the whole screen out, each time
KEEP_BLANK = 2
BLANK = "\0blank"  # id of a blank row (never an alert's key)


class AlertList(KeptLines, SteadyWidth, OptionList):
    """Alerts of the selected run."""

    HELP = "Alerts of the selected run, newest first. ↑/↓: explain one; escape: the run's summary."
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "unselect", "Summary", show=False)]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[AlertRow] = []
        self._width = 0
        self.border_title = "alerts"
        self._given: str | None = None  # the alert the app showed at the last frame
        self._moved = False  # the user moved in the list (or left it) since: the app may not know yet
        self._moved_to: str | None = None  # where to, and the alerts moved away from meanwhile
        self._passed: set[str | None] = set()

    def set_rows(self, rows: list[AlertRow], selected: str | None) -> None:
        """Rows as displayed: a row whose text changed is redrawn in place, and so are rows that now
        stand for other alerts while the list keeps its length; the list is rebuilt (and the screen
        laid out again) only when it gets longer or shorter."""
        width = max(12, self.steady_width(len(self.rows), len(rows)) - 1)
        if rows == self.rows and width == self._width:
            self._follow(selected)  # (a frame older than a move may have set the highlight back)
            return
        with self.prevent(OptionList.OptionHighlighted):
            if [r.key for r in rows] == [r.key for r in self.rows] and width == self._width:
                changed = enumerate(zip(rows, self.rows, strict=True))
                replace_prompts(self, [(i, prompt(new, width)) for i, (new, old) in changed if new != old])
            else:
                shown = [(r.key, prompt(r, width)) for r in rows]
                blanks = self.option_count - len(rows)  # (rows left blank: the list keeps its height)
                if 0 <= blanks <= KEEP_BLANK:
                    shown += [(f"{BLANK}{i}", Text(" \n ")) for i in range(blanks)]
                if width == self._width and rekey(self, shown):
                    for i in range(self.option_count):  # (a blank row cannot be highlighted)
                        blank = i >= len(rows)
                        if self.get_option_at_index(i).disabled != blank:
                            (self.disable_option_at_index if blank else self.enable_option_at_index)(i)
                else:
                    self.set_options(Option(prompt(r, width), id=r.key) for r in rows)
        self.rows, self._width = list(rows), width
        self._follow(selected)
        n = sum(r.active for r in rows)
        subtitle = f"{n} active · {len(rows) - n} closed" if rows else "none"
        if subtitle != self.border_subtitle:  # (setting it repaints the list, even to the same)
            self.border_subtitle = subtitle

    def _follow(self, selected: str | None) -> None:
        """Highlight the shown alert's row (none: the summary is shown), at every frame. A frame built
        before the app handled the user's last move still shows an alert moved away from: the
        highlight stays where the user put it (the move's own frame follows; while ↓ is held, the
        frames of the moves before it do not pull the highlight back). A frame that used to put it
        back when its rows changed (a live alert opened or closed meanwhile) left the list on one
        alert and the explanation on another, as no later frame with the same rows moved it."""
        if self._moved:
            if selected != self._moved_to and selected in self._passed:
                return  # (older than the move)
            self._moved = False
        self._given = selected
        keys = [r.key for r in self.rows]
        want = keys.index(selected) if selected in keys else None
        if self.highlighted != want:
            with self.prevent(OptionList.OptionHighlighted):
                self.highlighted = want

    def _move(self, key: str | None) -> None:
        """The user moved to `key` (None: left the alerts for the summary); the app is told."""
        if self._moved:
            self._passed.add(self._moved_to)
        else:
            self._moved, self._passed = True, {self._given}
        self._moved_to = key
        self.post_message(AlertChosen(key))

    def on_resize(self) -> None:
        self.post_message(Resized())

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if not (event.option.id or "").startswith(BLANK):
            self._move(event.option.id)

    def action_unselect(self) -> None:
        with self.prevent(OptionList.OptionHighlighted):
            self.highlighted = None
        self._move(None)
