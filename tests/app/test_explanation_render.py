"""The explanation pane renders a text block by block and keeps the blocks that recur (a live
summary changes a few numbers a frame): what it shows must be exactly Rich's Markdown rendering of
the whole text, for the summaries and explanations the analysis writes about a real run."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from app_helpers import DATA, sync
from rich.markdown import Markdown
from textual.app import App, ComposeResult
from textual.strip import Strip

from lossacc_tui.app.widgets.explanation import Explanation, blocks
from lossacc_tui.feed import Feed, read_finished
from lossacc_tui.source import open_file


class Pane(App[None]):
    def compose(self) -> ComposeResult:
        yield Explanation(id="box")


def texts(path: Path) -> list[str]:
    """The run's summary at several points of its history, and every alert's explanation."""
    src = open_file(path, path.name)
    assert src is not None
    feed = read_finished([src])
    an = next(iter(feed.analyzers.values()))
    return [an.summary(), *(a.explanation for a in an.alerts), an.summary().replace("\n\n", "\n\n- x\n\n", 1)]


def whole(app: App[None], box: Explanation, text: str, width: int) -> list[Strip]:
    options = app.console_options.update(highlight=False, width=width)
    doc = Markdown(text, hyperlinks=False)
    lines = app.console.render_lines(doc, options, style=box.rich_style, pad=True)
    return [Strip(line, width) for line in lines]


@sync
async def test_the_pane_shows_each_text_as_rich_renders_it_whole() -> None:
    got = texts(DATA / "training.log")
    assert len(got) >= 4  # (a summary and alerts' explanations: lists, bold, paragraphs)
    app = Pane()
    async with app.run_test(size=(60, 40)) as pilot:
        box = app.query_one(Explanation)
        box.show("warm-up")  # (Rich's Markdown is imported after the first text)
        await pilot.pause()
        import rich.markdown  # noqa: F401

        for text in got + got[::-1]:  # (again in reverse: blocks now come from the kept ones)
            box.show(text)
            await pilot.pause()
            drawn = [s for s in box._strips if s.cell_length and s.text.strip()]
            want = [s for s in whole(app, box, box.text, box._width) if s.text.strip()]
            assert [s.text for s in drawn] == [s.text for s in want]
            assert box._strips[: len(want)] == whole(app, box, box.text, box._width)[: len(want)]


def summaries(path: Path, first: int) -> list[str]:
    """The run's summary as a live view shows it while the run grows: once a line from `first` points
    on (the log read a line at a time, the run analysed after each)."""
    src = open_file(path, path.name)
    assert src is not None
    feed = Feed()
    feed.add_source(src, read_probe=True)
    out: list[str] = []

    def each(_i: int, parts: Any) -> None:
        with feed.lock:
            feed.appended(parts, analyse=False)
            runs = feed.runs
            if runs and runs[0].points >= first:
                feed.analyse_all()
                out.append(feed.analyzers[id(runs[0])].summary())

    line = len(path.read_text().splitlines()[1]) + 1
    src.read_all(line, on_parts=each)
    return list(dict.fromkeys(out))


@sync
async def test_a_growing_runs_summary_is_drawn_as_rich_renders_it_with_few_blocks_rendered() -> None:
    got = summaries(DATA / "training.log", 4 * 132)  # (4 numbers an epoch: the last 18 epochs)
    assert len(set(got)) == len(got)  # (each frame's summary has new numbers)
    app = Pane()
    async with app.run_test(size=(60, 40)) as pilot:
        box = app.query_one(Explanation)
        box.show("warm-up")
        await pilot.pause()
        import rich.markdown  # noqa: F401

        box.show(got[0])
        await pilot.pause()
        before, changed = box.rendered, 0
        for old, text in itertools.pairwise(got):
            changed += len(set(blocks(text)) - set(blocks(old)))
            box.show(text)
            await pilot.pause()
            want = whole(app, box, box.text, box._width)
            assert [s.text for s in box._strips[: len(want)]] == [s.text for s in want]
            assert box._strips[: len(want)] == want
        # most blocks whose numbers changed took a kept rendering of the same shape
        assert box.rendered - before < changed / 2


def test_a_plain_paragraph_is_wrapped_as_rich_wraps_it() -> None:
    """The pane's own wrap of a plain paragraph (a live summary's numbers): Rich's lines, cell for
    cell and segment for segment, at every width, with words longer than a line, runs of spaces,
    and characters of two cells or none (a run name in CJK, a combining accent)."""
    from rich.console import Console
    from rich.style import Style
    from rich.text import Text

    from lossacc_tui.app.widgets.explanation import plain_strips

    para = next(b for b in blocks(texts(DATA / "training.log")[0]) if b.startswith("At epoch"))
    words = [*para.replace("\n", " ").split(" "), "a" * 45, "训练损失", "é", "x  y", "0.1309"]
    rng = __import__("random").Random(0)
    paragraphs = [" ".join(para.split("\n"))] + [
        " ".join(rng.choices(words, k=rng.randint(1, 40))) for _ in range(150)
    ]
    console = Console(width=200, color_system="truecolor")
    style = Style(color="white", bgcolor="black")
    cases = [*itertools.product(paragraphs, (7, 38, 57)), *((t, w) for t in paragraphs[:3] for w in (1, 2))]
    for text, width in cases:  # (Rich wraps a long text one cell wide slowly: a few texts at 1-2)
        options = console.options.update(highlight=False, width=width)
        want = [
            Strip(line, width)
            for line in console.render_lines(Text(text, justify="left"), options, style=style, pad=True)
        ]
        assert plain_strips(text, width, style) == want, (text, width)
