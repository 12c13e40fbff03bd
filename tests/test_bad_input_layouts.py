"""Hostile bytes in a file never raise out of a folder layout or a sniffer, and never stop the other
logs of the folder from being read; a CSV with old Mac line ends (a lone CR, as Excel for Mac and
Python's `csv.writer(lineterminator="\\r")` write it) is read like its LF copy, whole and followed.
(Tester 15: a CR-only `history.csv` raised `_csv.Error` from the W&B export layout and stopped
`check`, `check --follow` and the view for the whole folder.)"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
from conftest import feed_in_chunks, read_runs, snapshot
from numpy_training import softmax_regression

from lossacc_tui.readers.csv_formats import KerasCsvReader
from lossacc_tui.readers.layouts import LAYOUTS
from lossacc_tui.readers.registry import all_readers
from lossacc_tui.source import discover

COLUMNS = ["epoch", "loss", "accuracy", "val_loss", "val_accuracy"]


def _keras_rows(epochs: int = 12) -> list[list[object]]:
    rows = softmax_regression(epochs=epochs)
    return [[e, r["train_loss"], r["train_acc"], r["val_loss"], r["val_acc"]] for e, r in enumerate(rows)]


def _csv(rows: list[list[object]], end: str) -> bytes:
    """A Keras-style history written by Python's csv module with `end` as its line terminator."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=end)
    w.writerow(COLUMNS)
    w.writerows(rows)
    return buf.getvalue().encode()


def _hostile() -> dict[str, bytes]:
    cr = _csv(_keras_rows(), "\r")
    rng = np.random.default_rng(15)
    return {
        "cr-only-csv": cr,
        "cr-only-quoted-header": cr.replace(b"epoch,", b'"epoch",', 1),
        "binary": rng.integers(0, 256, 5000, dtype=np.uint8).tobytes(),
        "nul": b"\x00" * 4096,
        "nul-in-rows": cr.replace(b",", b",\x00"),
        "truncated-utf8": b"epoch,loss\xc3\n1,\xe2\x82\n2,0.3\xf0\x9f",
        "huge-cr-only-line": b"epoch,loss\r1," + b"7" * (2 << 20) + b"\r",
        "lone-crs": b"\r" * 5000,
        "unterminated-quote": b'"epoch,loss\r1,0.5\r' * 200,
        # a long line of `|`/`[`: a progress-bar pattern that scans back over it takes minutes
        "long-bar-like-lines": (b"a " * 8000 + b"|\n" + b"[" * 16000 + b"]\n") * 2,
    }


NAMES = ["history.csv", "metrics.csv", "results.csv", "train.log", "metrics.jsonl", "metrics.json", "log.txt"]


@pytest.mark.parametrize(("kind", "data"), list(_hostile().items()), ids=list(_hostile()))
def test_no_layout_or_sniffer_raises_on_hostile_bytes(tmp_path: Path, kind: str, data: bytes) -> None:
    readers = all_readers()  # (registers every deferred layout too)
    for name in NAMES:
        (tmp_path / name).write_bytes(data)
    head = data[: 64 * 1024].decode("utf-8", errors="replace")
    for _fmt, layout in LAYOUTS:
        layout(tmp_path)  # must not raise: a layout that did stopped the folder's scan
    for cls in readers:
        for name in NAMES:
            cls.sniff(name, head)


@pytest.mark.parametrize(
    ("junk", "kind"),
    [
        ("junk.csv", "cr-only-csv"),
        ("junk.csv", "binary"),
        ("junk.csv", "nul"),
        ("junk.csv", "unterminated-quote"),
        ("run-x1y2.wandb", "binary"),  # (its name alone made the folder a W&B run folder)
    ],
)
def test_a_hostile_file_beside_a_log_leaves_the_log_read(tmp_path: Path, junk: str, kind: str) -> None:
    rows = _keras_rows()
    (tmp_path / junk).write_bytes(_hostile()[kind])
    (tmp_path / "training.log").write_bytes(_csv(rows, "\n"))
    sources = discover(tmp_path, warnings=[])
    logs = [s for s in sources if s.path.name == "training.log"]
    assert len(logs) == 1
    for s in sources:
        s.read_all()
    run = logs[0].runs[0]
    assert np.allclose(run.series["val_loss"].values, [r[3] for r in rows])


def test_a_cr_only_csv_reads_as_its_lf_copy_whole_and_in_chunks(tmp_path: Path) -> None:
    rows = _keras_rows()
    lf, cr = tmp_path / "lf" / "history.csv", tmp_path / "cr" / "history.csv"
    for p, end in ((lf, "\n"), (cr, "\r")):
        p.parent.mkdir()
        p.write_bytes(_csv(rows, end))
    want = snapshot(read_runs(lf))
    assert want and len(want[0][1]["val_loss"][2]) == len(rows)
    assert [s[1] for s in snapshot(read_runs(cr))] == [s[1] for s in want]
    assert [s[1] for s in snapshot(read_runs(cr.parent))] == [s[1] for s in want]  # the folder scan
    for sizes in ([1], [7, 3], [64, 1, 2]):
        assert [s[1] for s in snapshot(feed_in_chunks(cr, sizes))] == [s[1] for s in want]


def test_a_cr_only_writer_s_last_row_is_read_when_it_is_written() -> None:
    """Followed, the row a CR-only writer has just written is read at once, not when the next
    row comes (its CR could have been the first half of CRLF: not once the file shows lone CRs)."""
    rows = _keras_rows(epochs=4)
    reader = KerasCsvReader()
    got: list[float] = []
    lines = _csv(rows, "\r").split(b"\r")[:-1]
    for i, line in enumerate(lines):
        for b in reader.feed(line + b"\r"):
            got += b.values["val_loss"].tolist()
        assert len(got) == i  # the header, then each row as its writer ends it
    assert np.allclose(got, [r[3] for r in rows])
