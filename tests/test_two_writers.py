"""Writers sharing one file (DDP ranks each appending their own epochs) stay apart: each run holds
one writer's records, in order, whatever the interleaving and however the bytes are cut; and
`check` (whole file) and the follower (any chunking) split the file identically."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from test_split import batch, run_all

from lossacc_tui.readers.epoch_count import LOOK
from lossacc_tui.source import Source, open_file

interleavings = st.lists(st.integers(0, 2), min_size=2, max_size=90)


def writers_rows(order: list[int], n_writers: int) -> tuple[list[float], list[float], list[int]]:
    """Each writer's epochs count up from 0; its losses are its own (numpy noise on a decay), apart
    from the other writers' by more than one epoch changes them (else no reader could tell whose
    record a tie is: then either reading is right)."""
    rng = np.random.default_rng(len(order))
    curves = [np.exp(-np.arange(100) / 50) + 0.3 * w + 0.01 * rng.random(100) for w in range(n_writers)]
    nxt = [0] * n_writers
    xs, vs, who = [], [], []
    for w in order:
        w %= n_writers
        xs.append(float(nxt[w]))
        vs.append(float(curves[w][nxt[w]]))
        who.append(w)
        nxt[w] += 1
    return xs, vs, who


@settings(max_examples=300, deadline=None)
@given(order=interleavings, n_writers=st.integers(2, 3), cuts=st.lists(st.integers(1, 30), max_size=8))
def test_interleaved_writers_never_zigzag(order: list[int], n_writers: int, cuts: list[int]) -> None:
    xs, vs, who = writers_rows(order, n_writers)
    parts, pos = [], 0
    for c in [*cuts, len(xs)]:
        if pos < len(xs):
            parts.append(batch(xs[pos : pos + c], vs[pos : pos + c]))
            pos += c
    got = run_all(parts)
    owner = {(x, v): w for x, v, w in zip(xs, vs, who, strict=True)}
    for _seg, rx, rv in got:
        assert rx == sorted(rx) and len(set(rx)) == len(rx)  # each run: its x counts up, once each
        assert len({owner[(x, v)] for x, v in zip(rx, rv, strict=True)}) == 1  # and is one writer's
    assert sorted(len(rx) for _, rx, _ in got) == sorted(who.count(w) for w in set(who))
    assert got == run_all([batch(xs, vs)])  # the same however the records were batched


@settings(max_examples=40, deadline=None)
@given(order=interleavings, sizes=st.lists(st.integers(1, 200), min_size=1, max_size=10))
def test_check_and_follow_split_a_shared_file_identically(
    tmp_path_factory, order: list[int], sizes: list[int]
) -> None:  # type: ignore[no-untyped-def]
    xs, vs, _who = writers_rows(order, 2)
    p = tmp_path_factory.mktemp("two") / "log.jsonl"
    data = "".join(f'{{"epoch": {int(x)}, "loss": {v!r}}}\n' for x, v in zip(xs, vs, strict=True)).encode()
    p.write_bytes(data)

    def runs(src: Source) -> list[tuple[str, list[float], list[float]]]:
        return [(r.name, list(r.series["loss"].epochs), list(r.series["loss"].values)) for r in src.runs]

    whole = open_file(p, "log")
    assert whole is not None
    whole.read_all()
    chunked = open_file(p, "log")
    assert chunked is not None
    pos, k = 0, 0
    while pos < len(data):  # the follower's way: pieces as they come, never a finish() at the end
        n = sizes[k % len(sizes)]
        chunked.feed(0, data[pos : pos + n])
        pos, k = pos + n, k + 1
    # the first epoch two records share is held until the epochs after it show whether they are
    # writers or per-batch records (readers/epoch_count.py: up to LOOK epochs, fewer when the
    # writers' curves are apart at once): what is still to come sits at those epochs at most
    got, want = runs(chunked), runs(whole)
    held: set[float] = set()
    for i, (name, wxs, wvs) in enumerate(want):
        xs, vs = (got[i][1], got[i][2]) if i < len(got) else ([], [])
        assert (i >= len(got) or got[i][0] == name) and xs == wxs[: len(xs)] and vs == wvs[: len(vs)]
        held |= set(wxs[len(xs) :])
    assert len(held) <= LOOK
    chunked.finish(0)
    assert runs(chunked) == want


def test_a_rank_column_keeps_each_writer_in_its_own_run(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """DDP ranks logging the same epochs with a `rank` key: one run per rank, whatever the values
    (here the ranks' values are close enough that nothing else could tell them apart)."""
    rng = np.random.default_rng(1)
    base = np.exp(-np.arange(40) / 10)
    lines = []
    for e in range(40):
        for rank in rng.permutation(2):  # either rank may write first
            loss = float(base[e] + 0.002 * rng.standard_normal())
            lines.append(
                f'{{"rank": {rank}, "epoch": {e}, "train_loss": {loss!r}, "val_loss": {loss * 1.1!r}}}\n'
            )
    p = tmp_path / "log.jsonl"
    p.write_text("".join(lines))
    src = open_file(p, "log")
    assert src is not None
    src.read_all()
    assert [r.name for r in src.runs] == ["log", "log#2"]
    for r in src.runs:
        assert "rank" not in r.series
        assert list(r.series["train_loss"].epochs) == list(range(40))
    # and the follower's way, any chunking, gives the same
    chunked = open_file(p, "log")
    assert chunked is not None
    data = p.read_bytes()
    for i in range(0, len(data), 97):
        chunked.feed(0, data[i : i + 97])
    assert [list(r.series["train_loss"].values) for r in chunked.runs] == [
        list(r.series["train_loss"].values) for r in src.runs
    ]
