"""Strings from logs are data: shown as plain text, never as markup, without control characters.

Textual-free. The one cleaning function lives in `lossacc_tui.clean`; readers already applied it,
and the app applies it again to anything it shows (harmless: cleaning is idempotent).

>>> clean("\\x1b[31mval_loss\\x1b[0m\\tnow\\x07")
'val_loss now'
>>> clean("[red]loss[/]")
'[red]loss[/]'
"""

from __future__ import annotations

from lossacc_tui.clean import clean

__all__ = ["clean"]
