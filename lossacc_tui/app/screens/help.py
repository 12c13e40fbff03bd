"""`?`: every key, what it does, and what each pane shows (the help text lives beside each widget)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from lossacc_tui.app.keys import ACTIONS
from lossacc_tui.app.widgets.alert_list import AlertList
from lossacc_tui.app.widgets.explanation import Explanation
from lossacc_tui.app.widgets.metric_plot import MetricPlot
from lossacc_tui.app.widgets.run_list import RunList
from lossacc_tui.app.widgets.state_band import STATE_LOOK, StateBand

PANES = (("runs", RunList), ("plots", MetricPlot), ("band", StateBand), ("alerts", AlertList))
PANES += (("explanation", Explanation),)


def help_markdown(app: object) -> str:
    lines = ["# Keys", ""]
    for b in getattr(app, "BINDINGS", []):
        if isinstance(b, Binding) and b.action in ACTIONS:
            key = b.key.split(",")[0].replace("question_mark", "?").replace("full_stop", ".")
            title, doc = ACTIONS[b.action]
            lines.append(f"- `{key}` **{title}**: {doc}")
    lines += [
        "- `tab` / `shift+tab` move between panes; `↑` `↓` `pgup` `pgdn` move in a list or scroll",
        "- `escape` in the alerts: back to the run's summary; closes this screen",
        "- `ctrl+p` command palette: the same actions by name",
        "",
    ]
    lines += ["# Panes", ""] + [f"- **{name}**: {cls.HELP}" for name, cls in PANES]
    lines += ["", "# States in the band", ""]
    lines += [f"- `{ch}` **{label}**: {meaning}" for ch, _, label, meaning in STATE_LOOK.values()]
    return "\n".join(lines) + "\n"


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close", key_display="esc"),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90%; max-width: 100; height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Markdown(help_markdown(self.app))

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
