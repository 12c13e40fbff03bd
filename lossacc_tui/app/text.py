"""Strings from logs are data: shown as plain text, never as markup, without control characters.

Textual-free.

>>> clean("\\x1b[31mval_loss\\x1b[0m\\tnow\\x07")
'val_loss now'
>>> clean("[red]loss[/]")
'[red]loss[/]'
"""

from __future__ import annotations

import re

# ANSI CSI / OSC / other escape sequences, then any remaining C0/C1 control character
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]|\x9b[0-?]*[ -/]*[@-~]"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # not \t (09) or \n (0a)
_SPACE = re.compile(r"[\t\n\r]")


def clean(s: object, keep_newlines: bool = False) -> str:
    """`s` as a string without escape sequences and control characters (tabs become spaces; line
    breaks too unless kept)."""
    text = _ESCAPES.sub("", str(s))
    if keep_newlines:
        return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\t", " "))
    return _CONTROL.sub("", _SPACE.sub(" ", text))
