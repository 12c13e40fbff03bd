"""The explanation pane: the Markdown explanation of the selected alert, or, with no alert selected,
a summary of where the run stands, in its own numbers (both written by the analyzer).

A line-API scroll view: the Markdown is rendered (Rich's Markdown, not Textual's widget, which
mounts a widget per block) into lines kept as strips, one block (the text between blank lines) at
a time: a block rendered for the last text is reused (a live run's summary changes a few numbers a
frame, in one or two of its blocks; rendering a whole summary took 10-20 ms). A new text repaints
only the lines that differ from the last one; only a text of another height or width changes the
pane's scrollable size (and lays the screen out)."""

from __future__ import annotations

import itertools
import re
from typing import Any

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

try:  # (Rich's own line breaking, so the breaks are Rich's; without it Rich wraps as before)
    from rich._wrap import divide_line
except ImportError:  # pragma: no cover
    divide_line = None

from lossacc_tui.app import preload
from lossacc_tui.app.digits import DIGIT, digit_shape, with_digits
from lossacc_tui.app.text import clean
from lossacc_tui.app.widgets.cached_lines import KeptLines, SteadyStyle
from lossacc_tui.app.widgets.option_rows import refresh_shown

#: a blank line before a line that starts a new top-level block (an indented line continues a list item)
BLOCKS = re.compile(r"\n[ \t]*\n(?=\S)")
LIST = re.compile(r"([-*+]|\d+[.)])( |$)")  # a line that begins a list item
#: blocks kept by shape: a live summary's numbers take a few lengths each (0.861, 0.8495), so the
#: shapes of the last few dozen texts hold most of the next text's blocks
SHAPES = 64
#: what may make a block's rendering other than its text's characters in order: ordered-list numbers
#: (drawn, not copied), quotes, code, links, HTML, entities, escapes, tables, headings (a block with one of
#: these is always rendered by Rich)
UNSAFE = re.compile(r"^\s*(\d+[.)]|>)|[`\[\]<&\\|#]", re.M)
#: a block Markdown renders as one paragraph of its own text, wrapped: it begins with a letter, its
#: lines are not blank and none begins with a space or with what could start a list, a heading, a
#: quote or a rule; it has no inline markup (an underscore only inside a word), escape, entity, link,
#: HTML, nor a space before a line break (a hard break): its lines are joined by single spaces
PLAIN = re.compile(
    r"(?![^\n]*[ \t]\n)(?!.*(?<![A-Za-z0-9])_|.*_(?![A-Za-z0-9]))"
    r"[A-Za-z][^*`\[\]<>&\\|#~!{}\n]*(?:\n(?![-+*=>0-9 \t])[^*`\[\]<>&\\|#~!{}\n]+)*",
    re.S,
)


def shape(block: str) -> str | None:
    """The block with every digit as 0, when its digits are copied to its rendering as they are, in
    order (then a block of the same shape renders as this one with other digits: a live summary's
    numbers change at every frame, its words and the lengths of its numbers rarely); None otherwise.

    >>> shape("- val_loss: 0.4946 at epoch 999"), shape("1. first"), shape("`0.5`")
    ('- val_loss: 0.0000 at epoch 000', None, None)
    """
    return None if UNSAFE.search(block) else digit_shape(block)


def blocks(text: str) -> list[str]:
    r"""The text's top-level Markdown blocks (Rich renders each with one blank line before it); a
    list whose items are apart (a loose list) stays one block.

    >>> blocks("**a**\n\n- b\n- c\n\nd\n\n1. e\n\n2. f\n  g\n")
    ['**a**', '- b\n- c', 'd', '1. e\n\n2. f\n  g']
    """
    out: list[str] = []
    for block in BLOCKS.split(text.strip("\n")):
        if out and LIST.match(block) and LIST.match(out[-1]):
            out[-1] += "\n\n" + block
        else:
            out.append(block)
    return out


def plain_strips(text: str, width: int, style: Style) -> list[Strip]:
    """A paragraph of plain text (no tab, no control character) wrapped to `width` cells as Rich
    renders `Text(text, justify="left")` with `style` and padding: the same line breaks (Rich's own
    `divide_line`), each line cropped of the spaces past the width and padded to it, one segment a
    line; Rich's own wrap builds a Text a line and strips control codes from each (a live summary's
    paragraph, re-wrapped when one of its numbers changes length, took 1-3 ms).

    >>> [s.text for s in plain_strips("At epoch 9 the loss is 0.25", 12, Style())]
    ['At epoch 9  ', 'the loss is ', '0.25        ']
    """
    breaks = ascii_breaks(text, width) if text.isascii() and text.isprintable() else None
    cuts = [0, *(breaks if breaks is not None else divide_line(text, width, fold=True)), len(text)]
    out: list[Strip] = []
    for a, b in itertools.pairwise(cuts):
        line = text[a:b]
        if len(line) > width:  # (Text.rstrip_end: the spaces beyond the width go)
            excess = len(line) - width
            trailing = len(line) - len(line.rstrip())
            line = line[: len(line) - min(trailing, excess)]
        cells = cell_len(line)
        if cells > width:
            line, cells = set_cell_size(line, width), width
        line += " " * (width - cells)
        out.append(Strip([Segment(line, style)], width))
    return out


WORD = re.compile(r"\s*\S+\s*")  # (Rich's `_wrap.re_word`: a word and the spaces after it)


def ascii_breaks(text: str, width: int) -> list[int] | None:
    """Rich's `divide_line(text, width, fold=True)` for printable ASCII text, where a character is a
    cell: the same greedy breaks without measuring each word's cells (a live summary's paragraph is
    wrapped again whenever one of its numbers changes length: 0.3-2 ms a paragraph under load);
    None for a word longer than the width (Rich folds it: left to Rich).

    >>> ascii_breaks("At epoch 9 the loss is 0.25", 12), ascii_breaks("a  bb ccc", 4)
    ([11, 23], [3, 6])
    """
    out: list[int] = []
    offset = 0
    for m in WORD.finditer(text):
        start, word = m.start(), m.group()
        length = len(word.rstrip())
        if width - offset >= length:
            offset += len(word)
        elif length > width:
            return None
        elif offset and start:
            out.append(start)
            offset = len(word)
    return out


class Explanation(KeptLines, SteadyStyle, ScrollView):
    """Scrollable Markdown; lines repainted only where the text's rendering changed."""

    HELP = "Why the selected alert fired, in the run's own numbers; with none selected, the run's summary."
    can_focus = True

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.text = ""
        self.border_title = "explanation"
        self._strips: list[Strip] = []
        self._width = 0  # the width the strips were rendered at
        self._doc: Any = None  # (see `_markdown`)
        self._parser: Any = None
        self._blocks: dict[tuple[str, int, object], list[Strip]] = {}  # the last text's blocks, rendered
        #: the latest texts' blocks by their shape (`shape`), the SHAPES last used: a block of the same
        #: shape takes their rendering with its own digits instead of being rendered again
        self._shapes: dict[tuple[str, int, object], list[Strip]] = {}
        self.rendered = 0  # blocks Rich has rendered (the others came from kept ones)

    def show(self, markdown: str, title: str = "explanation") -> None:
        text, title = clean(markdown, keep_newlines=True), clean(title)
        if title != self.border_title:  # (setting it repaints the whole pane, even to the same)
            self.border_title = title
        if text == self.text:
            return
        new_topic = self.text.split("\n", 1)[0] != text.split("\n", 1)[0]
        self.text = text
        self._render_text(changed_only=True, keep_height=not new_topic)
        if new_topic:
            self.scroll_home(animate=False)

    def _text_width(self, lines: int | None = None) -> int:
        """Columns for the text: the pane's, less a vertical scrollbar when the text is taller."""
        width, height = self.size
        if lines is not None and lines > height:
            width -= self.styles.scrollbar_size_vertical
        return max(1, width)

    def _render_text(self, changed_only: bool, keep_height: bool = False) -> None:
        """Render the text into strips; `keep_height`: a shorter text of the same topic keeps the
        pane's scrollable height (blank lines below it), so a live summary that loses a line and
        gains it back a frame later does not lay the screen out twice."""
        if not self.is_mounted or not self.size.width:
            return  # (rendered when it gets a size: on_resize)
        full = self._text_width()
        narrow = self._text_width(self.size.height + 1)  # (the width left beside a scrollbar)
        width = narrow if self._width == narrow else full  # (the last text's width first: a live
        strips = self._lines(width)  # summary taller than the pane is rendered once, not twice)
        if width == full and len(strips) > self.size.height:  # room for the scrollbar
            width = narrow
            strips = self._lines(width)
        elif width == narrow and len(strips) <= self.size.height and narrow != full:
            width = full
            strips = self._lines(width)
        if keep_height and width == self._width and len(strips) < len(self._strips):
            strips += [Strip.blank(width, self.base_style)] * (len(self._strips) - len(strips))
        old, self._strips = self._strips, strips
        if len(old) != len(self._strips) or width != self._width or not changed_only:
            self._width = width
            self.virtual_size = Size(width, len(self._strips))
            self.refresh()
            return
        changed = [y for y, (a, b) in enumerate(zip(old, self._strips, strict=True)) if a is not b and a != b]
        refresh_shown(self, changed)  # (one call for all: each `refresh` clears the caches, asks for idle)

    def _lines(self, width: int) -> list[Strip]:
        """The text as strips `width` wide: Rich's Markdown rendering of it, put together from
        the renderings of its blocks (a tight list's items one by one), each kept while it recurs."""
        if not self.text:
            return []
        console = self.app.console
        options = self.app.console_options.update(highlight=False, width=width)
        if not preload.MARKDOWN.is_set():  # the first text: as it is, and as Markdown (markdown-it
            # and pygments: 0.1-0.2 s to import) once the first frame is painted: the plots come first
            self.call_after_refresh(self._markdown_now)
            lines = console.render_lines(Text(self.text), options, style=self.base_style, pad=True)
            return [Strip(line, width) for line in lines]
        style, doc = self.base_style, self._markdown()

        def render(md: str) -> list[Strip]:
            self.rendered += 1
            what: Any = doc
            if PLAIN.fullmatch(md):  # (Markdown would make it one paragraph of this text, wrapped)
                plain = " ".join(md.split("\n"))
                if "\t" not in plain and divide_line is not None:
                    return plain_strips(plain, width, style)
                what = Text(plain, justify="left")
            else:
                doc.markup, doc.parsed = md, self._parser.parse(md)
            return [Strip(line, width) for line in console.render_lines(what, options, style=style, pad=True)]

        shapes = self._shapes

        def block_lines(md: str) -> list[Strip]:
            """A block's strips: kept, or a kept block's of the same shape with these digits, or Rich's."""
            got = done.get((md, width, style))
            form = shape(md)
            key = (form, width, style)
            if got is None and form is not None and (like := shapes.get(key)) is not None:
                got = with_digits(like, DIGIT.findall(md))
            if got is None:
                got = render(md)
            if form is not None:
                shapes.pop(key, None)
                shapes[key] = got
                while len(shapes) > SHAPES:
                    del shapes[next(iter(shapes))]
            return got

        if "```" in self.text or "~~~" in self.text:  # (a fenced block may hold blank lines)
            return render(self.text)
        # Rich's Markdown puts one blank line between top-level blocks; a block rendered alone
        # begins with that blank line already when it is a list, a quote or a table
        sep = self._blocks.get(("", width, style)) or render("a\n\nb")[1:2]
        done, self._blocks = self._blocks, {("", width, style): sep}
        out: list[Strip] = []
        for k, block in enumerate(blocks(self.text)):
            items = block.split("\n") if block.startswith("- ") else [block]
            if not all(item.startswith("- ") for item in items):
                items = [block]  # (only a list of one-line items is cut into its items)
            for i, item in enumerate(items):
                key = (item, width, style)
                lines = self._blocks[key] = block_lines(item)
                if i:  # an item after the first: without the blank line a list begins with
                    lines = lines[1:]
                elif k and lines and lines[0].text.strip():
                    out += sep
                out += lines
        return out

    def _markdown(self) -> Any:
        """One Rich Markdown document, given each text in turn: Rich's constructor builds a new
        markdown-it parser each time (1-2 ms), this parser (the same settings) is built once."""
        if self._doc is None:
            from markdown_it import MarkdownIt
            from rich.markdown import Markdown

            self._doc = Markdown("", hyperlinks=False)
            self._parser = MarkdownIt().enable("strikethrough").enable("table")
        return self._doc

    def _markdown_now(self) -> None:
        """Render the text as Markdown once Rich's Markdown is imported: by the app's preload thread
        when one runs (then this waits for it, keys go on meanwhile), else here."""
        if not preload.MARKDOWN.is_set():
            if preload.PRELOADING.is_set():
                self.set_timer(0.05, self._markdown_now)
                return
            preload.markdown()
        self._render_text(changed_only=False)

    def on_resize(self) -> None:
        self._render_text(changed_only=False)

    def render_line(self, y: int) -> Strip:
        i = self.scroll_offset.y + y
        width, style = self.size.width, self.base_style
        if 0 <= i < len(self._strips):
            strip = self._strips[i]
            return strip if strip.cell_length == width else strip.crop_extend(0, width, style)
        return Strip.blank(width, style)
