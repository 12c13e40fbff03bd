"""Readers: one module per log format, each registered under its format id.

Every reader takes bytes as they arrive (`feed(chunk)`), keeps an unfinished last line until its
newline comes, and returns columnar `Batch`es; `finish()` flushes what is left at the end.
"""

from lossacc_tui.readers import csvlike, jsonl  # noqa: F401  (registration)
from lossacc_tui.readers.base import Reader
from lossacc_tui.readers.registry import READERS

__all__ = ["READERS", "Reader"]
