"""New prompts for some options of an OptionList, repainting only their lines.

Textual's `replace_option_prompt_at_index` drops every option's rendering and repaints the whole
list: a live run changes one row of the run list (its last epoch) or a few rows of the alert list
(their numbers) at every frame, and re-rendering every row of a long list each time was a good
share of a data frame's cost. Here a prompt of the same height as the one it replaces drops only
its own option's rendering and repaints only its lines (a prompt that differs only in digits, each
where one was, keeps its rendering with the new digits put in: `digits.py`); anything else (a row
that changes height, an OptionList without the internals this relies on) falls back to Textual's
own method."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import OptionList

from lossacc_tui.app.digits import DIGIT, digit_shape, with_digits
from lossacc_tui.app.widgets.cached_lines import line_regions

#: more changed prompts than this: the list's renderings are dropped at once and it is repainted
#: whole (a repaint renders only the rows in view; the cache holds up to 2,048 renderings)
BULK = 32


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
    if len(changes) > BULK:  # (dropping each one's renderings walks the whole cache each time)
        for i, text in changes:
            options[i]._set_prompt(text)
        cache.clear()
        ol.refresh()
        return
    for i, text in changes:
        option = options[i]
        keys = [k for k in cache.keys() if k[0] is option]  # noqa: SIM118 (no __iter__)
        before = option.prompt
        kept = _same_shape_renders(cache, keys, before, text)
        option._set_prompt(text)
        for key in keys:
            cache.discard(key)
        for key, strips in kept:  # (a row whose numbers changed, not their lengths: drawn as before)
            cache[key] = strips
        if i in lines and i in heights:
            offsets = range(heights[i])
            if kept:  # (same shape: a line of the same text is drawn the same; the others changed)
                offsets = changed_lines(before.plain, text.plain)  # type: ignore[attr-defined]
            refresh_shown(ol, [lines[i] + k for k in offsets])
        else:  # (its lines are not laid out: a resize dropped them, the whole list is painted anew)
            ol.refresh()


def changed_lines(old: str, new: str) -> list[int]:
    """Offsets of the lines that differ between two texts of as many lines.

    >>> changed_lines("a\nepoch 1", "a\nepoch 2")
    [1]
    """
    return [k for k, (a, b) in enumerate(zip(old.split("\n"), new.split("\n"), strict=True)) if a != b]


def refresh_shown(view: ScrollView, lines: list[int]) -> None:
    """Repaint these content lines of a scrolling widget, those in view only (a line scrolled out of
    view, refreshed, repainted the pane's border it falls on instead), neighbours as one region."""
    top, height = view.scroll_offset.y, view.scrollable_content_region.height
    shown = sorted(y for y in lines if top <= y < top + height)
    if shown:
        view.refresh(*line_regions(shown, top, max(view.virtual_size.width, view.size.width)))


def _same_shape_renders(
    cache: object, keys: list[object], old: object, new: Text
) -> list[tuple[object, list[Strip]]]:
    """The option's kept renderings with the new prompt's digits put in, when the new prompt is the
    old one with other digits in the same places and the same styles (`digits.py`); else none."""
    if not isinstance(old, Text) or len(old.plain) != len(new.plain) or old.plain == new.plain:
        return []
    if digit_shape(old.plain) != digit_shape(new.plain) or old.spans != new.spans or old.style != new.style:
        return []
    if (old.justify, old.overflow, old.no_wrap, old.end) != (new.justify, new.overflow, new.no_wrap, new.end):
        return []
    digits = DIGIT.findall(new.plain)
    out = []
    for key in keys:
        strips = cache.get(key)  # type: ignore[attr-defined]
        got = with_digits(strips, digits) if strips is not None else None
        if got is None:
            return []
        out.append((key, got))
    return out


def rekey(ol: OptionList, rows: Sequence[tuple[str, Text]]) -> bool:
    """Give the list's options new ids and prompts, as many as it has and each as tall as the one
    it replaces (an alert replaced by another in the list): repainted in place, without the new
    layout of the whole screen that `set_options` asks for. False (nothing done) when that is not
    possible here; then the caller sets the options."""
    try:
        options, by_id = ol._options, ol._id_to_option
    except AttributeError:
        return False
    if len(rows) != len(options):
        return False
    if any(_height(o.prompt) != _height(t) for o, (_, t) in zip(options, rows, strict=True)):
        return False
    if len({key for key, _ in rows}) != len(rows):
        return False
    by_id.clear()
    for option, (key, _) in zip(options, rows, strict=True):
        option._id = key
        by_id[key] = option
    pairs = enumerate(zip(options, rows, strict=True))
    replace_prompts(ol, [(i, t) for i, (o, (_, t)) in pairs if o.prompt != t])
    return True
