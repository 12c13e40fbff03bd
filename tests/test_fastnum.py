"""parse_numeric_rows: exactly float(cell) for every valid cell, None for anything else;
parse_numeric_columns: the same table column by column, up to a piece it cannot read."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lossacc_tui.readers import fastnum
from lossacc_tui.readers.fastnum import parse_numeric_columns, parse_numeric_rows

finite = st.floats(allow_nan=False, allow_infinity=False)
moderate = st.floats(-1e7, 1e7, allow_nan=False)
cells = st.one_of(
    st.just(""),
    finite.map(repr),
    st.floats(width=32, allow_nan=False, allow_infinity=False).map(repr),  # Lightning's float32 metrics
    moderate.map(lambda f: f"{f:.4f}"),
    moderate.map(lambda f: f"{f:g}"),
    finite.map(lambda f: f"{f:.4e}"),
    finite.map(lambda f: f"{f:.17g}"),
    st.integers(-(10**20), 10**20).map(str),
    st.sampled_from(["1.", ".5", "-.5", "+1", "-0", "+0.0", "-0.0", "1E5", "1e-04", "2.5000e-04", "1e+005"]),
    st.sampled_from(["00012.50", "0.00031622776601683794", "9007199254740993", "123456789012345678901234"]),
)


def expected(rows: list[list[str]], ncols: int) -> tuple[np.ndarray, np.ndarray]:
    values = np.array([[float(c) if c else math.nan for c in r] for r in rows], dtype=float)
    present = np.array([[c != "" for c in r] for r in rows], dtype=bool)
    return values.reshape(len(rows), ncols), present.reshape(len(rows), ncols)


def check(text: bytes, rows: list[list[str]], ncols: int, delimiter: bytes = b",") -> None:
    res = parse_numeric_rows(text, ncols, delimiter)
    assert res is not None
    values, present = res
    want_values, want_present = expected(rows, ncols)
    assert values.shape == present.shape == (len(rows), ncols)
    assert values.dtype == np.float64 and present.dtype == bool
    np.testing.assert_array_equal(present, want_present)
    np.testing.assert_array_equal(values, want_values)  # NaN == NaN here; exact otherwise
    np.testing.assert_array_equal(np.signbit(values), np.signbit(want_values))  # -0.0


@settings(max_examples=300, deadline=None)
@given(
    ncols=st.integers(1, 6),
    data=st.data(),
    delimiter=st.sampled_from([",", "\t", ";"]),
    piece=st.sampled_from([40, fastnum._PIECE]),
)
def test_random_tables_parse_like_float(ncols: int, data: st.DataObject, delimiter: str, piece: int) -> None:
    rows = data.draw(st.lists(st.lists(cells, min_size=ncols, max_size=ncols), max_size=40))
    eols = data.draw(st.lists(st.sampled_from(["\n", "\r\n"]), min_size=len(rows), max_size=len(rows)))
    text = "".join(delimiter.join(r) + eol for r, eol in zip(rows, eols, strict=True)).encode()
    old, fastnum._PIECE = fastnum._PIECE, piece  # small pieces: a chunk is parsed in several parts
    try:
        check(text, rows, ncols, delimiter.encode())
    finally:
        fastnum._PIECE = old


@settings(max_examples=200, deadline=None)
@given(
    ncols=st.integers(1, 5),
    data=st.data(),
    piece=st.sampled_from([40, 1 << 20]),
    header=st.sampled_from(["", "epoch,step,loss\n"]),
    bad=st.sampled_from([None, "1,abc", "nan", "1;2", '"3"']),
)
def test_a_block_parses_into_columns_up_to_a_piece_it_cannot_read(
    ncols: int, data: st.DataObject, piece: int, header: str, bad: str | None
) -> None:
    """A backlog after its header line: the table parse_numeric_rows gives, each column one
    contiguous array; a line it cannot read ends the table at the start of that line's piece (the
    caller reads the rest line by line), or gives None with CR-LF line ends (a copy was parsed)."""
    rows = data.draw(st.lists(st.lists(cells, min_size=ncols, max_size=ncols), min_size=1, max_size=40))
    crlf = data.draw(st.booleans())
    lines = [",".join(r) for r in rows]
    at = data.draw(st.integers(0, len(lines)))
    if bad is not None:
        lines.insert(at, bad)
    eol = "\r\n" if crlf else "\n"
    text = (header + eol.join(lines) + eol).encode()
    old, fastnum._COLUMN_PIECE = fastnum._COLUMN_PIECE, piece
    try:
        res = parse_numeric_columns(text, ncols, b",", len(header))
    finally:
        fastnum._COLUMN_PIECE = old
    if bad is not None and crlf:
        assert res is None
        return
    assert res is not None
    values, present, end = res
    assert all(values[:, i].flags.c_contiguous and present[:, i].flags.c_contiguous for i in range(ncols))
    read = text[len(header) : end].replace(b"\r\n", b"\n").count(b"\n")
    if bad is None:
        assert end == len(text) and read == len(rows)
    else:
        assert read <= at and (end == len(header) or text[end - 1 : end] == b"\n")
        assert bad.encode() in text[end:]
    want_values, want_present = expected(rows[:read], ncols)
    np.testing.assert_array_equal(present, want_present)
    np.testing.assert_array_equal(values, want_values)
    np.testing.assert_array_equal(np.signbit(values), np.signbit(want_values))


GRAMMAR = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


@settings(max_examples=300, deadline=None)
@given(text=st.text("0123456789.+-eE,\n\r x", max_size=30), ncols=st.integers(1, 3))
def test_random_bytes_match_a_reference_parser(text: str, ncols: int) -> None:
    """Anything from a nearly numeric alphabet: None exactly when some line is not ncols valid cells."""
    text += "\n"
    lines = text.replace("\r\n", "\n")[:-1].split("\n")
    rows = [line.split(",") for line in lines]
    ok = "\r" not in text.replace("\r\n", "") and all(
        len(r) == ncols and all(c == "" or GRAMMAR.fullmatch(c) for c in r) for r in rows
    )
    if ok:
        check(text.encode(), rows, ncols)
    else:
        assert parse_numeric_rows(text.encode(), ncols) is None


@pytest.mark.parametrize(
    "cell",
    [
        # long mantissas and exponents: exact through the 80-bit or the float() path
        "4396267628629379654e-8",  # an 80-bit quotient that lands halfway between two doubles
        "2117780481817455411e-9",
        "0.12345678901234568",
        "1.7976931348623157e308",
        "2.2250738585072014e-308",
        "4.9406564584124654e-324",
        "1e400",
        "-1e-400",
        "1e00005",
        "0.0000000000000000000000123",
        "123456789012345678901234567890",
        "12345678901234567890.5",
        "1e22",
        "1e23",
        "-7e-23",
        "9.999999999999999e22",
    ],
)
def test_hard_cells_are_exact(cell: str) -> None:
    rows = [["1", cell], [cell, ""]]
    check(f"1,{cell}\n{cell},\n".encode(), rows, 2)


def digits(cell: str) -> int:
    """Mantissa digits without the leading zeros (the integer the parser scales is below 10**digits)."""
    return len(re.split("[eE]", cell)[0].lstrip("+-").replace(".", "").lstrip("0"))


@settings(max_examples=100, deadline=None)
@given(rows=st.lists(st.lists(cells, min_size=3, max_size=3), max_size=20))
def test_without_extended_precision_within_one_ulp(rows: list[list[str]]) -> None:
    """Where numpy's long double is plain double (Windows, arm64), long mantissas may be 1 ulp off."""
    text = "".join(",".join(r) + "\n" for r in rows).encode()
    old, fastnum._EXT = fastnum._EXT, False
    try:
        values, present = parse_numeric_rows(text, 3)
    finally:
        fastnum._EXT = old
    want, want_present = expected(rows, 3)
    np.testing.assert_array_equal(present, want_present)
    with np.errstate(over="ignore"):
        near = (
            (values == want)
            | (values == np.nextafter(want, np.inf))
            | (values == np.nextafter(want, -np.inf))
        )
    assert np.all(near | ~want_present)
    short = np.array([[digits(c) <= 15 for c in r] for r in rows], dtype=bool).reshape(want.shape)
    assert np.all((values == want) | ~(short & want_present))  # up to 15 digits: exact


@pytest.mark.parametrize(
    "bad",
    ['"1"', "'1'", "abc", "nan", "NaN", "inf", "-inf", "Infinity", "1.2.3", "--1", "+-1", "-+1", "1e", "1e+",
     "1E-", "e5", "E5", ".", "-", "+", "-.", ".e1", "-e1", "1-2", "1+", "1e5.5", "1e5e5", "1e+5e5", "1e1.",
     "1..", " 1", "1 ", "1 2", "1\r2", "0x10", "1_000", "1d5", "\x00", "\uff11", "\u22121", "1e--5", "1e5-"],
)  # fmt: skip
def test_malformed_cell_returns_none(bad: str) -> None:
    good = "1,2.5,-3\n" * 3
    assert parse_numeric_rows(f"{good}4,{bad},6\n{good}".encode(), 3) is None
    assert parse_numeric_rows(f"{bad},,\n".encode(), 3) is None
    assert parse_numeric_rows(f",,{bad}\n".encode(), 3) is None


@pytest.mark.parametrize(
    "text",
    ["1,2\n1,2,3\n", "1,2,3\n1,2\n", "1,2,3,4\n1,2,3\n", "1,2,3,\n", ",1,2,3\n", "\n1,2,3\n", "1,2,3\n\n"],
)
def test_wrong_cell_count_returns_none(text: str) -> None:
    assert parse_numeric_rows(text.encode() * 5, 3) is None


def test_incomplete_line_and_lone_cr_return_none() -> None:
    assert parse_numeric_rows(b"1,2,3\n4,5,6", 3) is None
    assert parse_numeric_rows(b"1,2,3\r", 3) is None
    assert parse_numeric_rows(b"1,2,3\r\r\n", 3) is None
    assert parse_numeric_rows(b"1,2,3\n\r1,2,3\n", 3) is None


def test_empty_chunk() -> None:
    values, present = parse_numeric_rows(b"", 4)
    assert values.shape == present.shape == (0, 4)
    assert values.dtype == np.float64 and present.dtype == bool


def test_empty_cells_and_lines() -> None:
    check(b",,\n,,\n", [["", "", ""], ["", "", ""]], 3)
    check(b"\n\n5\n", [[""], [""], ["5"]], 1)
    check(b"1,,3\r\n,2,\r\n", [["1", "", "3"], ["", "2", ""]], 3)


def test_tab_and_other_delimiters() -> None:
    rows = [["0", "1.5", "-2e-3"], ["", "7", ""]]
    for d in ["\t", ";", " ", "|"]:
        check("".join(d.join(r) + "\n" for r in rows).encode(), rows, 3, d.encode())
    assert parse_numeric_rows(b"1\t2\n", 2) is None  # tab is not the default delimiter


def test_lightning_style_rows_in_pieces() -> None:
    rng = np.random.default_rng(1)
    f32 = rng.standard_normal((3000, 5)).astype(np.float32).tolist()
    rows = [
        ["12", str(i), repr(r[0]), repr(r[1] * 1e-6), "", "", ""]
        if i % 10
        else ["12", str(i), "", "", repr(r[2]), f"{r[3]:.6g}", f"{r[4]:.4e}"]
        for i, r in enumerate(f32)
    ]
    text = "".join(",".join(r) + "\n" for r in rows).encode()
    old, fastnum._PIECE = fastnum._PIECE, 5000
    try:
        check(text, rows, 7)
    finally:
        fastnum._PIECE = old
    check(text, rows, 7)


def test_bad_arguments_raise() -> None:
    for ncols, d in [(0, b","), (2, b""), (2, b",;"), (2, b"."), (2, b"e"), (2, b"5"), (2, b"\n")]:
        with pytest.raises(ValueError):
            parse_numeric_rows(b"1,2\n", ncols, d)
