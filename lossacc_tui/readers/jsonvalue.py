"""One JSON text as Python reads it: strict JSON through orjson, else Python's `json`, which also
reads the `NaN`, `Infinity` and `-Infinity` tokens Python's `json.dumps` writes for non-finite
floats (a run whose loss is NaN from its first record writes them on every line). Strict JSON
(RFC 8259 section 6) has no such tokens, so orjson refuses them."""

from __future__ import annotations

import json

import orjson


def loads(raw: bytes | str) -> object:
    """The value of one JSON text (a line of a JSON lines log); ValueError when it is none, even
    with NaN/Infinity read as numbers."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(raw)
    except RecursionError:
        raise ValueError("nested too deep") from None
