"""One line above the panes saying what is going on (the demo's live run): its fields give way
whole when the terminal is narrow (shorter forms, then the least needed ones), never cut mid-word."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widget import Widget

from lossacc_tui.app.fit import KEEP, Field, fit_line
from lossacc_tui.app.text import clean
from lossacc_tui.app.widgets.cached_lines import KeptLines


def banner_fields(banner: str | Sequence[Field]) -> tuple[Field, ...]:
    """A plain string is one field (cut at the end if it must be); fields are kept as given."""
    if isinstance(banner, str):
        return (Field.of((clean(banner), KEEP)),)
    return tuple(banner)


class Banner(KeptLines, Widget):
    """Plain text only (never markup); repainted at its own width."""

    DEFAULT_CSS = """
    Banner { height: 1; width: 1fr; }
    """

    def __init__(self, banner: str | Sequence[Field], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.fields = banner_fields(banner)

    @property
    def plain(self) -> str:
        return self.render().plain

    def render(self) -> Text:
        return fit_line(self.fields, max(1, self.content_region.width))
