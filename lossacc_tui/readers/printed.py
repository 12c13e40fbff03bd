"""A framework's console with the user's own metric prints in it (`print(f"epoch {e} val_loss
{v:.4f} val_acc {a:.4f}")` beside the framework's lines, redirected to one file): a console reader
reads its framework's lines; a printed metrics line it does not read (one `text_kv` reads, with a
loss or an accuracy among its names) is said, once per set of names, naming them and what
`--format text-kv` would read instead (those lines, not the framework's: tester 26 found that advice
breaks a timm console's reading): never a silent drop. The PyTorch-example and Lightning readers say
them so too; scikit-learn's reader reads them (`sklearn_mlp`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lossacc_tui.readers.base import clean_text

if TYPE_CHECKING:
    from lossacc_tui.readers.base import Reader

#: words one of which a printed metrics line holds (a cheap test before the line is parsed)
_WORDS = ("loss", "acc", "Loss", "Acc", "LOSS", "ACC")


class Unread:
    """The printed metrics lines a reader left unread, said once per set of names."""

    def __init__(self, marked: bool = False, words: bool = True) -> None:
        """`marked`: only lines with an epoch or step counter (`epoch 3 ...`) count, for a console
        that prints other `name=value` lines with a loss in their names (mmengine's config dump:
        `loss_weight=1.0`). `words`: only lines with a loss or an accuracy word are parsed (False:
        any line with a digit, for the PyTorch example, whose other lines are few)."""
        self._told: set[frozenset[str]] = set()
        self._marked = marked
        self._words = words

    def see(self, reader: Reader, raw: str, line: int) -> None:
        """`raw`: a line the reader's own patterns did not take; `line`: its number (0-based)."""
        if (self._words and not any(w in raw for w in _WORDS)) or not any(c.isdigit() for c in raw):
            return
        # (imported here: importing text_kv first would register it before the console readers, and
        # the order of registration breaks ties between sniffers)
        from lossacc_tui.readers.text_kv import MAX_LINE, metric_like, parse_line

        if len(raw) > MAX_LINE:
            return
        values, epoch, step = parse_line(clean_text(raw))
        if self._marked and epoch is None and step is None:
            return
        if any(metric_like(n) for n in values) and frozenset(values) not in self._told:
            self._told.add(frozenset(values))
            reader.problem(
                line,
                f"printed metrics not read as {reader.format_id} ({', '.join(values)}): "
                f"only {reader.format_id}'s own lines are read; --format text-kv reads lines like these, "
                "but not the framework's own: one run cannot have both yet",
            )
