"""New prompts for some options of an OptionList, repainting only their lines.

Textual's `replace_option_prompt_at_index` drops every option's rendering and repaints the whole
list: a live run changes one row of the run list (its last epoch) or a few rows of the alert list
(their numbers) at every frame, and re-rendering every row of a long list each time was a good
share of a data frame's cost. Here a prompt of the same height as the one it replaces drops only
its own option's rendering and repaints only its lines; anything else (a row that changes height,
an OptionList without the internals this relies on) falls back to Textual's own method."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import OptionList


def _height(prompt: object) -> int | None:
    return prompt.plain.count("\n") + 1 if isinstance(prompt, Text) else None


def replace_prompts(ol: OptionList, changes: Sequence[tuple[int, Text]]) -> None:
    """Set the prompt of option `i` to `text` for each (i, text); repaint only those lines."""
    try:
        cache = ol._option_render_cache
        options = ol._options
        lines, heights = ol._index_to_line, ol._heights
    except AttributeError:  # (another Textual: its public method, which repaints the whole list)
        for i, text in changes:
            ol.replace_option_prompt_at_index(i, text)
        return
    same = all(_height(options[i].prompt) == _height(t) is not None for i, t in changes)
    if not same:
        for i, text in changes:
            ol.replace_option_prompt_at_index(i, text)
        return
    for i, text in changes:
        option = options[i]
        option._set_prompt(text)
        for key in [k for k in cache.keys() if k[0] is option]:  # noqa: SIM118 (no __iter__)
            cache.discard(key)
        ol.refresh_lines(lines[i], heights[i])
