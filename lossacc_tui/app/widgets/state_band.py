"""The band under the plots: the joint loss/accuracy state over time, and the alerts' spans, on the
same x axis as the plots (same width, same columns). Each state has its own character, so the band
reads without colour too (NO_COLOR)."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget

from lossacc_tui.app.view import LABEL_W, BandData, canvas_span, x_to_col
from lossacc_tui.app.widgets.cached_lines import CachedLines

#: state -> (character, colour, short label, meaning)
STATE_LOOK: dict[str, tuple[str, str, str, str]] = {
    "warming-up": ("·", "bright_black", "warm-up", "too few evaluations to judge trends yet"),
    "both-improving": ("█", "green", "improving", "loss and accuracy both improving (or one holds)"),
    "loss-better-acc-worse": ("▚", "magenta", "loss↓ acc↓", "loss better while accuracy gets worse"),
    "loss-worse-acc-better": ("▞", "yellow", "loss↑ acc↑", "loss worse while accuracy gets better"),
    "both-worse": ("▓", "red", "both worse", "loss and accuracy both getting worse (or one holds)"),
    "flat": ("▒", "blue", "flat", "neither moves beyond its own noise"),
}
SEVERITY_LOOK = {"critical": ("✖", "bright_red"), "warning": ("▲", "yellow"), "info": ("●", "bright_blue")}
RANK = {"info": 1, "warning": 2, "critical": 3}
PRIORITY = ("loss-better-acc-worse", "loss-worse-acc-better", "both-worse")


class StateBand(CachedLines, Widget):
    """State timeline (row 1), alert spans (row 2), legend (row 3 when there is room)."""

    HELP = "Each column is a stretch of the x axis: its loss/accuracy state, and the alerts open there."
    DEFAULT_CSS = """
    StateBand { height: 3; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.data: BandData | None = None
        self._strips: list[Strip] = []
        self._built_for: tuple[object, ...] | None = None

    def _strip(self, text: Text) -> Strip:
        w = self.size.width
        return Strip(list(text.render(self.app.console, "")), text.cell_len).crop_extend(
            0, w, self.rich_style
        )

    def _build(self) -> list[Strip]:
        d = self.data
        w = self.size.width
        left, cols = canvas_span(w)
        base = self.rich_style
        if d is None or d.note:
            return [self._strip(Text(d.note if d else "", "dim"))]
        states = [" "] * cols
        state_style = [""] * cols
        painted = [s for s in d.states if s[0] not in PRIORITY] + [s for s in d.states if s[0] in PRIORITY]
        for state, start, end in painted:
            ch, color, _, _ = STATE_LOOK.get(state, ("?", "white", state, state))
            a, b = x_to_col(start, d.x0, d.x1, cols), x_to_col(end, d.x0, d.x1, cols)
            for c in range(a, b + 1):
                states[c], state_style[c] = ch, color
        if d.states:  # a state lasts until the next one starts: fill the gaps between segments
            for c in range(1, cols):
                if (
                    states[c] == " "
                    and states[c - 1] != " "
                    and c <= x_to_col(d.states[-1][2], d.x0, d.x1, cols)
                ):
                    states[c], state_style[c] = states[c - 1], state_style[c - 1]
        row1 = [Segment("state".rjust(LABEL_W) + " ", Style(dim=True))]
        row1 += [
            Segment(ch, Style.parse(st) if st else Style())
            for ch, st in zip(states, state_style, strict=True)
        ]
        alerts: list[tuple[str, Style]] = [(" ", Style())] * cols
        order = sorted(d.spans, key=lambda s: (s.selected, RANK.get(s.severity, 0)))
        for span in order:
            glyph, color = SEVERITY_LOOK.get(span.severity, ("●", "white"))
            style = Style.parse(color) + (Style(reverse=True) if span.selected else Style())
            a, b = x_to_col(span.start, d.x0, d.x1, cols), x_to_col(span.end, d.x0, d.x1, cols)
            for c in range(a + 1, b + 1):
                alerts[c] = ("━", style)
            alerts[a] = (glyph, style)
        row2 = [Segment("alerts".rjust(LABEL_W) + " ", Style(dim=True))]
        row2 += [Segment(ch, st) for ch, st in alerts]
        out = [Strip(row1).crop_extend(0, w, base), Strip(row2).crop_extend(0, w, base)]
        legend = Text(" " * (left), no_wrap=True, overflow="ellipsis")
        for state, (ch, color, label, _) in STATE_LOOK.items():
            if any(s[0] == state for s in d.states):
                legend.append(ch, color)
                legend.append(f" {label}  ", "dim")
        out.append(self._strip(legend))
        return [s.apply_style(base) for s in out]
