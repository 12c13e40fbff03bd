"""The Rich progress bar's last state with no metric beside it (tester h19t fault 9): one true
thing is said (no value of the run is in the file), never "epoch 24 is read" beside "no record
read"."""

from __future__ import annotations

from pathlib import Path

from conftest import read_sources

from lossacc_tui.source import Source, discover

DATA = Path(__file__).parent / "data" / "h19t"


def _said(src: Source) -> list[str]:
    """Every problem line of the source's files (the file holds no run to ask them of)."""
    return [p.message for f in src.files for p in (*f.earlier_problems, *f.reader.problems)]


def test_rich_bar_with_no_metric_says_nothing_is_read() -> None:
    (src,) = read_sources(DATA / "pl_console_no_metrics.log")
    messages = _said(src)
    rich = [m for m in messages if "Rich progress bar" in m]
    assert len(rich) == 1
    assert "is read" not in rich[0] and "epoch 24" in rich[0] and "no metric" in rich[0]


def test_rich_bar_with_no_metric_followed_in_pieces_says_nothing_untrue() -> None:
    """A follower never sees the file's end: no block's end says the state has no metric (its
    column may come in the next block), and none says an epoch is read."""
    path = DATA / "pl_console_no_metrics.log"
    data = path.read_bytes()
    (src,) = discover(path)
    for pos in range(0, len(data), 97):
        src.feed(0, data[pos : pos + 97])
    assert not [m for m in _said(src) if "is read" in m or "no metric" in m]
