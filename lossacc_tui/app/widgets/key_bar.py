"""The keys line at the bottom: the keys the current screen answers to, as many whole keys as fit
(a key that does not fit is left out, never cut), and `^p palette` at the right when there is room.

In place of Textual's Footer, which mounts a widget per key and mounts them all again whenever the
focus or the screen changes (a third of the time a key like `?` or `c` took to show); this is one
line of text, redrawn when the list of keys changes."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import events
from textual.widget import Widget

from lossacc_tui.app.widgets.cached_lines import KeptLines

Item = tuple[str, str, str]  # (key as typed, key as shown, description)


def fit_keys(items: list[Item], palette: Item | None, width: int) -> tuple[list[Item], bool]:
    """The items that fit in `width` cells, in order, and whether the palette item fits too (it
    goes first when everything else fits, else after the keys' room is taken).

    >>> keys = [("q", "q", "Quit"), ("?", "?", "Help"), ("c", "c", "Compare")]
    >>> fit_keys(keys, ("ctrl+p", "^p", "palette"), 40)
    ([('q', 'q', 'Quit'), ('?', '?', 'Help'), ('c', 'c', 'Compare')], True)
    >>> fit_keys(keys, ("ctrl+p", "^p", "palette"), 20)
    ([('q', 'q', 'Quit'), ('?', '?', 'Help')], False)
    """
    cells = [len(shown) + len(desc) + 3 for _, shown, desc in items]
    pal = len(palette[1]) + len(palette[2]) + 3 if palette else 0
    if sum(cells) + pal <= width:
        return items, palette is not None
    out, used = [], 0
    for item, n in zip(items, cells, strict=True):
        if used + n > width:
            break
        out.append(item)
        used += n
    return out, False


class KeyBar(KeptLines, Widget):
    """One line of key hints for the current screen; a click on one presses it."""

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-description-foreground;
    }
    KeyBar > .key-bar--key {
        color: $footer-key-foreground;
        text-style: bold;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"key-bar--key"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.items: list[Item] = []
        self.palette: Item | None = None
        self._spans: list[tuple[int, int, str]] = []  # (first cell, end cell, key) of what is drawn

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Any) -> None:
        items: list[Item] = []
        seen: set[str] = set()
        palette = None
        for _node, binding, enabled, _tip in screen.active_bindings.values():
            if binding.action == "app.command_palette" or binding.action == "command_palette":
                if self.app.ENABLE_COMMAND_PALETTE:
                    palette = (
                        binding.key,
                        self.app.get_key_display(binding),
                        binding.description or "palette",
                    )
                continue
            if not binding.show or not enabled or binding.action in seen:
                continue
            seen.add(binding.action)
            items.append((binding.key.split(",")[0], self.app.get_key_display(binding), binding.description))
        if (items, palette) != (self.items, self.palette):
            self.items, self.palette = items, palette
            self.refresh()

    def render(self) -> Text:
        width = self.size.width
        key_style = self.get_component_rich_style("key-bar--key", partial=True)
        shown, with_palette = fit_keys(self.items, self.palette, width)
        t = Text(no_wrap=True, overflow="crop")
        self._spans = []
        for key, display, desc in shown:
            start = t.cell_len
            t.append(f" {display} ", key_style)
            t.append(f"{desc} ")
            self._spans.append((start, t.cell_len, key))
        if with_palette and self.palette is not None:
            key, display, desc = self.palette
            tail = Text.assemble(("▏", "dim"), (f"{display} ", key_style), f"{desc} ")
            t.append(" " * max(0, width - t.cell_len - tail.cell_len))
            self._spans.append((t.cell_len, t.cell_len + tail.cell_len, key))
            t.append_text(tail)
        return t

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                event.stop()
                self.app.simulate_key(key)
                return
