"""Strings from logs are data: the one function that makes a string from a log (a metric name, a
file or run name, a cell's text, a problem message) safe to show on any terminal.

It removes what a terminal would act on instead of showing: escape sequences (ECMA-48 CSI, OSC
such as OSC 52 "set clipboard" and OSC 0 "set title", DCS/SOS/PM/APC strings, two-byte ESC
sequences), the 8-bit C1 forms of the same, every other C0/C1 control character and DEL, and the
Unicode bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069, marks U+200E/U+200F,
U+061C) that can make text read in a different order than it is stored ("Trojan Source",
CVE-2021-42574), and the invisible characters that show nothing at all (zero-width space and
joiners U+200B-U+200D, word joiner and invisible operators U+2060-U+2064, U+180E, the byte-order
mark U+FEFF met inside a line). Tabs and line breaks become spaces unless `keep_newlines`. A
metric name is cleaned further (`clean_name`): every other format character goes too (the soft
hyphen, tag characters), and its combining marks are composed with their letters where Unicode
can (NFC: `va\u0301l_acc` is `vál_acc`, one name however it was typed), so a name is the one it
shows as. Its letters without their marks (`fold_marks`) are what roles are read from: `vál_acc`
is a validation accuracy, `tr\u0332ain_loss` a training loss.

Readers and sources apply it once, where they hand strings over; output code may rely on it.

>>> clean("\\x1b[31mval_loss\\x1b[0m\\tnow\\x07")
'val_loss now'
>>> clean("acc\\x1b]52;c;UFdORUQ=\\x07")
'acc'
>>> clean("[red]loss[/]")
'[red]loss[/]'
>>> clean("lr\\u202egnp.exe")
'lrgnp.exe'
"""

from __future__ import annotations

import re
import unicodedata

# Sequences first (so their parameters go with them), then single characters.
_SEQUENCES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"  # CSI ... final byte
    r"|\x9b[0-?]*[ -/]*[@-~]?"  # 8-bit CSI
    r"|[\x1b][\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC / DCS / SOS / PM / APC strings
    r"|[\x9d\x90\x98\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # their 8-bit forms
    r"|\x1b[ -/]*[0-~]?"  # other escape sequences (ESC ( B, ESC c, ESC 7 ...)
)
_CONTROLS = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
_BREAKS = re.compile(r"\r\n|[\t\n\r\u2028\u2029\x0b\x0c\x85]")


def clean(s: object, keep_newlines: bool = False) -> str:
    """`s` as a string a terminal shows as it is: no escape sequences, no control characters, no
    bidirectional overrides. Tabs become spaces; line breaks too unless `keep_newlines` (then they
    become `\\n`). Plain printable text is returned unchanged (the common case costs one check)."""
    text = s if isinstance(s, str) else str(s)
    if text.isprintable():
        return text  # no Cc/Cf/Zl/Zp characters: nothing to remove
    text = _SEQUENCES.sub("", text)
    if keep_newlines:
        text = _BREAKS.sub(lambda m: " " if m.group() == "\t" else "\n", text)
    else:
        text = _BREAKS.sub(" ", text)
    return _CONTROLS.sub("", text)


def clean_name(s: object) -> str:
    """A metric name (a JSON key, a CSV header cell, a printed name) as `clean` makes it, with every
    other invisible format character (Unicode category Cf: the soft hyphen U+00AD, tag characters)
    removed too: a name is matched by what it shows, so two keys that show alike are one name.

    >>> clean_name("val\u200d_acc\u200f"), clean_name("val\xad_loss")
    ('val_acc', 'val_loss')
    """
    text = clean(s)
    if text.isascii():
        return text
    if not text.isprintable():
        text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return unicodedata.normalize("NFC", text)


def shown_as_is(name: str) -> bool:
    """True when `clean_name(name) == name`, asked cheaply: printable text, plain ASCII or with its
    combining marks already composed with their letters."""
    return name.isprintable() and (name.isascii() or unicodedata.is_normalized("NFC", name))


#: the combining marks a name's letters may carry (Unicode blocks of category Mn/Me marks that
#: follow a Latin, Greek or Cyrillic letter): a regex class body, for the patterns that find names
MARKS = "\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"


def fold_marks(name: str) -> str:
    """`name`'s letters without their combining marks and in their plain form (NFKD: a full-width
    `ｖａｌ` is `val`): what a role is read from. Plain ASCII is returned as it is.

    >>> fold_marks("va\u0301l_acc"), fold_marks("tr\u0332ain_loss"), fold_marks("ｖａｌ＿ａｃｃ")
    ('val_acc', 'train_loss', 'val_acc')
    """
    if name.isascii():
        return name
    plain = unicodedata.normalize("NFKD", name)
    bare = "".join(c for c in plain if unicodedata.category(c) not in ("Mn", "Me"))
    return unicodedata.normalize("NFC", bare)


#: what JSON may carry raw but a terminal printing it could act on (DEL, the C1 controls, the
#: bidirectional marks, line separators): written as JSON's own \\uXXXX escapes instead
_JSON_RAW = re.compile(r"[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def json_text(text: str) -> str:
    """JSON text (orjson's: the C0 controls are already escaped) with every character a terminal
    could act on written as a \\uXXXX escape, so a string that holds one (a real path) is kept
    exactly for a JSON reader and prints as plain text. Such characters appear only inside
    strings, where the escape means the same character (RFC 8259, section 7).

    >>> json_text('{"a": "x' + chr(0x9B) + 'y"}')
    '{"a": "x\\\\u009by"}'
    """
    if text.isascii():
        return text
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def clean_lines(text: str) -> str:
    """The same for a block of log text that is parsed afterwards: escape sequences and control
    characters go, but tabs and newlines (the layout readers parse) stay; a lone CR goes."""
    if text.isprintable():
        return text
    return _CONTROLS.sub("", _SEQUENCES.sub("", text))


def is_clean(s: str) -> bool:
    """True when `clean(s) == s`: nothing a terminal would act on."""
    return clean(s) == s
