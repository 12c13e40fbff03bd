"""The band under the plots: the joint loss/accuracy state over time, and the alerts' spans, on the
same x axis as the plots (same width, same columns). Each state has its own character, so the band
reads without colour too (NO_COLOR)."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget

from lossacc_tui.app.view import LABEL_W, BandData, canvas_span
from lossacc_tui.app.widgets.cached_lines import CachedLines, KeptLines

#: state -> (character, colour, short label, meaning)
STATE_LOOK: dict[str, tuple[str, str, str, str]] = {
    "warming-up": ("·", "bright_black", "warm-up", "too few evaluations to judge trends yet"),
    "both-improving": ("█", "green", "improving", "loss and accuracy both improving (or one holds)"),
    "loss-better-acc-worse": ("▚", "magenta", "loss↓ acc↓", "loss better while accuracy gets worse"),
    "loss-worse-acc-better": ("▞", "yellow", "loss↑ acc↑", "loss worse while accuracy gets better"),
    "both-worse": ("▓", "red", "both worse", "loss and accuracy both getting worse (or one holds)"),
    "flat": ("▒", "blue", "flat", "neither moves beyond its own noise"),
    "acc-stuck": (
        "▬",
        "bright_yellow",
        "acc stuck",
        "accuracy held where an acc-stuck warning says it is stuck",
    ),
    "worse-than-chance": (
        "╳",
        "bright_red",
        "< chance",
        "the loss above a uniform guess's, as loss-above-chance says",
    ),
}
SEVERITY_LOOK = {"critical": ("✖", "bright_red"), "warning": ("▲", "yellow"), "info": ("●", "bright_blue")}


def _runs(cells: list[tuple[str, Style]]) -> list[Segment]:
    """Cells as segments, one per run of cells in the same style (a band row is a few segments)."""
    out: list[Segment] = []
    text, style = "", None
    for ch, st in cells:
        if st is style or st == style:
            text += ch
            continue
        if text:
            out.append(Segment(text, style))
        text, style = ch, st
    if text:
        out.append(Segment(text, style))
    return out


class StateBand(KeptLines, CachedLines, Widget):
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

    def _build(self) -> list[Strip]:
        d = self.data
        w = self.size.width
        left, _cols = canvas_span(w)
        base = self.base_style
        if d is None or d.note:
            return [self._text_strip(Text(d.note if d else "", "dim"))]
        plain = Style()
        state_looks = {
            k: (v[0], Style.parse(v[1])) for k, v in STATE_LOOK.items() if k in d.legend or k in d.states
        }
        row1 = [Segment("state".rjust(LABEL_W) + " ", Style(dim=True))]
        row1 += _runs([state_looks.get(st, ("?", plain)) if st else (" ", plain) for st in d.states])
        looks: dict[tuple[str, bool], tuple[str, Style]] = {}
        cells: list[tuple[str, Style]] = []
        for severity, selected, start in d.alerts:
            if not severity:
                cells.append((" ", plain))
                continue
            look = looks.get((severity, selected))
            if look is None:
                glyph, color = SEVERITY_LOOK.get(severity, ("●", "white"))
                style = Style.parse(color) + (Style(reverse=True) if selected else Style())
                look = looks[(severity, selected)] = (glyph, style)
            cells.append((look[0] if start else "━", look[1]))
        row2 = [Segment("alerts".rjust(LABEL_W) + " ", Style(dim=True)), *_runs(cells)]
        out = [Strip(row1).crop_extend(0, w, base), Strip(row2).crop_extend(0, w, base)]
        legend = Text(" " * (left), no_wrap=True, overflow="ellipsis")
        for state, (ch, color, label, _) in STATE_LOOK.items():
            if state in d.legend:
                legend.append(ch, color)
                legend.append(f" {label}  ", "dim")
        out.append(self._text_strip(legend))
        return [s.apply_style(base) for s in out]
