"""Names from logs inside explanation Markdown: data, shown as written, never markup.

A metric or run name (a CSV header, a `--map` target) is inserted into prose that is rendered as
CommonMark (Rich's Markdown, which uses markdown-it): `[vl](http://x)` would become a link and
`**vl**` bold. CommonMark lets any ASCII punctuation be escaped with a backslash (spec section 2.4,
"Backslash escapes"), so each character that can start markup is escaped, and the name renders
as itself.

>>> md_literal("[vl](http://x)")
'\\\\[vl\\\\](http://x)'
>>> md_literal("val_loss")
'val_loss'
>>> md_names("val **vl** rose", ["**vl**"])
'val \\\\*\\\\*vl\\\\*\\\\* rose'
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

#: punctuation that can open markup inside a line: emphasis, code, links and images, HTML and
#: autolinks, entities, strikethrough, tables, headings, the escape itself
_ACTIVE = re.compile(r"[\\`*\[\]<>&!~|#]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


@functools.lru_cache(maxsize=4096)
def md_literal(name: str) -> str:
    """`name` escaped so CommonMark renders it as written. An underscore between two letters or
    digits is left alone (intraword `_` never opens emphasis), so ordinary names such as
    `val_loss` are unchanged. (Remembered for the last 4,096 names: a run's few metric names are
    escaped for every line of every text about it.)"""
    return _ACTIVE.sub(lambda m: "\\" + m.group(0), name)


def md_names(text: str, names: Iterable[str | None]) -> str:
    """`text` (prose about a run) with every occurrence of each name escaped by `md_literal`,
    longest name first (one pass, so an escaped name is never escaped again). Names that need no
    escaping leave the text as it is. O(len(text))."""
    need = sorted({n for n in names if n and md_literal(n) != n}, key=len, reverse=True)
    if not need:
        return text
    return _names_pattern(tuple(need)).sub(lambda m: md_literal(m.group(0)), text)


@functools.lru_cache(maxsize=256)
def _names_pattern(need: tuple[str, ...]) -> re.Pattern[str]:
    """The alternation of `need` (longest first), compiled once for the same names."""
    return re.compile("|".join(re.escape(n) for n in need))
