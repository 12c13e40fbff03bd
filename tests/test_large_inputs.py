"""Large inputs cost what they hold, once: a long line is joined once, a trainer_state.json's
log_history is scanned entry by entry (and on a re-save only the new entries are parsed), a CSV
header wider than the detection window is still recognised."""

from __future__ import annotations

import json
import random
import threading
import time
from pathlib import Path

import numpy as np
import orjson
import pytest
from conftest import DEMO, REALWORLD, read_runs
from test_follow import watch

from lossacc_tui.model import Batch
from lossacc_tui.readers import jsonstream
from lossacc_tui.readers.base import LineBuffer
from lossacc_tui.readers.hf_trainer_state import HFTrainerStateReader

HF = REALWORLD / "hf_trainer_state"


def rows_of(batches: list[Batch]) -> list[tuple[dict[str, float], float, float]]:
    out = []
    for b in batches:
        for i in range(b.n):
            vals = {n: float(v[i]) for n, v in b.values.items() if b.present[n] is None or b.present[n][i]}
            out.append((vals, float(b.step[i]) if b.step is not None else np.nan, float(b.epoch[i])))
    return out


def test_line_buffer_gives_the_same_lines_for_any_chunking() -> None:
    rng = random.Random(0)
    for _ in range(2000):
        data = bytes(rng.choice(b"ab\r\n") for _ in range(rng.randint(0, 40)))
        whole = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        whole = whole if whole.endswith(b"\n") or not whole else whole + b"\n"
        buf, out, firsts, i = LineBuffer(), b"", [], 0
        while i < len(data):
            k = rng.randint(1, 6)
            block, first = buf.feed(data[i : i + k])
            if block:
                firsts.append((first, block.count(b"\n")))
            out, i = out + block, i + k
        block, first = buf.finish()
        if block:
            firsts.append((first, block.count(b"\n")))
        assert out + block == whole
        assert [f for f, _ in firsts] == list(np.cumsum([1] + [c for _, c in firsts])[:-1])


def test_a_long_line_in_many_chunks_is_joined_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The held pieces are not re-joined or re-searched on each chunk (that was quadratic)."""
    buf = LineBuffer()
    chunk = b"x" * 65536
    for _ in range(160):  # a 10 MB line
        assert buf.feed(chunk) == (b"", 1)
    assert len(buf._parts) == 160  # kept as pieces, nothing copied
    block, first = buf.feed(b"\n")
    assert len(block) == 160 * 65536 + 1 and first == 1


def hf_files() -> list[Path]:
    if not HF.is_dir():
        pytest.skip(
            f"real-world logs not found at {REALWORLD} (they live in the shared folder beside the repo)"
        )
    return sorted(HF.glob("*trainer_state.json"))


def fed(r: HFTrainerStateReader, data: bytes, rng: random.Random) -> list[Batch]:
    """The reader fed `data` in chunks of random sizes (as a tail reads a file), then finished."""
    out: list[Batch] = []
    i = 0
    while i < len(data):
        k = rng.randint(1, max(1, len(data) // 5))
        out += r.feed(data[i : i + k])
        i += k
    return out + r.finish()


def test_streamed_log_history_equals_the_whole_parse_on_real_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonstream, "BLOCK_BYTES", 512)  # many blocks even in a small file
    rng = random.Random(0)
    for path in hf_files():
        data = path.read_bytes()
        whole = HFTrainerStateReader().rows(orjson.loads(data))
        for _ in range(3):
            r = HFTrainerStateReader()
            streamed = fed(r, data, rng)
            assert rows_of(streamed) == [(v, s if s is not None else np.nan, e) for v, s, e in whole], (
                path.name
            )
            assert r._stream is not None and r._stream.blocks and not r._whole  # really streamed
            assert len(r._doc) == 0  # nothing of the document kept after it


def test_saves_of_a_growing_history_give_each_entry_once_and_a_new_history_a_new_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(jsonstream, "BLOCK_BYTES", 512)
    decoded: list[int] = []
    plain = HFTrainerStateReader.plain_batches
    monkeypatch.setattr(
        HFTrainerStateReader, "plain_batches", lambda self, raw: decoded.append(len(raw)) or plain(self, raw)
    )
    rng = random.Random(1)
    for path in hf_files():
        doc = orjson.loads(path.read_bytes())
        hist = doc["log_history"]
        r = HFTrainerStateReader()
        got: list[Batch] = []
        before = 0
        for n in range(1, len(hist) + 1, max(1, len(hist) // 7)):  # the Trainer saving as it goes
            save = json.dumps({**doc, "global_step": n, "log_history": hist[:n]}, indent=2).encode()
            decoded.clear()
            got += fed(r, save, rng)
            # only the new tail is decoded: what was read before is checked by its digest
            assert sum(decoded) <= 2 * len(json.dumps(hist[before:n], indent=2)) + 2 * 512, path.name
            before = n
        final = json.dumps(doc, indent=2).encode()
        decoded.clear()
        got += fed(r, final, rng)
        assert sum(decoded) < len(final) // 2 or len(hist) < 16
        expected = [(v, s if s is not None else np.nan, e) for v, s, e in HFTrainerStateReader().rows(doc)]
        assert rows_of(got) == expected and not any(b.starts for b in got)
        restart = json.dumps({**doc, "log_history": hist[1:3]}, indent=2).encode()  # a new run
        again = r.feed(restart) + r.finish()
        assert again and again[0].starts == (0,)


def test_a_csv_header_wider_than_the_detection_window_is_recognised(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    n = 10_000  # columns: the header alone is ~70 KB, past the 64 KB first look
    names = ["epoch", "loss", "val_loss", "val_acc", *(f"grad_norm_layer{i}" for i in range(n - 4))]
    p = tmp_path / "metrics.csv"
    body = np.column_stack([np.arange(5), rng.random((5, n - 1))])
    np.savetxt(p, body, delimiter=",", header=",".join(names), comments="", fmt="%.5g")
    runs = read_runs(p)
    assert len(runs) == 1 and runs[0].series["val_loss"].values.shape == (5,)


def test_stopping_while_a_large_log_is_read_ends_the_thread_quietly(tmp_path: Path) -> None:
    """`q` while the follower is in the middle of a large file: stop() returns, the thread ends
    after the chunk in hand and closes its files, nothing more is read, nothing is printed."""
    lines = (DEMO / "imbalanced" / "training_log.jsonl").read_bytes().splitlines(keepends=True)
    big = tmp_path / "big.jsonl"
    with open(big, "wb") as f:  # a real run's records, many times over (about 40 MB)
        while f.tell() < 40 << 20:
            f.write(b"".join(lines))
    failures: list[BaseException] = []
    old_hook = threading.excepthook
    threading.excepthook = lambda a: failures.append(a.exc_value)  # type: ignore[assignment,return-value]
    try:
        m, c = watch(big)
        c.wait(lambda: sum(r.points for r in m.runs) > 0, timeout=60)  # it is reading
        m.stop()
        deadline = time.monotonic() + 30
        while not m.follower.stopped:
            assert time.monotonic() < deadline, "the follower thread did not end"
            time.sleep(0.02)
        with m.lock:
            seen = sum(r.points for r in m.runs)
        assert seen < len(lines) * 4 * (big.stat().st_size // sum(map(len, lines)))  # stopped midway
        time.sleep(0.3)  # (a pace: anything still reading would add points now)
        with m.lock:
            assert sum(r.points for r in m.runs) == seen
    finally:
        threading.excepthook = old_hook
    assert failures == []


def test_stopping_while_a_folder_of_runs_is_first_scanned_ends_quietly(tmp_path: Path) -> None:
    """`q` while the first scan of a folder of many run folders is still adding them (rel-05):
    the scan's thread stops adding runs and adds no file watch after stop(), and no thread raises
    (a watch added after the watcher closed raised `ValueError: I/O operation on closed file`)."""
    from numpy_training import softmax_regression

    rows = softmax_regression(epochs=10)
    text = "epoch,loss,val_loss,val_acc\n" + "".join(
        f"{e},{r['train_loss']!r},{r['val_loss']!r},{r['val_acc']!r}\n" for e, r in enumerate(rows)
    )
    for i in range(400):
        (tmp_path / f"version_{i}").mkdir()
        (tmp_path / f"version_{i}" / "metrics.csv").write_text(text)
    failures: list[BaseException] = []
    old_hook = threading.excepthook
    threading.excepthook = lambda a: failures.append(a.exc_value)  # type: ignore[assignment,return-value]
    try:
        m, c = watch(tmp_path)
        c.wait(lambda: len(m.runs) > 0, timeout=60)  # the scan is adding runs
        m.stop()
        scans = [t for t in threading.enumerate() if t.name == "lossacc-discover"]
        for t in scans:
            t.join(timeout=30)
            assert not t.is_alive(), "the first scan did not end after stop()"
        with m.lock:
            found = len(m.runs)
        assert found < 400 or not scans  # it stopped midway (or had already finished)
    finally:
        threading.excepthook = old_hook
    assert failures == []


def test_stopping_while_many_runs_are_analysed_ends_at_the_run_in_hand(tmp_path: Path) -> None:
    """`q` while one analysis pass goes through hundreds of newly read runs (rel-05): the pass
    stops at the run it is on, so quitting waits for one run's analysis, not for all of them."""
    from numpy_training import softmax_regression

    from lossacc_tui.feed import Feed
    from lossacc_tui.source import discover

    rows = softmax_regression(epochs=10)
    text = "epoch,loss,val_loss,val_acc\n" + "".join(
        f"{e},{r['train_loss']!r},{r['val_loss']!r},{r['val_acc']!r}\n" for e, r in enumerate(rows)
    )
    for i in range(300):
        (tmp_path / f"version_{i}").mkdir()
        (tmp_path / f"version_{i}" / "metrics.csv").write_text(text)
    feed = Feed()
    for src in discover(tmp_path):
        feed.read_source(src)  # read, not analysed yet: one pass will go through all 300
    done = threading.Event()
    worker = threading.Thread(target=lambda: (feed.analyse_all(), done.set()), daemon=True)
    worker.start()
    deadline = time.monotonic() + 60
    while len(feed.analyzers) < 5:  # the pass is going through the runs
        assert time.monotonic() < deadline and not done.is_set()
        time.sleep(0.001)
    feed.close()
    at_close = len(feed.analyzers)
    worker.join(timeout=60)
    assert done.is_set() and len(feed.analyzers) <= at_close + 1


def test_a_ten_row_run_folder_costs_kilobytes_when_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Thousands of small run folders (lightning_logs/version_N): each run, read and analysed by
    the follower, holds kilobytes (its accuracy-grid estimate had held three 20,000-value arrays:
    610 KB a run, 3.56 GB for 5,000 folders). The memory of 16 runs less that of 4, per run."""
    import tracemalloc

    from numpy_training import softmax_regression

    from lossacc_tui.events import Analysed

    def follow_runs(root: Path, n: int) -> int:
        for i in range(n):
            rows = softmax_regression(epochs=10, seed=i)
            (root / f"version_{i}").mkdir(parents=True)
            (root / f"version_{i}" / "metrics.csv").write_text(
                "epoch,train_loss,train_acc,val_loss,val_acc\n"
                + "".join(
                    f"{e},{r['train_loss']!r},{r['train_acc']!r},{r['val_loss']!r},{r['val_acc']!r}\n"
                    for e, r in enumerate(rows)
                )
            )
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        m, c = watch(root)
        try:
            c.wait(lambda: len({id(e.run) for e in c.events if isinstance(e, Analysed)}) == n, timeout=120)
            with m.lock:
                assert all(r.points == 40 for r in m.runs) and len(m.runs) == n
                held = tracemalloc.get_traced_memory()[0] - before
        finally:
            m.stop()
            tracemalloc.stop()
        return held

    # the accuracy-grid fits shared by all runs are a bounded cache (`resolution._FITS_KEEP` fits), not
    # memory per run: kept out of the measure, as are the tables a first follow builds once
    from lossacc_tui.analysis import resolution

    monkeypatch.setattr(resolution, "_FITS_KEEP", 0)
    follow_runs(tmp_path / "warm", 2)
    small = follow_runs(tmp_path / "a", 4)
    large = follow_runs(tmp_path / "b", 16)
    # (the measure also takes in tables shared by all runs that a new print precision builds, about
    # 78 KB each: 77-93 KB a run here; the fault this guards against was 610 KB a run)
    assert (large - small) / 12 < 128 * 1024
