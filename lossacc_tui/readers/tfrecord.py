"""TFRecord framing, as TensorBoard event files use it: `uint64 length | uint32 masked crc32c(length)
| data | uint32 masked crc32c(data)`, little-endian (the format of TensorFlow's `tf.io` record
writer; CRC-32C is the Castagnoli polynomial, masked as TFRecord stores it).

`_frame` finds, all at once with numpy, the records that follow one another from an offset.
"""

from __future__ import annotations

import numpy as np

HEADER = 12  # length (8) + crc of length (4)
FOOTER = 4  # crc of data
MAX_RECORD = 1 << 30  # a longer "record" is taken for corrupt framing (keeps a length's top 4 bytes 0)
#: records of one length fewer than this are checked one by one in Python (about 0.1 us a byte),
#: more together with numpy (a few us a byte position, for all of them at once)
FEW_ROWS = 32


def _crc_table() -> list[int]:
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1  # Castagnoli polynomial, reflected
        table.append(c)
    return table


_TABLE = _crc_table()


def masked_crc32c(data: bytes | bytearray | memoryview) -> int:
    """CRC-32C of `data`, masked as TFRecord stores it."""
    crc = 0xFFFFFFFF
    table = _TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    crc ^= 0xFFFFFFFF
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


_TABLE_NP = np.array(_TABLE, dtype=np.uint32)


def masked_crc32c_rows(rows: np.ndarray) -> np.ndarray:
    """masked_crc32c of each row of a (records, length) uint8 array, all rows at once (uint32)."""
    crc = np.full(len(rows), 0xFFFFFFFF, dtype=np.uint32)
    for k in range(rows.shape[1]):
        crc = _TABLE_NP[(crc ^ rows[:, k]) & 0xFF] ^ (crc >> 8)
    crc ^= np.uint32(0xFFFFFFFF)
    return ((crc >> 15) | (crc << 17)) + np.uint32(0xA282EAD8)  # uint32 wraps around, as the mask wants


def data_crc_bad(data: bytearray, starts: list[int]) -> list[int]:
    """The offsets among `starts` (framed records, their lengths checked) whose data checksum does
    not match: a byte changed inside the record (its value would be read wrong). All at once: the
    records of one length (a training log's scalar events mostly share a few) are checked together
    with `masked_crc32c_rows`."""
    if not starts:
        return []
    buf = np.frombuffer(data, dtype=np.uint8)
    at = np.asarray(starts, dtype=np.int64)
    length = buf[at[:, None] + np.arange(8)].copy().view("<u8")[:, 0].astype(np.int64)
    bad: list[int] = []
    for size in np.unique(length).tolist():
        rows = np.flatnonzero(length == size)
        body = at[rows] + HEADER
        stored = buf[(body + size)[:, None] + np.arange(FOOTER)].copy().view("<u4")[:, 0]
        if len(rows) < FEW_ROWS:  # (a graph or an image: one long record; numpy's per-byte step costs more)
            crc = np.array([masked_crc32c(data[b : b + size]) for b in body.tolist()], dtype=np.uint32)
        else:
            crc = masked_crc32c_rows(buf[body[:, None] + np.arange(size)])
        bad += at[rows[crc != stored]].tolist()
    return sorted(bad)


def _frame(data: bytearray, i: int, n: int) -> list[int]:
    """Offsets of the complete records that follow one another from offset i, each with a length
    below MAX_RECORD whose checksum matches; [] when the header at i is not one of those.

    All at once: every place whose 4 top length bytes are zero is a candidate header; the
    candidates' length checksums are computed together; the records are the candidates each of
    which begins where the one before ends (a candidate inside a record's data, a 1 in 2**32
    chance, just ends the list early, and the caller frames again after the last record)."""
    buf = np.frombuffer(data, dtype=np.uint8)[i:n]
    m = len(buf) - HEADER + 1
    if m < 1:
        return []
    zero = buf == 0
    cand = np.flatnonzero(zero[4 : 4 + m] & zero[5 : 5 + m] & zero[6 : 6 + m] & zero[7 : 7 + m])
    if not len(cand) or cand[0] != 0:
        return []
    windows = np.ndarray((m,), dtype=np.dtype("V12"), buffer=buf, strides=(1,))
    head = windows[cand].view(np.uint8).reshape(len(cand), HEADER)
    length = head[:, :8].copy().view("<u8")[:, 0]
    good = (masked_crc32c_rows(head[:, :8]) == head[:, 8:].copy().view("<u4")[:, 0]) & (length <= MAX_RECORD)
    if not good[0]:
        return []
    cand, length = cand[good], length[good].astype(np.int64)
    end = cand + (HEADER + FOOTER) + length
    valid = end <= len(buf)
    valid[1:] &= cand[1:] == end[:-1]
    count = int(np.argmin(valid)) if not valid.all() else len(cand)
    return (cand[:count] + i).tolist()


__all__ = ["FOOTER", "HEADER", "MAX_RECORD", "masked_crc32c", "masked_crc32c_rows"]
