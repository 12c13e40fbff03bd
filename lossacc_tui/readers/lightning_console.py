"""PyTorch Lightning's console: the TQDM progress bar, redrawn with carriage returns, e.g.

    Epoch 3: 100%|██████████| 50/50 [00:07<00:00,  6.6it/s, v_num=0, train_loss=0.0225, val_loss=0.427]

The postfix holds what `self.log(..., prog_bar=True)` logged; Lightning updates it at every step
and after validation. Only the end-of-epoch state counts: the last redraw of epoch e (seen when
epoch e+1 begins, when Lightning says `fit` stopped, or at the end of the file) becomes one record
at x = epoch e (a follower, which never sees a file end, gets the last epoch at that message).
`v_num` (the logger's version) is not a metric; validation and sanity-check sub-bars are not
records.
Writer: lightning.pytorch.callbacks.TQDMProgressBar (format of tqdm's `{postfix}`).
"""

from __future__ import annotations

import re
from typing import ClassVar

from lossacc_tui.model import Batch, BatchBuilder
from lossacc_tui.readers.base import Reader, clean_text, to_float
from lossacc_tui.readers.layouts import Level
from lossacc_tui.readers.registry import register

_BAR = re.compile(r"Epoch (\d+):\s+\d+%\|[^|]*\|\s*\d+/\d+\s*\[([^\]]*)\]")
_NOT_METRICS = frozenset({"v_num"})
#: what Lightning prints when `fit` ends (max_epochs/max_steps reached; EarlyStopping's verbose
#: message): no redraw of the last epoch's bar follows
_END = re.compile(r"`Trainer\.fit` stopped|Signaling Trainer to stop")


def parse_bar(text: str) -> tuple[int, dict[str, float]] | None:
    """(epoch, postfix metrics) of the last progress-bar redraw in a line, or None."""
    bars = list(_BAR.finditer(text))
    if not bars:
        return None
    found = bars[-1]
    values: dict[str, float] = {}
    for item in found.group(2).split(","):
        key, sep, raw = item.strip().partition("=")
        v = to_float(raw) if sep else None
        if v is not None and key not in _NOT_METRICS:
            values[key] = v
    return int(found.group(1)), values


@register
class LightningConsoleReader(Reader):
    format_id: ClassVar[str] = "lightning-console"

    @classmethod
    def sniff(cls, name: str, head: str) -> float:
        hits = sum(1 for ln in head.replace("\r", "\n").splitlines()[:2000] if _BAR.search(ln))
        return Level.CERTAIN.score if hits >= 1 else 0.0

    def __init__(self) -> None:
        super().__init__()
        self._epoch: int | None = None
        self._state: dict[str, float] = {}
        self._line = 0

    def _lines(self, block: bytes, first_line: int) -> list[Batch]:
        out = BatchBuilder()
        for i, raw in enumerate(self.text_lines(block)):
            parsed = parse_bar(clean_text(raw)) if "Epoch " in raw else None
            if parsed is not None:
                epoch, values = parsed
                if self._epoch is not None and epoch != self._epoch:
                    self._emit(out)
                self._epoch, self._line = epoch, first_line + i
                self._state.update(values)
            if _END.search(raw):  # (the last epoch is whole: said now, not when the file is closed)
                self._emit(out)
        return self.built(out)

    def _flush(self) -> list[Batch]:
        out = BatchBuilder()
        self._emit(out)
        return self.built(out)

    def _emit(self, out: BatchBuilder) -> None:
        if self._epoch is not None and self._state:
            out.add(dict(self._state), epoch=float(self._epoch), line=self._line)
        self._state = {}
        self._epoch = None
