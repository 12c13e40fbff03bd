"""The digit-run parser of sparse CSV pieces (`fastnum_runs.parse_runs`, Lightning's metrics.csv):
each value bit for bit float()'s, None for any piece it does not read (which the token parser and
then the per-line path read), and a large sparse backlog read through it as the per-line path
reads the file in small reads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lossacc_tui.readers import bulk, csv_backlog, fastnum
from lossacc_tui.readers.fastnum_runs import parse_runs
from lossacc_tui.source import discover
from tests.conftest import REPO
from tests.readers_compare import float_texts, full_snapshot, read, structured_logs
from tests.test_fastnum import cells

PLAIN = r"-?[0-9]{1,30}(\.[0-9]{1,30})?([eE][-+]?[0-9]{1,6})?"  # what the run parser reads


def same(got: tuple[int, np.ndarray, np.ndarray], want: tuple[int, np.ndarray, np.ndarray]) -> bool:
    """Two parses of a piece alike: rows, cell indices, and values bit for bit (-0.0, NaN)."""
    return (
        got[0] == want[0]
        and np.array_equal(got[1], want[1])
        and np.array_equal(got[2].view(np.uint64), want[2].view(np.uint64))
    )


@settings(max_examples=30, deadline=None)
@given(
    ncols=st.integers(1, 7),
    data=st.data(),
    plain=st.booleans(),
)
def test_random_tables_read_like_float_or_not_at_all(ncols: int, data: st.DataObject, plain: bool) -> None:
    """Every cell float()'s value where the piece is read; every piece of decimals read where no
    line is empty."""
    cell = st.one_of(st.just(""), st.from_regex(PLAIN, fullmatch=True)) if plain else cells
    rows = data.draw(st.lists(st.lists(cell, min_size=ncols, max_size=ncols), min_size=1, max_size=30))
    text = "".join(",".join(r) + "\n" for r in rows).encode()
    got = parse_runs(text, 0, len(text), ncols, 44)
    if plain and all(any(r) for r in rows):
        assert got is not None
    if got is None:
        return
    nrows, cell_index, out = got
    want = [(i * ncols + j, float(c)) for i, r in enumerate(rows) for j, c in enumerate(r) if c]
    assert nrows == len(rows)
    assert cell_index.tolist() == [k for k, _ in want]
    assert np.array_equal(out.view(np.uint64), np.array([v for _, v in want], np.float64).view(np.uint64))


EDGE = [
    ("-0", True),
    ("-0.0", True),
    ("0.000", True),
    ("00012.50", True),
    ("9007199254740993", True),  # 2**53 + 1: rounds to even
    ("0.30000000000000004", True),
    ("123456789012345678901234567890", True),  # past 19 digits: float() itself
    ("1.2345678901234567890123456789", True),
    ("179769313486231570000000000000000000000", True),
    ("2.2250738585072014", True),
    ("1e-05", True),
    ("", True),  # (an empty cell: the row's numbers its epoch and step)
    ("2.5E+03", True),
    ("-6.483617316010992e-05", True),
    ("1e22", True),
    ("1e23", True),  # past 10**22: an 80-bit division, or float()
    ("4.9e-324", True),
    ("1e400", True),  # inf, as float() says
    ("1e99999", True),
    ("1.e5", False),  # (the token parser's)
    ("1e", False),
    ("1e-", False),
    ("e5", False),
    ("1e5e3", False),
    ("1e5.3", False),
    ("nan", False),
    ("inf", False),
    ("-inf", False),
    ("+1", False),
    (".5", False),
    ("5.", False),
    ("-.5", False),
    ("1.2.3", False),
    ("--1", False),
    ("1-2", False),
    (" 1", False),
    ('"1"', False),
    ("0x10", False),
    ("1_000", False),
]


@pytest.mark.parametrize(("text", "read"), EDGE)
def test_edge_cells(text: str, read: bool) -> None:
    """A cell in a Lightning row: read bit for bit as float() reads it, or the piece left to the
    token parser (which reads exponents, and leaves the rest to the per-line path)."""
    rows = [f"0,{i},,,{float(i) / 7!r},," for i in range(40)]
    rows[17] = f"0,17,,,{text},,"
    chunk = ("\n".join(rows) + "\n").encode()
    got = parse_runs(chunk, 0, len(chunk), 7, 44)
    assert (got is not None) == read
    if got is not None:
        if text:
            assert got[2][3 * 17 + 2].tobytes() == np.float64(float(text)).tobytes()
        token = fastnum._parse(chunk, 0, len(chunk), 7, 44)
        assert token is not None and same(got, token)


@pytest.mark.parametrize(
    "lines",
    [
        ["0,1,,,0.5,,", "", "0,2,,,0.5,,"],  # a blank line
        ["0,1,,,0.5,,", ",,,,,,", "0,2,,,0.5,,"],  # an empty row
        ["0,1,,,0.5,,", "0,2,,,0.5,"],  # a cell short
        ["0,1,,,0.5,,", "0,2,,,0.5,,,"],  # a cell too many
        ["0,1,,,0.5,", "0,2,,,0.5,,,"],  # one short, one over: the same count of commas
        ["0,1,,,0.5,,", "0,2,,,0.5,,\r"],
        ["epoch,step,a,b,c,d,e", "0,2,,,0.5,,"],  # the header again
    ],
)
def test_a_bad_line_leaves_the_piece_to_the_other_paths(lines: list[str]) -> None:
    chunk = ("\n".join(lines) + "\n").encode()
    assert parse_runs(chunk, 0, len(chunk), 7, 44) is None


def lightning_rows(rng: np.random.Generator, n: int, texts: bool = True) -> list[str]:
    """Lightning CSVLogger's metrics.csv rows: a train row a step (its loss a float32 repr, as
    Lightning writes it), then per epoch a validation row and an epoch row; those numbers as
    training code writes them (`float_texts`: float32 and float64 reprs, exponents, ints, signs),
    or (texts False) float32 reprs too."""
    loss = rng.random(n).astype(np.float32) * 3
    a, b, c = (float_texts(rng, n) if texts else [repr(float(v)) for v in loss[::-1]] for _ in range(3))
    out = []
    for i in range(n):
        epoch, k = divmod(i, 100)
        if k == 98:
            out.append(f"{epoch},{i},,,,{a[i]},{b[i]}")
        elif k == 99:
            out.append(f"{epoch},{i},{c[i]},{a[i]},,,")
        else:
            out.append(f"{epoch},{i},,,{float(loss[i])!r},,")
    return out


def test_real_and_generated_pieces_read_as_the_token_parser_reads_them() -> None:
    """Every piece of every CSV log kept here (Lightning's, Keras', ...) and of a generated
    Lightning file: the run parser's table is the token parser's, bit for bit; it reads the
    Lightning pieces without an exponent itself."""
    logs = [*structured_logs(csv=True), *sorted((REPO / "tests" / "data").rglob("*.csv"))]
    rng = np.random.default_rng(5)
    generated = [("\n".join(lightning_rows(rng, 1500, texts)) + "\n").encode() for texts in (True, False)]
    read_here = 0
    for text in [p.read_bytes() for p in logs] + generated:
        if b"," not in text[: text.find(b"\n")] or not text.endswith(b"\n"):
            continue
        ncols = text[: text.find(b"\n")].count(b",") + 1
        start = text.find(b"\n") + 1
        while start < len(text):
            end = text.find(b"\n", start + 4000) + 1 or len(text)
            got = parse_runs(text, start, end, ncols, 44)
            if got is not None:
                want = fastnum._parse(text, start, end, ncols, 44)
                assert want is not None and same(got, want)
                read_here += text is generated[1]
            start = end
    assert read_here > 0


@pytest.mark.parametrize("seed", range(3))
def test_a_large_sparse_backlog_reads_as_small_reads(
    seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Lightning metrics.csv handed over at once without polars: its pieces go to the run parser
    (those it cannot read to the token parser, and from a bad line's piece on to the per-line
    path, which records the problem); the runs, series, x, line numbers and problems are those of
    the file fed in small reads."""
    from lossacc_tui.readers import fastnum_runs

    rng = np.random.default_rng(seed)
    # (no accuracy column: random numbers there would be noted as out of its range, in an order
    # that follows how the rows came in batches)
    lines = ["epoch,step,train_mae_epoch,train_loss_epoch,train_loss_step,val_mae,val_loss"]
    lines += lightning_rows(rng, 3000)
    if seed:
        lines[2000] = "19,1999,,,abc,,"
    path = tmp_path / "metrics.csv"
    path.write_text("\n".join(lines) + "\n")
    reference = full_snapshot(read(path, [997]))
    monkeypatch.setitem(__import__("sys").modules, "polars", None)
    monkeypatch.setattr(bulk, "_tried", False)
    monkeypatch.setattr(bulk, "_polars", None)
    monkeypatch.setattr(csv_backlog, "COLUMNS_AFTER", 2000)  # (4 MB in the product)
    monkeypatch.setattr(bulk, "PIECE", 4096)
    monkeypatch.setattr(fastnum, "_COLUMN_PIECE", 4096)
    pieces = []
    real = fastnum_runs.parse_runs

    def runs(*args: object) -> object:
        res = real(*args)  # type: ignore[arg-type]
        pieces.append(res is not None)
        return res

    monkeypatch.setattr(fastnum_runs, "parse_runs", runs)
    (src,) = discover(path)
    src.read_all(chunk_size=1000)
    assert full_snapshot(src) == reference
    assert sum(pieces) > 0  # (pieces with an exponent go to the token parser)
    if seed:
        assert [p.line for p in src.problems(src.runs[0])] == [2001]
    else:
        assert sum(r.points for r in src.runs) == sum(1 for ln in lines[1:] for c in ln.split(",")[2:] if c)
